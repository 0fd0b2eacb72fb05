/**
 * Writing the MQTT data representations into a growable buffer. The encoder keeps two
 * module-level writers and reuses them for every packet (encoding never re-enters itself),
 * so steady-state encoding allocates only the packet it returns.
 *
 * @module
 */

const utf8 = new TextEncoder();

/** Writers hold on to buffers up to this size between packets; larger ones are dropped. */
const RETAIN_CAPACITY = 64 * 1024;

export class Writer {
  buf: Uint8Array = new Uint8Array(256);
  pos = 0;

  reset(): void {
    this.pos = 0;
    if (this.buf.length > RETAIN_CAPACITY) this.buf = new Uint8Array(256);
  }

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(need, this.buf.length * 2));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  u16(value: number): void {
    this.ensure(2);
    this.buf[this.pos++] = value >>> 8;
    this.buf[this.pos++] = value & 0xff;
  }

  u32(value: number): void {
    this.ensure(4);
    this.buf[this.pos++] = value >>> 24;
    this.buf[this.pos++] = (value >>> 16) & 0xff;
    this.buf[this.pos++] = (value >>> 8) & 0xff;
    this.buf[this.pos++] = value & 0xff;
  }

  /** A Variable Byte Integer (0..268,435,455) in its minimal form ([MQTT-1.5.5-1]). */
  varint(value: number): void {
    this.ensure(4);
    do {
      let b = value % 128;
      value = Math.floor(value / 128);
      if (value > 0) b |= 0x80;
      this.buf[this.pos++] = b;
    } while (value > 0);
  }

  /** A UTF-8 Encoded String. Lone surrogates become U+FFFD, as TextEncoder does everywhere. */
  string(text: string, what: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    this.ensure(2 + text.length * 3);
    const start = this.pos + 2;
    const written = utf8.encodeInto(text, this.buf.subarray(start)).written;
    if (written > 0xffff) throw new RangeError(`The ${what} is ${written} bytes long; at most 65535 fit`);
    this.buf[this.pos] = written >>> 8;
    this.buf[this.pos + 1] = written & 0xff;
    this.pos = start + written;
  }

  /** Binary Data: a 2-byte length, then the bytes. */
  binary(bytes: Uint8Array, what: string): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`The ${what} must be a Uint8Array`);
    if (bytes.length > 0xffff) {
      throw new RangeError(`The ${what} is ${bytes.length} bytes long; at most 65535 fit`);
    }
    this.u16(bytes.length);
    this.raw(bytes);
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
}

/** Number of bytes of `value` as a Variable Byte Integer. */
export function varintSize(value: number): number {
  return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
}
