/** The framing state machine: any split of the input, limits before buffering, a dead parser, copies. */
import assert from "node:assert/strict";
import {
  encodePacket,
  MAX_PACKET_SIZE,
  type MqttPacket,
  type MqttParseEvent,
  MqttParser,
  type MqttSide,
  type MqttVersion,
} from "../../../src/protocol/mqtt/codec.ts";
import {
  bytes,
  clientParser,
  connected,
  expectPacket,
  hex,
  onlyError,
  packets,
  pushAll,
  randomSplits,
  rng,
  te,
  VERSIONS,
} from "./_helpers.ts";
import { randomConversation } from "./_random.ts";

function parserFor(side: MqttSide, version: MqttVersion, maxPacketSize?: number): MqttParser {
  return side === "server" ? new MqttParser({ maxPacketSize }) : clientParser(version, { maxPacketSize });
}

function encodeAll(list: MqttPacket[], version: MqttVersion): Uint8Array {
  return bytes(...list.map((p) => encodePacket(p, version)));
}

/** A fixed conversation for each side and version, with every packet type that side reads. */
function conversation(side: MqttSide, version: MqttVersion): MqttPacket[] {
  const v5 = version === 5;
  if (side === "server") {
    const list: MqttPacket[] = [
      {
        type: "connect",
        clientId: "split",
        clean: false,
        keepAlive: 15,
        will: { topic: "w", payload: bytes("gone"), qos: 1, retain: false },
        username: "u",
        password: bytes("p"),
      },
      {
        type: "publish",
        topic: "a/b",
        payload: bytes("0123456789".repeat(20)),
        qos: 0,
        retain: false,
        dup: false,
      },
      {
        type: "publish",
        topic: "é/😀",
        payload: bytes("x"),
        qos: 2,
        retain: true,
        dup: false,
        packetId: 300,
      },
      { type: "pubrel", packetId: 300, reasonCode: 0 },
      { type: "puback", packetId: 7, reasonCode: 0 },
      {
        type: "subscribe",
        packetId: 1,
        subscriptions: [{
          topicFilter: "a/#",
          qos: 1,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 0,
        }],
      },
      { type: "unsubscribe", packetId: 2, topicFilters: ["a/#", "+"] },
      { type: "pingreq" },
      { type: "disconnect", reasonCode: 0 },
    ];
    if (v5) {
      list.push(
        {
          type: "publish",
          topic: "p",
          payload: bytes(""),
          qos: 1,
          retain: false,
          dup: false,
          packetId: 9,
          properties: { userProperties: [["a", "b"]], correlationData: bytes([1]), messageExpiryInterval: 5 },
        },
        { type: "auth", reasonCode: 0x19, properties: { authenticationMethod: "m" } },
      );
    }
    return list;
  }
  const list: MqttPacket[] = [
    { type: "connack", sessionPresent: false, reasonCode: 0 },
    { type: "publish", topic: "t", payload: bytes("abc"), qos: 1, retain: false, dup: true, packetId: 5 },
    { type: "pubrec", packetId: 5, reasonCode: 0 },
    { type: "pubcomp", packetId: 5, reasonCode: 0 },
    { type: "suback", packetId: 1, reasonCodes: [0, 0x80] },
    { type: "unsuback", packetId: 2, reasonCodes: v5 ? [0] : [] },
    { type: "pingresp" },
  ];
  if (v5) list.push({ type: "disconnect", reasonCode: 0x8b, properties: { reasonString: "bye" } });
  return list;
}

Deno.test("every split point of a multi-packet input gives the same packets", () => {
  for (const side of ["server", "client"] as const) {
    for (const version of VERSIONS) {
      const list = conversation(side, version);
      const input = encodeAll(list, version);
      assert.deepEqual(packets(parserFor(side, version).push(input)), list);
      for (let k = 0; k <= input.length; k++) {
        const events = pushAll(parserFor(side, version), [input.subarray(0, k), input.subarray(k)]);
        assert.deepEqual(packets(events), list, `${side} ${version} split at ${k}`);
        assert.equal(events.length, list.length);
      }
    }
  }
});

Deno.test("every pair of split points gives the same packets", () => {
  for (const version of VERSIONS) {
    const list = conversation("server", version).slice(3, 8);
    list.unshift({ type: "connect", clientId: "c", clean: true, keepAlive: 0 });
    const input = encodeAll(list, version);
    for (let i = 0; i <= input.length; i++) {
      for (let j = i; j <= input.length; j++) {
        const events = pushAll(new MqttParser(), [
          input.subarray(0, i),
          input.subarray(i, j),
          input.subarray(j),
        ]);
        assert.deepEqual(packets(events), list, `${version} split at ${i}, ${j}`);
      }
    }
  }
});

Deno.test("byte-at-a-time feeding gives the same packets", () => {
  for (const side of ["server", "client"] as const) {
    for (const version of VERSIONS) {
      const list = conversation(side, version);
      const input = encodeAll(list, version);
      const p = parserFor(side, version);
      const events: MqttParseEvent[] = [];
      for (let i = 0; i < input.length; i++) events.push(...p.push(input.subarray(i, i + 1)));
      assert.deepEqual(events, list.map((packet) => ({ kind: "packet", packet })));
    }
  }
});

Deno.test("errors are split-independent, and earlier packets of the same push are kept", () => {
  const bad = [
    hex("36 00"), // QoS 3
    hex("30 80 80 80 80 01"), // 5-byte length
    hex("30 03 00 01 23"), // wildcard in topic name
    hex("82 04 00 01 00 00"), // empty topic filter
    hex("20 02 00 00"), // CONNACK to a server
  ];
  for (const version of VERSIONS) {
    const good = encodeAll(conversation("server", version).slice(0, 4), version);
    for (const tail of bad) {
      const input = bytes(good, tail, hex("c0 00"));
      const whole = new MqttParser().push(input);
      assert.equal(packets(whole).length, 4);
      const error = onlyError(whole);
      for (let k = 0; k <= input.length; k++) {
        const events = pushAll(new MqttParser(), [input.subarray(0, k), input.subarray(k)]);
        assert.deepEqual(events, whole, `split at ${k}`);
      }
      assert.ok(error.message.length > 0);
    }
  }
});

Deno.test("after an error the parser is dead", () => {
  const p = connected(4);
  onlyError(p.push(hex("00")));
  assert.deepEqual(p.push(hex("c0 00")), []);
  assert.deepEqual(p.push(new Uint8Array()), []);
  assert.deepEqual(p.push(encodePacket({ type: "pingreq" }, 4)), []);
});

Deno.test("empty pushes are harmless anywhere", () => {
  const input = encodeAll(conversation("server", 5), 5);
  const p = new MqttParser();
  const events: MqttParseEvent[] = [];
  for (let i = 0; i < input.length; i += 3) {
    events.push(...p.push(new Uint8Array()));
    events.push(...p.push(input.subarray(i, i + 3)));
  }
  assert.deepEqual(packets(events), conversation("server", 5));
});

Deno.test("payloads and binary fields are copies: reusing the read buffer does not change them", () => {
  for (const split of [false, true]) {
    const p = connected(5);
    const wire = encodePacket(
      {
        type: "publish",
        topic: "t",
        payload: bytes("payload"),
        qos: 0,
        retain: false,
        dup: false,
        properties: { correlationData: bytes("corr") },
      },
      5,
    );
    const buffer = new Uint8Array(wire);
    const events = split ? pushAll(p, [buffer.subarray(0, 5), buffer.subarray(5)]) : p.push(buffer);
    buffer.fill(0);
    const [packet] = packets(events);
    assert.ok(packet.type === "publish");
    assert.deepEqual(packet.payload, bytes("payload"));
    assert.deepEqual(packet.properties?.correlationData, bytes("corr"));
  }
});

Deno.test("an oversized packet is refused before its body arrives, whatever the length's size", () => {
  // Declared sizes just over the limit with 1, 2, 3 and 4 length bytes.
  const cases: [number, string][] = [[50, "30 31"], [200, "30 c6 01"], [20_000, "30 9d 9c 01"], [
    3_000_000,
    "30 bc 8d b7 01",
  ]];
  for (const [limit, header] of cases) {
    const p = connected(4, { maxPacketSize: limit });
    const h = hex(header);
    // Every byte but the last of the length: nothing yet.
    assert.deepEqual(p.push(h.subarray(0, h.length - 1)), []);
    const error = onlyError(p.push(h.subarray(h.length - 1)));
    assert.equal(error.reasonCode, 0x95);
    assert.match(error.message, new RegExp(`exceeds maxPacketSize ${limit}`));
  }
});

Deno.test("maxPacketSize defaults to what MQTT can express and ignores nonsense", () => {
  assert.equal(MAX_PACKET_SIZE, 268_435_460);
  for (const maxPacketSize of [undefined, 0, -1, Number.NaN, 1e12]) {
    const p = connected(4, { maxPacketSize });
    assert.deepEqual(p.push(hex("30 ff ff ff 7f")), [], String(maxPacketSize));
  }
});

Deno.test("a large packet trickled in small chunks", () => {
  const payload = new Uint8Array(1_000_000).map((_, i) => i % 251);
  const packet: MqttPacket = {
    type: "publish",
    topic: "big",
    payload,
    qos: 1,
    retain: false,
    dup: false,
    packetId: 1,
  };
  const wire = encodePacket(packet, 4);
  const p = connected(4);
  const events: MqttParseEvent[] = [];
  for (let i = 0; i < wire.length; i += 1000) events.push(...p.push(wire.subarray(i, i + 1000)));
  assert.deepEqual(events, [{ kind: "packet", packet }]);
});

Deno.test("random conversations in random splits", () => {
  const r = rng(7);
  for (let i = 0; i < 500; i++) {
    const side = r() < 0.5 ? "server" : "client";
    const version = VERSIONS[Math.floor(r() * 3)];
    const list = randomConversation(r, version, side, 6);
    const input = encodeAll(list, version);
    const events = pushAll(parserFor(side, version), randomSplits(r, input));
    assert.deepEqual(events, list.map((packet) => ({ kind: "packet", packet })));
  }
});

Deno.test("a client-side parser reads the version its caller sets", () => {
  const suback = hex("90 03 00 01 00");
  assert.deepEqual(expectPacket(clientParser(4), suback), { type: "suback", packetId: 1, reasonCodes: [0] });
  // The same bytes in 5.0: 00 is the property length, and there is no reason code.
  onlyError(clientParser(5).push(suback));
  const p = new MqttParser({ side: "client" });
  assert.equal(p.side, "client");
  assert.equal(p.version, 4);
});

Deno.test("10,000 small packets in one buffer", () => {
  const one = encodePacket(
    {
      type: "publish",
      topic: "bench/topic",
      payload: te.encode("payload"),
      qos: 1,
      retain: false,
      dup: false,
      packetId: 1,
    },
    4,
  );
  const all = new Uint8Array(one.length * 10_000);
  for (let i = 0; i < 10_000; i++) all.set(one, i * one.length);
  const p = connected(4);
  const events = p.push(all);
  assert.equal(events.length, 10_000);
  assert.ok(events.every((e) => e.kind === "packet"));
});
