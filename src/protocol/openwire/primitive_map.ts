/**
 * Marshalled primitive maps and lists (openwire.md 5): message properties, MapMessage and
 * StreamMessage bodies, WireFormatInfo options. Values keep their Java type.
 *
 * @example
 * ```ts
 * import { decodePrimitiveMap, encodePrimitiveMap } from "./primitive_map.ts";
 *
 * const bytes = encodePrimitiveMap(new Map([["n", { type: "int", value: 42 }]]));
 * decodePrimitiveMap(bytes)?.get("n"); // { type: "int", value: 42 }
 * ```
 *
 * @module
 */

import { MAX_DEPTH } from "./_context.ts";
import { Input, malformed } from "./_input.ts";
import { Output } from "./_output.ts";

/** A typed value of a primitive map or list. `char` is one UTF-16 unit. */
export type PrimitiveValue =
  | { type: "null" }
  | { type: "boolean"; value: boolean }
  | { type: "byte" | "short" | "int" | "float" | "double"; value: number }
  | { type: "char"; value: string }
  | { type: "long"; value: bigint }
  | { type: "string"; value: string }
  | { type: "bytes"; value: Uint8Array }
  | { type: "map"; value: PrimitiveMap }
  | { type: "list"; value: PrimitiveValue[] };

/** Entry order is kept, but Java writes hash order: never depend on it. */
export type PrimitiveMap = Map<string, PrimitiveValue>;

/** Primitive type codes (openwire.md 5). */
export const T_NULL = 0;
export const T_BOOLEAN = 1;
export const T_BYTE = 2;
export const T_CHAR = 3;
export const T_SHORT = 4;
export const T_INT = 5;
export const T_LONG = 6;
export const T_DOUBLE = 7;
export const T_FLOAT = 8;
export const T_STRING = 9;
export const T_BYTES = 10;
export const T_MAP = 11;
export const T_LIST = 12;
export const T_BIG_STRING = 13;

/** The Java writer switches to the int32-length "big string" form at this many UTF-16 units. */
export const BIG_STRING_UNITS = 8191;

const NULL_VALUE: PrimitiveValue = Object.freeze({ type: "null" });

/** Limits of a decode. */
export interface PrimitiveMapLimits {
  /** Most entries of one map (WireFormatInfo options: 4096). */
  maxEntries?: number;
}

/** Writes a string value: code 9 below 8191 UTF-16 units, code 13 from there on. */
export function writeStringValue(out: Output, s: string): void {
  if (s.length < BIG_STRING_UNITS) {
    out.u8(T_STRING);
    out.utf(s);
  } else {
    out.u8(T_BIG_STRING);
    out.ensure(4);
    const at = out.pos;
    out.pos += 4;
    const n = out.mutf8(s);
    out.view.setInt32(at, n);
  }
}

export function writeValue(out: Output, v: PrimitiveValue, depth = 0): void {
  switch (v.type) {
    case "null":
      out.u8(T_NULL);
      return;
    case "boolean":
      out.u8(T_BOOLEAN);
      out.bool(v.value);
      return;
    case "byte":
      out.u8(T_BYTE);
      out.u8(v.value & 0xff);
      return;
    case "char":
      out.u8(T_CHAR);
      out.i16(v.value.length > 0 ? v.value.charCodeAt(0) : 0);
      return;
    case "short":
      out.u8(T_SHORT);
      out.i16(v.value);
      return;
    case "int":
      out.u8(T_INT);
      out.i32(v.value);
      return;
    case "long":
      out.u8(T_LONG);
      out.bigLong(v.value);
      return;
    case "double":
      out.u8(T_DOUBLE);
      out.f64(v.value);
      return;
    case "float":
      out.u8(T_FLOAT);
      out.f32(v.value);
      return;
    case "string":
      writeStringValue(out, v.value);
      return;
    case "bytes":
      out.u8(T_BYTES);
      out.i32(v.value.length);
      out.bytes(v.value);
      return;
    case "map":
      if (depth >= MAX_DEPTH) throw new RangeError(`Primitive maps nested deeper than ${MAX_DEPTH} levels`);
      out.u8(T_MAP);
      writeMap(out, v.value, depth + 1);
      return;
    case "list":
      if (depth >= MAX_DEPTH) throw new RangeError(`Primitive lists nested deeper than ${MAX_DEPTH} levels`);
      out.u8(T_LIST);
      out.i32(v.value.length);
      for (const item of v.value) writeValue(out, item, depth + 1);
      return;
  }
}

function writeMap(out: Output, map: PrimitiveMap, depth: number): void {
  out.i32(map.size);
  for (const [key, value] of map) {
    out.utf(key);
    writeValue(out, value, depth);
  }
}

/** Reads a value whose type code is `code` (already read). */
export function readValueOfType(input: Input, code: number, depth: number): PrimitiveValue {
  switch (code) {
    case T_NULL:
      return NULL_VALUE;
    case T_BOOLEAN:
      return { type: "boolean", value: input.bool() };
    case T_BYTE:
      return { type: "byte", value: input.i8() };
    case T_CHAR:
      return { type: "char", value: String.fromCharCode(input.u16()) };
    case T_SHORT:
      return { type: "short", value: input.i16() };
    case T_INT:
      return { type: "int", value: input.i32() };
    case T_LONG:
      return { type: "long", value: input.bigLong() };
    case T_DOUBLE:
      return { type: "double", value: input.f64() };
    case T_FLOAT:
      return { type: "float", value: input.f32() };
    case T_STRING:
      return { type: "string", value: input.utf() };
    case T_BIG_STRING: {
      const n = input.i32();
      return n === -1 ? NULL_VALUE : { type: "string", value: input.mutf8(n) };
    }
    case T_BYTES:
      return { type: "bytes", value: input.bytes(input.i32()) };
    case T_MAP: {
      const map = readMap(input, depth + 1, undefined);
      return map === null ? NULL_VALUE : { type: "map", value: map };
    }
    case T_LIST: {
      if (depth + 1 > MAX_DEPTH) throw malformed(`Primitive lists nested deeper than ${MAX_DEPTH} levels`);
      const n = input.i32();
      if (n < 0) throw malformed(`Negative list length ${n}`);
      const list: PrimitiveValue[] = [];
      for (let i = 0; i < n; i++) list.push(readValueOfType(input, input.u8(), depth + 1));
      return { type: "list", value: list };
    }
    default:
      throw malformed(`Unknown primitive type code ${code}`);
  }
}

function readMap(input: Input, depth: number, maxEntries: number | undefined): PrimitiveMap | null {
  if (depth > MAX_DEPTH) throw malformed(`Primitive maps nested deeper than ${MAX_DEPTH} levels`);
  const n = input.i32();
  if (n === -1) return null;
  if (n < 0) throw malformed(`Negative map size ${n}`);
  if (maxEntries !== undefined && n > maxEntries) {
    throw malformed(`Map of ${n} entries exceeds the limit of ${maxEntries}`);
  }
  const map: PrimitiveMap = new Map();
  for (let i = 0; i < n; i++) {
    const key = input.utf();
    map.set(key, readValueOfType(input, input.u8(), depth));
  }
  return map;
}

const scratch = new Output(4096);

function finish(out: Output): Uint8Array {
  const bytes = out.take();
  out.reset();
  return bytes;
}

/** Marshals a map (`null` → count -1). */
export function encodePrimitiveMap(map: PrimitiveMap | null): Uint8Array {
  scratch.reset();
  try {
    if (map === null) scratch.i32(-1);
    else writeMap(scratch, map, 0);
    return finish(scratch);
  } finally {
    scratch.reset();
  }
}

/** Unmarshals a map; throws on malformed or trailing bytes. */
export function decodePrimitiveMap(bytes: Uint8Array, limits: PrimitiveMapLimits = {}): PrimitiveMap | null {
  const input = new Input(bytes);
  const map = readMap(input, 0, limits.maxEntries);
  if (input.pos !== input.end) throw malformed(`Primitive map ends after ${input.pos} of ${input.end} bytes`);
  return map;
}

/** A StreamMessage body: the values one after the other, no count (openwire.md 9.2). */
export function encodeStreamBody(values: PrimitiveValue[]): Uint8Array {
  scratch.reset();
  try {
    for (const v of values) writeValue(scratch, v, 0);
    return finish(scratch);
  } finally {
    scratch.reset();
  }
}

export function decodeStreamBody(bytes: Uint8Array): PrimitiveValue[] {
  const input = new Input(bytes);
  const values: PrimitiveValue[] = [];
  while (input.pos < input.end) values.push(readValueOfType(input, input.u8(), 0));
  return values;
}
