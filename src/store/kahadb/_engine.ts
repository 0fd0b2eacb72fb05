/**
 * The KahaDB store itself: journal, index, checkpoints, cleanup, recovery and
 * the lock. It runs inside the store worker (`store_worker.ts`), which is the
 * only code that opens the files; tests may also run it in-process.
 *
 * Writes go through one writer loop (`#drain`): it takes every queued write,
 * turns it into KahaDB commands, appends them as ONE journal batch (so a
 * `write()` is never split across batches or files), applies them to the
 * in-memory index, and when a caller asked for durability awaits one
 * fdatasync for the whole batch. Writes that arrive during that fsync wait in
 * the queue and share the next one (group commit). Checkpoints, cleanup and
 * periodic syncs are tasks in the same queue, so nothing else ever touches
 * the journal or the index concurrently.
 */
import { BrokerError } from "../../broker/errors.ts";
import type { Logger } from "../../log.ts";
import { type Destination, qualifiedName } from "../../message/destination.ts";
import { type StoreStats, type XaTransactionId, xidKey } from "../persistence_adapter.ts";
import { CorruptDataError } from "./_binary.ts";
import { JournalCollector } from "./_collector.ts";
import {
  decodeCommand,
  encodeCommand,
  encodeCommands,
  type KahaCommand,
  type KahaTransactionInfo,
} from "./_commands.ts";
import { denoFs, joinPath, osErrorText, type StoreFs } from "./_file_io.ts";
import { type DestinationState, StoreIndex } from "./_index.ts";
import { type IndexPersistence, readIndex, writeIndex } from "./_index_pages.ts";
import { compareLocations, Journal, journalFileName, type JournalLocation } from "./_journal.ts";
import { RECORD_HEADER_SIZE } from "./_journal_format.ts";
import { StoreLock } from "./_lock.ts";
import { type KahaDBOptions, parseKahaDBOptions } from "./_options.ts";
import { ForeignIndexError, IndexCorruptError, PageFile } from "./_page_file.ts";
import type { RecoveredWire, WireOp } from "./_protocol.ts";
import { buildRecovered } from "./_recovered.ts";
import { operationCommands, Overlay, xaTransaction } from "./_write_commands.ts";

export interface EngineConfig {
  directory: string;
  /** Raw `<kahaDB>` attributes. */
  options?: Record<string, string>;
  /** The file layer (tests inject failures here). */
  fs?: StoreFs;
  log: Logger;
  /** Take the `lock` file (default true). */
  lock?: boolean;
  now?: () => number;
}

interface Deferred {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Encoded {
  cmds: KahaCommand[];
  payloads: Uint8Array[];
  bytes: number;
}

type WriteJob =
  | { kind: "write"; ops: WireOp[]; sync: boolean; d: Deferred; encoded?: Encoded }
  | { kind: "prepare"; xid: XaTransactionId; ops: WireOp[]; d: Deferred; encoded?: Encoded }
  | { kind: "commit" | "rollback"; xid: XaTransactionId; d: Deferred; encoded?: Encoded };

type Job = WriteJob | { kind: "task"; name: string; run: () => Promise<void>; d: Deferred };

export class KahaDBEngine {
  readonly #config: EngineConfig;
  readonly #o: KahaDBOptions;
  readonly #fs: StoreFs;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #journal: Journal;
  #pages: PageFile;
  #index = new StoreIndex();
  readonly #persist: IndexPersistence = { catalogPages: [] };
  #lock: StoreLock | null = null;
  #state: "new" | "starting" | "started" | "stopping" | "stopped" = "new";
  readonly #queue: Job[] = [];
  #draining = false;
  #kicked = false;
  readonly #queuedTasks = new Set<string>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #syncs = 0;
  readonly #txConnection: string;
  #txCounter = 0;
  #checkpointed: JournalLocation | null = null;
  #fenced: string | null = null;
  #failing = false;
  readonly #collector: JournalCollector;

  constructor(config: EngineConfig) {
    this.#config = config;
    this.#o = parseKahaDBOptions(config.directory, config.options ?? {});
    this.#fs = config.fs ?? denoFs;
    this.#log = config.log;
    this.#now = config.now ?? Date.now;
    this.#journal = this.#newJournal();
    this.#pages = this.#newPageFile();
    // deno-lint-ignore no-this-alias
    const engine = this;
    this.#collector = new JournalCollector({
      get index() {
        return engine.#index;
      },
      get journal() {
        return engine.#journal;
      },
      get checkpointed() {
        return engine.#checkpointed;
      },
      log: this.#log,
      checkpoint: () => this.#checkpoint(),
      syncJournal: () => this.#syncJournal(),
    }, this.#o);
    // Local transaction ids that wrap multi-record writes: unique per store session.
    this.#txConnection = `ID:kahadb-store-${this.#now()}-${Math.floor(Math.random() * 1e9)}:1`;
  }

  get directory(): string {
    return this.#o.directory;
  }

  #newJournal(): Journal {
    const archive = this.#o.directoryArchive;
    return new Journal(this.#fs, {
      directory: this.#o.directory,
      maxFileLength: this.#o.journalMaxFileLength,
      checksum: this.#o.checksumJournalFiles,
      preallocate: this.#o.preallocate,
      checkAllFiles: this.#o.checkForCorruptJournalFiles,
      archiveDirectory: archive.startsWith("/") ? archive : joinPath(this.#o.directory, archive),
    }, this.#log);
  }

  #newPageFile(): PageFile {
    return new PageFile(this.#fs, {
      directory: this.#o.indexDirectory,
      recoveryFile: this.#o.enableIndexRecoveryFile,
      diskSyncs: this.#o.enableIndexDiskSyncs,
    }, this.#log);
  }

  // ================================================================== start

  /** Takes the lock (waiting as a slave while another broker has it) and recovers. */
  async start(signal?: AbortSignal): Promise<RecoveredWire> {
    if (this.#state !== "new") {
      throw new BrokerError("illegal-state", `KahaDB store ${this.directory} was already started`);
    }
    this.#state = "starting";
    try {
      if (this.#config.lock !== false) {
        this.#lock = await StoreLock.acquire({
          directory: this.#o.directory,
          retryMs: this.#o.lockAcquireSleepInterval,
          signal,
          log: this.#log,
          now: this.#now,
        });
      }
      const began = performance.now();
      this.#recover();
      const recoveredIndex = performance.now();
      this.#state = "started";
      await this.#writeLoaded();
      await this.#resolveRecoveredXa();
      const recovered = buildRecovered(this.#index, this.#journal, this.#log);
      this.#log.debug(
        `KahaDB start-up of ${this.directory}: index and journal replay ${
          Math.round(recoveredIndex - began)
        } ms, ` +
          `reading messages ${Math.round(performance.now() - recoveredIndex)} ms`,
      );
      this.#log.info(
        `KahaDB store ${this.directory} recovered ${recovered.offsets.length} messages in ` +
          `${recovered.destinations.length} destinations, ${recovered.subscriptions.length} durable ` +
          `subscriptions and ${recovered.prepared.length} prepared transactions in ` +
          `${Math.round(performance.now() - began)} ms`,
      );
      this.#startTimers();
      return recovered;
    } catch (err) {
      this.#state = "stopped";
      this.#journal.close();
      await this.#pages.close(false).catch(() => {});
      this.#lock?.release();
      this.#lock = null;
      throw err;
    }
  }

  #recover(): void {
    this.#journal.open();
    let loaded = false;
    try {
      const opened = this.#pages.open();
      if (opened.redoPagesApplied > 0) {
        this.#log.info(
          `Re-applied ${opened.redoPagesApplied} index pages from ${this.#pages.redoPath} (the last ` +
            `checkpoint was interrupted)`,
        );
      }
      if (opened.fresh && this.#journal.fileIds().length > 0) {
        // The operator deleted the index (or lost it): say why start-up replays the whole journal.
        this.#log.info(
          `KahaDB store ${this.directory} has no index (db.data); rebuilding it from the journal`,
        );
      }
      if (!opened.fresh && !this.#o.forceRecoverIndex) {
        const result = readIndex(this.#pages, this.#index, this.#persist, (l) => this.#readCommand(l));
        if (!opened.freeListLoaded) this.#pages.setFreeFromReachable(result.reachable);
        loaded = true;
      } else if (!opened.fresh) {
        this.#log.info(
          `forceRecoverIndex is set: rebuilding the index of ${this.directory} from the journal`,
        );
        this.#resetIndex(null);
      }
    } catch (err) {
      if (err instanceof ForeignIndexError) {
        // A directory ActiveMQ itself wrote: same journal format, different index format.
        this.#log.info(
          `${err.message}; building this broker's index from the journal (ActiveMQ's index files are ` +
            `kept as db.data.activemq, db.redo.activemq and db.free.activemq)`,
        );
        this.#resetIndex("activemq");
      } else if (err instanceof IndexCorruptError || err instanceof CorruptDataError) {
        this.#log.warn(`The index is corrupt (${err.message}); rebuilding it from the journal`);
        this.#resetIndex(this.#o.archiveCorruptedIndex ? `corrupt-${this.#now()}` : null);
      } else throw err;
    }
    this.#checkpointed = loaded ? this.#index.lastUpdate : null;
    this.#replay(loaded ? this.#index.lastUpdate : null);
    // An index flushed ahead of journal data the OS then lost (journalDiskSyncStrategy=never):
    // replay must not skip over what is written there next.
    const last = this.#journal.lastAppend;
    const update = this.#index.lastUpdate;
    const current = this.#journal.currentFileId;
    if (
      update && (update.file > current || (update.file === current && (!last || last.file !== current ||
        update.offset > last.offset)))
    ) {
      this.#log.warn(
        `KahaDB store ${this.directory}: the index refers to journal data beyond its end ` +
          `(${journalFileName(update.file)} offset ${update.offset}); that data was lost`,
      );
      this.#index.lastUpdate = last;
    }
    // kahadb.md 6 step 7: local transactions still open at the end of the journal are rolled back.
    this.#index.openTxs.clear();
    this.#checkMissingFiles();
  }

  /** Starts an empty index; `keepAs` renames the old index files (suffix) instead of deleting them. */
  #resetIndex(keepAs: string | null): void {
    void this.#pages.close(false);
    const all = keepAs === "activemq";
    for (const path of [this.#pages.dataPath, this.#pages.redoPath, this.#pages.freePath]) {
      if (!this.#fs.exists(path)) continue;
      if (keepAs && (all || path === this.#pages.dataPath)) this.#fs.rename(path, `${path}.${keepAs}`);
      else this.#fs.remove(path);
    }
    this.#index = new StoreIndex();
    this.#persist.catalogPages = [];
    this.#pages = this.#newPageFile();
    this.#pages.open();
  }

  /** Re-applies the journal after `from` (or all of it) through the index. */
  #replay(from: JournalLocation | null): void {
    const files = this.#journal.fileIds().filter((id) => !from || id >= from.file);
    let records = 0;
    let first: JournalLocation | null = null;
    for (const id of files) {
      const scan = this.#journal.scanFile(id);
      for (const p of scan.problems) {
        if (id === this.#journal.currentFileId) continue; // reported by the journal at open
        this.#log.warn(
          `Journal ${this.#journal.pathOf(id)}: ${p.kind === "torn" ? "data ends early" : "corrupt data"} ` +
            `at offset ${p.offset} (${p.reason}); records there are skipped`,
        );
      }
      file: for (const batch of scan.batches) {
        for (const rec of batch.records) {
          if (from && id === from.file && rec.offset <= from.offset) continue;
          const location = { file: id, offset: rec.offset, size: rec.size };
          let cmd: KahaCommand;
          try {
            cmd = decodeCommand(rec.payload);
          } catch (err) {
            this.#log.warn(
              `Journal ${this.#journal.pathOf(id)}: unreadable record at ${rec.offset} skipped: ${err}`,
            );
            continue;
          }
          first ??= location;
          records++;
          this.#copyMessage(cmd);
          this.#index.apply(cmd, location);
          // kahadb.md 5.3: a compacted file is redundant while the file it was copied from exists.
          if (
            cmd.kind === "rewrittenDataFile" && cmd.skipIfSourceExists &&
            this.#journal.hasFile(cmd.sourceDataFileId)
          ) {
            break file;
          }
        }
      }
    }
    if (records > 0) {
      this.#log.info(
        `Recovering ${this.directory} from the journal: replayed ${records} records from ` +
          `${journalFileName(first!.file)} offset ${first!.offset}`,
      );
    }
  }

  /** Transactional adds wait in the index until their commit: copy them out of the file buffer. */
  #copyMessage(cmd: KahaCommand): void {
    if (cmd.kind === "add" && cmd.tx) cmd.message = cmd.message.slice();
  }

  #readCommand(l: JournalLocation): KahaCommand {
    if (!this.#journal.hasFile(l.file)) {
      throw new CorruptDataError(`journal file ${journalFileName(l.file)} is missing`);
    }
    const rec = this.#journal.readRange(l.file, l.offset, l.offset + l.size);
    if (rec.length !== l.size || new DataView(rec.buffer, rec.byteOffset).getInt32(0) !== l.size) {
      throw new CorruptDataError(`no journal record at ${journalFileName(l.file)}:${l.offset}`);
    }
    return decodeCommand(rec.subarray(RECORD_HEADER_SIZE));
  }

  #checkMissingFiles(): void {
    const missing = new Set<number>();
    for (const file of this.#index.fileRefs.keys()) if (!this.#journal.hasFile(file)) missing.add(file);
    if (missing.size === 0) return;
    const names = [...missing].sort((a, b) => a - b).map(journalFileName).join(", ");
    if (!this.#o.ignoreMissingJournalfiles) {
      throw new BrokerError(
        "illegal-state",
        `KahaDB store ${this.directory}: journal files ${names} are missing but hold pending messages; ` +
          `restore them, or set ignoreMissingJournalfiles="true" to start without those messages`,
      );
    }
    let dropped = 0;
    for (const dest of [...this.#index.destinations.values()]) {
      for (const e of [...dest.byId.values()]) {
        if (missing.has(e.file)) {
          this.#index.dropEntry(dest, e);
          dropped++;
        }
      }
    }
    this.#log.warn(
      `KahaDB store ${this.directory}: journal files ${names} are missing; ${dropped} messages are lost`,
    );
  }

  async #writeLoaded(): Promise<void> {
    // kahadb.md 6 step 8, then a checkpoint so the next start replays nothing.
    try {
      const cmd: KahaCommand = { kind: "trace", message: `LOADED ${javaDate(new Date(this.#now()))}` };
      const [location] = this.#journal.append([encodeCommand(cmd)]);
      this.#index.apply(cmd, location);
      await this.#checkpoint();
    } catch (err) {
      this.#log.warn(
        `KahaDB store ${this.directory}: could not write the start-up checkpoint: ${osErrorText(err)}`,
      );
    }
  }

  async #resolveRecoveredXa(): Promise<void> {
    const strategy = this.#o.purgeRecoveredXATransactionStrategy;
    if (strategy === "NEVER" || this.#index.prepared.size === 0) return;
    const kind = strategy === "COMMIT" ? "commit" : "rollback";
    const xids = [...this.#index.prepared.values()].map((p) => p.xid);
    this.#log.info(
      `purgeRecoveredXATransactionStrategy=${strategy}: ${
        kind === "commit" ? "committing" : "rolling back"
      } ` +
        `${xids.length} recovered prepared transactions`,
    );
    await Promise.all(xids.map((xid) => this.#submit({ kind, xid, d: undefined! })));
  }

  #startTimers(): void {
    const every = (ms: number, name: string, run: () => Promise<void>) => {
      this.#timers.push(setInterval(() => {
        if (this.#state !== "started" || this.#queuedTasks.has(name)) return;
        this.#task(name, run).catch((err) =>
          this.#log.error(`KahaDB store ${this.directory}: ${name} failed`, err)
        );
      }, ms));
    };
    every(this.#o.checkpointInterval, "checkpoint", () => this.#checkpoint());
    every(this.#o.cleanupInterval, "cleanup", () => this.#collector.cleanup());
    if (this.#o.journalDiskSyncStrategy === "periodic") {
      every(this.#o.journalDiskSyncInterval, "sync", async () => {
        if (this.#journal.hasUnsynced) await this.#syncJournal();
      });
    }
    if (this.#lock && this.#o.lockKeepAlivePeriod > 0) {
      this.#timers.push(setInterval(() => this.#checkLock(), this.#o.lockKeepAlivePeriod));
    }
  }

  #checkLock(): void {
    if (this.#fenced || !this.#lock) return;
    const why = this.#lock.check();
    if (!why) return;
    this.#fenced = why;
    this.#log.error(
      `KahaDB store ${this.directory} lost its lock: ${why}. Another broker may own the store now; ` +
        `this broker refuses further writes. Restart it to take the lock again`,
    );
  }

  // ================================================================= writes

  write(ops: WireOp[], sync: boolean): Promise<void> {
    return this.#submit({ kind: "write", ops, sync, d: undefined! });
  }

  prepare(xid: XaTransactionId, ops: WireOp[]): Promise<void> {
    return this.#submit({ kind: "prepare", xid, ops, d: undefined! });
  }

  commitPrepared(xid: XaTransactionId): Promise<void> {
    return this.#submit({ kind: "commit", xid, d: undefined! });
  }

  rollbackPrepared(xid: XaTransactionId): Promise<void> {
    return this.#submit({ kind: "rollback", xid, d: undefined! });
  }

  /** Forces a checkpoint now (tests, admin). */
  checkpoint(): Promise<void> {
    return this.#task("checkpoint", () => this.#checkpoint());
  }

  /** Forces a cleanup run now (tests, admin). */
  cleanup(): Promise<void> {
    return this.#task("cleanup", () => this.#collector.cleanup());
  }

  #submit(job: WriteJob): Promise<void> {
    if (this.#state !== "started") {
      return Promise.reject(
        new BrokerError("illegal-state", `The KahaDB store ${this.directory} is not started`),
      );
    }
    return new Promise((resolve, reject) => {
      job.d = { resolve, reject };
      this.#queue.push(job);
      this.#kick();
    });
  }

  #task(name: string, run: () => Promise<void>): Promise<void> {
    if (this.#state !== "started" && this.#state !== "stopping") {
      return Promise.reject(
        new BrokerError("illegal-state", `The KahaDB store ${this.directory} is not started`),
      );
    }
    return new Promise((resolve, reject) => {
      this.#queuedTasks.add(name);
      this.#queue.push({ kind: "task", name, run, d: { resolve, reject } });
      this.#kick();
    });
  }

  /**
   * Starts the writer loop after the current turn, so every command that
   * arrived in one message from the main thread joins the same batch.
   */
  #kick(): void {
    if (this.#draining || this.#kicked) return;
    this.#kicked = true;
    queueMicrotask(() => {
      this.#kicked = false;
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const head = this.#queue[0];
        if (head.kind !== "task") {
          await this.#writeBatch();
          continue;
        }
        this.#queue.shift();
        this.#queuedTasks.delete(head.name);
        try {
          await head.run();
          head.d.resolve();
        } catch (err) {
          head.d.reject(err);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /** One journal batch: every queued write that fits, appended together, synced once. */
  async #writeBatch(): Promise<void> {
    const overlay = new Overlay(this.#index);
    const jobs: WriteJob[] = [];
    const payloads: Uint8Array[] = [];
    let bytes = 0;
    while (this.#queue.length > 0 && this.#queue[0].kind !== "task") {
      const job = this.#queue[0] as WriteJob;
      if (this.#fenced) {
        this.#queue.shift();
        job.d.reject(
          new BrokerError("illegal-state", `KahaDB store ${this.directory} lost its lock: ${this.#fenced}`),
        );
        continue;
      }
      if (!job.encoded) {
        try {
          const cmds = this.#toCommands(job, overlay);
          const encoded = encodeCommands(cmds);
          job.encoded = {
            cmds,
            payloads: encoded,
            bytes: encoded.reduce((n, p) => n + p.length + RECORD_HEADER_SIZE, 0),
          };
        } catch (err) {
          this.#queue.shift();
          job.d.reject(err);
          continue;
        }
      }
      if (jobs.length > 0 && bytes + job.encoded.bytes > this.#o.journalMaxWriteBatchSize) break;
      this.#queue.shift();
      jobs.push(job);
      bytes += job.encoded.bytes;
      for (const p of job.encoded.payloads) payloads.push(p);
    }
    if (jobs.length === 0) return;

    let locations: JournalLocation[] = [];
    if (payloads.length > 0) {
      try {
        locations = this.#journal.append(payloads);
      } catch (err) {
        const error = this.#ioError("write to the journal", err);
        for (const j of jobs) j.d.reject(error);
        // Later jobs were converted assuming these got in.
        for (const j of this.#queue) if (j.kind !== "task") j.encoded = undefined;
        return;
      }
      if (this.#failing) {
        this.#failing = false;
        this.#log.info(`KahaDB store ${this.directory}: journal writes succeed again`);
      }
    }
    let i = 0;
    for (const job of jobs) {
      for (const cmd of job.encoded!.cmds) this.#index.apply(cmd, locations[i++]);
      job.encoded = undefined;
    }
    const durable = (j: WriteJob) => j.kind !== "write" || j.sync;
    const mustSync = payloads.length > 0 && this.#o.journalDiskSyncStrategy === "always" &&
      jobs.some(durable);
    for (const j of jobs) if (!mustSync || !durable(j)) j.d.resolve();
    if (!mustSync) return;
    try {
      await this.#syncJournal();
    } catch (err) {
      const error = this.#ioError("sync the journal to disk", err);
      for (const j of jobs) if (durable(j)) j.d.reject(error);
      return;
    }
    for (const j of jobs) if (durable(j)) j.d.resolve();
  }

  async #syncJournal(): Promise<void> {
    await this.#journal.sync();
    this.#syncs++;
  }

  #ioError(what: string, err: unknown): BrokerError {
    const message = `KahaDB store ${this.directory}: could not ${what}: ${osErrorText(err)}. ` +
      `The operation was not stored; data stored before it is intact. Free disk space (or fix the ` +
      `I/O error) and later writes succeed again`;
    if (!this.#failing) {
      this.#failing = true;
      this.#log.error(message);
    }
    return new BrokerError("resource-limit", message, { cause: err });
  }

  /** The journal records of one job. */
  #toCommands(job: WriteJob, overlay: Overlay): KahaCommand[] {
    if (job.kind === "commit" || job.kind === "rollback") {
      const key = xidKey(job.xid);
      if (!overlay.isPrepared(key)) {
        throw new BrokerError("transaction", `Unknown prepared transaction ${key}`);
      }
      overlay.prepared.set(key, false);
      return [{ kind: job.kind, tx: xaTransaction(job.xid) }];
    }
    if (job.kind === "prepare") {
      const key = xidKey(job.xid);
      if (overlay.isPrepared(key)) {
        throw new BrokerError("transaction", `Transaction ${key} is already prepared`);
      }
      const bad = job.ops.find((o) => o.op !== "add" && o.op !== "remove" && o.op !== "ack");
      if (bad) {
        throw new BrokerError("not-supported", `A "${bad.op}" operation cannot be part of an XA transaction`);
      }
      const tx = xaTransaction(job.xid);
      const cmds = operationCommands(job.ops, overlay);
      for (const c of cmds) {
        if (c.kind === "add") c.message = c.message.slice(); // kept until the outcome is known
        if (c.kind === "add" || c.kind === "remove") c.tx = tx;
      }
      cmds.push({ kind: "prepare", tx });
      overlay.prepared.set(key, true);
      return cmds;
    }
    const cmds: KahaCommand[] = operationCommands((job as { ops: WireOp[] }).ops, overlay);
    // A write of several messages/acks replays all-or-nothing even without batch checksums:
    // wrap it as a local transaction whose commit is the batch's last record. Subscription and
    // destination commands cannot carry a transaction (kahadb.md 3.3); writes that contain them
    // rely on the batch checksum alone, so their order is kept.
    if (cmds.length > 1 && !cmds.some((c) => c.kind !== "add" && c.kind !== "remove")) {
      const tx: KahaTransactionInfo = {
        local: { connectionId: this.#txConnection, transactionId: ++this.#txCounter },
      };
      for (const c of cmds) if (c.kind === "add" || c.kind === "remove") c.tx = tx;
      cmds.push({ kind: "commit", tx });
    }
    return cmds;
  }

  // ============================================================ checkpoint

  #indexChanged(): boolean {
    if (this.#index.catalogDirty || this.#index.releasedPages.length > 0) return true;
    const a = this.#index.lastUpdate;
    const b = this.#checkpointed;
    if (a !== b && (!a || !b || compareLocations(a, b) !== 0)) return true;
    for (const d of this.#index.destinations.values()) {
      for (const s of d.segments.values()) if (s.dirty) return true;
    }
    return false;
  }

  /** kahadb.md 5.1: journal durable first, then the index pages through db.redo. */
  async #checkpoint(closing = false): Promise<void> {
    if (!closing && !this.#indexChanged()) return;
    if (this.#o.journalDiskSyncStrategy !== "never" && this.#journal.hasUnsynced) await this.#syncJournal();
    await writeIndex(this.#pages, this.#index, this.#persist, { closing });
    this.#checkpointed = this.#index.lastUpdate;
  }

  // =============================================================== cleanup

  // ================================================================= stats

  stats(): StoreStats {
    const messages: Record<string, number> = {};
    for (const d of this.#index.destinations.values()) messages[d.key] = d.byId.size;
    return {
      messages,
      files: this.#state === "started" ? this.#collector.describeFiles() : [],
      syncs: this.#syncs,
    };
  }

  /** The index's view of a destination (tests). */
  destinationState(d: Destination): DestinationState | undefined {
    return this.#index.destinations.get(qualifiedName(d));
  }

  // ================================================================== stop

  /** Finishes queued work, checkpoints (and cleans up), closes the files and releases the lock. */
  async stop(): Promise<void> {
    if (this.#state !== "started") return;
    this.#state = "stopping";
    for (const t of this.#timers) clearInterval(t);
    this.#timers.length = 0;
    let clean = false;
    try {
      await this.#task("stop", async () => {
        if (this.#o.cleanupOnStop) await this.#collector.cleanup();
        await this.#checkpoint(true);
        if (this.#o.journalDiskSyncStrategy !== "never" && this.#journal.hasUnsynced) {
          await this.#syncJournal();
        }
        clean = true;
      });
    } catch (err) {
      this.#log.error(
        `KahaDB store ${this.directory}: the final checkpoint failed; the next start replays the journal`,
        err,
      );
    } finally {
      this.#state = "stopped";
      this.#journal.close();
      try {
        await this.#pages.close(clean);
      } finally {
        this.#lock?.release();
        this.#lock = null;
      }
    }
  }
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Java's `Date.toString()` in UTC, as ActiveMQ writes it in `LOADED <date>` (kahadb.md 10.1). */
function javaDate(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}
