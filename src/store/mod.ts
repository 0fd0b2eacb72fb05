/**
 * Message stores: the interface, and the choice of implementation from a
 * broker config.
 */
import type { BrokerConfig } from "../config/mod.ts";
import { logger } from "../log.ts";
import { createKahaDBAdapter } from "./kahadb/mod.ts";
import { MemoryPersistenceAdapter } from "./memory_persistence_adapter.ts";
import type { PersistenceAdapter } from "./persistence_adapter.ts";

export * from "./persistence_adapter.ts";
export { MemoryPersistenceAdapter } from "./memory_persistence_adapter.ts";
export { createKahaDBAdapter, KahaDBPersistenceAdapter } from "./kahadb/mod.ts";

const log = logger("store");

/** The store a config asks for; one that is not available yet falls back to memory, loudly. */
export function createPersistenceAdapter(config: BrokerConfig): PersistenceAdapter {
  const adapter = config.persistenceAdapter;
  if (!config.persistent || adapter.kind === "memory") return new MemoryPersistenceAdapter();
  if (adapter.kind === "kahaDB") return createKahaDBAdapter(adapter, logger("kahadb"));
  const where = adapter.location ? `${adapter.location.file}:${adapter.location.line}: ` : "";
  const name = adapter.kind === "jdbc" ? "<jdbcPersistenceAdapter>" : "<journalPersistenceAdapterFactory>";
  log.warn(
    `${where}${name} persistence is not available yet in this version; messages are kept in memory ` +
      `and are lost when the broker stops (use <kahaDB/>, or set persistent="false" on <broker> to silence this)`,
  );
  return new MemoryPersistenceAdapter();
}
