/**
 * The store index as the worker holds it in memory: per destination the
 * pending messages (sequence, priority, journal location), per durable
 * subscription which topic messages it still needs, prepared XA transactions,
 * and per journal file who keeps it alive. `apply` is the single update path
 * for both run time and journal replay (kahadb.md section 7), so replaying a
 * record does exactly what writing it did.
 *
 * Persisted at checkpoints by `_index_pages.ts`; segments (runs of
 * SEGMENT_SPAN sequence numbers of one destination) are the unit that is
 * rewritten, so a checkpoint costs what changed, not what is stored.
 */
import { type Destination, type DestinationType, qualifiedName } from "../../message/destination.ts";
import { wildcardMatches } from "../../broker/wildcard.ts";
import type { StoredSubscription, XaTransactionId } from "../persistence_adapter.ts";
import {
  type KahaAddMessage,
  type KahaCommand,
  type KahaDestination,
  type KahaDestinationType,
  transactionKey,
} from "./_commands.ts";
import { decodeSubscriptionInfo } from "./_subscription_info.ts";
import type { JournalLocation } from "./_journal.ts";

export const SEGMENT_SPAN = 512;

const TYPES: DestinationType[] = ["queue", "topic", "temp-queue", "temp-topic"];

export function toDestination(d: KahaDestination): Destination {
  return { type: TYPES[d.type], name: d.name };
}

export function toKahaDestination(d: Destination): KahaDestination {
  return { type: TYPES.indexOf(d.type) as KahaDestinationType, name: d.name };
}

export interface MessageEntry {
  readonly id: string;
  readonly seq: number;
  file: number;
  offset: number;
  size: number;
  priority: number;
  prioritySupported: boolean;
  /** Topics: keys of the durable subscriptions that still need the message. */
  holders: Set<string> | null;
}

export interface Segment {
  readonly no: number;
  readonly entries: (MessageEntry | undefined)[];
  live: number;
  /** Page chain in db.data (empty until first written). */
  pages: number[];
  dirty: boolean;
}

export class DestinationState {
  readonly key: string;
  nextSeq = 0;
  /** Sum of the journal record sizes of the pending messages. */
  totalSize = 0;
  readonly byId = new Map<string, MessageEntry>();
  readonly segments = new Map<number, Segment>();

  constructor(readonly destination: Destination) {
    this.key = qualifiedName(destination);
  }

  get isTopic(): boolean {
    return this.destination.type === "topic" || this.destination.type === "temp-topic";
  }

  /** Pending messages by priority (when the add said priority is supported) then sequence. */
  ordered(): MessageEntry[] {
    const out: MessageEntry[] = [];
    for (const no of [...this.segments.keys()].sort((a, b) => a - b)) {
      for (const e of this.segments.get(no)!.entries) if (e) out.push(e);
    }
    if (out.some((e) => e.prioritySupported && e.priority !== 4)) {
      const p = (e: MessageEntry) => e.prioritySupported ? e.priority : 4;
      out.sort((a, b) => p(b) - p(a) || a.seq - b.seq);
    }
    return out;
  }
}

export interface SubscriptionState extends StoredSubscription {
  readonly key: string;
  /** Stable small number used for this subscription in segment pages. */
  readonly ordinal: number;
  /** Its KahaSubscriptionCommand in the journal. */
  location: JournalLocation;
}

export interface TxOp {
  cmd: KahaCommand;
  location: JournalLocation;
}

export interface PreparedTx {
  key: string;
  xid: XaTransactionId;
  location: JournalLocation;
  ops: TxOp[];
}

/** Who keeps a journal file alive, per kind (for cleanup and `stats().files`). */
export interface FileUsers {
  /** Pending messages per destination key. */
  messages: Map<string, number>;
}

export class StoreIndex {
  readonly destinations = new Map<string, DestinationState>();
  readonly subscriptions = new Map<string, SubscriptionState>();
  nextOrdinal = 1;
  readonly openTxs = new Map<string, TxOp[]>();
  readonly prepared = new Map<string, PreparedTx>();
  /** Journal file → destination key → pending messages stored in that file. */
  readonly fileRefs = new Map<number, Map<string, number>>();
  /** Journal file → files holding messages (or records) that records in it acknowledge (kahadb.md 5.2 rule 7). */
  readonly ackMap = new Map<number, Set<number>>();
  /** Compacted journal file → the file whose acks it copied (kahadb.md 5.3). */
  readonly compacted = new Map<number, number>();
  lastUpdate: JournalLocation | null = null;
  /** Something outside the segments changed since the last checkpoint. */
  catalogDirty = false;
  /** Pages of segments that emptied; freed at the next checkpoint. */
  readonly releasedPages: number[] = [];
  readonly #topicSubs = new Map<string, SubscriptionState[]>();

  // ---------------------------------------------------------------- queries

  /** Durable subscriptions that receive messages sent to `topic` (exact name or wildcard pattern). */
  subscriptionsFor(topic: Destination): SubscriptionState[] {
    const key = qualifiedName(topic);
    let subs = this.#topicSubs.get(key);
    if (!subs) {
      subs = [...this.subscriptions.values()].filter((s) =>
        s.destination.type === topic.type && wildcardMatches(s.destination.name, topic.name)
      );
      this.#topicSubs.set(key, subs);
    }
    return subs;
  }

  /** Ids of the messages a subscription still needs, in store order. */
  pendingOf(key: string): string[] {
    const sub = this.subscriptions.get(key);
    if (!sub) return [];
    const out: string[] = [];
    for (const d of this.destinations.values()) {
      if (!d.isTopic) continue;
      for (const e of d.ordered()) if (e.holders?.has(key)) out.push(e.id);
    }
    return out;
  }

  hasPending(key: string): boolean {
    for (const d of this.destinations.values()) {
      if (!d.isTopic) continue;
      for (const e of d.byId.values()) if (e.holders?.has(key)) return true;
    }
    return false;
  }

  messageCount(): number {
    let n = 0;
    for (const d of this.destinations.values()) n += d.byId.size;
    return n;
  }

  // ---------------------------------------------------------------- updates

  /** Applies one journal record (run time and replay alike). */
  apply(cmd: KahaCommand, location: JournalLocation): void {
    this.lastUpdate = location;
    if ((cmd.kind === "add" || cmd.kind === "remove") && cmd.tx) {
      // kahadb.md 7: work inside a transaction waits for its commit.
      const key = transactionKey(cmd.tx);
      let ops = this.openTxs.get(key);
      if (!ops) this.openTxs.set(key, ops = []);
      ops.push({ cmd, location });
      return;
    }
    switch (cmd.kind) {
      case "add":
        this.#add(cmd, location);
        return;
      case "update":
        this.#update(cmd.message, location);
        return;
      case "remove": {
        const dest = this.destinations.get(qualifiedName(toDestination(cmd.destination)));
        const entry = dest?.byId.get(cmd.messageId);
        if (!dest || !entry) return;
        if (dest.isTopic && cmd.subscriptionKey !== undefined && entry.holders) {
          if (!entry.holders.delete(cmd.subscriptionKey)) return;
          this.#recordAck(location.file, entry.file);
          if (entry.holders.size > 0) {
            this.#segmentOf(dest, entry.seq).dirty = true;
            return;
          }
        }
        this.#recordAck(location.file, entry.file);
        this.#deleteEntry(dest, entry);
        return;
      }
      case "removeDestination": {
        const dest = this.destinations.get(qualifiedName(toDestination(cmd.destination)));
        if (!dest) return;
        for (const e of [...dest.byId.values()]) {
          this.#recordAck(location.file, e.file);
          this.#deleteEntry(dest, e);
        }
        this.destinations.delete(dest.key);
        this.catalogDirty = true;
        return;
      }
      case "subscription":
        if (cmd.subscriptionInfo) this.#subscribe(cmd, location);
        else this.#unsubscribe(cmd.subscriptionKey, location);
        return;
      case "prepare": {
        const key = transactionKey(cmd.tx);
        const ops = this.openTxs.get(key) ?? [];
        this.openTxs.delete(key);
        if (!("xa" in cmd.tx)) return; // only XA branches are prepared
        const { formatId, globalTransactionId, branchQualifier } = cmd.tx.xa;
        this.prepared.set(key, {
          key,
          xid: { formatId, globalTransactionId, branchQualifier },
          location,
          ops,
        });
        this.catalogDirty = true;
        return;
      }
      case "commit":
      case "rollback": {
        const key = transactionKey(cmd.tx);
        const prepared = this.prepared.get(key);
        const ops = prepared?.ops ?? this.openTxs.get(key) ?? [];
        this.prepared.delete(key);
        this.openTxs.delete(key);
        if (prepared) {
          this.catalogDirty = true;
          this.#recordAck(location.file, prepared.location.file);
          for (const op of ops) this.#recordAck(location.file, op.location.file);
        }
        if (cmd.kind === "commit") {
          for (const op of ops) {
            const { tx: _tx, ...plain } = op.cmd as KahaAddMessage;
            this.apply(plain as KahaCommand, op.location);
          }
          this.lastUpdate = location;
        }
        return;
      }
      case "rewrittenDataFile":
        this.compacted.set(location.file, cmd.sourceDataFileId);
        this.catalogDirty = true;
        return;
      case "trace":
      case "producerAudit":
      case "ackFileMap":
      case "other":
        return;
    }
  }

  #destination(d: Destination): DestinationState {
    const key = qualifiedName(d);
    let dest = this.destinations.get(key);
    if (!dest) {
      this.destinations.set(key, dest = new DestinationState(d));
      this.catalogDirty = true;
    }
    return dest;
  }

  #add(cmd: KahaAddMessage, location: JournalLocation): void {
    const d = toDestination(cmd.destination);
    let holders: Set<string> | null = null;
    if (d.type === "topic" || d.type === "temp-topic") {
      // kahadb.md 7: a topic message is kept only for the durable subscriptions that exist now.
      const subs = this.subscriptionsFor(d);
      if (subs.length === 0) return;
      holders = new Set(subs.map((s) => s.key));
    }
    const dest = this.#destination(d);
    if (dest.byId.has(cmd.messageId)) return; // duplicate (or replayed) add
    const entry: MessageEntry = {
      id: cmd.messageId,
      seq: dest.nextSeq++,
      file: location.file,
      offset: location.offset,
      size: location.size,
      priority: cmd.priority ?? 4,
      prioritySupported: cmd.prioritySupported ?? false,
      holders,
    };
    this.insertEntry(dest, entry);
    this.catalogDirty = true;
  }

  #update(cmd: KahaAddMessage, location: JournalLocation): void {
    const dest = this.destinations.get(qualifiedName(toDestination(cmd.destination)));
    const entry = dest?.byId.get(cmd.messageId);
    if (!dest || !entry) return this.#add(cmd, location);
    this.#unref(entry.file, dest.key);
    dest.totalSize += location.size - entry.size;
    entry.file = location.file;
    entry.offset = location.offset;
    entry.size = location.size;
    entry.priority = cmd.priority ?? entry.priority;
    entry.prioritySupported = cmd.prioritySupported ?? entry.prioritySupported;
    this.#ref(entry.file, dest.key);
    this.#segmentOf(dest, entry.seq).dirty = true;
  }

  /** Puts an entry at its sequence slot (also used when loading segments). */
  insertEntry(dest: DestinationState, entry: MessageEntry, loading = false): void {
    const no = Math.floor(entry.seq / SEGMENT_SPAN);
    let seg = dest.segments.get(no);
    if (!seg) dest.segments.set(no, seg = { no, entries: [], live: 0, pages: [], dirty: true });
    seg.entries[entry.seq - no * SEGMENT_SPAN] = entry;
    seg.live++;
    if (!loading) {
      seg.dirty = true;
      this.#ref(entry.file, dest.key);
    }
    dest.byId.set(entry.id, entry);
    dest.totalSize += entry.size;
    if (entry.seq >= dest.nextSeq) dest.nextSeq = entry.seq + 1;
  }

  #segmentOf(dest: DestinationState, seq: number): Segment {
    return dest.segments.get(Math.floor(seq / SEGMENT_SPAN))!;
  }

  /** Drops a message whose journal record turned out to be missing or unreadable. */
  dropEntry(dest: DestinationState, entry: MessageEntry): void {
    this.#deleteEntry(dest, entry);
    if (dest.byId.size === 0 && dest.segments.size === 0 && dest.nextSeq === 0) {
      this.destinations.delete(dest.key);
    }
  }

  #deleteEntry(dest: DestinationState, entry: MessageEntry): void {
    const seg = this.#segmentOf(dest, entry.seq);
    seg.entries[entry.seq - seg.no * SEGMENT_SPAN] = undefined;
    seg.live--;
    if (seg.live === 0) {
      dest.segments.delete(seg.no);
      this.releasedPages.push(...seg.pages);
      this.catalogDirty = true;
    } else {
      seg.dirty = true;
    }
    dest.byId.delete(entry.id);
    dest.totalSize -= entry.size;
    this.#unref(entry.file, dest.key);
    this.catalogDirty = true;
  }

  #ref(file: number, destKey: string): void {
    let m = this.fileRefs.get(file);
    if (!m) this.fileRefs.set(file, m = new Map());
    m.set(destKey, (m.get(destKey) ?? 0) + 1);
  }

  #unref(file: number, destKey: string): void {
    const m = this.fileRefs.get(file);
    if (!m) return;
    const n = (m.get(destKey) ?? 0) - 1;
    if (n > 0) m.set(destKey, n);
    else {
      m.delete(destKey);
      if (m.size === 0) this.fileRefs.delete(file);
    }
  }

  #recordAck(byFile: number, target: number): void {
    if (byFile === target) return;
    let s = this.ackMap.get(byFile);
    if (!s) this.ackMap.set(byFile, s = new Set());
    if (!s.has(target)) {
      s.add(target);
      this.catalogDirty = true;
    }
  }

  #subscribe(
    cmd: Extract<KahaCommand, { kind: "subscription" }>,
    location: JournalLocation,
  ): void {
    let info: StoredSubscription;
    try {
      info = decodeSubscriptionInfo(cmd.subscriptionInfo!);
    } catch {
      // An unreadable info still names the subscription and its topic.
      const colon = cmd.subscriptionKey.lastIndexOf(":");
      info = {
        clientId: cmd.subscriptionKey.slice(0, Math.max(0, colon)),
        subscriptionName: cmd.subscriptionKey.slice(colon + 1),
        destination: toDestination(cmd.destination),
      };
    }
    const old = this.subscriptions.get(cmd.subscriptionKey);
    if (old) this.#recordAck(location.file, old.location.file); // this record supersedes the old one
    const sub: SubscriptionState = {
      ...info,
      key: cmd.subscriptionKey,
      ordinal: old?.ordinal ?? this.nextOrdinal++,
      location,
    };
    this.subscriptions.set(sub.key, sub);
    this.#topicSubs.clear();
    this.catalogDirty = true;
    if (cmd.retroactive && !old) {
      for (const d of this.destinations.values()) {
        if (!d.isTopic || d.destination.type !== sub.destination.type) continue;
        if (!wildcardMatches(sub.destination.name, d.destination.name)) continue;
        for (const e of d.byId.values()) {
          e.holders?.add(sub.key);
          this.#segmentOf(d, e.seq).dirty = true;
        }
      }
    }
  }

  #unsubscribe(key: string, location: JournalLocation): void {
    const sub = this.subscriptions.get(key);
    if (!sub) return;
    this.subscriptions.delete(key);
    this.#topicSubs.clear();
    this.catalogDirty = true;
    this.#recordAck(location.file, sub.location.file);
    for (const d of [...this.destinations.values()]) {
      if (!d.isTopic) continue;
      for (const e of [...d.byId.values()]) {
        if (!e.holders?.delete(key)) continue;
        if (e.holders.size > 0) {
          this.#segmentOf(d, e.seq).dirty = true;
          continue;
        }
        this.#recordAck(location.file, e.file);
        this.#deleteEntry(d, e);
      }
    }
  }

  /** Adds a destination read back from the catalog. */
  restoreDestination(d: Destination, nextSeq: number): DestinationState {
    const dest = new DestinationState(d);
    dest.nextSeq = nextSeq;
    this.destinations.set(dest.key, dest);
    return dest;
  }

  restoreSubscription(sub: SubscriptionState): void {
    this.subscriptions.set(sub.key, sub);
    if (sub.ordinal >= this.nextOrdinal) this.nextOrdinal = sub.ordinal + 1;
    this.#topicSubs.clear();
  }

  /** After journal files were deleted: forget what pointed at them. */
  forgetFiles(ids: readonly number[]): void {
    for (const id of ids) {
      this.ackMap.delete(id);
      this.compacted.delete(id);
      this.fileRefs.delete(id);
    }
    this.catalogDirty = true;
  }
}
