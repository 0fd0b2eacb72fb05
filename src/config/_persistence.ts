import type { AttributeKind, LoadContext } from "./_context.ts";
import { isPlumbing } from "./_context.ts";
import { joinPath, type PersistenceAdapterConfig } from "./broker_config.ts";
import type { XmlElement } from "./xml_tree.ts";

const ADAPTERS = ["kahaDB", "jdbcPersistenceAdapter", "memoryPersistenceAdapter"];
const FACTORIES = ["journalPersistenceAdapterFactory"];

// Adapters ActiveMQ has (or had) that this broker cannot run. Falling back to another store would
// put the data somewhere else than the operator expects, so these are errors, not warnings.
const NOT_AVAILABLE: Record<string, string> = {
  mKahaDB: "multi-KahaDB is not supported yet",
  levelDB: "LevelDB was removed in ActiveMQ 5.17",
  replicatedLevelDB: "replicated LevelDB was removed in ActiveMQ 5.17",
};

// kahadb.md section 9.
const KAHADB_ATTRIBUTES = new Map<string, AttributeKind>([
  ["directory", "string"],
  ["indexDirectory", "string"],
  ["journalMaxFileLength", "size"],
  ["journalMaxWriteBatchSize", "size"],
  ["journalDiskSyncStrategy", "string"],
  ["journalDiskSyncInterval", "integer"],
  ["enableJournalDiskSyncs", "boolean"],
  ["checksumJournalFiles", "boolean"],
  ["checkForCorruptJournalFiles", "boolean"],
  ["checkpointInterval", "integer"],
  ["lockAcquireSleepInterval", "integer"],
  ["lockKeepAlivePeriod", "integer"],
  ["cleanupInterval", "integer"],
  ["cleanupOnStop", "boolean"],
  ["indexWriteBatchSize", "integer"],
  ["indexCacheSize", "integer"],
  ["enableIndexWriteAsync", "boolean"],
  ["enableIndexDiskSyncs", "boolean"],
  ["enableIndexRecoveryFile", "boolean"],
  ["enableIndexPageCaching", "boolean"],
  ["archiveDataLogs", "boolean"],
  ["directoryArchive", "string"],
  ["ignoreMissingJournalfiles", "boolean"],
  ["forceRecoverIndex", "boolean"],
  ["archiveCorruptedIndex", "boolean"],
  ["preallocationStrategy", "string"],
  ["preallocationScope", "string"],
  ["concurrentStoreAndDispatchQueues", "boolean"],
  ["concurrentStoreAndDispatchTopics", "boolean"],
  ["enableAckCompaction", "boolean"],
  ["compactAcksAfterNoGC", "integer"],
  ["compactAcksIgnoresStoreGrowth", "boolean"],
  ["maxAsyncJobs", "integer"],
  ["purgeRecoveredXATransactionStrategy", "string"],
  ["failoverProducersAuditDepth", "integer"],
  ["maxFailoverProducersToTrack", "integer"],
  ["lockKeepAlivePeriod", "integer"],
]);

// jdbc.md section 10.
const JDBC_ATTRIBUTES = new Map<string, AttributeKind>([
  ["dataSource", "string"],
  ["lockDataSource", "string"],
  ["createTablesOnStartup", "boolean"],
  ["cleanupPeriod", "integer"],
  ["useLock", "boolean"],
  ["lockKeepAlivePeriod", "integer"],
  ["lockAcquireSleepInterval", "integer"],
  ["transactionIsolation", "integer"],
  ["maxRows", "integer"],
  ["useExternalMessageReferences", "boolean"],
  ["changeAutoCommitAllowed", "boolean"],
  ["queryTimeout", "integer"],
  ["networkTimeout", "integer"],
  ["auditRecoveryDepth", "integer"],
  ["enableAudit", "boolean"],
  ["maxAuditDepth", "integer"],
  ["maxProducersToAudit", "integer"],
  ["directory", "string"],
  ["dataDirectory", "string"],
]);

// jdbc.md section 11.
const JOURNAL_FACTORY_ATTRIBUTES = new Map<string, AttributeKind>([
  ["dataSource", "string"],
  ["dataDirectory", "string"],
  ["journalLogFiles", "integer"],
  ["journalLogFileSize", "size"],
  ["checkpointInterval", "integer"],
  ["useJournal", "boolean"],
  ["useQuickJournal", "boolean"],
  ["journalArchiveDirectory", "string"],
  ["createTablesOnStartup", "boolean"],
  ["useDatabaseLock", "boolean"],
  ["useLock", "boolean"],
  ["transactionIsolation", "integer"],
  ["maxCheckpointMessageAddSize", "size"],
]);

/** Child property elements that are flattened into options (see PersistenceAdapterConfig). */
const KAHADB_CHILDREN = new Set(["locker"]);
const JDBC_CHILDREN = new Set(["adapter", "statements", "locker"]);

/** `<persistenceAdapter>`: exactly one adapter element. */
export function readPersistenceAdapter(
  el: XmlElement,
  ctx: LoadContext,
  dataDirectory: string,
): PersistenceAdapterConfig {
  const adapter = single(el, ctx, ADAPTERS);
  switch (adapter.name) {
    case "kahaDB":
      return readKahaDB(adapter, ctx, dataDirectory);
    case "jdbcPersistenceAdapter":
      return {
        kind: "jdbc",
        ...readJdbcLike(adapter, ctx, JDBC_ATTRIBUTES, JDBC_CHILDREN),
        location: ctx.location(adapter),
      };
    case "memoryPersistenceAdapter":
      ctx.warnUnknownAttributes(adapter, new Set<string>());
      for (const child of adapter.children) ctx.unsupported(child);
      return { kind: "memory" };
  }
  const reason = NOT_AVAILABLE[adapter.name];
  throw ctx.error(
    adapter,
    `${reason ? `${reason}; ` : "Unknown persistence adapter; "}accepted: ${
      ADAPTERS.map((a) => `<${a}>`).join(", ")
    } ` +
      `(or <persistenceFactory><journalPersistenceAdapterFactory>)`,
  );
}

/** `<persistenceFactory><journalPersistenceAdapterFactory dataSource="#ds" …/>` → journaled JDBC. */
export function readPersistenceFactory(el: XmlElement, ctx: LoadContext): PersistenceAdapterConfig {
  const factory = single(el, ctx, FACTORIES);
  if (factory.name !== "journalPersistenceAdapterFactory") {
    throw ctx.error(factory, `Unknown persistence factory; accepted: <journalPersistenceAdapterFactory>`);
  }
  return {
    kind: "journaledJdbc",
    ...readJdbcLike(factory, ctx, JOURNAL_FACTORY_ATTRIBUTES, JDBC_CHILDREN),
    location: ctx.location(factory),
  };
}

function single(el: XmlElement, ctx: LoadContext, accepted: string[]): XmlElement {
  if (el.children.length !== 1) {
    throw ctx.error(
      el.children[1] ?? el,
      `<${el.name}> needs exactly one child; accepted: ${accepted.map((a) => `<${a}>`).join(", ")}`,
    );
  }
  return el.children[0];
}

function readKahaDB(el: XmlElement, ctx: LoadContext, dataDirectory: string): PersistenceAdapterConfig {
  ctx.warnUnknownAttributes(el, KAHADB_ATTRIBUTES);
  ctx.checkKinds(el, KAHADB_ATTRIBUTES);
  const options = readOptions(el, ctx, KAHADB_ATTRIBUTES, KAHADB_CHILDREN);
  const directory = options.directory ?? joinPath(dataDirectory, "kahadb");
  delete options.directory;
  return { kind: "kahaDB", directory, options, location: ctx.location(el) };
}

function readJdbcLike(
  el: XmlElement,
  ctx: LoadContext,
  known: ReadonlyMap<string, AttributeKind>,
  children: ReadonlySet<string>,
) {
  ctx.warnUnknownAttributes(el, known);
  ctx.checkKinds(el, known);
  const dataSource = ctx.ref(el, "dataSource");
  if (ctx.attribute(el, "lockDataSource")) ctx.ref(el, "lockDataSource");
  const options = readOptions(el, ctx, known, children);
  delete options.dataSource;
  return dataSource ? { dataSource, options } : { options };
}

/** Known attributes as options, plus `<child><impl a="1"/></child>` flattened to child / child.a. */
function readOptions(
  el: XmlElement,
  ctx: LoadContext,
  known: ReadonlyMap<string, AttributeKind>,
  children: ReadonlySet<string>,
): Record<string, string> {
  const options: Record<string, string> = {};
  for (const attr of el.attributes) {
    if (!isPlumbing(attr) && known.has(attr.name)) options[attr.name] = ctx.resolve(attr.value, el, attr);
  }
  for (const child of el.children) {
    if (!children.has(child.name)) {
      ctx.unsupported(child);
      continue;
    }
    if (options[child.name] !== undefined) {
      throw ctx.error(child, `appears more than once in <${el.name}>; accepted: one`);
    }
    if (child.children.length !== 1) {
      throw ctx.error(
        child,
        `<${child.name}> needs exactly one child element, e.g. <${child.name}><… /></${child.name}>`,
      );
    }
    const impl = child.children[0];
    options[child.name] = impl.name;
    for (const [name, value] of Object.entries(ctx.allAttributes(impl))) {
      options[`${child.name}.${name}`] = value;
    }
    for (const nested of impl.children) ctx.unsupported(nested);
  }
  return options;
}
