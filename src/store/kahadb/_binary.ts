/**
 * Big-endian byte writer and reader for the index pages and the worker's
 * reply buffers. Strings are length-prefixed UTF-8 (uint32 length).
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Thrown by {@link ByteReader} when data ends early or a value is out of range. */
export class CorruptDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CorruptDataError";
  }
}

export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;

  constructor(initial = 256) {
    this.#buf = new Uint8Array(initial);
    this.#view = new DataView(this.#buf.buffer);
  }

  get length(): number {
    return this.#pos;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.#ensure(1);
    this.#buf[this.#pos++] = v;
    return this;
  }

  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }

  u16(v: number): this {
    this.#ensure(2);
    this.#view.setUint16(this.#pos, v);
    this.#pos += 2;
    return this;
  }

  i32(v: number): this {
    this.#ensure(4);
    this.#view.setInt32(this.#pos, v);
    this.#pos += 4;
    return this;
  }

  u32(v: number): this {
    this.#ensure(4);
    this.#view.setUint32(this.#pos, v);
    this.#pos += 4;
    return this;
  }

  /** A safe integer (|v| < 2^53) as int64. */
  i64(v: number): this {
    this.#ensure(8);
    this.#view.setBigInt64(this.#pos, BigInt(v));
    this.#pos += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
    return this;
  }

  /** uint32 length + bytes. */
  blob(b: Uint8Array): this {
    return this.u32(b.length).bytes(b);
  }

  /** uint32 length + UTF-8. */
  str(s: string): this {
    return this.blob(encoder.encode(s));
  }

  optStr(s: string | undefined): this {
    this.bool(s !== undefined);
    if (s !== undefined) this.str(s);
    return this;
  }

  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }
}

export class ByteReader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #pos: number;

  constructor(buf: Uint8Array, pos = 0) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#pos = pos;
  }

  get position(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  #need(n: number): void {
    if (this.#pos + n > this.#buf.length) {
      throw new CorruptDataError(`Data ends at byte ${this.#buf.length}, ${n} more needed at ${this.#pos}`);
    }
  }

  u8(): number {
    this.#need(1);
    return this.#buf[this.#pos++];
  }

  bool(): boolean {
    return this.u8() !== 0;
  }

  u16(): number {
    this.#need(2);
    const v = this.#view.getUint16(this.#pos);
    this.#pos += 2;
    return v;
  }

  i32(): number {
    this.#need(4);
    const v = this.#view.getInt32(this.#pos);
    this.#pos += 4;
    return v;
  }

  u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.#pos);
    this.#pos += 4;
    return v;
  }

  i64(): number {
    this.#need(8);
    const v = this.#view.getBigInt64(this.#pos);
    this.#pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new CorruptDataError(`int64 ${v} at ${this.#pos - 8} is out of range`);
    }
    return Number(v);
  }

  bytes(n: number): Uint8Array {
    this.#need(n);
    const b = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return b;
  }

  blob(): Uint8Array {
    return this.bytes(this.u32());
  }

  str(): string {
    const b = this.blob();
    // Short ASCII strings (message ids, names) are the common case; TextDecoder costs more there.
    if (b.length <= 64) {
      let ascii = true;
      for (let i = 0; i < b.length; i++) {
        if (b[i] >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
    }
    return decoder.decode(b);
  }

  optStr(): string | undefined {
    return this.bool() ? this.str() : undefined;
  }
}
