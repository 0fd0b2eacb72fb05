import assert from "node:assert/strict";
import {
  decodeMessageProperties,
  decodePrimitiveMap,
  decodeStreamBody,
  encodeMessageProperties,
  encodePrimitiveMap,
  encodeStreamBody,
  type PrimitiveMap,
  type PrimitiveValue,
} from "../../../src/protocol/openwire/codec.ts";
import { hex } from "./_captures.ts";

const EVERY_TYPE: PrimitiveMap = new Map<string, PrimitiveValue>([
  ["null", { type: "null" }],
  ["boolean", { type: "boolean", value: true }],
  ["byte", { type: "byte", value: -7 }],
  ["char", { type: "char", value: "é" }],
  ["short", { type: "short", value: -30000 }],
  ["int", { type: "int", value: 2147483647 }],
  ["long", { type: "long", value: -9223372036854775808n }],
  ["double", { type: "double", value: Math.PI }],
  ["float", { type: "float", value: 1.5 }],
  ["string", { type: "string", value: "héllo\u0000😀" }],
  ["bigString", { type: "string", value: "y".repeat(9000) }],
  ["bytes", { type: "bytes", value: new Uint8Array([0, 1, 255]) }],
  ["map", { type: "map", value: new Map([["inner", { type: "int", value: 1 }]]) }],
  ["list", {
    type: "list",
    value: [{ type: "string", value: "a" }, { type: "list", value: [] }, { type: "null" }],
  }],
]);

Deno.test("every primitive type round-trips; strings from 8191 units use the big-string code", () => {
  const bytes = encodePrimitiveMap(EVERY_TYPE);
  assert.deepStrictEqual(decodePrimitiveMap(bytes), EVERY_TYPE);
  // The 9000-char string is type 13 with an int32 length.
  const key = new TextEncoder().encode("bigString");
  let at = 0;
  while (!key.every((b, i) => bytes[at + i] === b)) at++;
  at += key.length; // the type code follows the key
  assert.equal(bytes[at], 13);
  assert.equal(new DataView(bytes.buffer).getInt32(at + 1), 9000);
  assert.equal(decodePrimitiveMap(encodePrimitiveMap(null)), null);
  assert.deepStrictEqual([...encodePrimitiveMap(null)], [0xff, 0xff, 0xff, 0xff]);
});

Deno.test('the spec\'s example map bytes (n=42 int, k="v")', () => {
  const bytes = hex("00 00 00 02 00 01 6E 05 00 00 00 2A 00 01 6B 09 00 01 76");
  const map = new Map<string, PrimitiveValue>([["n", { type: "int", value: 42 }], ["k", {
    type: "string",
    value: "v",
  }]]);
  assert.deepStrictEqual(decodePrimitiveMap(bytes), map);
  assert.deepStrictEqual(encodePrimitiveMap(map), bytes);
  assert.deepStrictEqual(encodeMessageProperties({ n: 42, k: "v" }), bytes);
});

Deno.test("big strings with length -1 read as null; malformed maps throw", () => {
  assert.deepStrictEqual(
    decodePrimitiveMap(hex("00 00 00 01 00 01 61 0D FF FF FF FF")),
    new Map([["a", { type: "null" }]]),
  );
  assert.throws(() => decodePrimitiveMap(hex("00 00 00 01 00 01 61 0E")), /Unknown primitive type code 14/);
  assert.throws(() => decodePrimitiveMap(hex("00 00 00 02 00 01 61 00")), /end of frame/);
  assert.throws(() => decodePrimitiveMap(hex("00 00 00 05")), /end of frame/);
  assert.throws(() => decodePrimitiveMap(hex("00 00 10 01"), { maxEntries: 4096 }), /exceeds the limit/);
  // Maps nested 40 deep.
  const deep = [0, 0, 0, 1];
  for (let i = 0; i < 40; i++) deep.push(0, 1, 0x61, 11, 0, 0, 0, 1);
  assert.throws(() => decodePrimitiveMap(new Uint8Array(deep)), /nested deeper/);
});

Deno.test("stream bodies are values without a count", () => {
  const values: PrimitiveValue[] = [
    { type: "boolean", value: false },
    { type: "string", value: "s" },
    { type: "bytes", value: new Uint8Array([9]) },
    { type: "long", value: 5n },
    { type: "char", value: "x" },
  ];
  const bytes = encodeStreamBody(values);
  assert.deepStrictEqual([...bytes.subarray(0, 2)], [1, 0]);
  assert.deepStrictEqual(decodeStreamBody(bytes), values);
});

Deno.test("message properties keep every JMS type in propertyTypes", () => {
  const properties = {
    b: true,
    y: -5,
    s: 1234,
    i: 70000,
    l: 1n << 40n,
    f: 0.25,
    d: 1.1,
    t: "text",
    n: null,
  };
  const propertyTypes = {
    b: "boolean",
    y: "byte",
    s: "short",
    i: "int",
    l: "long",
    f: "float",
    d: "double",
    t: "string",
  } as const;
  const bytes = encodeMessageProperties(properties, propertyTypes)!;
  const decoded = decodeMessageProperties(bytes);
  assert.deepStrictEqual(decoded.properties, properties);
  assert.deepStrictEqual(decoded.propertyTypes, propertyTypes);
  const raw = decodePrimitiveMap(bytes)!;
  assert.deepStrictEqual(raw.get("y"), { type: "byte", value: -5 });
  assert.deepStrictEqual(raw.get("f"), { type: "float", value: 0.25 });
  assert.deepStrictEqual(raw.get("n"), { type: "null" });
});

Deno.test("untyped properties are inferred: int, long beyond 32 bits, double, bigint long", () => {
  const decoded = decodeMessageProperties(
    encodeMessageProperties({ a: 1, b: 2 ** 40, c: 0.5, d: 3n, e: "x", f: false })!,
  );
  assert.deepStrictEqual(decoded.propertyTypes, {
    a: "int",
    b: "long",
    c: "double",
    d: "long",
    e: "string",
    f: "boolean",
  });
  assert.deepStrictEqual(decoded.properties, { a: 1, b: 2n ** 40n, c: 0.5, d: 3n, e: "x", f: false });
  assert.equal(encodeMessageProperties({}), null);
});

Deno.test("declared types coerce mismatched values (STOMP strings typed by a converter)", () => {
  const decoded = decodeMessageProperties(
    encodeMessageProperties({ delay: "1000", repeat: "3", flag: "true" }, {
      delay: "long",
      repeat: "int",
      flag: "boolean",
    })!,
  );
  assert.deepStrictEqual(decoded.properties, { delay: 1000n, repeat: 3, flag: true });
});

Deno.test("char properties become strings; byte[], map and list properties are skipped", () => {
  const map: PrimitiveMap = new Map<string, PrimitiveValue>([
    ["c", { type: "char", value: "z" }],
    ["raw", { type: "bytes", value: new Uint8Array([1]) }],
    ["m", { type: "map", value: new Map() }],
    ["l", { type: "list", value: [{ type: "int", value: 1 }] }],
    ["after", { type: "int", value: 2 }],
  ]);
  const decoded = decodeMessageProperties(encodePrimitiveMap(map));
  assert.deepStrictEqual(decoded.properties, { c: "z", after: 2 });
  assert.deepStrictEqual(decoded.propertyTypes, { c: "string", after: "int" });
});
