/**
 * A growable big-endian writer over one buffer and one DataView. Encoders keep one per
 * module and reuse it frame after frame; `take()` copies the result out.
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import { writeMutf8 } from "./_mutf8.ts";

const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;
/** A buffer that grew past this is dropped after use instead of being kept for the next frame. */
const RETAIN_CAPACITY = 1024 * 1024;

export class Output {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  readonly #initial: number;

  constructor(initialCapacity = 4096) {
    this.#initial = initialCapacity;
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Forgets the content (and a buffer that grew too large). */
  reset(): void {
    this.pos = 0;
    if (this.buf.length > RETAIN_CAPACITY) {
      this.buf = new Uint8Array(this.#initial);
      this.view = new DataView(this.buf.buffer);
    }
  }

  /** A copy of what was written. */
  take(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  i16(v: number): void {
    this.ensure(2);
    this.view.setInt16(this.pos, v);
    this.pos += 2;
  }

  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
  }

  /** A number as int64: truncated toward zero, clamped to the int64 range; NaN is 0. */
  long(v: number): void {
    this.ensure(8);
    writeLongAt(this.view, this.pos, v);
    this.pos += 8;
  }

  bigLong(v: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, BigInt.asIntN(64, v));
    this.pos += 8;
  }

  f32(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** Modified UTF-8 without a header; returns the byte count. */
  mutf8(s: string): number {
    this.ensure(s.length * 3);
    const start = this.pos;
    this.pos = writeMutf8(this.buf, start, s);
    return this.pos - start;
  }

  /** DataOutput.writeUTF: uint16 length + modified UTF-8 (at most 65535 bytes). */
  utf(s: string): void {
    this.ensure(2 + s.length * 3);
    const at = this.pos;
    this.pos += 2;
    const n = this.mutf8(s);
    if (n > 0xffff) {
      this.pos = at;
      throw new BrokerError("protocol", `String of ${n} encoded bytes is too long to encode (max 65535)`);
    }
    this.view.setUint16(at, n);
  }

  /** The tight "ascii" string form: int16 char count, then one byte per char. */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(2 + n);
    this.view.setInt16(this.pos, n);
    let p = this.pos + 2;
    const buf = this.buf;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }
}

export function writeLongAt(view: DataView, pos: number, v: number): void {
  if (v !== v) v = 0;
  if (v >= TWO_63) {
    view.setInt32(pos, 0x7fffffff);
    view.setUint32(pos + 4, 0xffffffff);
    return;
  }
  if (v < -TWO_63) {
    view.setInt32(pos, -0x80000000);
    view.setUint32(pos + 4, 0);
    return;
  }
  v = Math.trunc(v);
  const hi = Math.floor(v / TWO_32);
  view.setInt32(pos, hi);
  view.setUint32(pos + 4, v - hi * TWO_32);
}
