/**
 * `<kahaDB>` attributes (kahadb.md section 9) as typed options with
 * ActiveMQ's defaults. The config loader already checked the attribute names;
 * values are checked again here because tests and embedders build the raw map.
 */
import { BrokerError } from "../../broker/errors.ts";
import { parseByteSize } from "../../config/byte_size.ts";

export type SyncStrategy = "always" | "periodic" | "never";
export type XaRecoveryStrategy = "NEVER" | "COMMIT" | "ROLLBACK";

export interface KahaDBOptions {
  directory: string;
  indexDirectory: string;
  journalMaxFileLength: number;
  journalMaxWriteBatchSize: number;
  journalDiskSyncStrategy: SyncStrategy;
  journalDiskSyncInterval: number;
  checksumJournalFiles: boolean;
  checkForCorruptJournalFiles: boolean;
  checkpointInterval: number;
  cleanupInterval: number;
  cleanupOnStop: boolean;
  enableIndexDiskSyncs: boolean;
  enableIndexRecoveryFile: boolean;
  archiveDataLogs: boolean;
  directoryArchive: string;
  ignoreMissingJournalfiles: boolean;
  forceRecoverIndex: boolean;
  archiveCorruptedIndex: boolean;
  /** `none` skips the sparse preallocation of new journal files. */
  preallocate: boolean;
  enableAckCompaction: boolean;
  compactAcksAfterNoGC: number;
  compactAcksIgnoresStoreGrowth: boolean;
  purgeRecoveredXATransactionStrategy: XaRecoveryStrategy;
  /** Retry period while another broker holds the lock (slave mode). */
  lockAcquireSleepInterval: number;
  /** How often the lock file is checked to still be ours; 0 = never. */
  lockKeepAlivePeriod: number;
}

const MIB = 1024 * 1024;
/** Smallest journal file we accept: room for a control record, an EOF marker and a little data. */
const MIN_FILE_LENGTH = 4096;

function invalid(name: string, value: string, accepted: string): never {
  throw new BrokerError(
    "illegal-state",
    `Invalid <kahaDB> attribute ${name}="${value}"; accepted: ${accepted}`,
  );
}

/**
 * Typed options from the raw `<kahaDB>` attributes.
 *
 * @example
 * ```ts
 * const o = parseKahaDBOptions("data/kahadb", { journalMaxFileLength: "64 kb" });
 * o.journalMaxFileLength; // 65536
 * ```
 */
export function parseKahaDBOptions(directory: string, raw: Record<string, string>): KahaDBOptions {
  const bool = (name: string, def: boolean): boolean => {
    const v = raw[name];
    if (v === undefined) return def;
    if (/^true$/i.test(v.trim())) return true;
    if (/^false$/i.test(v.trim())) return false;
    return invalid(name, v, "true or false");
  };
  const int = (name: string, def: number, min = 0): number => {
    const v = raw[name];
    if (v === undefined) return def;
    const n = Number(v.trim());
    if (!Number.isSafeInteger(n) || n < min) return invalid(name, v, `a whole number >= ${min}`);
    return n;
  };
  const size = (name: string, def: number, min: number): number => {
    const v = raw[name];
    if (v === undefined) return def;
    let n: number;
    try {
      n = parseByteSize(v);
    } catch {
      return invalid(name, v, `a size such as "32mb" or "1 kb" (1024-based)`);
    }
    if (n < min) return invalid(name, v, `at least ${min} bytes`);
    return n;
  };
  const oneOf = <T extends string>(name: string, def: T, values: readonly T[], caseless = true): T => {
    const v = raw[name];
    if (v === undefined) return def;
    const found = values.find((x) => caseless ? x.toLowerCase() === v.trim().toLowerCase() : x === v.trim());
    return found ?? invalid(name, v, values.join(", "));
  };

  let strategy = oneOf<SyncStrategy>("journalDiskSyncStrategy", "always", ["always", "periodic", "never"]);
  // Deprecated boolean alias (kahadb.md 2.3): false means never.
  if (raw.enableJournalDiskSyncs !== undefined && !bool("enableJournalDiskSyncs", true)) strategy = "never";
  const scope = oneOf("preallocationScope", "entire_journal", [
    "entire_journal",
    "entire_journal_async",
    "none",
  ]);
  oneOf("preallocationStrategy", "sparse_file", ["sparse_file", "os_kernel_copy", "zeros", "chunked_zeros"]);

  return {
    directory,
    indexDirectory: raw.indexDirectory?.trim() || directory,
    journalMaxFileLength: size("journalMaxFileLength", 32 * MIB, MIN_FILE_LENGTH),
    journalMaxWriteBatchSize: size("journalMaxWriteBatchSize", 4 * MIB, 1024),
    journalDiskSyncStrategy: strategy,
    journalDiskSyncInterval: int("journalDiskSyncInterval", 1000, 1),
    checksumJournalFiles: bool("checksumJournalFiles", true),
    checkForCorruptJournalFiles: bool("checkForCorruptJournalFiles", false),
    checkpointInterval: int("checkpointInterval", 5000, 1),
    cleanupInterval: int("cleanupInterval", 30000, 1),
    cleanupOnStop: bool("cleanupOnStop", true),
    enableIndexDiskSyncs: bool("enableIndexDiskSyncs", true),
    enableIndexRecoveryFile: bool("enableIndexRecoveryFile", true),
    archiveDataLogs: bool("archiveDataLogs", false),
    directoryArchive: raw.directoryArchive?.trim() || "data-archive",
    ignoreMissingJournalfiles: bool("ignoreMissingJournalfiles", false),
    forceRecoverIndex: bool("forceRecoverIndex", false),
    archiveCorruptedIndex: bool("archiveCorruptedIndex", false),
    preallocate: scope !== "none",
    enableAckCompaction: bool("enableAckCompaction", true),
    compactAcksAfterNoGC: int("compactAcksAfterNoGC", 10, 0),
    compactAcksIgnoresStoreGrowth: bool("compactAcksIgnoresStoreGrowth", false),
    purgeRecoveredXATransactionStrategy: oneOf<XaRecoveryStrategy>(
      "purgeRecoveredXATransactionStrategy",
      "NEVER",
      ["NEVER", "COMMIT", "ROLLBACK"],
    ),
    lockAcquireSleepInterval: int("lockAcquireSleepInterval", 10000, 1),
    lockKeepAlivePeriod: int("lockKeepAlivePeriod", 30000, 0),
  };
}
