/**
 * The little protobuf the KahaDB journal needs (kahadb.md 3.1): varints,
 * length-delimited fields and nested messages. Readers skip unknown fields.
 */
import { CorruptDataError } from "./_binary.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/**
 * Writes protobuf into one growing buffer; nested messages are written in
 * place (their length is patched in afterwards), so encoding a command costs
 * one allocation, not one per nested message.
 */
export class ProtoWriter {
  #buf: Uint8Array;
  #pos = 0;

  constructor(initial = 128) {
    this.#buf = new Uint8Array(initial);
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
  }

  /** One raw byte (the entry type in front of a journal payload). */
  byte(b: number): this {
    this.#ensure(1);
    this.#buf[this.#pos++] = b;
    return this;
  }

  /** Bytes as they are (already-encoded protobuf). */
  raw(b: Uint8Array): this {
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
    return this;
  }

  /** A non-negative integer below 2^53. */
  varint(n: number): this {
    this.#ensure(10);
    while (n >= 0x80) {
      this.#buf[this.#pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.#buf[this.#pos++] = n;
    return this;
  }

  /** Two's complement 64-bit varint: negative int32/int64 values take 10 bytes (protobuf rule). */
  #signed(n: number): this {
    if (n >= 0) return this.varint(n);
    let v = BigInt.asUintN(64, BigInt(n));
    this.#ensure(10);
    while (v >= 0x80n) {
      this.#buf[this.#pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#pos++] = Number(v);
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  int32(field: number, n: number): this {
    return this.tag(field, WIRE_VARINT).#signed(n | 0);
  }

  int64(field: number, n: number): this {
    return this.tag(field, WIRE_VARINT).#signed(n);
  }

  bool(field: number, b: boolean): this {
    return this.tag(field, WIRE_VARINT).varint(b ? 1 : 0);
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, WIRE_LEN).varint(b.length);
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
    return this;
  }

  string(field: number, s: string): this {
    if (s.length < 0x80) {
      // Short ASCII strings (names, ids) are written directly.
      this.#ensure(s.length + 12);
      const save = this.#pos;
      this.tag(field, WIRE_LEN).varint(s.length);
      let i = 0;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        this.#buf[this.#pos++] = c;
      }
      if (i === s.length) return this;
      this.#pos = save;
    }
    return this.bytes(field, encoder.encode(s));
  }

  /** A nested message written by `write` into this same buffer. */
  message(field: number, write: (w: ProtoWriter) => void): this {
    this.tag(field, WIRE_LEN);
    return this.delimited(write);
  }

  /** `varint length | whatever write() writes` (also the payload framing of kahadb.md 3.1). */
  delimited(write: (w: ProtoWriter) => void): this {
    this.#ensure(1);
    const lengthAt = this.#pos++;
    const start = this.#pos;
    write(this);
    const length = this.#pos - start;
    if (length < 0x80) {
      this.#buf[lengthAt] = length;
      return this;
    }
    const extra = length < 0x4000 ? 1 : length < 0x200000 ? 2 : length < 0x10000000 ? 3 : 4;
    this.#ensure(extra);
    this.#buf.copyWithin(start + extra, start, this.#pos);
    let n = length;
    for (let i = lengthAt; n >= 0x80; i++) {
      this.#buf[i] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
      if (n < 0x80) this.#buf[i + 1] = n;
    }
    this.#pos += extra;
    return this;
  }

  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }
}

/**
 * Iterates the fields of one message.
 *
 * @example
 * ```ts
 * const r = new ProtoReader(bytes);
 * while (r.next()) {
 *   if (r.field === 1 && r.wire === WIRE_LEN) name = r.string();
 *   else r.skip();
 * }
 * ```
 */
export class ProtoReader {
  readonly #buf: Uint8Array;
  #pos = 0;
  field = 0;
  wire = 0;

  constructor(buf: Uint8Array) {
    this.#buf = buf;
  }

  next(): boolean {
    if (this.#pos >= this.#buf.length) return false;
    const tag = this.#varint();
    this.field = Math.floor(tag / 8);
    this.wire = tag % 8;
    if (this.field === 0) throw new CorruptDataError(`Protobuf field number 0 at byte ${this.#pos}`);
    return true;
  }

  /** Low and high 32 bits of a varint of up to 10 bytes. */
  #varint64(): [number, number] {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.#pos >= this.#buf.length) throw new CorruptDataError("Protobuf varint runs past the data");
      const b = this.#buf[this.#pos++];
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if ((b & 0x80) === 0) return [lo >>> 0, hi >>> 0];
    }
    throw new CorruptDataError("Protobuf varint longer than 10 bytes");
  }

  #varint(): number {
    const [lo, hi] = this.#varint64();
    return hi * 0x1_0000_0000 + lo;
  }

  #expect(wire: number): void {
    if (this.wire !== wire) {
      throw new CorruptDataError(`Protobuf field ${this.field} has wire type ${this.wire}, expected ${wire}`);
    }
  }

  /** An unsigned varint (exact below 2^53). */
  uint(): number {
    this.#expect(WIRE_VARINT);
    return this.#varint();
  }

  int32(): number {
    this.#expect(WIRE_VARINT);
    return this.#varint64()[0] | 0;
  }

  /** A signed int64 (exact when |v| < 2^53). */
  int64(): number {
    this.#expect(WIRE_VARINT);
    const [lo, hi] = this.#varint64();
    return (hi | 0) * 0x1_0000_0000 + lo;
  }

  bool(): boolean {
    return this.uint() !== 0;
  }

  /** A view into the input (not a copy). */
  bytes(): Uint8Array {
    this.#expect(WIRE_LEN);
    const n = this.#varint();
    if (this.#pos + n > this.#buf.length) {
      throw new CorruptDataError(`Protobuf field ${this.field} of ${n} bytes runs past the data`);
    }
    const b = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return b;
  }

  string(): string {
    return decoder.decode(this.bytes());
  }

  skip(): void {
    switch (this.wire) {
      case WIRE_VARINT:
        this.#varint64();
        return;
      case WIRE_I64:
        this.#advance(8);
        return;
      case WIRE_LEN:
        this.bytes();
        return;
      case WIRE_I32:
        this.#advance(4);
        return;
      default:
        throw new CorruptDataError(`Protobuf wire type ${this.wire} of field ${this.field} is not supported`);
    }
  }

  #advance(n: number): void {
    if (this.#pos + n > this.#buf.length) throw new CorruptDataError("Protobuf field runs past the data");
    this.#pos += n;
  }
}

/** Encodes a standalone varint (the length in kahadb.md 3.1's payload framing). */
export function encodeVarint(n: number): Uint8Array {
  return new ProtoWriter().varint(n).finish();
}
