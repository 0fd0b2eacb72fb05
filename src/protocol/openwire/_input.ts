/**
 * A bounded big-endian cursor over one buffer. Every read checks the bound first, so a
 * length from the wire is compared with the bytes actually present before anything is
 * allocated (STYLE.md habit 4).
 *
 * @module
 */

import { latin1, readMutf8 } from "./_mutf8.ts";

/** Why a decode stopped: the input ended early, is malformed, or declares too much. */
export type DecodeFailure = "truncated" | "malformed" | "too-large";

/** Internal decode failure; the reader turns it into an error event (or waits for bytes). */
export class DecodeError extends Error {
  readonly failure: DecodeFailure;
  /** For "truncated": the absolute buffer offset that must be available to go on. */
  readonly needed: number;
  constructor(failure: DecodeFailure, message: string, needed = 0) {
    super(message);
    this.name = "DecodeError";
    this.failure = failure;
    this.needed = needed;
  }
}

export function malformed(message: string): DecodeError {
  return new DecodeError("malformed", message);
}

const TWO_32 = 4294967296;

export class Input {
  readonly buf: Uint8Array;
  #view: DataView | undefined;
  pos: number;
  end: number;
  /**
   * False when `buf` belongs to the decoded command alone (a private copy of one frame):
   * byte arrays are then views into it instead of one allocation each.
   */
  readonly copyBytes: boolean;

  constructor(buf: Uint8Array, start = 0, end = buf.length, copyBytes = true) {
    this.buf = buf;
    this.copyBytes = copyBytes;
    this.pos = start;
    this.end = end;
  }

  /** Created on first use: integers are assembled from bytes, only floats and bigints need it. */
  get view(): DataView {
    return this.#view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  need(n: number): void {
    if (this.end - this.pos < n) {
      throw new DecodeError("truncated", "Unexpected end of frame", this.pos + n);
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  i8(): number {
    this.need(1);
    return (this.buf[this.pos++] << 24) >> 24;
  }

  /** Java DataInput.readBoolean: any non-zero byte is true. */
  bool(): boolean {
    this.need(1);
    return this.buf[this.pos++] !== 0;
  }

  i16(): number {
    this.need(2);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (((b[p] << 8) | b[p + 1]) << 16) >> 16;
  }

  u16(): number {
    this.need(2);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p] << 8) | b[p + 1];
  }

  i32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
  }

  u32(): number {
    return this.i32() >>> 0;
  }

  /** int64 as a number: exact within ±2^53, the nearest double beyond. */
  long(): number {
    const hi = this.i32();
    const lo = this.i32() >>> 0;
    return hi * TWO_32 + lo;
  }

  bigLong(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  f32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** `n` bytes: a copy, or a view when the buffer is private to this decode. */
  bytes(n: number): Uint8Array {
    if (n < 0) throw malformed(`Negative byte array length ${n}`);
    this.need(n);
    const out = this.copyBytes
      ? this.buf.slice(this.pos, this.pos + n)
      : this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** `n` bytes of modified UTF-8. */
  mutf8(n: number): string {
    if (n < 0) throw malformed(`Negative string length ${n}`);
    this.need(n);
    const s = readMutf8(this.buf, this.pos, this.pos + n);
    if (s === undefined) throw malformed("Malformed modified UTF-8 string");
    this.pos += n;
    return s;
  }

  /** DataInput.readUTF: uint16 length, then modified UTF-8. */
  utf(): string {
    return this.mutf8(this.u16());
  }

  /** The tight "ascii" string form: `n` bytes, one char each. */
  latin1(n: number): string {
    if (n < 0) throw malformed(`Negative string length ${n}`);
    this.need(n);
    const s = latin1(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}
