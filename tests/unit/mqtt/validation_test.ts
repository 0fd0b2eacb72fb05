/** Every validation rule of the codec, with the reason code (and 3.x return code) it reports. */
import assert from "node:assert/strict";
import {
  encodePacket,
  type MqttPacket,
  MqttParser,
  type MqttVersion,
} from "../../../src/protocol/mqtt/codec.ts";
import {
  bytes,
  clientParser,
  connected,
  expectError,
  expectPacket,
  hex,
  raw,
  receiverFor,
  str,
  toHex,
} from "./_helpers.ts";

const MALFORMED = 0x81;
const PROTOCOL_ERROR = 0x82;
const UNSUPPORTED_VERSION = 0x84;
const CLIENT_ID_NOT_VALID = 0x85;
const TOO_LARGE = 0x95;

/** A CONNECT body from its parts; `props` is the raw MQTT 5 property block (length included). */
function connectRaw(
  { name = "MQTT", level = 4, flags = 0x02, keepAlive = 0, props = [] as number[], headerFlags = 0 },
  ...payload: (string | number[] | Uint8Array)[]
): Uint8Array {
  return raw(
    0x10 | headerFlags,
    str(name),
    [level, flags, keepAlive >> 8, keepAlive & 0xff],
    props,
    ...payload,
  );
}

// ---------------------------------------------------------------------------------------
// Framing

Deno.test("a Remaining Length of more than 4 bytes is malformed", () => {
  for (const version of [3, 4, 5] as const) {
    expectError(connected(version), hex("30 ff ff ff ff"), MALFORMED, /longer than 4 bytes/);
    expectError(connected(version), hex("30 80 80 80 80 00"), MALFORMED, /longer than 4 bytes/);
  }
  // The 4-byte maximum itself is fine: the parser waits for the body.
  assert.deepEqual(connected(4).push(hex("30 ff ff ff 7f")), []);
  expectError(new MqttParser(), hex("10 ff ff ff ff"), MALFORMED, /longer than 4 bytes/);
});

Deno.test("a packet over maxPacketSize is refused as soon as its length is known", () => {
  const p = connected(4, { maxPacketSize: 100 });
  // 1 + 1 + 98 = 100 bytes: fine, the parser waits for the body.
  assert.deepEqual(p.push(hex("30 62")), []);
  // 1 + 1 + 99 = 101 bytes: refused on the second byte, nothing of the body needed.
  const q = connected(5, { maxPacketSize: 100 });
  expectError(q, hex("30 63"), TOO_LARGE, /101 bytes exceeds maxPacketSize 100/);
  // A multi-byte length counts its own bytes: 1 + 2 + 128 = 131.
  expectError(connected(4, { maxPacketSize: 130 }), hex("30 80 01"), TOO_LARGE, /131 bytes/);
  // The largest length MQTT can express, against a small limit.
  expectError(connected(4, { maxPacketSize: 1000 }), hex("30 ff ff ff 7f"), TOO_LARGE);
  // The CONNECT is held to the limit too.
  expectError(new MqttParser({ maxPacketSize: 10 }), hex("10 0a"), TOO_LARGE, /12 bytes/);
});

Deno.test("a packet of exactly maxPacketSize is accepted", () => {
  const packet: MqttPacket = {
    type: "publish",
    topic: "t",
    payload: new Uint8Array(95),
    qos: 0,
    retain: false,
    dup: false,
  };
  const wire = encodePacket(packet, 4);
  assert.equal(wire.length, 100);
  assert.deepEqual(expectPacket(connected(4, { maxPacketSize: 100 }), wire), packet);
});

Deno.test("reserved packet types are malformed: 0 always, 15 before MQTT 5", () => {
  for (const version of [3, 4, 5] as const) {
    expectError(connected(version), hex("00 00"), MALFORMED, /Reserved packet type 0/);
  }
  expectError(connected(4), hex("f0 00"), MALFORMED, /Reserved packet type 15/);
  expectError(connected(3), hex("f0 00"), MALFORMED, /Reserved packet type 15/);
  expectError(clientParser(4), hex("f0 00"), MALFORMED, /Reserved packet type 15/);
  assert.deepEqual(expectPacket(connected(5), hex("f0 00")), { type: "auth", reasonCode: 0 });
});

// ---------------------------------------------------------------------------------------
// Fixed header flags

Deno.test("reserved fixed header flags are malformed in 3.1.1 and 5.0", () => {
  const server = [
    "41 02 00 01",
    "58 02 00 01",
    "60 02 00 01",
    "63 02 00 01",
    "71 02 00 01",
    "c1 00",
    "e2 00",
  ];
  const serverBodies = ["80 06 00 01 00 01 61 00", "83 06 00 01 00 01 61 00", "a0 05 00 01 00 01 61"];
  const client = ["21 02 00 00", "94 03 00 01 00", "b8 02 00 01", "d1 00"];
  for (const version of [4, 5] as const) {
    for (const input of [...server, ...serverBodies]) {
      expectError(connected(version), hex(input), MALFORMED, /Invalid fixed header flags/);
    }
    for (const input of client) {
      expectError(clientParser(version), hex(input), MALFORMED, /Invalid fixed header flags/);
    }
  }
  expectError(connected(5), hex("f1 00"), MALFORMED, /Invalid fixed header flags 0x01 on AUTH/);
  expectError(connected(5), hex("e8 00"), MALFORMED, /on DISCONNECT/);
});

Deno.test("3.1 peers are not held to the 3.1.1 flag rules (DUP/QoS bits on PUBREL, SUBSCRIBE)", () => {
  const p = connected(3);
  // PUBREL with DUP + QoS 1 as 3.1 clients retransmit it; SUBSCRIBE with QoS 0 bits; PINGREQ with junk.
  assert.deepEqual(expectPacket(p, hex("6a 02 00 01")), { type: "pubrel", packetId: 1, reasonCode: 0 });
  assert.equal(expectPacket(p, hex("80 06 00 02 00 01 61 01")).type, "subscribe");
  assert.equal(expectPacket(p, hex("c3 00")).type, "pingreq");
  assert.equal(expectPacket(p, hex("a8 05 00 03 00 01 61")).type, "unsubscribe");
});

Deno.test("CONNECT fixed header flags must be 0 in 3.1.1 and 5.0, not in 3.1", () => {
  expectError(new MqttParser(), connectRaw({ headerFlags: 1 }, str("c")), MALFORMED, /flags 0x01 on CONNECT/);
  expectError(new MqttParser(), connectRaw({ headerFlags: 8, level: 5, props: [0] }, str("c")), MALFORMED);
  const p = new MqttParser();
  assert.equal(
    expectPacket(p, connectRaw({ name: "MQIsdp", level: 3, headerFlags: 2 }, str("c"))).type,
    "connect",
  );
});

Deno.test("PUBLISH with QoS 3 is malformed in every version", () => {
  for (const version of [3, 4, 5] as const) {
    expectError(connected(version), hex("36 05 00 01 74 00 01"), MALFORMED, /QoS 3/);
    expectError(clientParser(version), hex("3e"), MALFORMED, /QoS 3/);
  }
});

// ---------------------------------------------------------------------------------------
// Packet identifiers

Deno.test("packet identifier 0 is a protocol error wherever an identifier is required", () => {
  for (const version of [3, 4, 5] as const) {
    const props = version === 5 ? [0] : [];
    const server = [
      raw(0x32, str("t"), [0, 0], props),
      raw(0x34, str("t"), [0, 0], props),
      hex("40 02 00 00"),
      hex("50 02 00 00"),
      hex("62 02 00 00"),
      hex("70 02 00 00"),
      raw(0x82, [0, 0], props, str("a"), [0]),
      raw(0xa2, [0, 0], props, str("a")),
    ];
    for (const input of server) expectError(connected(version), input, PROTOCOL_ERROR, /packet identifier 0/);
    const client = [
      raw(0x90, [0, 0], props, [0]),
      version === 5 ? raw(0xb0, [0, 0], [0], [0]) : hex("b0 02 00 00"),
    ];
    for (const input of client) {
      expectError(clientParser(version), input, PROTOCOL_ERROR, /packet identifier 0/);
    }
  }
  // QoS 0 has no packet identifier at all: the two bytes are payload.
  assert.deepEqual(expectPacket(connected(4), raw(0x30, str("t"), [0, 0])), {
    type: "publish",
    topic: "t",
    payload: new Uint8Array([0, 0]),
    qos: 0,
    retain: false,
    dup: false,
  });
});

// ---------------------------------------------------------------------------------------
// UTF-8 strings

const BAD_UTF8: [string, number[]][] = [
  ["invalid continuation", [0xc3, 0x28]],
  ["overlong NUL", [0xc0, 0x80]],
  ["overlong slash", [0xe0, 0x80, 0xaf]],
  ["surrogate U+D800", [0xed, 0xa0, 0x80]],
  ["surrogate U+DFFF", [0xed, 0xbf, 0xbf]],
  ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ["truncated sequence", [0x61, 0xe2, 0x82]],
  ["byte 0xff", [0xff]],
  ["lone continuation byte", [0x80]],
];

Deno.test("ill-formed UTF-8 is malformed in topics, client ids, user names and properties", () => {
  for (const [what, seq] of BAD_UTF8) {
    const s = bytes([0, seq.length], seq);
    const long = bytes([0, seq.length + 100], "x".repeat(100), seq);
    for (const version of [3, 4, 5] as const) {
      const props = version === 5 ? [0] : [];
      for (const topic of [s, long]) {
        expectError(
          connected(version),
          raw(0x30, topic, props),
          MALFORMED,
          /not well-formed UTF-8/,
          undefined,
        );
      }
      const name = version === 3 ? "MQIsdp" : "MQTT";
      expectError(
        new MqttParser(),
        connectRaw({ name, level: version, props }, s),
        MALFORMED,
        /client identifier/,
      );
      expectError(
        new MqttParser(),
        connectRaw({ name, level: version, flags: 0x82, props }, str("c"), s),
        MALFORMED,
        /user name is not well-formed/,
      );
      expectError(connected(version), raw(0x82, [0, 1], props, s, [0]), MALFORMED, /topic filter/);
    }
    expectError(
      connected(5),
      raw(0x30, str("t"), [s.length + 1 + 3, 0x26], s, str("v")),
      MALFORMED,
      /User Property name/,
    );
    expectError(connected(5), raw(0x30, str("t"), [s.length + 1, 0x03], s), MALFORMED, /Content Type/);
    assert.ok(what);
  }
});

Deno.test("U+0000 is malformed in any string", () => {
  const nul = str("a\u0000b");
  const longNul = str("x".repeat(100) + "\u0000");
  expectError(connected(4), raw(0x30, nul), MALFORMED, /topic name contains U\+0000/);
  expectError(connected(4), bytes([0x30, longNul.length], longNul), MALFORMED, /U\+0000/);
  expectError(new MqttParser(), connectRaw({}, nul), MALFORMED, /client identifier contains U\+0000/);
  expectError(connected(5), raw(0x30, str("t"), [nul.length + 4, 0x26], str("k"), nul), MALFORMED, /U\+0000/);
  expectError(connected(4), raw(0xa2, [0, 1], nul), MALFORMED, /topic filter contains U\+0000/);
  expectError(
    new MqttParser(),
    connectRaw({ flags: 0x06 }, str("c"), nul, str("x")),
    MALFORMED,
    /will topic/,
  );
});

Deno.test("a BOM and other well-formed characters are kept as they are", () => {
  for (const topic of ["\ufeffa", "a\ufeff", "\uffff", "\u{10ffff}", "\u0001", "é✓😀"]) {
    const packet = expectPacket(connected(4), raw(0x30, str(topic)));
    assert.equal(packet.type === "publish" && packet.topic, topic);
  }
});

// ---------------------------------------------------------------------------------------
// Topic names and filters

Deno.test("topic names in PUBLISH must not contain wildcards", () => {
  for (const topic of ["+", "#", "a/+", "a/#", "a/b#", "a+b", "+/x"]) {
    for (const version of [3, 4, 5] as const) {
      expectError(connected(version), raw(0x30, str(topic), version === 5 ? [0] : []), MALFORMED, /wildcard/);
    }
  }
});

Deno.test("an empty topic name is malformed in 3.x and needs a Topic Alias in 5.0", () => {
  expectError(connected(3), raw(0x30, str("")), MALFORMED, /Empty topic name/);
  expectError(connected(4), raw(0x30, str("")), MALFORMED, /Empty topic name/);
  expectError(connected(5), raw(0x30, str(""), [0]), PROTOCOL_ERROR, /Empty topic name/);
  assert.equal(expectPacket(connected(5), raw(0x30, str(""), [3, 0x23, 0, 7])).type, "publish");
});

Deno.test("will topics must be topic names", () => {
  expectError(
    new MqttParser(),
    connectRaw({ flags: 0x06 }, str("c"), str("w/#"), str("x")),
    MALFORMED,
    /Will topic/,
  );
  expectError(
    new MqttParser(),
    connectRaw({ flags: 0x06 }, str("c"), str(""), str("x")),
    MALFORMED,
    /Empty will topic/,
  );
  expectError(
    new MqttParser(),
    connectRaw({ level: 5, flags: 0x06, props: [0] }, str("c"), [0], str("+"), str("x")),
    MALFORMED,
    /wildcard/,
  );
});

const BAD_FILTERS = ["", "a/#/b", "a#", "#a", "a/b#", "+a", "a+", "a/+b", "a/b+/c", "##", "++", "#/", "a/#/"];
const GOOD_FILTERS = [
  "#",
  "+",
  "/",
  "//",
  "/#",
  "+/#",
  "+/+",
  "a/+/b",
  "a//b",
  "a/#",
  "$share/group/a/#",
  "$share/g/+",
  "$SYS/#",
  "sport/tennis/+",
  " ",
  "é/+/😀",
];

Deno.test("topic filters: # last and alone in its level, + alone in its level, not empty", () => {
  for (const version of [3, 4, 5] as const) {
    const props = version === 5 ? [0] : [];
    for (const filter of BAD_FILTERS) {
      expectError(connected(version), raw(0x82, [0, 1], props, str(filter), [0]), MALFORMED, /filter/);
      expectError(connected(version), raw(0xa2, [0, 1], props, str(filter)), MALFORMED, /filter/);
    }
    const p = connected(version);
    for (const filter of GOOD_FILTERS) {
      const sub = expectPacket(p, raw(0x82, [0, 1], props, str(filter), [1]));
      assert.ok(sub.type === "subscribe" && sub.subscriptions[0].topicFilter === filter);
      const unsub = expectPacket(p, raw(0xa2, [0, 1], props, str(filter)));
      assert.ok(unsub.type === "unsubscribe" && unsub.topicFilters[0] === filter);
    }
  }
});

Deno.test("shared subscription filters are plain filters to the codec", () => {
  const sub = expectPacket(connected(5), raw(0x82, [0, 1], [0], str("$share/g/a/b"), [0x05]));
  assert.deepEqual(sub, {
    type: "subscribe",
    packetId: 1,
    subscriptions: [{
      topicFilter: "$share/g/a/b",
      qos: 1,
      noLocal: true,
      retainAsPublished: false,
      retainHandling: 0,
    }],
  });
});

// ---------------------------------------------------------------------------------------
// CONNECT

Deno.test("the parser learns the version from the CONNECT", () => {
  for (const [name, level] of [["MQIsdp", 3], ["MQTT", 4], ["MQTT", 5]] as const) {
    const p = new MqttParser();
    assert.equal(p.version, 4);
    expectPacket(p, connectRaw({ name, level, props: level === 5 ? [0] : [] }, str("c")));
    assert.equal(p.version, level);
  }
});

Deno.test("an unsupported protocol level: reason 0x84 and 3.1.1 return code 1", () => {
  const cases: [string, number][] = [["MQTT", 3], ["MQTT", 6], ["MQTT", 0], ["MQTT", 0x84], ["MQIsdp", 4], [
    "MQIsdp",
    5,
  ]];
  for (const [name, level] of cases) {
    const p = new MqttParser();
    expectError(
      p,
      connectRaw({ name, level }, str("c")),
      UNSUPPORTED_VERSION,
      /Unsupported protocol level/,
      1,
    );
    assert.equal(p.version, 4, "the version stays unknown: the default answers in 3.1.1 form");
  }
});

Deno.test("an unknown protocol name: reason 0x84 without a 3.x return code (just close)", () => {
  for (const name of ["MQTX", "mqtt", "", "MQIsdp\u00e9"]) {
    expectError(
      new MqttParser(),
      connectRaw({ name }, str("c")),
      UNSUPPORTED_VERSION,
      /Unknown protocol name/,
    );
  }
});

Deno.test("the reserved connect flag must be 0 in 3.1.1 and 5.0", () => {
  expectError(new MqttParser(), connectRaw({ flags: 0x03 }, str("c")), MALFORMED, /reserved connect flag/);
  expectError(new MqttParser(), connectRaw({ level: 5, flags: 0x03, props: [0] }, str("c")), MALFORMED);
  assert.equal(
    expectPacket(new MqttParser(), connectRaw({ name: "MQIsdp", level: 3, flags: 0x03 }, str("c"))).type,
    "connect",
  );
});

Deno.test("will flags must be consistent", () => {
  for (const level of [3, 4, 5] as const) {
    const name = level === 3 ? "MQIsdp" : "MQTT";
    const props = level === 5 ? [0] : [];
    // Will QoS 1 without the Will flag; Will Retain without it; Will QoS 3 with it.
    expectError(
      new MqttParser(),
      connectRaw({ name, level, flags: 0x0a, props }, str("c")),
      MALFORMED,
      /without the Will flag/,
    );
    expectError(
      new MqttParser(),
      connectRaw({ name, level, flags: 0x22, props }, str("c")),
      MALFORMED,
      /without the Will flag/,
    );
    const willProps = level === 5 ? [0] : [];
    expectError(
      new MqttParser(),
      connectRaw({ name, level, flags: 0x1e, props }, str("c"), willProps, str("w"), str("x")),
      MALFORMED,
      /Will QoS 3/,
    );
    // The Will flag promises a will topic and payload.
    expectError(
      new MqttParser(),
      connectRaw({ name, level, flags: 0x06, props }, str("c")),
      MALFORMED,
      /ends inside/,
    );
  }
});

Deno.test("a password without a user name is malformed in 3.1 and 3.1.1, allowed in 5.0", () => {
  expectError(new MqttParser(), connectRaw({ flags: 0x42 }, str("c"), str("p")), MALFORMED, /Password flag/);
  expectError(
    new MqttParser(),
    connectRaw({ name: "MQIsdp", level: 3, flags: 0x42 }, str("c"), str("p")),
    MALFORMED,
  );
  const packet = expectPacket(
    new MqttParser(),
    connectRaw({ level: 5, flags: 0x42, props: [0] }, str("c"), str("p")),
  );
  assert.deepEqual(packet, {
    type: "connect",
    clientId: "c",
    clean: true,
    keepAlive: 0,
    password: bytes("p"),
  });
});

Deno.test("user name and password flags promise their fields", () => {
  expectError(
    new MqttParser(),
    connectRaw({ flags: 0x82 }, str("c")),
    MALFORMED,
    /ends inside the user name/,
  );
  expectError(
    new MqttParser(),
    connectRaw({ flags: 0xc2 }, str("c"), str("u")),
    MALFORMED,
    /ends inside the password/,
  );
  expectError(new MqttParser(), connectRaw({}, str("c"), str("extra")), MALFORMED, /trailing bytes/);
  expectError(new MqttParser(), connectRaw({}), MALFORMED, /ends inside the client identifier/);
  expectError(new MqttParser(), raw(0x10, str("MQTT")), MALFORMED, /ends inside the protocol level/);
});

Deno.test("client id rules: empty needs clean session in 3.x (return code 2), is fine in 5.0", () => {
  for (const [name, level] of [["MQTT", 4], ["MQIsdp", 3]] as const) {
    const p = new MqttParser();
    expectError(
      p,
      connectRaw({ name, level, flags: 0x00 }, str("")),
      CLIENT_ID_NOT_VALID,
      /Empty client identifier/,
      2,
    );
    assert.equal(p.version, level, "the version is known, so the CONNACK can be written for it");
    assert.equal(
      expectPacket(new MqttParser(), connectRaw({ name, level, flags: 0x02 }, str(""))).type,
      "connect",
    );
  }
  const packet = expectPacket(new MqttParser(), connectRaw({ level: 5, flags: 0x00, props: [0] }, str("")));
  assert.deepEqual(packet, { type: "connect", clientId: "", clean: false, keepAlive: 0 });
  // Long ids are accepted, as ActiveMQ does (3.1 asked for at most 23 characters).
  const long = expectPacket(new MqttParser(), connectRaw({ name: "MQIsdp", level: 3 }, str("x".repeat(200))));
  assert.ok(long.type === "connect" && long.clientId.length === 200);
});

Deno.test("the first packet must be CONNECT, and a second CONNECT is a protocol error", () => {
  for (const first of ["c0 00", "30 03 00 01 74", "e0 00", "00", "20 02 00 00", "f0 00"]) {
    expectError(new MqttParser(), hex(first), PROTOCOL_ERROR, /Expected CONNECT as the first packet/);
  }
  for (const version of [3, 4, 5] as const) {
    expectError(
      connected(version),
      encodePacket({ type: "connect", clientId: "c", clean: true, keepAlive: 0 }, version),
      PROTOCOL_ERROR,
      /Second CONNECT/,
    );
  }
});

// ---------------------------------------------------------------------------------------
// Direction

Deno.test("packets that only a server sends are a protocol error at the server, and the reverse", () => {
  for (const version of [3, 4, 5] as const) {
    for (const input of ["20 02 00 00", "90 03 00 01 00", "b0 02 00 01", "d0 00"]) {
      expectError(connected(version), hex(input), PROTOCOL_ERROR, /cannot be sent to a server/);
    }
    for (const input of ["10 00", "82 06 00 01 00 01 61 00", "a2 05 00 01 00 01 61", "c0 00"]) {
      expectError(clientParser(version), hex(input), PROTOCOL_ERROR, /cannot be sent to a client/);
    }
  }
  // A 3.x server never sends DISCONNECT; a 5.0 server may.
  expectError(clientParser(4), hex("e0 00"), PROTOCOL_ERROR, /DISCONNECT cannot be sent to a client/);
  expectError(clientParser(3), hex("e0 00"), PROTOCOL_ERROR);
  assert.deepEqual(expectPacket(clientParser(5), hex("e0 01 8b")), { type: "disconnect", reasonCode: 0x8b });
});

// ---------------------------------------------------------------------------------------
// MQTT 5 properties

/** Offset of the Property Length in a 5.0 encoding of each carrier used below (1-byte Remaining Length). */
const CARRIERS: [string, (p: Record<string, unknown>) => MqttPacket, number][] = [
  ["CONNECT", (p) => ({ type: "connect", clientId: "c", clean: true, keepAlive: 0, properties: p }), 12],
  [
    "Will",
    (p) => ({
      type: "connect",
      clientId: "c",
      clean: true,
      keepAlive: 0,
      will: { topic: "w", payload: bytes("x"), qos: 0, retain: false, properties: p },
    }),
    16,
  ],
  ["CONNACK", (p) => ({ type: "connack", sessionPresent: false, reasonCode: 0, properties: p }), 4],
  [
    "PUBLISH",
    (p) => ({
      type: "publish",
      topic: "t",
      payload: bytes("x"),
      qos: 0,
      retain: false,
      dup: false,
      properties: p,
    }),
    5,
  ],
  ["PUBACK", (p) => ({ type: "puback", packetId: 1, reasonCode: 0, properties: p }), 5],
  ["PUBREL", (p) => ({ type: "pubrel", packetId: 1, reasonCode: 0, properties: p }), 5],
  [
    "SUBSCRIBE",
    (p) => ({
      type: "subscribe",
      packetId: 1,
      subscriptions: [{
        topicFilter: "t",
        qos: 0,
        noLocal: false,
        retainAsPublished: false,
        retainHandling: 0,
      }],
      properties: p,
    }),
    4,
  ],
  ["SUBACK", (p) => ({ type: "suback", packetId: 1, reasonCodes: [0], properties: p }), 4],
  ["UNSUBSCRIBE", (p) => ({ type: "unsubscribe", packetId: 1, topicFilters: ["t"], properties: p }), 4],
  ["UNSUBACK", (p) => ({ type: "unsuback", packetId: 1, reasonCodes: [0], properties: p }), 4],
  ["DISCONNECT", (p) => ({ type: "disconnect", reasonCode: 0, properties: p }), 3],
  ["AUTH", (p) => ({ type: "auth", reasonCode: 0x18, properties: p }), 3],
];

const ONE_OF_EACH: Record<string, [string, unknown][]> = {
  CONNECT: [
    ["sessionExpiryInterval", 1],
    ["receiveMaximum", 1],
    ["maximumPacketSize", 1],
    ["topicAliasMaximum", 1],
    ["requestResponseInformation", true],
    ["requestProblemInformation", false],
    ["authenticationMethod", "m"],
  ],
  Will: [
    ["willDelayInterval", 1],
    ["payloadFormatIndicator", 1],
    ["messageExpiryInterval", 1],
    ["contentType", "c"],
    ["responseTopic", "r"],
    ["correlationData", bytes("d")],
  ],
  CONNACK: [
    ["sessionExpiryInterval", 1],
    ["receiveMaximum", 1],
    ["maximumQoS", 0],
    ["retainAvailable", true],
    ["maximumPacketSize", 1],
    ["assignedClientIdentifier", "a"],
    ["topicAliasMaximum", 1],
    ["reasonString", "r"],
    ["wildcardSubscriptionAvailable", true],
    ["subscriptionIdentifiersAvailable", true],
    ["sharedSubscriptionAvailable", true],
    ["serverKeepAlive", 1],
    ["responseInformation", "r"],
    ["serverReference", "s"],
    ["authenticationMethod", "m"],
  ],
  PUBLISH: [
    ["payloadFormatIndicator", 0],
    ["messageExpiryInterval", 1],
    ["topicAlias", 1],
    ["responseTopic", "r"],
    ["correlationData", bytes("d")],
    ["contentType", "c"],
  ],
  PUBACK: [["reasonString", "r"]],
  PUBREL: [["reasonString", "r"]],
  SUBSCRIBE: [["subscriptionIdentifier", 1]],
  SUBACK: [["reasonString", "r"]],
  UNSUBSCRIBE: [],
  UNSUBACK: [["reasonString", "r"]],
  DISCONNECT: [["sessionExpiryInterval", 1], ["reasonString", "r"], ["serverReference", "s"]],
  AUTH: [["authenticationMethod", "m"], ["reasonString", "r"]],
};

/** The 5.0 encoding of `packet` with its property block written twice. */
function withPropertiesTwice(packet: MqttPacket, at: number): Uint8Array {
  const wire = encodePacket(packet, 5);
  assert.ok(wire[1] < 128 && wire[at] < 64, toHex(wire));
  const length = wire[at];
  const block = wire.subarray(at + 1, at + 1 + length);
  return bytes(
    [wire[0], wire[1] + length],
    wire.subarray(2, at),
    [2 * length],
    block,
    block,
    wire.subarray(at + 1 + length),
  );
}

Deno.test("every property except User Property (and PUBLISH's Subscription Identifier) may appear once", () => {
  let checked = 0;
  for (const [carrier, make, at] of CARRIERS) {
    for (const [key, value] of ONE_OF_EACH[carrier]) {
      const packet = make({ [key]: value });
      // Once is fine.
      assert.deepEqual(expectPacket(receiverFor(packet, 5), encodePacket(packet, 5)), packet);
      expectError(
        receiverFor(packet, 5),
        withPropertiesTwice(packet, at),
        PROTOCOL_ERROR,
        /appears more than once/,
      );
      checked++;
    }
    // User Properties repeat freely, in order.
    const once = make({ userProperties: [["k", "v"]] });
    const twice = expectPacket(receiverFor(once, 5), withPropertiesTwice(once, at));
    const props = twice.type === "connect" && carrier === "Will"
      ? twice.will?.properties
      : (twice as { properties?: unknown }).properties;
    assert.deepEqual(props, { userProperties: [["k", "v"], ["k", "v"]] }, carrier);
  }
  assert.ok(checked >= 40);
  // Subscription Identifiers repeat in a PUBLISH a server sends.
  const publish = CARRIERS[3][1]({ subscriptionIdentifiers: [5] });
  const got = expectPacket(clientParser(5), withPropertiesTwice(publish, 5));
  assert.deepEqual((got as { properties: unknown }).properties, { subscriptionIdentifiers: [5, 5] });
});

Deno.test("a client's PUBLISH must not carry a Subscription Identifier", () => {
  expectError(connected(5), raw(0x30, str("t"), [2, 0x0b, 1]), PROTOCOL_ERROR, /Subscription Identifier/);
});

Deno.test("unknown property identifiers are malformed; known ones in the wrong packet a protocol error", () => {
  for (const id of [0x00, 0x04, 0x05, 0x0a, 0x14, 0x1b, 0x20, 0x2b, 0x7f]) {
    expectError(connected(5), raw(0x30, str("t"), [2, id, 0]), MALFORMED, /Unknown property identifier/);
  }
  // Identifiers are variable byte integers: 0x80 0x01 is 128, unknown.
  expectError(connected(5), raw(0x30, str("t"), [3, 0x80, 0x01, 0]), MALFORMED, /0x80/);
  expectError(
    connected(5),
    raw(0x30, str("t"), [5, 0x11, 0, 0, 0, 1]),
    PROTOCOL_ERROR,
    /Session Expiry Interval \(0x11\) is not allowed in PUBLISH/,
  );
  expectError(
    connected(5),
    hex("40 07 00 01 00 03 23 00 01"),
    PROTOCOL_ERROR,
    /Topic Alias .* not allowed in PUBACK/,
  );
  expectError(
    connected(5),
    raw(0xa2, [0, 1], [4, 0x1f, 0, 1, 0x61], str("t")),
    PROTOCOL_ERROR,
    /Reason String/,
  );
  expectError(
    new MqttParser(),
    connectRaw({ level: 5, props: [5, 0x18, 0, 0, 0, 1] }, str("c")),
    PROTOCOL_ERROR,
    /Will Delay Interval .* not allowed in CONNECT/,
  );
  expectError(
    new MqttParser(),
    connectRaw({ level: 5, flags: 0x06, props: [0] }, str("c"), [5, 0x11, 0, 0, 0, 1], str("w"), str("x")),
    PROTOCOL_ERROR,
    /not allowed in CONNECT Will properties/,
  );
});

Deno.test("property lengths must fit the packet, and values the property block", () => {
  expectError(connected(5), raw(0x30, str("t"), [5, 0x01]), MALFORMED, /property length 5 exceeds/);
  expectError(
    connected(5),
    raw(0x30, str("t"), [2, 0x02, 0, 0, 0, 1]),
    MALFORMED,
    /ends inside the Message Expiry Interval/,
  );
  expectError(
    connected(5),
    raw(0x30, str("t"), [0x80, 0x80, 0x80, 0x80, 0x01]),
    MALFORMED,
    /property length is longer than 4 bytes/,
  );
  expectError(connected(5), raw(0x30, str("t")), MALFORMED, /ends inside the property length/);
  expectError(connected(5), hex("40 05 00 01 00 00 99"), MALFORMED, /trailing/);
  expectError(connected(5), hex("e0 03 00 00 99"), MALFORMED, /trailing/);
});

Deno.test("property values with a restricted range", () => {
  const cases: [Uint8Array, RegExp][] = [
    [raw(0x30, str("t"), [2, 0x01, 2]), /Payload Format Indicator 2/],
    [raw(0x30, str("t"), [3, 0x23, 0, 0]), /Topic Alias 0/],
    [raw(0x30, str("t"), [6, 0x08], str("a/+")), /wildcard/],
    [raw(0x30, str("t"), [3, 0x08], str("")), /Empty Response Topic/],
    [raw(0x82, [0, 1], [2, 0x0b, 0], str("a"), [0]), /Subscription Identifier 0/],
    [connectRaw({ level: 5, props: [2, 0x17, 2] }, str("c")), /Request Problem Information 2/],
    [connectRaw({ level: 5, props: [2, 0x19, 5] }, str("c")), /Request Response Information 5/],
    [connectRaw({ level: 5, props: [3, 0x21, 0, 0] }, str("c")), /Receive Maximum 0/],
    [connectRaw({ level: 5, props: [5, 0x27, 0, 0, 0, 0] }, str("c")), /Maximum Packet Size 0/],
    [
      connectRaw({ level: 5, props: [4, 0x16, 0, 1, 9] }, str("c")),
      /Authentication Data without an Authentication Method/,
    ],
    [hex("f0 06 18 04 16 00 01 09"), /Authentication Data without/],
  ];
  for (const [input, pattern] of cases) {
    const p = input[0] === 0x10 ? new MqttParser() : connected(5);
    expectError(p, input, PROTOCOL_ERROR, pattern);
  }
  const client: [Uint8Array, RegExp][] = [
    [hex("20 05 00 00 02 24 02"), /Maximum QoS 2/],
    [hex("20 05 00 00 02 25 02"), /Retain Available 2/],
    [hex("20 05 00 00 02 28 07"), /Wildcard Subscription Available 7/],
    [hex("20 05 00 00 02 29 02"), /Subscription Identifier Available 2/],
    [hex("20 05 00 00 02 2a ff"), /Shared Subscription Available 255/],
    [hex("20 06 00 00 03 21 00 00"), /Receive Maximum 0/],
  ];
  for (const [input, pattern] of client) expectError(clientParser(5), input, PROTOCOL_ERROR, pattern);
});

// ---------------------------------------------------------------------------------------
// Reason codes

Deno.test("reason codes outside each packet's table are a protocol error", () => {
  const server: string[] = [
    "40 03 00 01 05",
    "50 03 00 01 01",
    "62 03 00 01 10",
    "70 03 00 01 80",
    "e0 01 05",
    "e0 01 8c",
    "f0 02 01 00",
  ];
  for (const input of server) expectError(connected(5), hex(input), PROTOCOL_ERROR, /Invalid .* reason code/);
  const client: [MqttVersion, string][] = [
    [5, "20 03 00 01 00"],
    [5, "20 03 00 8b 00"],
    [5, "90 04 00 01 00 03"],
    [5, "b0 04 00 01 00 01"],
    [4, "20 02 00 06"],
    [3, "20 02 00 ff"],
    [4, "90 03 00 01 03"],
    [4, "90 03 00 01 81"],
  ];
  for (const [version, input] of client) {
    expectError(clientParser(version), hex(input), PROTOCOL_ERROR, /Invalid/);
  }
});

Deno.test("CONNACK: reserved flags, and no Session Present with a refusal", () => {
  expectError(clientParser(4), hex("20 02 02 00"), MALFORMED, /Reserved connect acknowledge flags/);
  expectError(clientParser(5), hex("20 03 80 00 00"), MALFORMED, /Reserved/);
  expectError(clientParser(4), hex("20 02 01 05"), PROTOCOL_ERROR, /Session Present/);
  expectError(clientParser(5), hex("20 03 01 87 00"), PROTOCOL_ERROR, /Session Present/);
  // 3.1: the first byte is unused and ignored.
  assert.deepEqual(expectPacket(clientParser(3), hex("20 02 ff 00")), {
    type: "connack",
    sessionPresent: false,
    reasonCode: 0,
  });
});

Deno.test("SUBACK and 5.0 UNSUBACK need at least one code", () => {
  expectError(clientParser(4), hex("90 02 00 01"), PROTOCOL_ERROR, /SUBACK without reason codes/);
  expectError(clientParser(5), hex("90 03 00 01 00"), PROTOCOL_ERROR, /SUBACK without/);
  expectError(clientParser(5), hex("b0 03 00 01 00"), PROTOCOL_ERROR, /UNSUBACK without/);
});

// ---------------------------------------------------------------------------------------
// SUBSCRIBE and UNSUBSCRIBE

Deno.test("SUBSCRIBE and UNSUBSCRIBE need at least one topic filter", () => {
  for (const version of [3, 4, 5] as const) {
    const props = version === 5 ? [0] : [];
    expectError(
      connected(version),
      raw(0x82, [0, 1], props),
      PROTOCOL_ERROR,
      /SUBSCRIBE without topic filters/,
    );
    expectError(
      connected(version),
      raw(0xa2, [0, 1], props),
      PROTOCOL_ERROR,
      /UNSUBSCRIBE without topic filters/,
    );
    expectError(
      connected(version),
      raw(0x82, [0, 1], props, str("a")),
      MALFORMED,
      /ends inside the subscription options/,
    );
  }
});

Deno.test("subscription options: reserved bits, QoS 3, Retain Handling 3", () => {
  for (const options of [0x04, 0x08, 0x10, 0x80, 0xfc]) {
    expectError(
      connected(4),
      raw(0x82, [0, 1], str("a"), [options]),
      MALFORMED,
      /Reserved requested QoS bits/,
    );
  }
  for (const options of [0x40, 0x80, 0xc0]) {
    expectError(
      connected(5),
      raw(0x82, [0, 1], [0], str("a"), [options]),
      MALFORMED,
      /Reserved subscription option bits/,
    );
  }
  for (const version of [3, 4, 5] as const) {
    expectError(
      connected(version),
      raw(0x82, [0, 1], version === 5 ? [0] : [], str("a"), [3]),
      MALFORMED,
      /QoS 3/,
    );
  }
  expectError(connected(5), raw(0x82, [0, 1], [0], str("a"), [0x30]), PROTOCOL_ERROR, /Retain Handling 3/);
  // 3.1 only defines the QoS bits.
  const sub = expectPacket(connected(3), raw(0x82, [0, 1], str("a"), [0xfd]));
  assert.deepEqual(sub, {
    type: "subscribe",
    packetId: 1,
    subscriptions: [{
      topicFilter: "a",
      qos: 1,
      noLocal: false,
      retainAsPublished: false,
      retainHandling: 0,
    }],
  });
});

// ---------------------------------------------------------------------------------------
// Fixed-size packets

Deno.test("packets with a fixed size reject extra or missing bytes", () => {
  for (const version of [3, 4] as const) {
    for (const input of ["c0 01 00", "e0 01 00", "40 03 00 01 00", "62 03 00 01 00", "40 01 00"]) {
      expectError(connected(version), hex(input), MALFORMED);
    }
    for (const input of ["d0 01 00", "b0 03 00 01 00", "20 03 00 00 00", "20 01 00"]) {
      expectError(clientParser(version), hex(input), MALFORMED);
    }
  }
  expectError(connected(5), hex("c0 01 00"), MALFORMED, /PINGREQ has 1 unexpected trailing bytes/);
  expectError(clientParser(5), hex("20 02 00 00"), MALFORMED, /property length/);
});
