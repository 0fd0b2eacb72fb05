/**
 * The tight-encoding boolean stream (openwire.md 4.3): one bit per boolean field and
 * per presence/form flag of a whole frame, LSB first within each byte, behind a length
 * prefix of 1 byte (< 64), `C0` + 1 byte (< 256) or `80` + int16.
 *
 * @module
 */

import { DecodeError, type Input, malformed } from "./_input.ts";

/** Largest bit stream the int16 length form can express. */
const MAX_STREAM_BYTES = 0x7fff;

export class BitWriter {
  bytes = new Uint8Array(64);
  /** Bits written so far. */
  count = 0;

  reset(): void {
    this.count = 0;
  }

  write(value: boolean): void {
    const index = this.count >> 3;
    if (index >= this.bytes.length) {
      const next = new Uint8Array(this.bytes.length * 2);
      next.set(this.bytes);
      this.bytes = next;
    }
    if ((this.count & 7) === 0) this.bytes[index] = 0;
    if (value) this.bytes[index] |= 1 << (this.count & 7);
    this.count++;
  }

  /** Bytes of bit data (ceil(count / 8)). */
  get byteLength(): number {
    return (this.count + 7) >> 3;
  }

  /** Size of the length prefix plus the bit data. */
  get encodedSize(): number {
    const n = this.byteLength;
    return (n < 64 ? 1 : n < 256 ? 2 : 3) + n;
  }

  /** Writes the length prefix and the bits at `pos`; returns the end offset. */
  writeInto(buf: Uint8Array, pos: number): number {
    const n = this.byteLength;
    if (n > MAX_STREAM_BYTES) throw new RangeError(`Boolean stream of ${n} bytes is too long to encode`);
    if (n < 64) {
      buf[pos++] = n;
    } else if (n < 256) {
      buf[pos++] = 0xc0;
      buf[pos++] = n;
    } else {
      buf[pos++] = 0x80;
      buf[pos++] = n >> 8;
      buf[pos++] = n & 0xff;
    }
    buf.set(this.bytes.subarray(0, n), pos);
    return pos + n;
  }
}

/** Reads bits straight from the input buffer: no copy of the stream. */
export class BitReader {
  buf: Uint8Array = new Uint8Array(0);
  /** Absolute offset of the first bit byte. */
  start = 0;
  /** Bit position. */
  pos = 0;
  /** Number of bits available. */
  limit = 0;

  /** Reads the length prefix at `input.pos` and skips `input` past the bit data. */
  readFrom(input: Input): void {
    let n = input.u8();
    if (n === 0xc0) n = input.u8();
    else if (n === 0x80) n = input.i16();
    if (n < 0) throw malformed(`Negative boolean stream length ${n}`);
    input.need(n);
    this.buf = input.buf;
    this.start = input.pos;
    this.pos = 0;
    this.limit = n * 8;
    input.pos += n;
  }

  read(): boolean {
    if (this.pos >= this.limit) {
      throw new DecodeError("malformed", "Boolean stream exhausted");
    }
    const p = this.pos++;
    return (this.buf[this.start + (p >> 3)] & (1 << (p & 7))) !== 0;
  }
}
