import assert from "node:assert/strict";
import {
  createCommand,
  decodeCommand,
  encodeCommand,
  OpenWireDecodeCache,
  OpenWireEncodeCache,
  type ProducerId,
  type WireFormat,
} from "../../../src/protocol/openwire/codec.ts";
import { cacheKey } from "../../../src/protocol/openwire/_cache.ts";
import { rng } from "./_samples.ts";

function format(tight: boolean, cacheSize = 1024): WireFormat {
  return {
    version: 12,
    tightEncodingEnabled: tight,
    cacheEnabled: true,
    cacheSize,
    sizePrefixDisabled: false,
    stackTraceEnabled: false,
    maxFrameSize: 1 << 20,
    maxFrameSizeEnabled: true,
  };
}

const producer = (value: number): ProducerId => ({ type: 123, connectionId: "ID:c:1", value, sessionId: 1 });

Deno.test("equal values share a slot; null has its own; the second use sends only the index", () => {
  for (const tight of [false, true]) {
    const f = format(tight);
    const enc = new OpenWireEncodeCache(1024);
    const dec = new OpenWireDecodeCache(1024);
    const first = createCommand(6, {
      producerId: producer(1),
      destination: { type: 100, physicalName: "Q" },
    });
    const a = encodeCommand(first, f, enc);
    // A different object with equal fields.
    const second = createCommand(6, {
      producerId: producer(1),
      destination: { type: 100, physicalName: "Q" },
    });
    const b = encodeCommand(second, f, enc);
    assert.ok(b.length < a.length);
    assert.deepStrictEqual(decodeCommand(a, f, dec), first);
    assert.deepStrictEqual(decodeCommand(b, f, dec), second);
    assert.equal(enc.lookup(cacheKey(producer(1))), 0);
    assert.equal(enc.lookup(cacheKey({ type: 100, physicalName: "Q" })), 1);
    assert.equal(enc.lookup(cacheKey(producer(2))), -1);
    // A message: its null transactionId gets a slot, later null fields reuse it.
    const m = createCommand(28, { producerId: producer(1), destination: { type: 100, physicalName: "Q" } });
    const mb = encodeCommand(m, f, enc);
    assert.equal(enc.lookup("null"), 2);
    assert.deepStrictEqual(decodeCommand(mb, f, dec), m);
  }
});

Deno.test("the sender keeps 100 slots free and wraps; the receiver follows across many frames", () => {
  for (const tight of [false, true]) {
    for (const size of [150, 1024, 7]) {
      const f = format(tight, size);
      const enc = new OpenWireEncodeCache(size);
      const dec = new OpenWireDecodeCache(size);
      const r = rng(size);
      for (let i = 0; i < 3000; i++) {
        const cmd = createCommand(22, {
          consumerId: { type: 122, connectionId: "c", sessionId: 1, value: Math.floor(r() * 400) },
          destination: { type: 100, physicalName: `Q${Math.floor(r() * 300)}` },
          transactionId: r() < 0.5
            ? null
            : { type: 111, value: Math.floor(r() * 50), connectionId: { type: 120, value: "c" } },
          ackType: 2,
        });
        assert.deepStrictEqual(decodeCommand(encodeCommand(cmd, f, enc), f, dec), cmd);
      }
    }
  }
});

Deno.test("a frame that fails to encode leaves the sender cache as it was", () => {
  const f = format(true);
  const enc = new OpenWireEncodeCache(1024);
  const dec = new OpenWireDecodeCache(1024);
  const ok = createCommand(6, { producerId: producer(1) });
  assert.deepStrictEqual(decodeCommand(encodeCommand(ok, f, enc), f, dec), ok);
  // producer(2) would take slot 2, but the 40000-char correlation id cannot be tight-encoded.
  const bad = createCommand(28, { producerId: producer(2), correlationId: "x".repeat(40000) });
  assert.throws(() => encodeCommand(bad, f, enc), /too long/);
  assert.equal(enc.lookup(cacheKey(producer(2))), -1);
  // The next frame must not reference a slot the peer never saw.
  const next = createCommand(6, { producerId: producer(2), destination: { type: 101, physicalName: "T" } });
  assert.deepStrictEqual(decodeCommand(encodeCommand(next, f, enc), f, dec), next);
});

Deno.test("cache keys distinguish types, nulls and field boundaries", () => {
  const keys = new Set([
    cacheKey(null),
    cacheKey({ type: 100, physicalName: null }),
    cacheKey({ type: 100, physicalName: "null" }),
    cacheKey({ type: 101, physicalName: "a" }),
    cacheKey({ type: 100, physicalName: "a" }),
    cacheKey({ type: 122, connectionId: "a:1", sessionId: 2, value: 3 }),
    cacheKey({ type: 122, connectionId: "a", sessionId: 12, value: 3 }),
    cacheKey({ type: 123, connectionId: "a", sessionId: 2, value: 3 }),
    cacheKey({ type: 112, formatId: 1, globalTransactionId: new Uint8Array([1]), branchQualifier: null }),
    cacheKey({ type: 112, formatId: 1, globalTransactionId: null, branchQualifier: new Uint8Array([1]) }),
  ]);
  assert.equal(keys.size, 10);
  // Structures without value equality are never looked up.
  assert.equal(cacheKey(createCommand(10)), undefined);
});

Deno.test("cacheSize 0 means 16383 slots", () => {
  assert.equal(new OpenWireEncodeCache(0).size, 16383);
  assert.equal(new OpenWireDecodeCache(0).size, 16383);
});
