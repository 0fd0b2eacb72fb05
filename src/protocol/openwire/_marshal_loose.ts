/**
 * Loose encoding (openwire.md 4.2): every field in order, self-contained, with a one-byte
 * null flag in front of nullable values. The store format and the handshake use it.
 *
 * @module
 */

import type { DataStructure, OpenWireThrowable, StackTraceElement } from "./commands.ts";
import { cacheKey } from "./_cache.ts";
import { type DecodeContext, type EncodeContext, MAX_DEPTH, throwableMessage } from "./_context.ts";
import { type Input, malformed } from "./_input.ts";
import { CompiledTable, compileReader, compileWriter } from "./_compile.ts";
import {
  activeMqMagic,
  C_ANY,
  CATEGORY_OF,
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

/** Writes the fields of `value` (not its type byte). */
export function writeLooseBody(ctx: EncodeContext, value: DataStructure, spec: StructSpec): void {
  writers.get(spec, ctx.version)(ctx, value);
}

const WRITE_HELPERS = {
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
      return `out.bool(${v} === true);`;
    case K_BYTE:
      return `out.u8(${v} & 0xff);`;
    case K_INT:
      return `out.i32(${v} | 0);`;
    case K_LONG:
      return `out.long(${v} ?? 0);`;
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

function writeString(ctx: EncodeContext, s: string | null | undefined): void {
  if (s == null) {
    ctx.out.bool(false);
  } else {
    ctx.out.bool(true);
    ctx.out.utf(s);
  }
}

export function writeFixed8(ctx: EncodeContext, b: Uint8Array | null | undefined): void {
  const bytes = b ?? activeMqMagic();
  ctx.out.ensure(8);
  for (let i = 0; i < 8; i++) ctx.out.buf[ctx.out.pos + i] = bytes[i] ?? 0;
  ctx.out.pos += 8;
}

function writeBytes(ctx: EncodeContext, b: Uint8Array | null | undefined): void {
  if (b == null) {
    ctx.out.bool(false);
  } else {
    ctx.out.bool(true);
    ctx.out.i32(b.length);
    ctx.out.bytes(b);
  }
}

function writeNested(ctx: EncodeContext, v: DataStructure | null | undefined): void {
  if (v == null) {
    ctx.out.bool(false);
    return;
  }
  const spec = specOfValue(v, ctx.version);
  ctx.out.bool(true);
  ctx.out.u8(spec.type);
  writeLooseBody(ctx, v, spec);
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
    ctx.out.bool(false);
    ctx.out.i16(index);
    return;
  }
  // Loose order: the value takes its slot before its own cached fields take theirs.
  ctx.out.bool(true);
  ctx.out.i16(cache.add(key));
  writeNested(ctx, v);
}

function writeArray(ctx: EncodeContext, a: (DataStructure | null)[] | null | undefined): void {
  if (a == null) {
    ctx.out.bool(false);
    return;
  }
  if (a.length > 0x7fff) throw new RangeError(`Object array of ${a.length} elements is too long to encode`);
  ctx.out.bool(true);
  ctx.out.i16(a.length);
  for (let i = 0; i < a.length; i++) writeNested(ctx, a[i]);
}

function writeThrowable(ctx: EncodeContext, t: OpenWireThrowable | null | undefined): void {
  if (t == null) {
    ctx.out.bool(false);
    return;
  }
  ctx.out.bool(true);
  writeString(ctx, t.className);
  writeString(ctx, throwableMessage(t.message ?? null, ctx.version));
  if (!ctx.stackTraceEnabled) return;
  const trace = t.stackTrace ?? [];
  ctx.out.i16(Math.min(trace.length, 0x7fff));
  for (let i = 0; i < trace.length && i < 0x7fff; i++) {
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
export function readLooseBody(
  ctx: DecodeContext,
  input: Input,
  spec: StructSpec,
  depth: number,
): DataStructure {
  if (depth > MAX_DEPTH) throw malformed(`Data structures nested deeper than ${MAX_DEPTH} levels`);
  return readers.get(spec, ctx.version)(ctx, input, depth);
}

const READ_HELPERS = {
  readString: (input: Input) => readString(input),
  readBytes: (input: Input) => (input.bool() ? input.bytes(input.i32()) : null),
  readNested: (ctx: DecodeContext, input: Input, f: FieldSpec, d: number) => readNested(ctx, input, f, d),
  readCached: (ctx: DecodeContext, input: Input, f: FieldSpec, d: number) => readCached(ctx, input, f, d),
  readArray: (ctx: DecodeContext, input: Input, f: FieldSpec, d: number) => readArray(ctx, input, f, d),
  readThrowable: (ctx: DecodeContext, input: Input) => readThrowable(ctx, input, 0),
};

function readExpression(field: FieldSpec, i: number): string {
  switch (field.kind) {
    case K_BOOL:
      return "input.bool()";
    case K_BYTE:
      return "input.i8()";
    case K_INT:
      return "input.i32()";
    case K_LONG:
      return "input.long()";
    case K_STRING:
      return "h.readString(input)";
    case K_FIXED8:
      return "input.bytes(8)";
    case K_BYTES:
      return "h.readBytes(input)";
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

export function checkCategory(field: FieldSpec, v: DataStructure | null): void {
  if (v !== null && field.accept !== C_ANY && (CATEGORY_OF[v.type] & field.accept) === 0) {
    throw malformed(`Unexpected data type ${v.type} in field ${field.name}`);
  }
}

/** A nested structure: null flag, type byte, body. */
export function readLooseNested(ctx: DecodeContext, input: Input, depth: number): DataStructure | null {
  if (!input.bool()) return null;
  const type = input.u8();
  const spec = specFor(type, ctx.version);
  if (spec === undefined) throw malformed(`Unknown data type: ${type}`);
  return readLooseBody(ctx, input, spec, depth + 1);
}

function readNested(ctx: DecodeContext, input: Input, field: FieldSpec, depth: number): DataStructure | null {
  const v = readLooseNested(ctx, input, depth);
  checkCategory(field, v);
  return v;
}

function readCached(ctx: DecodeContext, input: Input, field: FieldSpec, depth: number): DataStructure | null {
  const cache = ctx.cache;
  if (cache === null) return readNested(ctx, input, field, depth);
  let v: DataStructure | null;
  if (input.bool()) {
    const index = input.i16();
    v = readLooseNested(ctx, input, depth);
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
  if (!input.bool()) return null;
  const n = input.i16();
  if (n < 0) throw malformed(`Negative object array length ${n}`);
  const a: (DataStructure | null)[] = [];
  for (let i = 0; i < n; i++) a.push(readNested(ctx, input, field, depth));
  return a;
}

function readString(input: Input): string | null {
  return input.bool() ? input.utf() : null;
}

function readThrowable(ctx: DecodeContext, input: Input, depth: number): OpenWireThrowable | null {
  if (!input.bool()) return null;
  if (depth > MAX_DEPTH) throw malformed(`Exception causes nested deeper than ${MAX_DEPTH} levels`);
  const className = readString(input);
  const message = readString(input);
  const stackTrace: StackTraceElement[] = [];
  let cause: OpenWireThrowable | null = null;
  if (ctx.stackTraceEnabled) {
    const n = input.i16();
    if (n < 0) throw malformed(`Negative stack trace length ${n}`);
    for (let i = 0; i < n; i++) {
      stackTrace.push({
        className: readString(input),
        methodName: readString(input),
        fileName: readString(input),
        lineNumber: input.i32(),
      });
    }
    cause = readThrowable(ctx, input, depth + 1);
  }
  return { className, message, stackTrace, cause };
}
