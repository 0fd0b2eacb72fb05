/**
 * Journal byte layout (kahadb.md 2.2, 2.4): write batches made of a 28-byte
 * control record, user records and a 5-byte EOF marker. Pure functions over
 * byte arrays; the journal class does the I/O.
 */
import { adler32 } from "./_adler32.ts";

export const RECORD_HEADER_SIZE = 5;
export const BATCH_CONTROL_SIZE = 28;
export const EOF_MARKER_SIZE = 5;
export const USER_RECORD_TYPE = 1;
export const BATCH_CONTROL_TYPE = 2;
/** `int32 0x2D714D61 ("-qMa") | int8 0x34 ("4")`. */
export const EOF_MARKER = new Uint8Array([0x2d, 0x71, 0x4d, 0x61, 0x34]);
/** `int32 28 | int8 2 | "WRITE BATCH"`: the first 16 bytes of every batch. */
export const BATCH_HEADER = new Uint8Array([
  0x00,
  0x00,
  0x00,
  0x1c,
  0x02,
  0x57,
  0x52,
  0x49,
  0x54,
  0x45,
  0x20,
  0x42,
  0x41,
  0x54,
  0x43,
  0x48,
]);
const EOF_SIZE_FIELD = 0x2d714d61;

export interface BuiltBatch {
  /** Control record, records and the trailing EOF marker. */
  bytes: Uint8Array;
  /** Offset of each record's size field, relative to the start of the batch. */
  recordOffsets: number[];
  recordSizes: number[];
  /** Bytes of the batch without the EOF marker (what the file's logical length grows by). */
  length: number;
}

/** Lays out one write batch around the given record payloads. */
export function buildBatch(payloads: readonly Uint8Array[], checksum: boolean): BuiltBatch {
  let recordsLength = 0;
  for (const p of payloads) recordsLength += RECORD_HEADER_SIZE + p.length;
  const length = BATCH_CONTROL_SIZE + recordsLength;
  const bytes = new Uint8Array(length + EOF_MARKER_SIZE);
  const view = new DataView(bytes.buffer);
  bytes.set(BATCH_HEADER, 0);
  view.setInt32(16, recordsLength);
  const recordOffsets: number[] = [];
  const recordSizes: number[] = [];
  let pos = BATCH_CONTROL_SIZE;
  for (const p of payloads) {
    const size = RECORD_HEADER_SIZE + p.length;
    recordOffsets.push(pos);
    recordSizes.push(size);
    view.setInt32(pos, size);
    bytes[pos + 4] = USER_RECORD_TYPE;
    bytes.set(p, pos + RECORD_HEADER_SIZE);
    pos += size;
  }
  // Adler-32 of the record bytes, zero-extended into the int64 field; 0 = not checked.
  const sum = checksum ? adler32(bytes.subarray(BATCH_CONTROL_SIZE, length)) : 0;
  view.setUint32(20, 0);
  view.setUint32(24, sum);
  bytes.set(EOF_MARKER, length);
  return { bytes, recordOffsets, recordSizes, length };
}

export interface ScannedRecord {
  /** Offset of the record's size field in the file. */
  offset: number;
  size: number;
  /** The record payload (a view into the scanned buffer). */
  payload: Uint8Array;
}

export interface ScannedBatch {
  offset: number;
  records: ScannedRecord[];
}

export type ScanProblem =
  | { kind: "torn"; offset: number; reason: string }
  | { kind: "corrupt"; offset: number; end: number; reason: string };

export interface ScanResult {
  batches: ScannedBatch[];
  /** Where valid data ends (the next batch goes here). */
  end: number;
  /** A bad batch followed by good ones ("corrupt", skipped) or at the end ("torn", cut off). */
  problems: ScanProblem[];
}

function isBatchHeaderAt(data: Uint8Array, o: number): boolean {
  if (o + BATCH_HEADER.length > data.length) return false;
  for (let i = 0; i < BATCH_HEADER.length; i++) if (data[o + i] !== BATCH_HEADER[i]) return false;
  return true;
}

/** Checks the batch at `o`; returns its records or why it is not valid. */
function readBatch(data: Uint8Array, o: number, verify: boolean): ScannedBatch | string {
  if (o + BATCH_CONTROL_SIZE > data.length) return "the batch control record is cut short";
  if (!isBatchHeaderAt(data, o)) return "no WRITE BATCH control record";
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const length = view.getInt32(o + 16);
  const start = o + BATCH_CONTROL_SIZE;
  if (length < 0 || start + length > data.length) return `the batch says ${length} bytes, fewer are present`;
  const sumHigh = view.getUint32(o + 20);
  const sum = view.getUint32(o + 24);
  if (verify && (sumHigh !== 0 || sum !== 0)) {
    const actual = adler32(data.subarray(start, start + length));
    if (sumHigh !== 0 || actual !== sum) return `checksum mismatch (stored ${sum}, computed ${actual})`;
  }
  const records: ScannedRecord[] = [];
  let p = start;
  while (p < start + length) {
    if (p + RECORD_HEADER_SIZE > start + length) return `record at ${p} is cut short`;
    const size = view.getInt32(p);
    const type = data[p + 4];
    if (size < RECORD_HEADER_SIZE || p + size > start + length) return `record at ${p} has bad size ${size}`;
    if (type === USER_RECORD_TYPE) {
      records.push({ offset: p, size, payload: data.subarray(p + RECORD_HEADER_SIZE, p + size) });
    }
    p += size;
  }
  return { offset: o, records };
}

function isEndOfData(data: Uint8Array, o: number): boolean {
  if (o + RECORD_HEADER_SIZE > data.length) return true;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const size = view.getInt32(o);
  const type = data[o + 4];
  return (size === EOF_SIZE_FIELD && type === 0x34) || (size === 0 && type === 0);
}

/**
 * Walks a journal file's content batch by batch from `from` (kahadb.md 2.4).
 * A bad batch makes the scan look for the next WRITE BATCH header: if one that
 * checks out follows, the bad range is reported as corrupt and skipped;
 * otherwise the data ends at the bad batch (a torn tail).
 */
export function scanBatches(data: Uint8Array, options: { from?: number; verify?: boolean } = {}): ScanResult {
  const verify = options.verify ?? true;
  const batches: ScannedBatch[] = [];
  const problems: ScanProblem[] = [];
  let o = options.from ?? 0;
  while (!isEndOfData(data, o)) {
    const batch = readBatch(data, o, verify);
    if (typeof batch !== "string") {
      batches.push(batch);
      o = advance(data, o);
      continue;
    }
    let next = -1;
    for (let s = o + 1; s + BATCH_CONTROL_SIZE <= data.length; s++) {
      if (data[s] === 0 && isBatchHeaderAt(data, s) && typeof readBatch(data, s, verify) !== "string") {
        next = s;
        break;
      }
    }
    if (next < 0) {
      problems.push({ kind: "torn", offset: o, reason: batch });
      return { batches, end: o, problems };
    }
    problems.push({ kind: "corrupt", offset: o, end: next, reason: batch });
    o = next;
  }
  return { batches, end: o, problems };
}

function advance(data: Uint8Array, o: number): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return o + BATCH_CONTROL_SIZE + view.getInt32(o + 16);
}
