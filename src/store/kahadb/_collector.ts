/**
 * Journal garbage collection (kahadb.md 5.2, 5.3): which files are still
 * needed and why, deleting or archiving the rest, moving idle subscription
 * records forward, and ack compaction. Runs as a task of the store's writer
 * loop, so it never races a write.
 */
import type { Logger } from "../../log.ts";
import { qualifiedName } from "../../message/destination.ts";
import type { FilePin } from "../persistence_adapter.ts";
import { decodeCommand, encodeCommand, type KahaCommand, transactionKey } from "./_commands.ts";
import { type StoreIndex, type SubscriptionState, toDestination, toKahaDestination } from "./_index.ts";
import { type Journal, journalFileName, type JournalLocation } from "./_journal.ts";
import { RECORD_HEADER_SIZE } from "./_journal_format.ts";
import type { KahaDBOptions } from "./_options.ts";
import { osErrorText } from "./_file_io.ts";
import { encodeSubscriptionInfo } from "./_subscription_info.ts";

/** What a file is kept for. */
interface Pin {
  kind: "messages" | "subscription" | "transaction" | "recent";
  text: string;
  subscription?: string;
}

/** What the collector needs from the store (the index is replaced when it is rebuilt). */
export interface CollectorHost {
  readonly index: StoreIndex;
  readonly journal: Journal;
  /** The journal location of the last index checkpoint. */
  readonly checkpointed: JournalLocation | null;
  readonly log: Logger;
  checkpoint(): Promise<void>;
  syncJournal(): Promise<void>;
}

export class JournalCollector {
  readonly #host: CollectorHost;
  readonly #options: KahaDBOptions;
  /** Consecutive cleanups that deleted nothing. */
  #noGcRuns = 0;
  #lastFileCount = -1;

  constructor(host: CollectorHost, options: KahaDBOptions) {
    this.#host = host;
    this.#options = options;
  }

  /** Why each journal file is still needed. */
  #pins(): Map<number, Pin[]> {
    const pins = new Map<number, Pin[]>();
    const add = (file: number, pin: Pin) => {
      let list = pins.get(file);
      if (!list) pins.set(file, list = []);
      list.push(pin);
    };
    const topicHolders = new Map<string, Map<number, Set<string>>>();
    for (const [file, byDest] of this.#host.index.fileRefs) {
      for (const [destKey, n] of byDest) {
        const dest = this.#host.index.destinations.get(destKey);
        let text = `${destKey}: ${n} pending message${n === 1 ? "" : "s"}`;
        if (dest?.isTopic) {
          let perFile = topicHolders.get(destKey);
          if (!perFile) {
            topicHolders.set(destKey, perFile = new Map());
            for (const e of dest.byId.values()) {
              let s = perFile.get(e.file);
              if (!s) perFile.set(e.file, s = new Set());
              for (const h of e.holders ?? []) s.add(h);
            }
          }
          text += ` for durable subscription${(perFile.get(file)?.size ?? 0) === 1 ? "" : "s"} ` +
            [...perFile.get(file) ?? []].join(", ");
        }
        add(file, { kind: "messages", text });
      }
    }
    for (const sub of this.#host.index.subscriptions.values()) {
      add(sub.location.file, {
        kind: "subscription",
        text: `durable subscription ${sub.key} on ${
          qualifiedName(sub.destination)
        } (its subscription record)`,
        subscription: sub.key,
      });
    }
    for (const tx of this.#host.index.prepared.values()) {
      const files = new Set([tx.location.file, ...tx.ops.map((o) => o.location.file)]);
      for (const f of files) add(f, { kind: "transaction", text: `prepared XA transaction ${tx.key}` });
    }
    const limit = this.#gcLimit();
    for (const id of this.#host.journal.fileIds()) {
      if (id === this.#host.journal.currentFileId) {
        add(id, { kind: "recent", text: "the journal file being appended to" });
      } else if (id >= limit) {
        add(id, { kind: "recent", text: "holds records newer than the last index checkpoint" });
      }
    }
    return pins;
  }

  /** Files from this id on are never collected (kahadb.md 5.2 rule 2). */
  #gcLimit(): number {
    const current = this.#host.journal.currentFileId;
    return Math.min(this.#host.checkpointed?.file ?? current, current);
  }

  /** kahadb.md 5.2: which files can go, and which are kept only by the ack rule. */
  #collectable(pins: Map<number, Pin[]>): { candidates: Set<number>; ackPinned: Map<number, number[]> } {
    const ids = this.#host.journal.fileIds();
    const candidates = new Set(ids.filter((id) => !pins.has(id)));
    const ackPinned = new Map<number, number[]>();
    for (let changed = true; changed;) {
      changed = false;
      for (const id of [...candidates]) {
        const targets = [...this.#host.index.ackMap.get(id) ?? []].filter((t) =>
          t !== id && this.#host.journal.hasFile(t) && !candidates.has(t)
        );
        if (targets.length === 0) continue;
        // Deleting this file while those stay would bring their acked messages back on a full replay.
        candidates.delete(id);
        ackPinned.set(id, targets);
        changed = true;
      }
    }
    return { candidates, ackPinned };
  }

  /** kahadb.md 5.2 and 5.3: one cleanup run (inside the writer loop, after a checkpoint). */
  async cleanup(): Promise<void> {
    await this.#host.checkpoint();
    if (this.#rejournalSubscriptions()) await this.#host.checkpoint();
    let { deleted, ackPinned } = this.#deleteCollectable();
    if (this.#options.enableAckCompaction) {
      this.#noGcRuns = deleted.length > 0 ? 0 : this.#noGcRuns + 1;
      const files = this.#host.journal.fileIds().length;
      const grew = this.#lastFileCount >= 0 && files > this.#lastFileCount;
      this.#lastFileCount = files;
      if (
        ackPinned.size > 0 && this.#noGcRuns >= this.#options.compactAcksAfterNoGC &&
        (this.#options.compactAcksIgnoresStoreGrowth || !grew)
      ) {
        this.#noGcRuns = 0;
        if (await this.#compactAcks([...ackPinned.keys()])) {
          await this.#host.checkpoint();
          ({ deleted, ackPinned } = this.#deleteCollectable(deleted));
        }
      }
    }
    if (this.#host.log.debugEnabled) {
      const lines = this.describeFiles().map((f) => `  ${f.file}: ${f.reasons.join("; ")}`);
      this.#host.log.debug(
        `KahaDB cleanup of ${this.#host.journal.directory}: ${
          deleted.length > 0 ? `deleted ${deleted.map(journalFileName).join(", ")}` : "nothing to delete"
        }` +
          (lines.length > 0 ? `; journal files kept:\n${lines.join("\n")}` : ""),
      );
    }
  }

  #deleteCollectable(already: number[] = []): { deleted: number[]; ackPinned: Map<number, number[]> } {
    const { candidates, ackPinned } = this.#collectable(this.#pins());
    // A compacted file is skipped on replay while its source exists, so that source goes first:
    // a crash halfway then leaves the compacted copies in force.
    const order = [...candidates].sort((a, b) => a - b);
    const first = [...this.#host.index.compacted.values()].filter((s) => candidates.has(s));
    const sequence = [...first, ...order.filter((id) => !first.includes(id))];
    const deleted = [...already];
    for (const id of sequence) {
      try {
        this.#host.journal.removeFile(id, this.#options.archiveDataLogs);
        deleted.push(id);
      } catch (err) {
        this.#host.log.warn(
          `KahaDB store ${this.#host.journal.directory}: could not delete ${journalFileName(id)}: ${
            osErrorText(err)
          }`,
        );
        break;
      }
    }
    this.#host.index.forgetFiles(deleted.slice(already.length));
    return { deleted, ackPinned };
  }

  /**
   * kahadb.md 5.2 rule 6: an old file kept only by subscription records of
   * subscriptions with nothing pending is freed by writing those records again
   * at the end of the journal.
   */
  #rejournalSubscriptions(): boolean {
    const pins = this.#pins();
    const withPending = new Set<string>();
    for (const d of this.#host.index.destinations.values()) {
      if (d.isTopic) { for (const e of d.byId.values()) for (const h of e.holders ?? []) withPending.add(h); }
    }
    const move: SubscriptionState[] = [];
    for (const [, list] of pins) {
      if (!list.every((p) => p.kind === "subscription" && !withPending.has(p.subscription!))) continue;
      for (const p of list) move.push(this.#host.index.subscriptions.get(p.subscription!)!);
    }
    if (move.length === 0) return false;
    const cmds: KahaCommand[] = move.map((sub) => ({
      kind: "subscription",
      destination: toKahaDestination(sub.destination),
      subscriptionKey: sub.key,
      retroactive: false,
      subscriptionInfo: encodeSubscriptionInfo(sub),
    }));
    const locations = this.#host.journal.append(cmds.map(encodeCommand));
    cmds.forEach((c, i) => this.#host.index.apply(c, locations[i]));
    this.#host.log.debug(
      `Re-journaled ${move.length} durable subscription records to free old journal files`,
    );
    return true;
  }

  /**
   * kahadb.md 5.3: copies the acknowledgements of files that are kept only
   * because they acknowledge messages in older live files into one new
   * journal file, so those files can go. Records whose effect depends on
   * their position (unsubscribe of a live subscription, removal of a live
   * destination, XA outcomes, subscription changes) make a file ineligible.
   */
  async #compactAcks(files: number[]): Promise<boolean> {
    const sources: number[] = [];
    const copies: Uint8Array[] = [];
    for (const id of files.sort((a, b) => a - b)) {
      if (this.#host.index.compacted.has(id)) continue;
      const scan = this.#host.journal.scanFile(id);
      const picked: Uint8Array[] = [];
      const txWithRemoves = new Set<string>();
      let eligible = scan.problems.length === 0;
      for (const batch of scan.batches) {
        for (const rec of batch.records) {
          let cmd: KahaCommand;
          try {
            cmd = decodeCommand(rec.payload);
          } catch {
            eligible = false;
            break;
          }
          if (cmd.kind === "remove") {
            if (cmd.tx && "xa" in cmd.tx) eligible = false;
            if (cmd.tx) txWithRemoves.add(transactionKey(cmd.tx));
            picked.push(rec.payload);
          } else if (cmd.kind === "commit" || cmd.kind === "rollback") {
            if ("xa" in cmd.tx) eligible = false;
            else if (cmd.kind === "commit" && txWithRemoves.has(transactionKey(cmd.tx))) {
              picked.push(rec.payload);
            }
          } else if (cmd.kind === "subscription") {
            if (cmd.subscriptionInfo || this.#host.index.subscriptions.has(cmd.subscriptionKey)) {
              eligible = false;
            } else picked.push(rec.payload);
          } else if (cmd.kind === "removeDestination") {
            if (this.#host.index.destinations.has(qualifiedName(toDestination(cmd.destination)))) {
              eligible = false;
            } else picked.push(rec.payload);
          } else if (cmd.kind === "update") eligible = false;
        }
        if (!eligible) break;
      }
      if (!eligible) continue;
      sources.push(id);
      for (const p of picked) copies.push(p.slice());
    }
    if (sources.length === 0) return false;
    const designated = Math.max(...sources);
    const header = encodeCommand({
      kind: "rewrittenDataFile",
      sourceDataFileId: designated,
      rewriteType: 1,
      skipIfSourceExists: true,
    });
    this.#host.journal.finishFile();
    const [headerLocation] = this.#host.journal.append([header]);
    const compactedFile = headerLocation.file;
    let last = headerLocation;
    let batch: Uint8Array[] = [];
    let size = 0;
    const flush = () => {
      if (batch.length > 0) last = this.#host.journal.append(batch).at(-1)!;
      batch = [];
      size = 0;
    };
    for (const c of copies) {
      if (size + c.length + RECORD_HEADER_SIZE > this.#options.journalMaxWriteBatchSize) flush();
      batch.push(c);
      size += c.length + RECORD_HEADER_SIZE;
    }
    flush();
    this.#host.journal.finishFile();
    await this.#host.syncJournal();
    const targets = new Set<number>();
    for (const s of sources) {
      for (const t of this.#host.index.ackMap.get(s) ?? []) if (this.#host.journal.hasFile(t)) targets.add(t);
      this.#host.index.ackMap.delete(s);
    }
    targets.delete(compactedFile);
    this.#host.index.ackMap.set(compactedFile, targets);
    this.#host.index.compacted.set(compactedFile, designated);
    // The copies change nothing in the index (they were applied when first written); replay
    // starts after them.
    this.#host.index.lastUpdate = last;
    this.#host.index.catalogDirty = true;
    this.#host.log.info(
      `KahaDB ack compaction in ${this.#host.journal.directory}: copied ${copies.length} acknowledgements of ` +
        `${sources.map(journalFileName).join(", ")} into ${journalFileName(compactedFile)}`,
    );
    return true;
  }

  /** What keeps each journal file (stats().files and the debug line after a cleanup). */
  describeFiles(): FilePin[] {
    const pins = this.#pins();
    const { candidates } = this.#collectable(pins);
    return this.#host.journal.fileIds().map((id) => {
      const reasons = (pins.get(id) ?? []).map((p) => p.text);
      const acked = [...this.#host.index.ackMap.get(id) ?? []]
        .filter((t) => t !== id && this.#host.journal.hasFile(t) && !candidates.has(t)).sort((a, b) => a - b);
      for (const t of acked) {
        reasons.push(
          `acknowledges messages of ${
            journalFileName(t)
          } (kept so a journal replay does not bring them back)`,
        );
      }
      if (reasons.length === 0) reasons.push("holds nothing live; deleted by the next cleanup");
      return { file: journalFileName(id), reasons };
    });
  }
}
