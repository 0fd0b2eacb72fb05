/** encode → parse gives back the same packet: every packet type, every version, every MQTT 5 property. */
import assert from "node:assert/strict";
import {
  encodePacket,
  type MqttPacket,
  type MqttProperties,
  type MqttVersion,
} from "../../../src/protocol/mqtt/codec.ts";
import { bytes, roundTrip, te, VERSIONS } from "./_helpers.ts";

const payload = bytes("payload ", [0, 1, 2, 0xff]);

/** Every packet type in the form a `version` decoder produces. */
function allPackets(version: MqttVersion): MqttPacket[] {
  const list: MqttPacket[] = [
    { type: "connect", clientId: "client-1", clean: true, keepAlive: 30 },
    { type: "connect", clientId: "", clean: true, keepAlive: 0 },
    {
      type: "connect",
      clientId: "c",
      clean: false,
      keepAlive: 65_535,
      will: { topic: "will/topic", payload, qos: 2, retain: true },
      username: "user",
      password: bytes([0, 1, 2]),
    },
    { type: "connect", clientId: "c", clean: true, keepAlive: 1, username: "only-user" },
    { type: "connack", sessionPresent: false, reasonCode: 0 },
    { type: "connack", sessionPresent: version >= 4, reasonCode: 0 },
    { type: "connack", sessionPresent: false, reasonCode: version === 5 ? 0x86 : 4 },
    { type: "publish", topic: "a/b/c", payload, qos: 0, retain: false, dup: false },
    { type: "publish", topic: "a", payload: new Uint8Array(), qos: 1, retain: true, dup: false, packetId: 1 },
    { type: "publish", topic: "$SYS/x", payload, qos: 2, retain: false, dup: true, packetId: 65_535 },
    { type: "puback", packetId: 1, reasonCode: 0 },
    { type: "pubrec", packetId: 2, reasonCode: 0 },
    { type: "pubrel", packetId: 3, reasonCode: 0 },
    { type: "pubcomp", packetId: 4, reasonCode: 0 },
    {
      type: "subscribe",
      packetId: 5,
      subscriptions: [
        { topicFilter: "a/+/c", qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 },
        { topicFilter: "#", qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
        {
          topicFilter: "$share/group/x/#",
          qos: 2,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 0,
        },
      ],
    },
    { type: "suback", packetId: 5, reasonCodes: [0, 1, 2, 0x80] },
    { type: "unsubscribe", packetId: 6, topicFilters: ["a/+/c", "#"] },
    { type: "unsuback", packetId: 6, reasonCodes: version === 5 ? [0, 0x11] : [] },
    { type: "pingreq" },
    { type: "pingresp" },
    { type: "disconnect", reasonCode: 0 },
  ];
  if (version === 5) {
    list.push(
      { type: "connect", clientId: "", clean: false, keepAlive: 0, password: bytes("no user") },
      { type: "puback", packetId: 1, reasonCode: 0x10 },
      { type: "pubrec", packetId: 2, reasonCode: 0x97 },
      { type: "pubrel", packetId: 3, reasonCode: 0x92 },
      { type: "pubcomp", packetId: 4, reasonCode: 0x92 },
      {
        type: "subscribe",
        packetId: 7,
        subscriptions: [
          { topicFilter: "a", qos: 1, noLocal: true, retainAsPublished: false, retainHandling: 1 },
          { topicFilter: "b", qos: 2, noLocal: false, retainAsPublished: true, retainHandling: 2 },
        ],
      },
      { type: "suback", packetId: 7, reasonCodes: [0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2] },
      { type: "disconnect", reasonCode: 0x04 },
      { type: "disconnect", reasonCode: 0x8e },
      { type: "auth", reasonCode: 0 },
      { type: "auth", reasonCode: 0x19 },
    );
  }
  return list;
}

Deno.test("every packet type round-trips in 3.1, 3.1.1 and 5.0", () => {
  for (const version of VERSIONS) {
    for (const packet of allPackets(version)) {
      assert.deepEqual(roundTrip(packet, version), packet, `${packet.type} in level ${version}`);
    }
  }
});

Deno.test("every CONNACK return code of 3.x and every reason code of 5.0 round-trips", () => {
  for (const version of [3, 4] as const) {
    for (let code = 0; code <= 5; code++) {
      const packet: MqttPacket = { type: "connack", sessionPresent: false, reasonCode: code };
      assert.deepEqual(roundTrip(packet, version), packet);
    }
  }
  const fivePackets: [(code: number) => MqttPacket, number[]][] = [
    [
      (c) => ({ type: "connack", sessionPresent: false, reasonCode: c }),
      [
        0,
        0x80,
        0x81,
        0x82,
        0x83,
        0x84,
        0x85,
        0x86,
        0x87,
        0x88,
        0x89,
        0x8a,
        0x8c,
        0x90,
        0x95,
        0x97,
        0x99,
        0x9a,
        0x9b,
        0x9c,
        0x9d,
        0x9f,
      ],
    ],
    [(c) => ({ type: "puback", packetId: 1, reasonCode: c }), [
      0,
      0x10,
      0x80,
      0x83,
      0x87,
      0x90,
      0x91,
      0x97,
      0x99,
    ]],
    [(c) => ({ type: "pubrec", packetId: 1, reasonCode: c }), [
      0,
      0x10,
      0x80,
      0x83,
      0x87,
      0x90,
      0x91,
      0x97,
      0x99,
    ]],
    [(c) => ({ type: "pubrel", packetId: 1, reasonCode: c }), [0, 0x92]],
    [(c) => ({ type: "pubcomp", packetId: 1, reasonCode: c }), [0, 0x92]],
    [(c) => ({ type: "suback", packetId: 1, reasonCodes: [c] }), [
      0,
      1,
      2,
      0x80,
      0x83,
      0x87,
      0x8f,
      0x91,
      0x97,
      0x9e,
      0xa1,
      0xa2,
    ]],
    [(c) => ({ type: "unsuback", packetId: 1, reasonCodes: [c] }), [0, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91]],
    [
      (c) => ({ type: "disconnect", reasonCode: c }),
      [
        0,
        0x04,
        0x80,
        0x81,
        0x82,
        0x83,
        0x87,
        0x89,
        0x8b,
        0x8d,
        0x8e,
        0x8f,
        0x90,
        0x93,
        0x94,
        0x95,
        0x96,
        0x97,
        0x98,
        0x99,
        0x9a,
        0x9b,
        0x9c,
        0x9d,
        0x9e,
        0x9f,
        0xa0,
        0xa1,
        0xa2,
      ],
    ],
    [(c) => ({ type: "auth", reasonCode: c }), [0, 0x18, 0x19]],
  ];
  for (const [make, codes] of fivePackets) {
    for (const code of codes) {
      const packet = make(code);
      assert.deepEqual(roundTrip(packet, 5), packet, `${packet.type} 0x${code.toString(16)}`);
    }
  }
});

/** One value of every MQTT 5 property, with the identifier it is written under. */
const PROPERTY_VALUES: [keyof MqttProperties, unknown, number][] = [
  ["payloadFormatIndicator", 1, 0x01],
  ["messageExpiryInterval", 0xffffffff, 0x02],
  ["contentType", "application/json; charset=ü", 0x03],
  ["responseTopic", "reply/to/me", 0x08],
  ["correlationData", bytes([0, 0xff, 7]), 0x09],
  ["subscriptionIdentifier", 268_435_455, 0x0b],
  ["subscriptionIdentifiers", [1, 127, 128, 16_384, 268_435_455], 0x0b],
  ["sessionExpiryInterval", 0xffffffff, 0x11],
  ["assignedClientIdentifier", "auto-1", 0x12],
  ["serverKeepAlive", 65_535, 0x13],
  ["authenticationMethod", "SCRAM-SHA-1", 0x15],
  ["authenticationData", bytes("n,,n=user"), 0x16],
  ["requestProblemInformation", false, 0x17],
  ["willDelayInterval", 120, 0x18],
  ["requestResponseInformation", true, 0x19],
  ["responseInformation", "resp/", 0x1a],
  ["serverReference", "other:1883", 0x1c],
  ["reasonString", "because", 0x1f],
  ["receiveMaximum", 65_535, 0x21],
  ["topicAliasMaximum", 0, 0x22],
  ["topicAlias", 65_535, 0x23],
  ["maximumQoS", 0, 0x24],
  ["retainAvailable", false, 0x25],
  ["userProperties", [["k", "v"], ["k", "v2"], ["", ""], ["é", "😀"]], 0x26],
  ["maximumPacketSize", 0xffffffff, 0x27],
  ["wildcardSubscriptionAvailable", true, 0x28],
  ["subscriptionIdentifiersAvailable", false, 0x29],
  ["sharedSubscriptionAvailable", true, 0x2a],
];

/** Where each property may appear (MQTT 5.0 Table 2-4), as packets to put it in. */
const CARRIERS: Record<string, (props: MqttProperties) => MqttPacket> = {
  CONNECT: (p) => ({ type: "connect", clientId: "c", clean: true, keepAlive: 0, properties: p }),
  Will: (p) => ({
    type: "connect",
    clientId: "c",
    clean: true,
    keepAlive: 0,
    will: { topic: "w", payload: new Uint8Array([1]), qos: 1, retain: false, properties: p },
  }),
  CONNACK: (p) => ({ type: "connack", sessionPresent: false, reasonCode: 0, properties: p }),
  PUBLISH: (p) => ({
    type: "publish",
    topic: "t",
    payload: bytes("x"),
    qos: 0,
    retain: false,
    dup: false,
    properties: p,
  }),
  PUBACK: (p) => ({ type: "puback", packetId: 1, reasonCode: 0, properties: p }),
  PUBREC: (p) => ({ type: "pubrec", packetId: 1, reasonCode: 0, properties: p }),
  PUBREL: (p) => ({ type: "pubrel", packetId: 1, reasonCode: 0, properties: p }),
  PUBCOMP: (p) => ({ type: "pubcomp", packetId: 1, reasonCode: 0, properties: p }),
  SUBSCRIBE: (p) => ({
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
  SUBACK: (p) => ({ type: "suback", packetId: 1, reasonCodes: [0], properties: p }),
  UNSUBSCRIBE: (p) => ({ type: "unsubscribe", packetId: 1, topicFilters: ["t"], properties: p }),
  UNSUBACK: (p) => ({ type: "unsuback", packetId: 1, reasonCodes: [0], properties: p }),
  DISCONNECT: (p) => ({ type: "disconnect", reasonCode: 0, properties: p }),
  AUTH: (p) => ({ type: "auth", reasonCode: 0x18, properties: p }),
};

const ALLOWED: Record<string, (keyof MqttProperties)[]> = {
  CONNECT: [
    "sessionExpiryInterval",
    "receiveMaximum",
    "maximumPacketSize",
    "topicAliasMaximum",
    "requestResponseInformation",
    "requestProblemInformation",
    "userProperties",
    "authenticationMethod",
    "authenticationData",
  ],
  Will: [
    "willDelayInterval",
    "payloadFormatIndicator",
    "messageExpiryInterval",
    "contentType",
    "responseTopic",
    "correlationData",
    "userProperties",
  ],
  CONNACK: [
    "sessionExpiryInterval",
    "receiveMaximum",
    "maximumQoS",
    "retainAvailable",
    "maximumPacketSize",
    "assignedClientIdentifier",
    "topicAliasMaximum",
    "reasonString",
    "userProperties",
    "wildcardSubscriptionAvailable",
    "subscriptionIdentifiersAvailable",
    "sharedSubscriptionAvailable",
    "serverKeepAlive",
    "responseInformation",
    "serverReference",
    "authenticationMethod",
    "authenticationData",
  ],
  PUBLISH: [
    "payloadFormatIndicator",
    "messageExpiryInterval",
    "topicAlias",
    "responseTopic",
    "correlationData",
    "userProperties",
    "subscriptionIdentifiers",
    "contentType",
  ],
  PUBACK: ["reasonString", "userProperties"],
  PUBREC: ["reasonString", "userProperties"],
  PUBREL: ["reasonString", "userProperties"],
  PUBCOMP: ["reasonString", "userProperties"],
  SUBSCRIBE: ["subscriptionIdentifier", "userProperties"],
  SUBACK: ["reasonString", "userProperties"],
  UNSUBSCRIBE: ["userProperties"],
  UNSUBACK: ["reasonString", "userProperties"],
  DISCONNECT: ["sessionExpiryInterval", "reasonString", "userProperties", "serverReference"],
  AUTH: ["authenticationMethod", "authenticationData", "reasonString", "userProperties"],
};

function value(key: keyof MqttProperties): unknown {
  return PROPERTY_VALUES.find(([k]) => k === key)![1];
}

function withDependencies(props: MqttProperties): MqttProperties {
  // Authentication Data is only valid next to an Authentication Method.
  return props.authenticationData !== undefined && props.authenticationMethod === undefined
    ? { ...props, authenticationMethod: "M" }
    : props;
}

Deno.test("every MQTT 5 property round-trips, alone, in every packet that allows it", () => {
  let checked = 0;
  const seen = new Set<string>();
  for (const [carrier, keys] of Object.entries(ALLOWED)) {
    for (const key of keys) {
      const props = withDependencies({ [key]: value(key) } as MqttProperties);
      const packet = CARRIERS[carrier](props);
      assert.deepEqual(roundTrip(packet, 5), packet, `${key} in ${carrier}`);
      // The identifier is on the wire.
      const id = PROPERTY_VALUES.find(([k]) => k === key)![2];
      assert.ok(encodePacket(packet, 5).includes(id), `${key} written as 0x${id.toString(16)}`);
      seen.add(key);
      checked++;
    }
  }
  assert.equal(
    seen.size,
    PROPERTY_VALUES.length,
    "all 27 properties (Subscription Identifier in both forms)",
  );
  assert.ok(checked >= 60);
});

Deno.test("all allowed properties together round-trip in every packet", () => {
  for (const [carrier, keys] of Object.entries(ALLOWED)) {
    const props = Object.fromEntries(keys.map((k) => [k, value(k)])) as MqttProperties;
    const packet = CARRIERS[carrier](props);
    assert.deepEqual(roundTrip(packet, 5), packet, carrier);
  }
});

Deno.test("CONNECT and Will properties together", () => {
  const packet: MqttPacket = {
    type: "connect",
    clientId: "both",
    clean: false,
    keepAlive: 5,
    properties: { sessionExpiryInterval: 10, userProperties: [["a", "1"]] },
    will: {
      topic: "w/t",
      payload: bytes("bye"),
      qos: 2,
      retain: true,
      properties: { willDelayInterval: 3, userProperties: [["b", "2"]], responseTopic: "r" },
    },
    username: "u",
    password: bytes("p"),
  };
  assert.deepEqual(roundTrip(packet, 5), packet);
});

Deno.test("3.x drops MQTT 5 fields, so the decoded packet has their neutral values", () => {
  for (const version of [3, 4] as const) {
    assert.deepEqual(
      roundTrip(
        { type: "puback", packetId: 9, reasonCode: 0x80, properties: { reasonString: "x" } },
        version,
      ),
      { type: "puback", packetId: 9, reasonCode: 0 },
    );
    assert.deepEqual(
      roundTrip({
        type: "subscribe",
        packetId: 1,
        subscriptions: [{
          topicFilter: "a",
          qos: 2,
          noLocal: true,
          retainAsPublished: true,
          retainHandling: 2,
        }],
      }, version),
      {
        type: "subscribe",
        packetId: 1,
        subscriptions: [{
          topicFilter: "a",
          qos: 2,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 0,
        }],
      },
    );
  }
});

Deno.test("long strings, large payloads and non-ASCII text round-trip", () => {
  const long = "ü".repeat(32_767); // 65,534 UTF-8 bytes
  const big = new Uint8Array(300_000).map((_, i) => i * 7);
  const packets: MqttPacket[] = [
    { type: "publish", topic: long, payload: big, qos: 1, retain: false, dup: false, packetId: 4 },
    { type: "connect", clientId: "😀".repeat(100), clean: true, keepAlive: 0, username: "\ufeffbom" },
    {
      type: "publish",
      topic: "t",
      payload: te.encode("x"),
      qos: 0,
      retain: false,
      dup: false,
      properties: {
        userProperties: Array.from({ length: 500 }, (_, i) => [`k${i}`, `v${i}`] as [string, string]),
      },
    },
  ];
  for (const version of VERSIONS) {
    for (const packet of packets) {
      if (version < 5 && packet.type === "publish" && packet.properties) continue;
      assert.deepEqual(roundTrip(packet, version), packet);
    }
  }
});
