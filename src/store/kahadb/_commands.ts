/**
 * KahaDB journal commands (kahadb.md 3.2, 3.3) and the payload framing of 3.1:
 * `int8 entryType | varint N | N bytes of protobuf`.
 */
import { CorruptDataError } from "./_binary.ts";
import { ProtoReader, ProtoWriter, WIRE_LEN, WIRE_VARINT } from "./_protobuf.ts";

// kahadb.md 3.2: KahaEntryType.
export const ENTRY = {
  trace: 0,
  add: 1,
  remove: 2,
  prepare: 3,
  commit: 4,
  rollback: 5,
  removeDestination: 6,
  subscription: 7,
  producerAudit: 8,
  ackFileMap: 9,
  update: 10,
  rewrittenDataFile: 16,
} as const;

/** KahaDestination.type: 0 QUEUE, 1 TOPIC, 2 TEMP_QUEUE, 3 TEMP_TOPIC. */
export type KahaDestinationType = 0 | 1 | 2 | 3;

export interface KahaDestination {
  type: KahaDestinationType;
  name: string;
}

export interface KahaLocalTransactionId {
  connectionId: string;
  transactionId: number;
}

export interface KahaXaTransactionId {
  formatId: number;
  branchQualifier: Uint8Array;
  globalTransactionId: Uint8Array;
}

export type KahaTransactionInfo = { local: KahaLocalTransactionId } | { xa: KahaXaTransactionId };

export interface KahaAddMessage {
  kind: "add";
  tx?: KahaTransactionInfo;
  destination: KahaDestination;
  messageId: string;
  /** The stored message bytes (OpenWire loose v11 in ActiveMQ's journal). */
  message: Uint8Array;
  priority?: number;
  prioritySupported?: boolean;
}

export interface KahaRemoveMessage {
  kind: "remove";
  tx?: KahaTransactionInfo;
  destination: KahaDestination;
  messageId: string;
  /** Marshalled MessageAck; present but empty = "unmatched selector" ack of a durable subscription. */
  ack?: Uint8Array;
  subscriptionKey?: string;
}

export type KahaCommand =
  | { kind: "trace"; message: string }
  | KahaAddMessage
  | KahaRemoveMessage
  | { kind: "prepare" | "commit" | "rollback"; tx: KahaTransactionInfo }
  | { kind: "removeDestination"; destination: KahaDestination }
  | {
    kind: "subscription";
    destination: KahaDestination;
    subscriptionKey: string;
    retroactive?: boolean;
    /** Marshalled OpenWire SubscriptionInfo; absent = the subscription is deleted. */
    subscriptionInfo?: Uint8Array;
  }
  | { kind: "producerAudit" | "ackFileMap"; data: Uint8Array }
  | { kind: "update"; message: KahaAddMessage }
  | { kind: "rewrittenDataFile"; sourceDataFileId: number; rewriteType?: number; skipIfSourceExists: boolean }
  /** Scheduler-store commands (11-15) and anything newer: kept as bytes, ignored by the index. */
  | { kind: "other"; entryType: number; data: Uint8Array };

function writeDestination(w: ProtoWriter, field: number, d: KahaDestination): void {
  w.message(field, (n) => n.int32(1, d.type).string(2, d.name));
}

function writeTx(w: ProtoWriter, field: number, tx: KahaTransactionInfo): void {
  w.message(field, (info) => {
    if ("local" in tx) {
      // KahaLocalTransactionId numbers both fields 1; the wire type tells them apart (kahadb.md 3.3).
      info.message(1, (l) => l.string(1, tx.local.connectionId).int64(1, tx.local.transactionId));
    } else {
      info.message(
        2,
        (x) => x.int32(1, tx.xa.formatId).bytes(2, tx.xa.branchQualifier).bytes(3, tx.xa.globalTransactionId),
      );
    }
  });
}

function writeAdd(w: ProtoWriter, c: KahaAddMessage): void {
  if (c.tx) writeTx(w, 1, c.tx);
  writeDestination(w, 2, c.destination);
  w.string(3, c.messageId).bytes(4, c.message);
  w.int32(5, c.priority ?? 4).bool(6, c.prioritySupported ?? false);
}

function entryTypeOf(c: KahaCommand): number {
  return c.kind === "other" ? c.entryType : ENTRY[c.kind];
}

function writeBody(w: ProtoWriter, c: KahaCommand): void {
  switch (c.kind) {
    case "trace":
      w.string(1, c.message);
      return;
    case "add":
      writeAdd(w, c);
      return;
    case "remove":
      if (c.tx) writeTx(w, 1, c.tx);
      writeDestination(w, 2, c.destination);
      w.string(3, c.messageId);
      if (c.ack) w.bytes(4, c.ack);
      if (c.subscriptionKey !== undefined) w.string(5, c.subscriptionKey);
      return;
    case "prepare":
    case "commit":
    case "rollback":
      writeTx(w, 1, c.tx);
      return;
    case "removeDestination":
      writeDestination(w, 1, c.destination);
      return;
    case "subscription":
      writeDestination(w, 1, c.destination);
      w.string(2, c.subscriptionKey);
      if (c.retroactive !== undefined) w.bool(3, c.retroactive);
      if (c.subscriptionInfo) w.bytes(4, c.subscriptionInfo);
      return;
    case "producerAudit":
    case "ackFileMap":
      w.bytes(1, c.data);
      return;
    case "update":
      w.message(1, (n) => writeAdd(n, c.message));
      return;
    case "rewrittenDataFile":
      w.int32(1, c.sourceDataFileId);
      if (c.rewriteType !== undefined) w.int32(2, c.rewriteType);
      w.bool(3, c.skipIfSourceExists);
      return;
    case "other":
      w.raw(c.data); // already-encoded protobuf, copied through unchanged
      return;
  }
}

/** The protobuf body of a command (without entry type and length). */
export function encodeCommandBody(c: KahaCommand): Uint8Array {
  const w = new ProtoWriter();
  writeBody(w, c);
  return w.finish();
}

/** A journal record payload: `int8 entryType | varint N | protobuf` (kahadb.md 3.1). */
export function encodeCommand(c: KahaCommand): Uint8Array {
  return encodeCommands([c])[0];
}

/** Payloads of several commands, sharing one buffer (one allocation per write). */
export function encodeCommands(cmds: readonly KahaCommand[]): Uint8Array[] {
  let size = 64;
  for (const c of cmds) size += c.kind === "add" ? c.message.length + 128 : 96;
  const w = new ProtoWriter(size);
  const ends: number[] = [];
  for (const c of cmds) {
    w.byte(entryTypeOf(c)).delimited((b) => writeBody(b, c));
    ends.push(w.length);
  }
  const all = w.finish();
  return ends.map((end, i) => all.subarray(i === 0 ? 0 : ends[i - 1], end));
}

function readDestination(bytes: Uint8Array): KahaDestination {
  const r = new ProtoReader(bytes);
  let type = 0;
  let name: string | undefined;
  while (r.next()) {
    if (r.field === 1 && r.wire === WIRE_VARINT) type = r.int32();
    else if (r.field === 2 && r.wire === WIRE_LEN) name = r.string();
    else r.skip();
  }
  if (name === undefined) throw new CorruptDataError("KahaDestination without a name");
  if (type < 0 || type > 3) throw new CorruptDataError(`KahaDestination type ${type} is unknown`);
  return { type: type as KahaDestinationType, name };
}

function readTx(bytes: Uint8Array): KahaTransactionInfo {
  const r = new ProtoReader(bytes);
  let result: KahaTransactionInfo | undefined;
  while (r.next()) {
    if (r.field === 1 && r.wire === WIRE_LEN) {
      const l = new ProtoReader(r.bytes());
      const local: KahaLocalTransactionId = { connectionId: "", transactionId: 0 };
      while (l.next()) {
        if (l.field === 1 && l.wire === WIRE_LEN) local.connectionId = l.string();
        else if (l.field === 1 && l.wire === WIRE_VARINT) local.transactionId = l.int64();
        else l.skip();
      }
      result = { local };
    } else if (r.field === 2 && r.wire === WIRE_LEN) {
      const x = new ProtoReader(r.bytes());
      const xa: KahaXaTransactionId = {
        formatId: 0,
        branchQualifier: new Uint8Array(0),
        globalTransactionId: new Uint8Array(0),
      };
      while (x.next()) {
        if (x.field === 1 && x.wire === WIRE_VARINT) xa.formatId = x.int32();
        else if (x.field === 2 && x.wire === WIRE_LEN) xa.branchQualifier = x.bytes().slice();
        else if (x.field === 3 && x.wire === WIRE_LEN) xa.globalTransactionId = x.bytes().slice();
        else x.skip();
      }
      result = { xa };
    } else r.skip(); // 3: previous_entry, not used
  }
  if (!result) throw new CorruptDataError("KahaTransactionInfo without a transaction id");
  return result;
}

function readAdd(bytes: Uint8Array): KahaAddMessage {
  const r = new ProtoReader(bytes);
  let tx: KahaTransactionInfo | undefined;
  let destination: KahaDestination | undefined;
  let messageId: string | undefined;
  let message: Uint8Array | undefined;
  let priority: number | undefined;
  let prioritySupported: boolean | undefined;
  while (r.next()) {
    if (r.wire === WIRE_LEN && r.field <= 4) {
      const b = r.bytes();
      if (r.field === 1) tx = readTx(b);
      else if (r.field === 2) destination = readDestination(b);
      else if (r.field === 3) messageId = new TextDecoder().decode(b);
      else message = b;
    } else if (r.field === 5 && r.wire === WIRE_VARINT) priority = r.int32();
    else if (r.field === 6 && r.wire === WIRE_VARINT) prioritySupported = r.bool();
    else r.skip();
  }
  if (!destination || messageId === undefined || !message) {
    throw new CorruptDataError("KahaAddMessageCommand without destination, messageId or message");
  }
  const c: KahaAddMessage = { kind: "add", destination, messageId, message };
  if (tx) c.tx = tx;
  if (priority !== undefined) c.priority = priority;
  if (prioritySupported !== undefined) c.prioritySupported = prioritySupported;
  return c;
}

/**
 * Decodes a record payload. Byte fields are views into `payload`; copy them
 * if the payload buffer is reused.
 */
export function decodeCommand(payload: Uint8Array): KahaCommand {
  if (payload.length < 2) {
    throw new CorruptDataError(`Journal payload of ${payload.length} bytes is too short`);
  }
  const entryType = payload[0];
  // varint length, then exactly that many bytes of protobuf
  let n = 0;
  let i = 1;
  for (let shift = 1;; shift *= 0x80) {
    if (i >= payload.length || shift > 2 ** 35) throw new CorruptDataError("Bad journal payload length");
    const b = payload[i++];
    n += (b & 0x7f) * shift;
    if ((b & 0x80) === 0) break;
  }
  if (i + n > payload.length) {
    throw new CorruptDataError(`Journal payload says ${n} bytes, only ${payload.length - i} present`);
  }
  const body = payload.subarray(i, i + n);
  const r = new ProtoReader(body);
  switch (entryType) {
    case ENTRY.trace: {
      let message = "";
      while (r.next()) {
        if (r.field === 1 && r.wire === WIRE_LEN) message = r.string();
        else r.skip();
      }
      return { kind: "trace", message };
    }
    case ENTRY.add:
      return readAdd(body);
    case ENTRY.remove: {
      let tx: KahaTransactionInfo | undefined;
      let destination: KahaDestination | undefined;
      let messageId: string | undefined;
      let ack: Uint8Array | undefined;
      let subscriptionKey: string | undefined;
      while (r.next()) {
        if (r.wire !== WIRE_LEN) r.skip();
        else if (r.field === 1) tx = readTx(r.bytes());
        else if (r.field === 2) destination = readDestination(r.bytes());
        else if (r.field === 3) messageId = r.string();
        else if (r.field === 4) ack = r.bytes();
        else if (r.field === 5) subscriptionKey = r.string();
        else r.skip();
      }
      if (!destination || messageId === undefined) {
        throw new CorruptDataError("KahaRemoveMessageCommand without destination or messageId");
      }
      const c: KahaRemoveMessage = { kind: "remove", destination, messageId };
      if (tx) c.tx = tx;
      if (ack) c.ack = ack;
      if (subscriptionKey !== undefined) c.subscriptionKey = subscriptionKey;
      return c;
    }
    case ENTRY.prepare:
    case ENTRY.commit:
    case ENTRY.rollback: {
      let tx: KahaTransactionInfo | undefined;
      while (r.next()) {
        if (r.field === 1 && r.wire === WIRE_LEN) tx = readTx(r.bytes());
        else r.skip();
      }
      if (!tx) throw new CorruptDataError(`Transaction command ${entryType} without transaction_info`);
      const kind = entryType === ENTRY.prepare
        ? "prepare"
        : entryType === ENTRY.commit
        ? "commit"
        : "rollback";
      return { kind, tx };
    }
    case ENTRY.removeDestination: {
      let destination: KahaDestination | undefined;
      while (r.next()) {
        if (r.field === 1 && r.wire === WIRE_LEN) destination = readDestination(r.bytes());
        else r.skip();
      }
      if (!destination) throw new CorruptDataError("KahaRemoveDestinationCommand without destination");
      return { kind: "removeDestination", destination };
    }
    case ENTRY.subscription: {
      let destination: KahaDestination | undefined;
      let subscriptionKey: string | undefined;
      let retroactive: boolean | undefined;
      let subscriptionInfo: Uint8Array | undefined;
      while (r.next()) {
        if (r.field === 1 && r.wire === WIRE_LEN) destination = readDestination(r.bytes());
        else if (r.field === 2 && r.wire === WIRE_LEN) subscriptionKey = r.string();
        else if (r.field === 3 && r.wire === WIRE_VARINT) retroactive = r.bool();
        else if (r.field === 4 && r.wire === WIRE_LEN) subscriptionInfo = r.bytes();
        else r.skip();
      }
      if (!destination || subscriptionKey === undefined) {
        throw new CorruptDataError("KahaSubscriptionCommand without destination or subscriptionKey");
      }
      const c: KahaCommand = { kind: "subscription", destination, subscriptionKey };
      if (retroactive !== undefined) c.retroactive = retroactive;
      if (subscriptionInfo) c.subscriptionInfo = subscriptionInfo;
      return c;
    }
    case ENTRY.producerAudit:
    case ENTRY.ackFileMap: {
      let data: Uint8Array = new Uint8Array(0);
      while (r.next()) {
        if (r.field === 1 && r.wire === WIRE_LEN) data = r.bytes();
        else r.skip();
      }
      return { kind: entryType === ENTRY.producerAudit ? "producerAudit" : "ackFileMap", data };
    }
    case ENTRY.update: {
      let message: KahaAddMessage | undefined;
      while (r.next()) {
        if (r.field === 1 && r.wire === WIRE_LEN) message = readAdd(r.bytes());
        else r.skip();
      }
      if (!message) throw new CorruptDataError("KahaUpdateMessageCommand without message");
      return { kind: "update", message };
    }
    case ENTRY.rewrittenDataFile: {
      let sourceDataFileId: number | undefined;
      let rewriteType: number | undefined;
      let skipIfSourceExists = true;
      while (r.next()) {
        if (r.field === 1 && r.wire === WIRE_VARINT) sourceDataFileId = r.int32();
        else if (r.field === 2 && r.wire === WIRE_VARINT) rewriteType = r.int32();
        else if (r.field === 3 && r.wire === WIRE_VARINT) skipIfSourceExists = r.bool();
        else r.skip();
      }
      if (sourceDataFileId === undefined) {
        throw new CorruptDataError("KahaRewrittenDataFileCommand without sourceDataFileId");
      }
      const c: KahaCommand = { kind: "rewrittenDataFile", sourceDataFileId, skipIfSourceExists };
      if (rewriteType !== undefined) c.rewriteType = rewriteType;
      return c;
    }
    default:
      return { kind: "other", entryType, data: body };
  }
}

/** Transaction key as the index buffers it: local by connection + counter, XA by branch. */
export function transactionKey(tx: KahaTransactionInfo): string {
  if ("local" in tx) return `local:${tx.local.connectionId}:${tx.local.transactionId}`;
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${tx.xa.formatId}:${hex(tx.xa.globalTransactionId)}:${hex(tx.xa.branchQualifier)}`;
}

/**
 * The `message` field of a KahaAddMessageCommand payload, without decoding the
 * rest (start-up reads a million of these), or null when its messageId is not
 * `expectedId`.
 */
export function addMessageField(payload: Uint8Array, expectedId: string): Uint8Array | null {
  if (payload[0] !== ENTRY.add) return null;
  let i = 1;
  let n = 0;
  for (let shift = 1;; shift *= 0x80) {
    if (i >= payload.length || shift > 2 ** 35) return null;
    const b = payload[i++];
    n += (b & 0x7f) * shift;
    if ((b & 0x80) === 0) break;
  }
  if (i + n > payload.length) return null;
  const r = new ProtoReader(payload.subarray(i, i + n));
  let message: Uint8Array | null = null;
  let idMatches = false;
  while (r.next()) {
    if (r.wire !== WIRE_LEN || (r.field !== 3 && r.field !== 4)) {
      r.skip();
      continue;
    }
    const b = r.bytes();
    if (r.field === 4) message = b;
    else idMatches = bytesEqualString(b, expectedId);
  }
  return idMatches ? message : null;
}

function bytesEqualString(b: Uint8Array, s: string): boolean {
  if (b.length === s.length) {
    let ascii = true;
    for (let i = 0; i < b.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      if (b[i] !== c) return false;
    }
    if (ascii) return true;
  }
  return new TextDecoder().decode(b) === s;
}
