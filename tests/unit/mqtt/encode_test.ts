/**
 * Byte-exact encodings, written by hand from the spec's figures (3.1, 3.1.1 and 5.0), and
 * checked in both directions: encodePacket gives these bytes and the parser reads them back.
 */
import assert from "node:assert/strict";
import { encodePacket, type MqttPacket, type MqttVersion } from "../../../src/protocol/mqtt/codec.ts";
import { bytes, hex, receiverFor, te, toHex } from "./_helpers.ts";

function exact(packet: MqttPacket, version: MqttVersion, expected: string): void {
  const wire = encodePacket(packet, version);
  assert.equal(toHex(wire), toHex(hex(expected)), `encoding of ${packet.type} for level ${version}`);
  const events = receiverFor(packet, version).push(hex(expected));
  assert.deepEqual(events, [{ kind: "packet", packet }], `decoding of ${expected}`);
}

const a = (text: string) => te.encode(text);

Deno.test("CONNECT 3.1: protocol name MQIsdp, level 3", () => {
  exact(
    { type: "connect", clientId: "a", clean: true, keepAlive: 60 },
    3,
    "10 0f 00 06 4d 51 49 73 64 70 03 02 00 3c 00 01 61",
  );
});

Deno.test("CONNECT 3.1.1: protocol name MQTT, level 4", () => {
  exact(
    { type: "connect", clientId: "a", clean: true, keepAlive: 60 },
    4,
    "10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61",
  );
});

Deno.test("CONNECT 3.1.1 with will, user name and password (flags 0xec)", () => {
  exact(
    {
      type: "connect",
      clientId: "c",
      clean: false,
      keepAlive: 10,
      will: { topic: "w", payload: a("x"), qos: 1, retain: true },
      username: "u",
      password: a("p"),
    },
    4,
    "10 19 00 04 4d 51 54 54 04 ec 00 0a 00 01 63 00 01 77 00 01 78 00 01 75 00 01 70",
  );
});

Deno.test("CONNECT 3.1 with will QoS 2 and user name only", () => {
  exact(
    {
      type: "connect",
      clientId: "c",
      clean: true,
      keepAlive: 0,
      will: { topic: "w", payload: new Uint8Array(), qos: 2, retain: false },
      username: "u",
    },
    3,
    // flags: user 0x80 | will QoS 2 0x10 | will 0x04 | clean 0x02 = 0x96
    "10 17 00 06 4d 51 49 73 64 70 03 96 00 00 00 01 63 00 01 77 00 00 00 01 75",
  );
});

Deno.test("CONNECT 5.0 with properties", () => {
  exact(
    {
      type: "connect",
      clientId: "a",
      clean: true,
      keepAlive: 60,
      properties: { sessionExpiryInterval: 3600, receiveMaximum: 20 },
    },
    5,
    // properties (8 bytes): 11 00000e10 (Session Expiry 3600), 21 0014 (Receive Maximum 20)
    "10 16 00 04 4d 51 54 54 05 02 00 3c 08 11 00 00 0e 10 21 00 14 00 01 61",
  );
});

Deno.test("CONNECT 5.0 with will properties and a password without user name", () => {
  exact(
    {
      type: "connect",
      clientId: "a",
      clean: false,
      keepAlive: 0,
      will: { topic: "w", payload: a("x"), qos: 0, retain: false, properties: { willDelayInterval: 5 } },
      password: a("pw"),
    },
    5,
    // flags: password 0x40 | will 0x04 = 0x44; no CONNECT properties (00);
    // will properties 05: 18 00000005
    "10 1e 00 04 4d 51 54 54 05 44 00 00 00 00 01 61 05 18 00 00 00 05 00 01 77 00 01 78 00 02 70 77",
  );
});

Deno.test("CONNACK 3.1, 3.1.1 and 5.0", () => {
  exact({ type: "connack", sessionPresent: false, reasonCode: 0 }, 3, "20 02 00 00");
  exact({ type: "connack", sessionPresent: false, reasonCode: 2 }, 3, "20 02 00 02");
  exact({ type: "connack", sessionPresent: true, reasonCode: 0 }, 4, "20 02 01 00");
  exact({ type: "connack", sessionPresent: false, reasonCode: 5 }, 4, "20 02 00 05");
  exact({ type: "connack", sessionPresent: false, reasonCode: 0 }, 5, "20 03 00 00 00");
  exact({ type: "connack", sessionPresent: false, reasonCode: 0x87 }, 5, "20 03 00 87 00");
  exact(
    {
      type: "connack",
      sessionPresent: false,
      reasonCode: 0,
      properties: { topicAliasMaximum: 10, assignedClientIdentifier: "id" },
    },
    5,
    // ascending identifiers: 12 (Assigned Client Identifier) before 22 (Topic Alias Maximum)
    "20 0b 00 00 08 12 00 02 69 64 22 00 0a",
  );
});

Deno.test("CONNACK 3.1 has no Session Present flag: it is not written", () => {
  assert.equal(
    toHex(encodePacket({ type: "connack", sessionPresent: true, reasonCode: 0 }, 3)),
    "20 02 00 00",
  );
});

Deno.test("PUBLISH 3.1.1: QoS 0, and QoS 1 with DUP and RETAIN", () => {
  exact(
    { type: "publish", topic: "a/b", payload: a("hi"), qos: 0, retain: false, dup: false },
    4,
    "30 07 00 03 61 2f 62 68 69",
  );
  exact(
    { type: "publish", topic: "a/b", payload: a("hi"), qos: 1, retain: true, dup: true, packetId: 10 },
    4,
    "3b 09 00 03 61 2f 62 00 0a 68 69",
  );
  exact(
    {
      type: "publish",
      topic: "a",
      payload: new Uint8Array(),
      qos: 2,
      retain: false,
      dup: false,
      packetId: 0xffff,
    },
    3,
    "34 05 00 01 61 ff ff",
  );
});

Deno.test("PUBLISH 5.0 with every client-side property", () => {
  exact(
    {
      type: "publish",
      topic: "t",
      payload: a("x"),
      qos: 1,
      retain: false,
      dup: false,
      packetId: 1,
      properties: {
        payloadFormatIndicator: 1,
        messageExpiryInterval: 60,
        contentType: "c",
        responseTopic: "r",
        correlationData: new Uint8Array([1, 2]),
        userProperties: [["k", "v"]],
        topicAlias: 3,
      },
    },
    5,
    "32 25 00 01 74 00 01 1e" +
      " 01 01" + //                Payload Format Indicator 1
      " 02 00 00 00 3c" + //       Message Expiry Interval 60
      " 03 00 01 63" + //          Content Type "c"
      " 08 00 01 72" + //          Response Topic "r"
      " 09 00 02 01 02" + //       Correlation Data 01 02
      " 23 00 03" + //             Topic Alias 3
      " 26 00 01 6b 00 01 76" + // User Property k=v
      " 78",
  );
});

Deno.test("PUBLISH 5.0 from a server with two Subscription Identifiers", () => {
  exact(
    {
      type: "publish",
      topic: "t",
      payload: new Uint8Array(),
      qos: 0,
      retain: false,
      dup: false,
      properties: { subscriptionIdentifiers: [1, 200] },
    },
    5,
    // 200 as a variable byte integer: c8 01
    "30 09 00 01 74 05 0b 01 0b c8 01",
  );
});

Deno.test("PUBLISH 5.0 with an empty topic name and a Topic Alias", () => {
  exact(
    {
      type: "publish",
      topic: "",
      payload: a("z"),
      qos: 0,
      retain: false,
      dup: false,
      properties: { topicAlias: 1 },
    },
    5,
    "30 07 00 00 03 23 00 01 7a",
  );
});

Deno.test("PUBACK, PUBREC, PUBREL (flags 0010), PUBCOMP in 3.1.1", () => {
  exact({ type: "puback", packetId: 10, reasonCode: 0 }, 4, "40 02 00 0a");
  exact({ type: "pubrec", packetId: 10, reasonCode: 0 }, 4, "50 02 00 0a");
  exact({ type: "pubrel", packetId: 10, reasonCode: 0 }, 4, "62 02 00 0a");
  exact({ type: "pubcomp", packetId: 10, reasonCode: 0 }, 4, "70 02 00 0a");
  exact({ type: "pubrel", packetId: 0x1234, reasonCode: 0 }, 3, "62 02 12 34");
});

Deno.test("acknowledgements in 5.0: shortest form, reason code, properties", () => {
  exact({ type: "puback", packetId: 10, reasonCode: 0 }, 5, "40 02 00 0a");
  exact({ type: "puback", packetId: 10, reasonCode: 0x10 }, 5, "40 03 00 0a 10");
  exact(
    { type: "puback", packetId: 10, reasonCode: 0x10, properties: { reasonString: "no" } },
    5,
    "40 09 00 0a 10 05 1f 00 02 6e 6f",
  );
  exact(
    { type: "pubrec", packetId: 1, reasonCode: 0, properties: { userProperties: [["a", "b"]] } },
    5,
    "50 0b 00 01 00 07 26 00 01 61 00 01 62",
  );
  exact({ type: "pubrel", packetId: 10, reasonCode: 0x92 }, 5, "62 03 00 0a 92");
  exact({ type: "pubcomp", packetId: 10, reasonCode: 0x92 }, 5, "70 03 00 0a 92");
});

Deno.test("5.0 acknowledgements may spell out reason 0 and an empty property block", () => {
  const p = receiverFor({ type: "puback", packetId: 1, reasonCode: 0 }, 5);
  assert.deepEqual(p.push(hex("40 03 00 0a 00 40 04 00 0a 00 00")), [
    { kind: "packet", packet: { type: "puback", packetId: 10, reasonCode: 0 } },
    { kind: "packet", packet: { type: "puback", packetId: 10, reasonCode: 0 } },
  ]);
});

Deno.test("SUBSCRIBE and SUBACK in 3.1.1", () => {
  exact(
    {
      type: "subscribe",
      packetId: 1,
      subscriptions: [
        { topicFilter: "a/+", qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
        { topicFilter: "#", qos: 2, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      ],
    },
    4,
    "82 0c 00 01 00 03 61 2f 2b 01 00 01 23 02",
  );
  exact({ type: "suback", packetId: 1, reasonCodes: [1, 0x80] }, 4, "90 04 00 01 01 80");
  exact({ type: "suback", packetId: 1, reasonCodes: [0, 2] }, 3, "90 04 00 01 00 02");
});

Deno.test("SUBSCRIBE 5.0 with options and a Subscription Identifier, SUBACK 5.0", () => {
  exact(
    {
      type: "subscribe",
      packetId: 2,
      properties: { subscriptionIdentifier: 300 },
      subscriptions: [{
        topicFilter: "a",
        qos: 1,
        noLocal: true,
        retainAsPublished: true,
        retainHandling: 2,
      }],
    },
    5,
    // 300 = ac 02; options 0x2d = retain handling 2 (0x20) | RAP (0x08) | NL (0x04) | QoS 1
    "82 0a 00 02 03 0b ac 02 00 01 61 2d",
  );
  exact({ type: "suback", packetId: 1, reasonCodes: [0, 0x80] }, 5, "90 05 00 01 00 00 80");
  exact(
    { type: "suback", packetId: 1, reasonCodes: [0x9e], properties: { reasonString: "x" } },
    5,
    "90 08 00 01 04 1f 00 01 78 9e",
  );
});

Deno.test("SUBSCRIBE for 3.x drops the MQTT 5 options", () => {
  const wire = encodePacket(
    {
      type: "subscribe",
      packetId: 1,
      properties: { subscriptionIdentifier: 5 },
      subscriptions: [{
        topicFilter: "a",
        qos: 1,
        noLocal: true,
        retainAsPublished: true,
        retainHandling: 2,
      }],
    },
    4,
  );
  assert.equal(toHex(wire), "82 06 00 01 00 01 61 01");
});

Deno.test("UNSUBSCRIBE and UNSUBACK", () => {
  exact({ type: "unsubscribe", packetId: 3, topicFilters: ["a/b"] }, 4, "a2 07 00 03 00 03 61 2f 62");
  exact({ type: "unsubscribe", packetId: 3, topicFilters: ["a/b"] }, 5, "a2 08 00 03 00 00 03 61 2f 62");
  exact({ type: "unsuback", packetId: 3, reasonCodes: [] }, 4, "b0 02 00 03");
  exact({ type: "unsuback", packetId: 3, reasonCodes: [] }, 3, "b0 02 00 03");
  exact({ type: "unsuback", packetId: 3, reasonCodes: [0x00, 0x11] }, 5, "b0 05 00 03 00 00 11");
});

Deno.test("PINGREQ and PINGRESP", () => {
  for (const version of [3, 4, 5] as const) {
    exact({ type: "pingreq" }, version, "c0 00");
    exact({ type: "pingresp" }, version, "d0 00");
  }
});

Deno.test("DISCONNECT in 3.1.1 and 5.0", () => {
  exact({ type: "disconnect", reasonCode: 0 }, 4, "e0 00");
  exact({ type: "disconnect", reasonCode: 0 }, 3, "e0 00");
  exact({ type: "disconnect", reasonCode: 0 }, 5, "e0 00");
  exact({ type: "disconnect", reasonCode: 0x04 }, 5, "e0 01 04");
  exact(
    { type: "disconnect", reasonCode: 0x8e, properties: { reasonString: "x" } },
    5,
    "e0 06 8e 04 1f 00 01 78",
  );
});

Deno.test("AUTH 5.0", () => {
  exact({ type: "auth", reasonCode: 0 }, 5, "f0 00");
  // A reason code is followed by a Property Length, even an empty one (5.0 3.15.2.1) …
  exact({ type: "auth", reasonCode: 0x19 }, 5, "f0 02 19 00");
  // … but a peer that leaves it out is understood, as for DISCONNECT.
  assert.deepEqual(receiverFor({ type: "auth", reasonCode: 0x19 }, 5).push(hex("f0 01 19")), [
    { kind: "packet", packet: { type: "auth", reasonCode: 0x19 } },
  ]);
  exact(
    {
      type: "auth",
      reasonCode: 0x18,
      properties: { authenticationMethod: "m", authenticationData: new Uint8Array([9]) },
    },
    5,
    "f0 0a 18 08 15 00 01 6d 16 00 01 09",
  );
});

Deno.test("Remaining Length boundaries of the variable byte integer (3.1.1 table 2.4)", () => {
  // PUBLISH QoS 0 to "t": 3 bytes of topic, then the payload.
  const cases: [number, string][] = [
    [0, "00"],
    [127, "7f"],
    [128, "80 01"],
    [16_383, "ff 7f"],
    [16_384, "80 80 01"],
    [2_097_151, "ff ff 7f"],
    [2_097_152, "80 80 80 01"],
  ];
  for (const [remaining, encoded] of cases) {
    if (remaining < 3) continue;
    const packet: MqttPacket = {
      type: "publish",
      topic: "t",
      payload: new Uint8Array(remaining - 3).fill(0x41),
      qos: 0,
      retain: false,
      dup: false,
    };
    const wire = encodePacket(packet, 4);
    const lengthBytes = hex(encoded).length;
    assert.equal(toHex(wire.subarray(0, 1 + lengthBytes)), "30 " + encoded);
    assert.equal(wire.length, 1 + lengthBytes + remaining);
    assert.deepEqual(receiverFor(packet, 4).push(wire), [{ kind: "packet", packet }]);
  }
  assert.equal(toHex(encodePacket({ type: "pingreq" }, 4)), "c0 00");
});

Deno.test("strings are written as UTF-8 with their byte length; a BOM is kept", () => {
  exact(
    { type: "publish", topic: "\ufeffé/😀", payload: new Uint8Array(), qos: 0, retain: false, dup: false },
    4,
    "30 0c 00 0a ef bb bf c3 a9 2f f0 9f 98 80",
  );
});

Deno.test("MQTT 5-only fields are left out for 3.x", () => {
  assert.equal(
    toHex(
      encodePacket({ type: "puback", packetId: 1, reasonCode: 0x80, properties: { reasonString: "x" } }, 4),
    ),
    "40 02 00 01",
  );
  assert.equal(toHex(encodePacket({ type: "disconnect", reasonCode: 0x8e }, 4)), "e0 00");
  assert.equal(toHex(encodePacket({ type: "unsuback", packetId: 1, reasonCodes: [0x11] }, 4)), "b0 02 00 01");
  assert.equal(
    toHex(
      encodePacket(
        {
          type: "publish",
          topic: "t",
          payload: bytes("x"),
          qos: 0,
          retain: false,
          dup: false,
          properties: { contentType: "c" },
        },
        4,
      ),
    ),
    "30 04 00 01 74 78",
  );
});

Deno.test("encodePacket rejects what the version cannot carry and out-of-range values", () => {
  const cases: [MqttPacket, MqttVersion, RegExp][] = [
    [{ type: "auth", reasonCode: 0 }, 4, /AUTH does not exist/],
    [{ type: "connack", sessionPresent: false, reasonCode: 0x87 }, 4, /CONNACK return code/],
    [{ type: "connack", sessionPresent: true, reasonCode: 1 }, 4, /Session Present/],
    [{ type: "suback", packetId: 1, reasonCodes: [0x87] }, 4, /SUBACK return code/],
    [{ type: "suback", packetId: 1, reasonCodes: [] }, 5, /at least one/],
    [{ type: "unsuback", packetId: 1, reasonCodes: [] }, 5, /at least one/],
    [{ type: "puback", packetId: 1, reasonCode: 0x05 }, 5, /PUBACK reason code/],
    [{ type: "puback", packetId: 0, reasonCode: 0 }, 4, /packet identifier/],
    [{ type: "pubrel", packetId: 65_536, reasonCode: 0 }, 4, /packet identifier/],
    [
      { type: "publish", topic: "t", payload: new Uint8Array(), qos: 1, retain: false, dup: false },
      4,
      /packet identifier/,
    ],
    [
      { type: "publish", topic: "t", payload: new Uint8Array(), qos: 3 as 1, retain: false, dup: false },
      4,
      /QoS/,
    ],
    [{ type: "subscribe", packetId: 1, subscriptions: [] }, 4, /at least one/],
    [{ type: "unsubscribe", packetId: 1, topicFilters: [] }, 4, /at least one/],
    [{ type: "connect", clientId: "c", clean: true, keepAlive: 0, password: bytes("p") }, 4, /password/],
    [{ type: "connect", clientId: "c", clean: true, keepAlive: 70_000 }, 4, /keep alive/],
    [{ type: "connect", clientId: "x".repeat(70_000), clean: true, keepAlive: 0 }, 4, /65535/],
    [
      { type: "connect", clientId: "c", clean: true, keepAlive: 0, properties: { receiveMaximum: 0 } },
      5,
      /Receive Maximum/,
    ],
    [
      {
        type: "publish",
        topic: "t",
        payload: new Uint8Array(),
        qos: 0,
        retain: false,
        dup: false,
        properties: { subscriptionIdentifiers: [0] },
      },
      5,
      /Subscription Identifier/,
    ],
    [{ type: "disconnect", reasonCode: 0x05 }, 5, /DISCONNECT reason code/],
  ];
  for (const [packet, version, pattern] of cases) {
    assert.throws(() => encodePacket(packet, version), pattern, JSON.stringify(packet).slice(0, 100));
  }
  assert.throws(() => encodePacket({ type: "pingreq" }, 6 as 5), /Unknown MQTT protocol version/);
});
