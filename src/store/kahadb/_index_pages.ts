/**
 * How the in-memory index (`_index.ts`) is laid out in db.data pages.
 *
 * root page (page 0, after the page file's own fields):
 *   int32 state (1 closed, 2 open) | int64 catalog head page (0 = none) |
 *   bool has lastUpdate [int32 file, int32 offset, int32 size] | int32 openwireVersion (11)
 * catalog (one page chain):
 *   destinations: int32 n × { int8 type, string name, int64 nextSeq, int64 count, int64 totalSize,
 *                             int32 segments × { int64 segment number, int64 head page } }
 *   subscriptions: int32 nextOrdinal, int32 n × { int32 ordinal, string key, clientId, name,
 *                  int8 type, string topic, opt string selector, bool noLocal, location }
 *   prepared XA: int32 n × { string key, int32 formatId, blob gtid, blob bqual, location,
 *                int32 ops × location }
 *   file references: int32 n × { int32 file, int32 m × { string destination, int32 count } }
 *   ack-file map: int32 n × { int32 file, int32 m × int32 file }
 *   compacted files: int32 n × { int32 file, int32 source }
 * segment (one page chain per SEGMENT_SPAN sequence numbers of a destination):
 *   int32 n × { int16 slot, string messageId, int32 file, int32 offset, int32 size,
 *               int8 flags (bits 0-3 priority, 6 has holders, 7 priority supported),
 *               [int16 m × int32 subscription ordinal] }
 * Strings are int32 length + UTF-8; a location is int32 file, int32 offset, int32 size.
 */
import { ByteReader, ByteWriter, CorruptDataError } from "./_binary.ts";
import type { KahaCommand } from "./_commands.ts";
import { toDestination } from "./_index.ts";
import {
  type DestinationState,
  type MessageEntry,
  type Segment,
  SEGMENT_SPAN,
  type StoreIndex,
  type SubscriptionState,
} from "./_index.ts";
import type { JournalLocation } from "./_journal.ts";
import { IndexCorruptError, type PageFile } from "./_page_file.ts";

const STATE_CLOSED = 1;
const STATE_OPEN = 2;
export const OPENWIRE_VERSION = 11;

const KAHA_TYPES = ["queue", "topic", "temp-queue", "temp-topic"] as const;

function writeLocation(w: ByteWriter, l: JournalLocation): void {
  w.i32(l.file).i32(l.offset).i32(l.size);
}

function readLocation(r: ByteReader): JournalLocation {
  return { file: r.i32(), offset: r.i32(), size: r.i32() };
}

export function encodeSegment(seg: Segment, ordinals: ReadonlyMap<string, number>): Uint8Array {
  const w = new ByteWriter(seg.live * 64 + 16);
  w.u32(seg.live);
  seg.entries.forEach((e, slot) => {
    if (!e) return;
    const flags = Math.min(15, Math.max(0, e.priority)) | (e.holders ? 0x40 : 0) |
      (e.prioritySupported ? 0x80 : 0);
    w.u16(slot).str(e.id).i32(e.file).i32(e.offset).i32(e.size).u8(flags);
    if (e.holders) {
      const ids = [...e.holders].map((k) => ordinals.get(k)).filter((o): o is number => o !== undefined);
      w.u16(ids.length);
      for (const o of ids) w.u32(o);
    }
  });
  return w.finish();
}

export function decodeSegment(
  data: Uint8Array,
  no: number,
  byOrdinal: ReadonlyMap<number, string>,
): MessageEntry[] {
  const r = new ByteReader(data);
  const n = r.u32();
  const out: MessageEntry[] = [];
  for (let i = 0; i < n; i++) {
    const slot = r.u16();
    if (slot >= SEGMENT_SPAN) throw new CorruptDataError(`Segment slot ${slot} out of range`);
    const id = r.str();
    const file = r.i32();
    const offset = r.i32();
    const size = r.i32();
    const flags = r.u8();
    let holders: Set<string> | null = null;
    if (flags & 0x40) {
      holders = new Set();
      for (let m = r.u16(); m > 0; m--) {
        const key = byOrdinal.get(r.u32());
        if (key !== undefined) holders.add(key);
      }
    }
    out.push({
      id,
      seq: no * SEGMENT_SPAN + slot,
      file,
      offset,
      size,
      priority: flags & 0x0f,
      prioritySupported: (flags & 0x80) !== 0,
      holders,
    });
  }
  return out;
}

function encodeCatalog(index: StoreIndex): Uint8Array {
  const w = new ByteWriter(4096);
  w.u32(index.destinations.size);
  for (const d of index.destinations.values()) {
    w.u8(KAHA_TYPES.indexOf(d.destination.type)).str(d.destination.name);
    w.i64(d.nextSeq).i64(d.byId.size).i64(d.totalSize);
    w.u32(d.segments.size);
    for (const seg of d.segments.values()) w.i64(seg.no).i64(seg.pages[0]);
  }
  w.u32(index.nextOrdinal).u32(index.subscriptions.size);
  for (const s of index.subscriptions.values()) {
    w.u32(s.ordinal).str(s.key).str(s.clientId).str(s.subscriptionName);
    w.u8(KAHA_TYPES.indexOf(s.destination.type)).str(s.destination.name);
    w.optStr(s.selector).bool(s.noLocal ?? false);
    writeLocation(w, s.location);
  }
  w.u32(index.prepared.size);
  for (const p of index.prepared.values()) {
    w.str(p.key).i32(p.xid.formatId).blob(p.xid.globalTransactionId).blob(p.xid.branchQualifier);
    writeLocation(w, p.location);
    w.u32(p.ops.length);
    for (const op of p.ops) writeLocation(w, op.location);
  }
  w.u32(index.fileRefs.size);
  for (const [file, m] of index.fileRefs) {
    w.i32(file).u32(m.size);
    for (const [dest, n] of m) w.str(dest).u32(n);
  }
  w.u32(index.ackMap.size);
  for (const [file, targets] of index.ackMap) {
    w.i32(file).u32(targets.size);
    for (const t of targets) w.i32(t);
  }
  w.u32(index.compacted.size);
  for (const [file, source] of index.compacted) w.i32(file).i32(source);
  return w.finish();
}

export interface IndexPersistence {
  /** Page chain of the catalog. */
  catalogPages: number[];
}

/**
 * Stages every changed segment, the catalog and the root page, then commits
 * them through db.redo. On failure the segments are marked dirty again so the
 * next checkpoint retries them.
 */
export async function writeIndex(
  pageFile: PageFile,
  index: StoreIndex,
  persistence: IndexPersistence,
  options: { closing: boolean },
): Promise<void> {
  const ordinals = new Map<string, number>();
  for (const s of index.subscriptions.values()) ordinals.set(s.key, s.ordinal);
  const written: Segment[] = [];
  try {
    for (const d of index.destinations.values()) {
      for (const seg of d.segments.values()) {
        if (!seg.dirty) continue;
        const fresh = seg.pages.length === 0;
        seg.pages = pageFile.writeChain(seg.pages, encodeSegment(seg, ordinals));
        seg.dirty = false;
        written.push(seg);
        if (fresh) index.catalogDirty = true;
      }
    }
    pageFile.release(index.releasedPages.splice(0));
    persistence.catalogPages = pageFile.writeChain(persistence.catalogPages, encodeCatalog(index));
    index.catalogDirty = false;
    const meta = new ByteWriter(64).u32(options.closing ? STATE_CLOSED : STATE_OPEN)
      .i64(persistence.catalogPages[0]).bool(index.lastUpdate !== null);
    if (index.lastUpdate) writeLocation(meta, index.lastUpdate);
    meta.u32(OPENWIRE_VERSION);
    pageFile.writeRoot(meta.finish());
    await pageFile.commit();
  } catch (err) {
    pageFile.discardPending();
    for (const seg of written) seg.dirty = true;
    index.catalogDirty = true;
    throw err;
  }
}

export interface LoadedIndex {
  /** Ops of prepared transactions are read back from the journal by the caller. */
  preparedOps: Map<string, JournalLocation[]>;
  reachable: Set<number>;
}

/**
 * Reads the root, the catalog and every segment into `index`.
 * Throws {@link IndexCorruptError} when anything does not check out.
 */
export function readIndex(
  pageFile: PageFile,
  index: StoreIndex,
  persistence: IndexPersistence,
  readCommand: (l: JournalLocation) => KahaCommand,
): LoadedIndex {
  try {
    const root = new ByteReader(pageFile.readRoot().meta);
    root.u32(); // state: we treat every start the same way (replay after lastUpdate)
    const catalogHead = root.i64();
    if (root.bool()) index.lastUpdate = readLocation(root);
    const openwireVersion = root.u32();
    if (openwireVersion !== OPENWIRE_VERSION) {
      throw new IndexCorruptError(`index was written with OpenWire version ${openwireVersion}`);
    }
    const reachable = new Set<number>();
    const preparedOps = new Map<string, JournalLocation[]>();
    if (catalogHead === 0) return { preparedOps, reachable };
    const catalog = pageFile.readChain(catalogHead);
    persistence.catalogPages = catalog.pages;
    for (const p of catalog.pages) reachable.add(p);
    const r = new ByteReader(catalog.data);

    const segmentHeads: [DestinationState, number, number][] = [];
    for (let n = r.u32(); n > 0; n--) {
      const type = r.u8();
      const name = r.str();
      if (type > 3) throw new CorruptDataError(`destination type ${type}`);
      const nextSeq = r.i64();
      r.i64(); // count: recomputed from the segments
      r.i64(); // total size: likewise
      const dest = index.restoreDestination(toDestination({ type: type as 0 | 1 | 2 | 3, name }), nextSeq);
      for (let s = r.u32(); s > 0; s--) segmentHeads.push([dest, r.i64(), r.i64()]);
    }
    index.nextOrdinal = r.u32();
    const byOrdinal = new Map<number, string>();
    for (let n = r.u32(); n > 0; n--) {
      const ordinal = r.u32();
      const key = r.str();
      const clientId = r.str();
      const subscriptionName = r.str();
      const type = r.u8();
      const topic = r.str();
      const selector = r.optStr();
      const noLocal = r.bool();
      const location = readLocation(r);
      const sub: SubscriptionState = {
        key,
        ordinal,
        clientId,
        subscriptionName,
        destination: toDestination({ type: (type & 3) as 0 | 1 | 2 | 3, name: topic }),
        location,
      };
      if (selector !== undefined) sub.selector = selector;
      if (noLocal) sub.noLocal = true;
      index.restoreSubscription(sub);
      byOrdinal.set(ordinal, key);
    }
    for (let n = r.u32(); n > 0; n--) {
      const key = r.str();
      const formatId = r.i32();
      const globalTransactionId = r.blob().slice();
      const branchQualifier = r.blob().slice();
      const location = readLocation(r);
      const ops: JournalLocation[] = [];
      for (let m = r.u32(); m > 0; m--) ops.push(readLocation(r));
      index.prepared.set(key, {
        key,
        xid: { formatId, globalTransactionId, branchQualifier },
        location,
        ops: ops.map((l) => ({ location: l, cmd: readCommand(l) })),
      });
      preparedOps.set(key, ops);
    }
    for (let n = r.u32(); n > 0; n--) {
      const file = r.i32();
      const m = new Map<string, number>();
      for (let k = r.u32(); k > 0; k--) m.set(r.str(), r.u32());
      index.fileRefs.set(file, m);
    }
    for (let n = r.u32(); n > 0; n--) {
      const file = r.i32();
      const targets = new Set<number>();
      for (let k = r.u32(); k > 0; k--) targets.add(r.i32());
      index.ackMap.set(file, targets);
    }
    for (let n = r.u32(); n > 0; n--) index.compacted.set(r.i32(), r.i32());

    for (const [dest, no, head] of segmentHeads) {
      const chain = pageFile.readChain(head);
      for (const p of chain.pages) reachable.add(p);
      const seg: Segment = { no, entries: [], live: 0, pages: chain.pages, dirty: false };
      dest.segments.set(no, seg);
      for (const e of decodeSegment(chain.data, no, byOrdinal)) index.insertEntry(dest, e, true);
    }
    index.catalogDirty = false;
    return { preparedOps, reachable };
  } catch (err) {
    if (err instanceof CorruptDataError) throw new IndexCorruptError(`${pageFile.dataPath}: ${err.message}`);
    throw err;
  }
}
