import assert from "node:assert/strict";
import {
  createWireFormatInfo,
  encodePrimitiveMap,
  negotiateWireFormat,
  NO_FRAME_SIZE_LIMIT,
  type PrimitiveValue,
  readWireFormatOptions,
  type WireFormatInfo,
} from "../../../src/protocol/openwire/codec.ts";

Deno.test("version is the minimum; a value <= 0 counts as unset", () => {
  const at = (version: number) => createWireFormatInfo({ version });
  assert.equal(negotiateWireFormat(at(12), at(6)).version, 6);
  assert.equal(negotiateWireFormat(at(9), at(12)).version, 9);
  assert.equal(negotiateWireFormat(at(12), at(0)).version, 12);
  assert.equal(negotiateWireFormat(at(-1), at(10)).version, 10);
  assert.equal(negotiateWireFormat(at(12), at(99)).version, 12);
});

Deno.test("switches are ANDed; cache size and frame size take the minimum", () => {
  const ours = createWireFormatInfo({ cacheSize: 1024, maxFrameSize: 104857600 });
  const theirs = createWireFormatInfo({
    tightEncodingEnabled: false,
    sizePrefixDisabled: true,
    stackTraceEnabled: false,
    tcpNoDelayEnabled: false,
    cacheSize: 512,
    maxFrameSize: 2048,
    maxInactivityDuration: 0,
    maxInactivityDurationInitialDelay: 500,
    maxFrameSizeEnabled: false,
  });
  assert.deepStrictEqual(negotiateWireFormat(ours, theirs), {
    version: 12,
    tightEncodingEnabled: false,
    cacheEnabled: true,
    cacheSize: 512,
    sizePrefixDisabled: false,
    stackTraceEnabled: false,
    tcpNoDelayEnabled: false,
    maxInactivityDuration: 0,
    maxInactivityDurationInitialDelay: 500,
    maxFrameSize: 2048,
    // Local only: ours.
    maxFrameSizeEnabled: true,
  });
  const both = createWireFormatInfo({ sizePrefixDisabled: true, cacheEnabled: false });
  const n = negotiateWireFormat(both, both);
  assert.equal(n.sizePrefixDisabled, true);
  assert.equal(n.cacheEnabled, false);
  assert.equal(n.cacheSize, 0);
});

Deno.test("absent options count as false / 0; unknown keys are ignored; frame size 0 is unset", () => {
  const bare: WireFormatInfo = {
    type: 1,
    magic: new TextEncoder().encode("ActiveMQ"),
    version: 5,
    marshalledProperties: encodePrimitiveMap(
      new Map<string, PrimitiveValue>([["Extra", { type: "int", value: 1 }]]),
    ),
  };
  const options = readWireFormatOptions(bare);
  assert.equal(options.tightEncodingEnabled, false);
  assert.equal(options.cacheSize, 0);
  assert.equal(options.maxFrameSize, 0);
  const n = negotiateWireFormat(createWireFormatInfo({ maxFrameSize: 4096 }), bare);
  assert.equal(n.version, 5);
  assert.equal(n.tightEncodingEnabled, false);
  assert.equal(n.cacheEnabled, false);
  assert.equal(n.maxFrameSize, 4096);
  assert.equal(n.maxInactivityDuration, 0);
  assert.equal(negotiateWireFormat(bare, bare).maxFrameSize, NO_FRAME_SIZE_LIMIT);
  assert.deepStrictEqual(readWireFormatOptions({ ...bare, marshalledProperties: null }).version, 5);
});

Deno.test("a wrong magic or an oversized option map is refused", () => {
  const ours = createWireFormatInfo();
  assert.throws(
    () => negotiateWireFormat(ours, { ...ours, magic: new TextEncoder().encode("ActiveMX") }),
    /magic is invalid/,
  );
  const big = new Map<string, PrimitiveValue>();
  for (let i = 0; i < 4097; i++) big.set(`k${i}`, { type: "null" });
  assert.throws(
    () => readWireFormatOptions({ ...ours, marshalledProperties: encodePrimitiveMap(big) }),
    /exceeds the limit of 4096/,
  );
});

Deno.test("Long.MAX_VALUE frame size survives the option map", () => {
  const info = createWireFormatInfo();
  assert.equal(readWireFormatOptions(info).maxFrameSize, NO_FRAME_SIZE_LIMIT);
});
