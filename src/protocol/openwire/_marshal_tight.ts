/**
 * Tight encoding (openwire.md 4.3): booleans, presence flags, string forms and long sizes
 * go to one boolean stream per frame; everything else goes to the data area in the same
 * field order. The Java sender computes both in two passes; one walk that writes bits and
 * data to separate buffers produces the same bytes, and the reader is one walk as well.
 *
 * @module
 */

import type { DataStructure, OpenWireThrowable, StackTraceElement } from "./commands.ts";
import { BitReader } from "./_boolean_stream.ts";
import { cacheKey } from "./_cache.ts";
import { type DecodeContext, type EncodeContext, MAX_DEPTH, throwableMessage } from "./_context.ts";
import { type Input, malformed } from "./_input.ts";
import { checkCategory, writeFixed8 } from "./_marshal_loose.ts";
import { isAsciiString, mutf8Length } from "./_mutf8.ts";
import { CompiledTable, compileReader, compileWriter } from "./_compile.ts";
import { BrokerError } from "../../broker/errors.ts";
import {
  type FieldSpec,
  K_ARRAY,
  K_BOOL,
  K_BYTE,
  K_BYTES,
  K_CACHED,
  K_FIXED8,
  K_INT,
  K_LONG,
  K_NESTED,
  K_STRING,
  K_THROWABLE,
  specFor,
  specOfValue,
  type StructSpec,
} from "./_schema.ts";

type Fields = Record<string, unknown>;

// ---------------------------------------------------------------- encode

/** Writes the bits and data of `value`'s fields (not its type byte). */
export function writeTightBody(ctx: EncodeContext, value: DataStructure, spec: StructSpec): void {
  writers.get(spec, ctx.version)(ctx, value);
}

const WRITE_HELPERS = {
  writeLong: (ctx: EncodeContext, v: number) => writeLong(ctx, v),
  writeString: (ctx: EncodeContext, v: string | null | undefined) => writeString(ctx, v),
  writeFixed8: (ctx: EncodeContext, v: Uint8Array | null | undefined) => writeFixed8(ctx, v),
  writeBytes: (ctx: EncodeContext, v: Uint8Array | null | undefined) => writeBytes(ctx, v),
  writeNested: (ctx: EncodeContext, v: DataStructure | null | undefined) => writeNested(ctx, v),
  writeCached: (ctx: EncodeContext, v: DataStructure | null | undefined) => writeCached(ctx, v),
  writeArray: (ctx: EncodeContext, v: (DataStructure | null)[] | null | undefined) => writeArray(ctx, v),
  writeThrowable: (ctx: EncodeContext, v: OpenWireThrowable | null | undefined) => writeThrowable(ctx, v),
};

function writeStatement(field: FieldSpec, v: string): string {
  switch (field.kind) {
    case K_BOOL:
      return `ctx.bits.write(${v} === true);`;
    case K_BYTE:
      return `out.u8(${v} & 0xff);`;
    case K_INT:
      return `out.i32(${v} | 0);`;
    case K_LONG:
      return `h.writeLong(ctx, ${v} ?? 0);`;
    case K_STRING:
      return `h.writeString(ctx, ${v});`;
    case K_FIXED8:
      return `h.writeFixed8(ctx, ${v});`;
    case K_BYTES:
      return `h.writeBytes(ctx, ${v});`;
    case K_NESTED:
      return `h.writeNested(ctx, ${v});`;
    case K_CACHED:
      return `h.writeCached(ctx, ${v});`;
    case K_ARRAY:
      return `h.writeArray(ctx, ${v});`;
    case K_THROWABLE:
      return `h.writeThrowable(ctx, ${v});`;
    default:
      throw new TypeError(`Unknown field kind ${field.kind}`);
  }
}

const writers = new CompiledTable((spec, version) =>
  compileWriter(spec, version, writeStatement, WRITE_HELPERS)
);

/** Compact long: `00` zero, `01` 2 unsigned bytes, `10` 4 unsigned bytes, `11` 8 bytes. */
function writeLong(ctx: EncodeContext, v: number): void {
  const bits = ctx.bits;
  if (v === 0 || v !== v) {
    bits.write(false);
    bits.write(false);
  } else if (v > 0 && v <= 0xffff && v === Math.trunc(v)) {
    bits.write(false);
    bits.write(true);
    ctx.out.ensure(2);
    ctx.out.view.setUint16(ctx.out.pos, v);
    ctx.out.pos += 2;
  } else if (v > 0 && v <= 0xffffffff && v === Math.trunc(v)) {
    bits.write(true);
    bits.write(false);
    ctx.out.ensure(4);
    ctx.out.view.setUint32(ctx.out.pos, v);
    ctx.out.pos += 4;
  } else {
    bits.write(true);
    bits.write(true);
    ctx.out.long(v);
  }
}

function writeString(ctx: EncodeContext, s: string | null | undefined): void {
  if (s == null) {
    ctx.bits.write(false);
    return;
  }
  ctx.bits.write(true);
  const ascii = isAsciiString(s);
  const length = ascii ? s.length : mutf8Length(s);
  // The Java tight marshaller refuses what its int16 length prefix cannot hold.
  if (length >= 0x7fff) {
    throw new BrokerError("protocol", "Encountered a String value that is too long to encode.");
  }
  ctx.bits.write(ascii);
  if (ascii) ctx.out.ascii(s);
  else ctx.out.utf(s);
}

function writeBytes(ctx: EncodeContext, b: Uint8Array | null | undefined): void {
  ctx.bits.write(b != null);
  if (b != null) {
    ctx.out.i32(b.length);
    ctx.out.bytes(b);
  }
}

function writeNested(ctx: EncodeContext, v: DataStructure | null | undefined): void {
  if (v == null) {
    ctx.bits.write(false);
    return;
  }
  const spec = specOfValue(v, ctx.version);
  ctx.bits.write(true);
  // No cached marshalled form: the marshal-aware bit is always 0 (openwire.md 4.3 note).
  if (spec.marshalAware) ctx.bits.write(false);
  ctx.out.u8(spec.type);
  writeTightBody(ctx, v, spec);
}

function writeCached(ctx: EncodeContext, v: DataStructure | null | undefined): void {
  const cache = ctx.cache;
  if (cache === null) {
    writeNested(ctx, v);
    return;
  }
  const key = cacheKey(v);
  const index = cache.lookup(key);
  if (index >= 0) {
    ctx.bits.write(false);
    ctx.out.i16(index);
    return;
  }
  ctx.bits.write(true);
  // Tight order (as Java's two passes): the value's own cached fields take their slots
  // first, then the value; its index precedes its data, so it is patched in afterwards.
  const out = ctx.out;
  out.ensure(2);
  const at = out.pos;
  out.pos += 2;
  writeNested(ctx, v);
  out.view.setInt16(at, cache.add(key));
}

function writeArray(ctx: EncodeContext, a: (DataStructure | null)[] | null | undefined): void {
  if (a == null) {
    ctx.bits.write(false);
    return;
  }
  if (a.length > 0x7fff) throw new RangeError(`Object array of ${a.length} elements is too long to encode`);
  ctx.bits.write(true);
  ctx.out.i16(a.length);
  for (let i = 0; i < a.length; i++) writeNested(ctx, a[i]);
}

function writeThrowable(ctx: EncodeContext, t: OpenWireThrowable | null | undefined): void {
  if (t == null) {
    ctx.bits.write(false);
    return;
  }
  ctx.bits.write(true);
  writeString(ctx, t.className);
  writeString(ctx, throwableMessage(t.message ?? null, ctx.version));
  if (!ctx.stackTraceEnabled) return;
  const trace = t.stackTrace ?? [];
  const n = Math.min(trace.length, 0x7fff);
  ctx.out.i16(n);
  for (let i = 0; i < n; i++) {
    const e = trace[i];
    writeString(ctx, e.className);
    writeString(ctx, e.methodName);
    writeString(ctx, e.fileName);
    ctx.out.i32(e.lineNumber | 0);
  }
  writeThrowable(ctx, t.cause);
}

// ---------------------------------------------------------------- decode

/** Reads the fields of a structure whose type byte was already read. */
export function readTightBody(
  ctx: DecodeContext,
  input: Input,
  spec: StructSpec,
  depth: number,
): DataStructure {
  if (depth > MAX_DEPTH) throw malformed(`Data structures nested deeper than ${MAX_DEPTH} levels`);
  return readers.get(spec, ctx.version)(ctx, input, depth);
}

const READ_HELPERS = {
  readLong: (ctx: DecodeContext, input: Input) => readLong(ctx, input),
  readString: (ctx: DecodeContext, input: Input) => readString(ctx, input),
  readNested: (ctx: DecodeContext, input: Input, f: FieldSpec, d: number) => readNested(ctx, input, f, d),
  readCached: (ctx: DecodeContext, input: Input, f: FieldSpec, d: number) => readCached(ctx, input, f, d),
  readArray: (ctx: DecodeContext, input: Input, f: FieldSpec, d: number) => readArray(ctx, input, f, d),
  readThrowable: (ctx: DecodeContext, input: Input) => readThrowable(ctx, input, 0),
};

function readExpression(field: FieldSpec, i: number): string {
  switch (field.kind) {
    case K_BOOL:
      return "ctx.bits.read()";
    case K_BYTE:
      return "input.i8()";
    case K_INT:
      return "input.i32()";
    case K_LONG:
      return "h.readLong(ctx, input)";
    case K_STRING:
      return "h.readString(ctx, input)";
    case K_FIXED8:
      return "input.bytes(8)";
    case K_BYTES:
      return "(ctx.bits.read() ? input.bytes(input.i32()) : null)";
    case K_NESTED:
      return `h.readNested(ctx, input, F[${i}], depth)`;
    case K_CACHED:
      return `h.readCached(ctx, input, F[${i}], depth)`;
    case K_ARRAY:
      return `h.readArray(ctx, input, F[${i}], depth)`;
    case K_THROWABLE:
      return "h.readThrowable(ctx, input)";
    default:
      throw new TypeError(`Unknown field kind ${field.kind}`);
  }
}

const readers = new CompiledTable((spec, version) =>
  compileReader(spec, version, readExpression, READ_HELPERS)
);

function readLong(ctx: DecodeContext, input: Input): number {
  if (ctx.bits.read()) {
    return ctx.bits.read() ? input.long() : input.u32();
  }
  return ctx.bits.read() ? input.u16() : 0;
}

function readString(ctx: DecodeContext, input: Input): string | null {
  if (!ctx.bits.read()) return null;
  if (ctx.bits.read()) return input.latin1(input.i16());
  return input.utf();
}

/** A nested structure: presence bit, [marshal-aware bit], type byte, body. */
export function readTightNested(ctx: DecodeContext, input: Input, depth: number): DataStructure | null {
  if (!ctx.bits.read()) return null;
  const type = input.u8();
  const spec = specFor(type, ctx.version);
  if (spec === undefined) throw malformed(`Unknown data type: ${type}`);
  if (spec.marshalAware && ctx.bits.read()) {
    // A separately marshalled form: int32 size, type byte, its own boolean stream, body.
    input.i32();
    input.u8();
    const outer = ctx.bits;
    ctx.bits = new BitReader();
    try {
      ctx.bits.readFrom(input);
      return readTightBody(ctx, input, spec, depth + 1);
    } finally {
      ctx.bits = outer;
    }
  }
  return readTightBody(ctx, input, spec, depth + 1);
}

function readNested(ctx: DecodeContext, input: Input, field: FieldSpec, depth: number): DataStructure | null {
  const v = readTightNested(ctx, input, depth);
  checkCategory(field, v);
  return v;
}

function readCached(ctx: DecodeContext, input: Input, field: FieldSpec, depth: number): DataStructure | null {
  const cache = ctx.cache;
  if (cache === null) return readNested(ctx, input, field, depth);
  let v: DataStructure | null;
  if (ctx.bits.read()) {
    const index = input.i16();
    v = readTightNested(ctx, input, depth);
    cache.set(index, v);
  } else {
    v = cache.get(input.i16());
  }
  checkCategory(field, v);
  return v;
}

function readArray(
  ctx: DecodeContext,
  input: Input,
  field: FieldSpec,
  depth: number,
): (DataStructure | null)[] | null {
  if (!ctx.bits.read()) return null;
  const n = input.i16();
  if (n < 0) throw malformed(`Negative object array length ${n}`);
  const a: (DataStructure | null)[] = [];
  for (let i = 0; i < n; i++) a.push(readNested(ctx, input, field, depth));
  return a;
}

function readThrowable(ctx: DecodeContext, input: Input, depth: number): OpenWireThrowable | null {
  if (!ctx.bits.read()) return null;
  if (depth > MAX_DEPTH) throw malformed(`Exception causes nested deeper than ${MAX_DEPTH} levels`);
  const className = readString(ctx, input);
  const message = readString(ctx, input);
  const stackTrace: StackTraceElement[] = [];
  let cause: OpenWireThrowable | null = null;
  if (ctx.stackTraceEnabled) {
    const n = input.i16();
    if (n < 0) throw malformed(`Negative stack trace length ${n}`);
    for (let i = 0; i < n; i++) {
      stackTrace.push({
        className: readString(ctx, input),
        methodName: readString(ctx, input),
        fileName: readString(ctx, input),
        lineNumber: input.i32(),
      });
    }
    cause = readThrowable(ctx, input, depth + 1);
  }
  return { className, message, stackTrace, cause };
}
