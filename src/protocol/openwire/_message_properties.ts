/**
 * Message properties ↔ the marshalled primitive map of `Message.marshalledProperties`
 * (openwire.md 5), keeping JMS types in `propertyTypes`.
 *
 * @module
 */

import type { PropertyType, PropertyValue } from "../../message/message.ts";
import { Input, malformed } from "./_input.ts";
import { Output } from "./_output.ts";
import {
  readValueOfType,
  T_BIG_STRING,
  T_BOOLEAN,
  T_BYTE,
  T_CHAR,
  T_DOUBLE,
  T_FLOAT,
  T_INT,
  T_LONG,
  T_NULL,
  T_SHORT,
  T_STRING,
  writeStringValue,
} from "./primitive_map.ts";

export interface DecodedProperties {
  properties: Record<string, PropertyValue>;
  propertyTypes: Record<string, PropertyType>;
}

/**
 * Decodes a property map. Every non-null value gets its type in `propertyTypes`; a
 * `char` becomes a one-character string. `byte[]`, map and list values (never set by
 * JMS applications, which may only use the JMS property types) have no place in our
 * model and are skipped.
 */
export function decodeMessageProperties(bytes: Uint8Array): DecodedProperties {
  const properties: Record<string, PropertyValue> = {};
  const propertyTypes: Record<string, PropertyType> = {};
  const input = new Input(bytes);
  const n = input.i32();
  if (n < -1) throw malformed(`Negative map size ${n}`);
  for (let i = 0; i < n; i++) {
    const key = input.utf();
    const code = input.u8();
    switch (code) {
      case T_NULL:
        properties[key] = null;
        break;
      case T_BOOLEAN:
        properties[key] = input.bool();
        propertyTypes[key] = "boolean";
        break;
      case T_BYTE:
        properties[key] = input.i8();
        propertyTypes[key] = "byte";
        break;
      case T_CHAR:
        properties[key] = String.fromCharCode(input.u16());
        propertyTypes[key] = "string";
        break;
      case T_SHORT:
        properties[key] = input.i16();
        propertyTypes[key] = "short";
        break;
      case T_INT:
        properties[key] = input.i32();
        propertyTypes[key] = "int";
        break;
      case T_LONG:
        properties[key] = input.bigLong();
        propertyTypes[key] = "long";
        break;
      case T_DOUBLE:
        properties[key] = input.f64();
        propertyTypes[key] = "double";
        break;
      case T_FLOAT:
        properties[key] = input.f32();
        propertyTypes[key] = "float";
        break;
      case T_STRING:
        properties[key] = input.utf();
        propertyTypes[key] = "string";
        break;
      case T_BIG_STRING: {
        const length = input.i32();
        if (length === -1) {
          properties[key] = null;
        } else {
          properties[key] = input.mutf8(length);
          propertyTypes[key] = "string";
        }
        break;
      }
      default:
        // byte[], map, list: read past them.
        readValueOfType(input, code, 0);
    }
  }
  if (input.pos !== input.end) throw malformed("Trailing bytes after the property map");
  return { properties, propertyTypes };
}

function inferType(v: PropertyValue): PropertyType {
  switch (typeof v) {
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "bigint":
      return "long";
    default: {
      const n = v as number;
      if (Number.isInteger(n)) return n >= -0x80000000 && n <= 0x7fffffff ? "int" : "long";
      return "double";
    }
  }
}

function toNumber(v: PropertyValue): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

function toBigInt(v: PropertyValue): bigint {
  if (typeof v === "bigint") return v;
  const n = Math.trunc(toNumber(v));
  return Number.isFinite(n) ? BigInt(n) : 0n;
}

const scratch = new Output(1024);

/**
 * Encodes properties with their declared (else inferred) JMS types: integral numbers
 * are int (long beyond 32 bits), others double; bigint is long. Returns null when there
 * are no properties (what the Java client sends).
 */
export function encodeMessageProperties(
  properties: Record<string, PropertyValue>,
  propertyTypes?: Record<string, PropertyType>,
): Uint8Array | null {
  const keys = Object.keys(properties);
  if (keys.length === 0) return null;
  const out = scratch;
  out.reset();
  try {
    out.i32(keys.length);
    for (const key of keys) {
      out.utf(key);
      const v = properties[key];
      if (v === null || v === undefined) {
        out.u8(T_NULL);
        continue;
      }
      switch (propertyTypes?.[key] ?? inferType(v)) {
        case "boolean":
          out.u8(T_BOOLEAN);
          out.bool(v === true || v === "true" || v === 1);
          break;
        case "byte":
          out.u8(T_BYTE);
          out.u8(toNumber(v) & 0xff);
          break;
        case "short":
          out.u8(T_SHORT);
          out.i16(toNumber(v));
          break;
        case "int":
          out.u8(T_INT);
          out.i32(toNumber(v));
          break;
        case "long":
          out.u8(T_LONG);
          out.bigLong(toBigInt(v));
          break;
        case "float":
          out.u8(T_FLOAT);
          out.f32(toNumber(v));
          break;
        case "double":
          out.u8(T_DOUBLE);
          out.f64(toNumber(v));
          break;
        default:
          writeStringValue(out, String(v));
      }
    }
    return out.take();
  } finally {
    out.reset();
  }
}
