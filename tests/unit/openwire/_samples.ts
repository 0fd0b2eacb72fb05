/** Seeded random data structures for round-trip and fuzz tests. */
import type { DataStructure, OpenWireThrowable } from "../../../src/protocol/openwire/codec.ts";
import {
  C_ANY,
  CATEGORY_OF,
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
  STRUCTS,
  type StructSpec,
} from "../../../src/protocol/openwire/_schema.ts";

import type { Rng } from "../../support/random.ts";
export { type Rng, rng } from "../../support/random.ts";

export const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rng, items: readonly T[]): T => items[Math.floor(r() * items.length)];

export const ALL_TYPES: number[] = STRUCTS.flatMap((s, t) => (s ? [t] : []));

const LONGS = [
  0,
  1,
  255,
  65535,
  65536,
  0xffffffff,
  0x100000000,
  -1,
  -2,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
];
const STRINGS = [
  "",
  "a",
  "TEST.Q",
  "ID:host-1-2-3:1",
  "héllo",
  "中文",
  "emoji 😀",
  "nul\u0000inside",
  "x".repeat(300),
];

export function randomString(r: Rng): string | null {
  const roll = r();
  if (roll < 0.2) return null;
  if (roll < 0.6) return pick(r, STRINGS);
  let s = "";
  const n = int(r, 0, 12);
  for (let i = 0; i < n; i++) s += String.fromCharCode(r() < 0.8 ? int(r, 32, 126) : int(r, 0, 0xffff));
  return s;
}

function randomLong(r: Rng): number {
  return r() < 0.6 ? pick(r, LONGS) : int(r, -1e12, 1e12);
}

function randomBytes(r: Rng): Uint8Array | null {
  if (r() < 0.25) return null;
  const b = new Uint8Array(int(r, 0, 24));
  for (let i = 0; i < b.length; i++) b[i] = int(r, 0, 255);
  return b;
}

function randomThrowable(r: Rng, depth: number): OpenWireThrowable | null {
  if (r() < 0.3) return null;
  const stackTrace = [];
  for (let i = int(r, 0, 2); i > 0; i--) {
    stackTrace.push({
      className: randomString(r),
      methodName: randomString(r),
      fileName: randomString(r),
      lineNumber: int(r, -1, 5000),
    });
  }
  return {
    className: pick(r, ["javax.jms.JMSException", "java.lang.SecurityException", null]),
    message: randomString(r),
    stackTrace,
    cause: depth < 2 ? randomThrowable(r, depth + 1) : null,
  };
}

/** Types a field may hold in `version`. */
function candidates(accept: number, version: number): number[] {
  return ALL_TYPES.filter((t) => {
    const spec = STRUCTS[t]!;
    if (spec.since > version) return false;
    return accept === C_ANY ? true : (CATEGORY_OF[t] & accept) !== 0;
  });
}

function randomNested(r: Rng, accept: number, version: number, depth: number): DataStructure | null {
  if (r() < 0.25 || depth >= 3) return null;
  const types = candidates(accept, version);
  // Keep trees small: deep in the tree prefer ids and destinations.
  const simple = types.filter((t) => t >= 100);
  const type = depth >= 1 && simple.length > 0 && r() < 0.8 ? pick(r, simple) : pick(r, types);
  return sample(r, type, version, depth + 1);
}

/** A structure of `type` with random values in every field (also those `version` lacks). */
export function sample(r: Rng, type: number, version: number, depth = 0): DataStructure {
  const spec = STRUCTS[type]!;
  const obj = spec.create();
  for (const field of spec.byVersion[12].concat(spec.byVersion[9].filter((f) => f.until < 12))) {
    let v: unknown;
    switch (field.kind) {
      case K_BOOL:
        v = r() < 0.5;
        break;
      case K_BYTE:
        v = int(r, -128, 127);
        break;
      case K_INT:
        v = int(r, -0x80000000, 0x7fffffff);
        break;
      case K_LONG:
        v = randomLong(r);
        break;
      case K_STRING:
        v = randomString(r);
        break;
      case K_FIXED8:
        v = new TextEncoder().encode("ActiveMQ");
        break;
      case K_BYTES:
        v = randomBytes(r);
        break;
      case K_NESTED:
      case K_CACHED:
        v = randomNested(r, field.accept, version, depth);
        break;
      case K_ARRAY: {
        if (r() < 0.3 || depth >= 3) {
          v = null;
        } else {
          const a = [];
          for (let i = int(r, 0, 3); i > 0; i--) a.push(randomNested(r, field.accept, version, depth + 1));
          v = a;
        }
        break;
      }
      case K_THROWABLE:
        v = randomThrowable(r, 0);
        break;
    }
    obj[field.name] = v;
  }
  return obj as unknown as DataStructure;
}

function projectThrowable(t: OpenWireThrowable | null, stackTrace: boolean): OpenWireThrowable | null {
  if (t === null) return null;
  return {
    className: t.className,
    message: t.message,
    stackTrace: stackTrace ? t.stackTrace.map((e) => ({ ...e })) : [],
    cause: stackTrace ? projectThrowable(t.cause, true) : null,
  };
}

/** What a peer decodes from `value` sent with `version`: absent fields at their defaults. */
export function project(
  value: DataStructure | null,
  version: number,
  stackTrace: boolean,
): DataStructure | null {
  if (value === null) return null;
  const spec: StructSpec = STRUCTS[value.type]!;
  const out = spec.create();
  const src = value as unknown as Record<string, unknown>;
  for (const field of spec.byVersion[version]) {
    const v = src[field.name];
    switch (field.kind) {
      case K_NESTED:
      case K_CACHED:
        out[field.name] = project(v as DataStructure | null, version, stackTrace);
        break;
      case K_ARRAY:
        out[field.name] = v === null
          ? null
          : (v as (DataStructure | null)[]).map((x) => project(x, version, stackTrace));
        break;
      case K_THROWABLE:
        out[field.name] = projectThrowable(v as OpenWireThrowable | null, stackTrace);
        break;
      default:
        out[field.name] = v;
    }
  }
  return out as unknown as DataStructure;
}

/** Splits `bytes` into random chunks. */
export function randomSplit(r: Rng, bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = r() < 0.3 ? 1 : int(r, 1, Math.max(1, bytes.length - i));
    chunks.push(bytes.slice(i, i + n));
    i += n;
  }
  return chunks;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
