/**
 * Start-up output of the store worker (see {@link buildRecovered}).
 */
import type { Logger } from "../../log.ts";
import type { DurableSubscriptionKey } from "../persistence_adapter.ts";
import { addMessageField, decodeCommand, ENTRY, type KahaCommand } from "./_commands.ts";
import { type MessageEntry, type StoreIndex, toDestination } from "./_index.ts";
import type { Journal } from "./_journal.ts";
import { RECORD_HEADER_SIZE, USER_RECORD_TYPE } from "./_journal_format.ts";
import type { RecoveredWire, WireOp } from "./_protocol.ts";

/** Reads are grouped into windows of at most this many bytes. */
const READ_WINDOW = 8 * 1024 * 1024;

/**
 * Everything the store recovered, for the main thread: each pending message's
 * bytes read back from the journal file by file (in windows, so a million
 * small messages cost a few large reads), the subscriptions with their
 * pending ids, and the prepared transactions as operations. Index entries
 * whose record is missing or unreadable are dropped with a warning.
 */
export function buildRecovered(index: StoreIndex, journal: Journal, log: Logger): RecoveredWire {
  const dests = [...index.destinations.values()];
  const lists = dests.map((d) => d.ordered());
  let count = 0;
  let capacity = 0;
  for (const list of lists) {
    count += list.length;
    for (const e of list) capacity += e.size;
  }
  const data = new Uint8Array(capacity);
  const offsets = new Float64Array(count);
  const lengths = new Uint32Array(count);
  const bad = new Set<MessageEntry>();
  const byFile = new Map<number, { entry: MessageEntry; slot: number }[]>();
  let slot = 0;
  let at = 0;
  for (const list of lists) {
    for (const entry of list) {
      offsets[slot] = at;
      at += entry.size;
      let needs = byFile.get(entry.file);
      if (!needs) byFile.set(entry.file, needs = []);
      needs.push({ entry, slot: slot++ });
    }
  }
  for (const [file, needs] of byFile) {
    needs.sort((a, b) => a.entry.offset - b.entry.offset);
    const end = journal.endOf(file);
    // Read in windows of at most 8 MiB so a sparse file is not read whole for two messages.
    let i = 0;
    while (i < needs.length) {
      const start = needs[i].entry.offset;
      let j = i;
      let stop = start;
      while (j < needs.length && needs[j].entry.offset + needs[j].entry.size - start <= READ_WINDOW) {
        stop = Math.max(stop, needs[j].entry.offset + needs[j].entry.size);
        j++;
      }
      if (j === i) {
        stop = needs[i].entry.offset + needs[i].entry.size;
        j = i + 1;
      }
      const chunk = journal.readRange(file, start, stop);
      for (let k = i; k < j; k++) {
        const { entry, slot } = needs[k];
        const bytes = end >= 0 && entry.offset >= end
          ? null
          : messageBytes(chunk, entry.offset - start, entry);
        if (!bytes) {
          bad.add(entry);
          continue;
        }
        data.set(bytes, offsets[slot]);
        lengths[slot] = bytes.length;
      }
      i = j;
    }
  }

  const result: RecoveredWire = {
    data: data.buffer,
    offsets,
    lengths,
    destinations: [],
    subscriptions: [],
    prepared: [],
  };
  if (bad.size > 0) {
    log.warn(
      `KahaDB store ${journal.directory}: ${bad.size} indexed messages have no readable journal record ` +
        `and are dropped`,
    );
    // Rebuild the arrays without the bad entries.
    const keep: number[] = [];
    slot = 0;
    for (const list of lists) {
      for (const e of list) {
        if (!bad.has(e)) keep.push(slot);
        slot++;
      }
    }
    result.offsets = Float64Array.from(keep, (s) => offsets[s]);
    result.lengths = Uint32Array.from(keep, (s) => lengths[s]);
    dests.forEach((d) => {
      for (const e of [...d.byId.values()]) if (bad.has(e)) index.dropEntry(d, e);
    });
  }
  const pending = new Map<string, string[]>();
  for (const key of index.subscriptions.keys()) pending.set(key, []);
  lists.forEach((list, i) => {
    const kept = list.filter((e) => !bad.has(e));
    if (kept.length > 0) {
      result.destinations.push({ destination: dests[i].destination, count: kept.length });
    }
    for (const e of kept) if (e.holders) { for (const h of e.holders) pending.get(h)?.push(e.id); }
  });
  for (const sub of index.subscriptions.values()) {
    const { key: _key, ordinal: _ordinal, location: _location, ...info } = sub;
    result.subscriptions.push({ ...info, pending: pending.get(sub.key) ?? [] });
  }
  for (const p of index.prepared.values()) {
    result.prepared.push({ xid: p.xid, operations: preparedOperations(index, p.ops.map((o) => o.cmd)) });
  }
  return result;
}

/** The message bytes of the add record at `chunk[o]`, checked against the index entry. */
function messageBytes(chunk: Uint8Array, o: number, entry: MessageEntry): Uint8Array | null {
  if (o + entry.size > chunk.length) return null;
  const view = new DataView(chunk.buffer, chunk.byteOffset);
  if (view.getInt32(o) !== entry.size || chunk[o + 4] !== USER_RECORD_TYPE) return null;
  const payload = chunk.subarray(o + RECORD_HEADER_SIZE, o + entry.size);
  try {
    if (payload[0] === ENTRY.add) return addMessageField(payload, entry.id);
    const cmd = decodeCommand(payload);
    return cmd.kind === "update" && cmd.message.messageId === entry.id ? cmd.message.message : null;
  } catch {
    return null;
  }
}

/**
 * Commands of a prepared transaction as the operations the core gave us. A
 * topic add goes back to the subscriptions it was not "unmatched" for.
 */
export function preparedOperations(index: StoreIndex, cmds: KahaCommand[]): WireOp[] {
  const ops: WireOp[] = [];
  const unmatched = new Map<string, Set<string>>();
  for (const c of cmds) {
    if (c.kind === "remove" && c.subscriptionKey !== undefined && c.ack?.length === 0) {
      let s = unmatched.get(c.messageId);
      if (!s) unmatched.set(c.messageId, s = new Set());
      s.add(c.subscriptionKey);
    }
  }
  for (const c of cmds) {
    if (c.kind === "add") {
      const destination = toDestination(c.destination);
      const op: WireOp = {
        op: "add",
        destination,
        messageId: c.messageId,
        priority: c.priority ?? 4,
        bytes: c.message,
      };
      if (destination.type === "topic" || destination.type === "temp-topic") {
        const skip = unmatched.get(c.messageId) ?? new Set();
        op.subscriptions = index.subscriptionsFor(destination).filter((s) => !skip.has(s.key))
          .map((s) => ({ clientId: s.clientId, subscriptionName: s.subscriptionName }));
      }
      ops.push(op);
    } else if (c.kind === "remove") {
      const destination = toDestination(c.destination);
      if (c.subscriptionKey === undefined) ops.push({ op: "remove", destination, messageId: c.messageId });
      else if (c.ack?.length !== 0) {
        ops.push({
          op: "ack",
          destination,
          messageId: c.messageId,
          subscription: subscriptionKeyOf(index, c.subscriptionKey),
        });
      }
    }
  }
  return ops;
}

function subscriptionKeyOf(index: StoreIndex, key: string): DurableSubscriptionKey {
  const sub = index.subscriptions.get(key);
  if (sub) return { clientId: sub.clientId, subscriptionName: sub.subscriptionName };
  const colon = key.lastIndexOf(":");
  return { clientId: key.slice(0, Math.max(0, colon)), subscriptionName: key.slice(colon + 1) };
}
