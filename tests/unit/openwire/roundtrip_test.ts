import assert from "node:assert/strict";
import {
  createCommand,
  type DataStructure,
  decodeCommand,
  encodeCommand,
  OpenWireDecodeCache,
  OpenWireEncodeCache,
  type WireFormat,
} from "../../../src/protocol/openwire/codec.ts";
import { STRUCTS } from "../../../src/protocol/openwire/_schema.ts";
import { ALL_TYPES, project, rng, sample } from "./_samples.ts";

const VERSIONS = [1, 6, 9, 11, 12];

function format(version: number, tight: boolean, cache: boolean, stackTrace = true): WireFormat {
  return {
    version,
    tightEncodingEnabled: tight,
    cacheEnabled: cache,
    cacheSize: 1024,
    sizePrefixDisabled: false,
    stackTraceEnabled: stackTrace,
    maxFrameSize: 1 << 30,
    maxFrameSizeEnabled: true,
  };
}

for (const version of VERSIONS) {
  for (const tight of [false, true]) {
    Deno.test(`round trip of every structure type, v${version} ${tight ? "tight" : "loose"}`, () => {
      const r = rng(version * 2 + (tight ? 1 : 0));
      for (const type of ALL_TYPES) {
        if (STRUCTS[type]!.since > version) continue;
        for (const cache of [false, true]) {
          for (const stackTrace of [false, true]) {
            const f = format(version, tight, cache, stackTrace);
            const enc = new OpenWireEncodeCache(f.cacheSize);
            const dec = new OpenWireDecodeCache(f.cacheSize);
            for (let i = 0; i < 6; i++) {
              const value = sample(r, type, version);
              const bytes = encodeCommand(value, f, enc);
              const decoded = decodeCommand(bytes, f, dec);
              assert.deepStrictEqual(decoded, project(value, version, stackTrace), `type ${type} #${i}`);
              // Re-encoding what was decoded gives the same bytes (with a fresh cache pair).
              const again = encodeCommand(decoded!, f, new OpenWireEncodeCache(f.cacheSize));
              const once = encodeCommand(
                project(value, version, stackTrace)!,
                f,
                new OpenWireEncodeCache(f.cacheSize),
              );
              assert.deepStrictEqual(again, once);
            }
          }
        }
      }
    });
  }
}

Deno.test("structures a version lacks cannot be encoded and are unknown when received", () => {
  const pull = createCommand(20, { timeout: 5 });
  assert.throws(() => encodeCommand(pull, format(1, false, false)), /version 1/);
  const v2 = encodeCommand(pull, format(2, false, false));
  assert.throws(() => decodeCommand(v2, format(1, false, false)), /Unknown data type: 20/);
  assert.throws(() => encodeCommand(createCommand(19), format(2, true, false)), /version 2/);
  assert.throws(() => encodeCommand(createCommand(92), format(11, true, false)), /version 11/);
});

Deno.test("fields appear at their version: ConsumerControl destination is first from v6", () => {
  const control = createCommand(17, {
    destination: { type: 100, physicalName: "Q" },
    close: true,
    consumerId: { type: 122, connectionId: "c", sessionId: 1, value: 2 },
    prefetch: 7,
    flush: true,
  });
  const v5 = encodeCommand(control, format(5, false, false));
  const v6 = encodeCommand(control, format(6, false, false));
  // v5: commandId, responseRequired, close(01), consumerId... ; v6: destination first.
  assert.equal(v5[4 + 1 + 4 + 1], 0x01); // close
  assert.equal(v6[4 + 1 + 4 + 1], 0x01); // destination present
  assert.equal(v6[4 + 1 + 4 + 2], 100);
  assert.equal(v6.length - v5.length, 1 + 1 + 1 + 2 + 1); // present, type, string present, utf "Q"
  const back = decodeCommand(v5, format(5, false, false)) as typeof control;
  assert.equal(back.destination, null);
  assert.equal(back.prefetch, 7);
  assert.equal(back.flush, true);
});

Deno.test("NetworkBridgeFilter swaps networkTTL for messageTTL/consumerTTL at v10", () => {
  const filter = createCommand(91, {
    networkTTL: 3,
    networkBrokerId: { type: 124, value: "b" },
    messageTTL: 4,
    consumerTTL: 5,
  });
  const v9 = decodeCommand(
    encodeCommand(filter, format(9, true, true), new OpenWireEncodeCache(10)),
    format(9, true, true),
    new OpenWireDecodeCache(10),
  );
  assert.deepStrictEqual(v9, { ...filter, messageTTL: 0, consumerTTL: 0 });
  const v10 = decodeCommand(encodeCommand(filter, format(10, false, false)), format(10, false, false));
  assert.deepStrictEqual(v10, { ...filter, networkTTL: 0 });
});

Deno.test("MessageId textView and ConsumerInfo clientId travel from v10 only", () => {
  const info = createCommand(5, { clientId: "c1", selector: "a > 1", subscriptionName: "s" });
  const v9 = decodeCommand(
    encodeCommand(info, format(9, true, false)),
    format(9, true, false),
  ) as typeof info;
  assert.equal(v9.clientId, null);
  assert.equal(v9.subscriptionName, "s");
  const v10 = decodeCommand(
    encodeCommand(info, format(10, true, false)),
    format(10, true, false),
  ) as typeof info;
  assert.equal(v10.clientId, "c1");
  const id = createCommand(110, { textView: "foreign", producerSequenceId: 3 });
  assert.equal(
    (decodeCommand(encodeCommand(id, format(9, false, false)), format(9, false, false)) as typeof id)
      .textView,
    null,
  );
  assert.equal(
    (decodeCommand(encodeCommand(id, format(10, false, false)), format(10, false, false)) as typeof id)
      .textView,
    "foreign",
  );
});

Deno.test("throwables: stack trace and cause only with stackTraceEnabled; v1/v10 cut long messages", () => {
  const exception = {
    className: "javax.jms.InvalidClientIDException",
    message: "Broker: anchor - Client: dup already connected from tcp://127.0.0.1:47950",
    stackTrace: [{
      className: "org.apache.activemq.broker.TransportConnection",
      methodName: "processAddConnection",
      fileName: "TransportConnection.java",
      lineNumber: 843,
    }],
    cause: { className: "java.lang.IllegalStateException", message: null, stackTrace: [], cause: null },
  };
  const response = createCommand(31, { correlationId: 1, exception });
  for (const tight of [false, true]) {
    const withTrace = format(12, tight, false, true);
    assert.deepStrictEqual(decodeCommand(encodeCommand(response, withTrace), withTrace), response);
    const without = format(12, tight, false, false);
    const bytes = encodeCommand(response, without);
    assert.deepStrictEqual(decodeCommand(bytes, without), {
      ...response,
      exception: { ...exception, stackTrace: [], cause: null },
    });
    const long = createCommand(31, { exception: { ...exception, message: "m".repeat(2000), cause: null } });
    for (const version of [1, 10]) {
      const f = format(version, tight, false, true);
      const got = decodeCommand(encodeCommand(long, f), f) as typeof long;
      assert.equal(got.exception!.message, "m".repeat(1021) + "...");
    }
    const f11 = format(11, tight, false, true);
    assert.equal(
      (decodeCommand(encodeCommand(long, f11), f11) as typeof long).exception!.message!.length,
      2000,
    );
  }
});

Deno.test("strings: ascii and modified UTF-8 forms, NUL and supplementary characters", () => {
  for (const s of ["plain", "", "é", "\u0000", "a\u0000b", "😀", "\u07ff\u0800\uffff"]) {
    for (const tight of [false, true]) {
      const f = format(12, tight, false);
      const cmd = createCommand(14, { command: s });
      assert.equal((decodeCommand(encodeCommand(cmd, f), f) as typeof cmd).command, s);
    }
  }
  // NUL is never "ascii" in tight mode: it goes as modified UTF-8 C0 80.
  const bytes = encodeCommand(createCommand(14, { command: "\u0000" }), format(12, true, false));
  assert.deepStrictEqual([...bytes.subarray(bytes.length - 4)], [0x00, 0x02, 0xc0, 0x80]);
});

Deno.test("tight strings of 32767+ encoded bytes are refused, loose ones up to 65535", () => {
  const long = createCommand(14, { command: "x".repeat(40000) });
  assert.throws(() => encodeCommand(long, format(12, true, false)), /too long/);
  const f = format(12, false, false);
  assert.equal((decodeCommand(encodeCommand(long, f), f) as typeof long).command!.length, 40000);
  assert.throws(() => encodeCommand(createCommand(14, { command: "x".repeat(70000) }), f), /too long/);
});

Deno.test("compact longs pick the 0/2/4/8-byte form and read the short forms unsigned", () => {
  const f = format(12, true, false);
  const sizes: [number, number][] = [[0, 0], [1, 2], [65535, 2], [65536, 4], [0xffffffff, 4], [
    0x100000000,
    8,
  ], [-1, 8]];
  const base = encodeCommand(createCommand(8, { timeout: 0 }), f).length;
  for (const [value, extra] of sizes) {
    const bytes = encodeCommand(createCommand(8, { timeout: value }), f);
    assert.equal(bytes.length - base, extra, `timeout ${value}`);
    assert.equal((decodeCommand(bytes, f) as { timeout: number }).timeout, value);
  }
});

Deno.test("the frame-size limit is enforced when encoding", () => {
  const f = { ...format(12, false, false), maxFrameSize: 100 };
  assert.throws(
    () => encodeCommand(createCommand(14, { command: "x".repeat(200) }), f),
    /larger than max allowed/,
  );
  assert.ok(encodeCommand(createCommand(14, { command: "x" }), f).length < 100);
});

Deno.test("the boolean stream uses its 1-, 2- and 3-byte length forms", () => {
  const f = format(12, true, false);
  // A DataArrayResponse of many null elements: one bit each.
  for (const [count, prefix] of [[10, 1], [1000, 2], [5000, 3]] as const) {
    const cmd = createCommand(33, { data: new Array<DataStructure | null>(count).fill(null) });
    const bytes = encodeCommand(cmd, f);
    const first = bytes[5];
    if (prefix === 1) assert.ok(first < 64);
    if (prefix === 2) assert.equal(first, 0xc0);
    if (prefix === 3) assert.equal(first, 0x80);
    assert.deepStrictEqual(decodeCommand(bytes, f), cmd);
  }
});

Deno.test("a pre-marshalled nested message (marshal-aware bit 1) is read", () => {
  const f = format(12, true, false);
  const message = createCommand(23, { commandId: 9, persistent: true, jmsType: "t" });
  // Build the message's own tight frame body: int32 size, type, boolean stream, body.
  const inner = encodeCommand(message, f); // [size][type][bs][data]
  const dispatch = createCommand(21, { redeliveryCounter: 3 });
  const outer = encodeCommand(dispatch, f);
  // outer: size, type 21, bs (1 len byte + 1), commandId(4), redeliveryCounter(4).
  // Rebuild with message present (bit) + marshal-aware bit set, then type byte + inner frame.
  const bitsLength = outer[5];
  assert.equal(bitsLength, 1);
  // Bits: 0 responseRequired, 1 consumerId present, 2 destination present, 3 message present, 4 marshal-aware.
  const bits = 0b11000;
  const body = [
    21,
    1,
    bits,
    ...outer.subarray(7, 11),
    23,
    ...inner,
    ...outer.subarray(11),
  ];
  const frame = new Uint8Array(4 + body.length);
  new DataView(frame.buffer).setInt32(0, body.length);
  frame.set(body, 4);
  const decoded = decodeCommand(frame, f) as typeof dispatch;
  assert.deepStrictEqual(decoded.message, message);
  assert.equal(decoded.redeliveryCounter, 3);
});

Deno.test("nested fields refuse structures of the wrong kind", () => {
  const f = format(12, false, false);
  // A SessionInfo whose sessionId is a ConnectionId.
  const bytes = encodeCommand(
    {
      type: 4,
      commandId: 1,
      responseRequired: false,
      sessionId: { type: 120, value: "c" },
    } as unknown as DataStructure,
    f,
  );
  assert.throws(() => decodeCommand(bytes, f), /Unexpected data type 120 in field sessionId/);
});
