/**
 * The converter's pure parts without sockets: topic conversion, shared filters, durable
 * names, PUBLISH ↔ Message mapping, and the protocol level of a refused CONNECT.
 */
import assert from "node:assert/strict";
import { connectProtocolLevel } from "../../src/protocol/mqtt/_connect_level.ts";
import {
  convertTopic,
  durableSubscriptionName,
  messageToPublish,
  parseFilter,
  publishToMessage,
} from "../../src/protocol/mqtt/mod.ts";
import { messageQoS, payloadOf } from "../../src/protocol/mqtt/message_mapping.ts";
import { encodePrimitiveMap } from "../../src/protocol/openwire/primitive_map.ts";
import type { Message } from "../../src/message/message.ts";

const te = new TextEncoder();
const td = new TextDecoder();

function message(overrides: Partial<Message> = {}): Message {
  return {
    messageId: "ID:test:1:1:1",
    destination: { type: "topic", name: "a.b" },
    priority: 4,
    expiration: 0,
    timestamp: 0,
    persistent: false,
    redeliveryCounter: 0,
    properties: {},
    bodyKind: "text",
    body: te.encode("x"),
    ...overrides,
  };
}

Deno.test("topics: / . + * # > swap both ways (semantics.md §3.1)", () => {
  const cases: [string, string][] = [
    ["a/b/c", "a.b.c"],
    ["a/+/c", "a.*.c"],
    ["a/#", "a.>"],
    ["a.b", "a/b"],
    ["sport/tennis/+", "sport.tennis.*"],
    ["x*y>z", "x+y#z"],
  ];
  for (const [mqtt, amq] of cases) {
    assert.equal(convertTopic(mqtt), amq);
    assert.equal(convertTopic(amq), mqtt, "lossless round trip");
  }
});

Deno.test("shared filters and durable subscription names", () => {
  assert.deepEqual(parseFilter("$share/g1/jobs/#"), { filter: "jobs/#", shareGroup: "g1" });
  assert.deepEqual(parseFilter("jobs/#"), { filter: "jobs/#" });
  for (const bad of ["$share/", "$share//x", "$share/g+/x", "$share/g"]) {
    assert.equal(typeof parseFilter(bad), "string", bad);
  }
  assert.equal(durableSubscriptionName(1, "sport/#"), "AT_LEAST_ONCE:sport/#");
  assert.equal(durableSubscriptionName(2, "a"), "EXACTLY_ONCE:a");
});

Deno.test("inbound PUBLISH → BytesMessage with QoS, retain and MQTT 5 properties", () => {
  const m = publishToMessage({
    topic: "a/b",
    payload: te.encode("hi"),
    qos: 2,
    retain: true,
    properties: {
      messageExpiryInterval: 10,
      userProperties: [["k", "1"], ["k", "2"], ["z", "y"]],
      contentType: "text/plain",
      responseTopic: "reply/to",
      correlationData: new Uint8Array([0xff, 0xfe]),
    },
  }, { messageId: "ID:m", now: 1000 });
  assert.deepEqual(m.destination, { type: "topic", name: "a.b" });
  assert.equal(m.bodyKind, "bytes");
  assert.equal(m.persistent, true);
  assert.equal(m.expiration, 11_000);
  assert.deepEqual(m.replyTo, { type: "topic", name: "reply.to" });
  assert.equal(m.correlationId, "//4=");
  assert.deepEqual(m.properties, {
    k: "2",
    z: "y",
    "content-type": "text/plain",
    "ActiveMQ.MQTT.CorrelationEncoding": "base64",
    "ActiveMQ.MQTT.QoS": 2,
    "ActiveMQ.Retain": true,
  });
  assert.equal(
    publishToMessage({ topic: "t", payload: te.encode(""), qos: 0, retain: false }, {
      messageId: "ID:n",
      now: 0,
    }).persistent,
    false,
  );
});

Deno.test("outbound: QoS rule for other protocols, payloads, MQTT 5 properties only for 5", () => {
  assert.equal(messageQoS(message({ persistent: true })), 0);
  assert.equal(messageQoS(message({ persistent: false })), 1);
  assert.equal(messageQoS(message({ properties: { "ActiveMQ.MQTT.QoS": 2 } })), 2);
  const map = new Map([["a", { type: "int" as const, value: 1 }], ["b", {
    type: "string" as const,
    value: "x",
  }]]);
  assert.equal(
    td.decode(payloadOf(message({ bodyKind: "map", body: encodePrimitiveMap(map) }))),
    "{a=1, b=x}",
  );
  assert.equal(payloadOf(message({ bodyKind: "none", body: null })).length, 0);

  const m = message({
    correlationId: "corr",
    replyTo: { type: "topic", name: "r.s" },
    expiration: 10_500,
    redeliveryCounter: 1,
    properties: {
      "ActiveMQ.MQTT.QoS": 1,
      "ActiveMQ.Retain": true,
      colour: "red",
      n: 5,
      "content-type": "a/b",
    },
  });
  const v4 = messageToPublish(m, { version: 4, qos: 1, retain: false, now: 0 });
  assert.deepEqual(v4, { topic: "a/b", payload: te.encode("x"), qos: 1, retain: false, dup: true });
  const v5 = messageToPublish(m, { version: 5, qos: 1, retain: false, now: 1000, subscriptionId: 7 });
  assert.deepEqual(v5.properties, {
    userProperties: [["colour", "red"], ["n", "5"]],
    contentType: "a/b",
    messageExpiryInterval: 10,
    responseTopic: "r/s",
    correlationData: te.encode("corr"),
    subscriptionIdentifiers: [7],
  });
  const binary = messageToPublish(
    message({ correlationId: "//4=", properties: { "ActiveMQ.MQTT.CorrelationEncoding": "base64" } }),
    { version: 5, qos: 0, retain: false, now: 0 },
  );
  assert.deepEqual(binary.properties?.correlationData, new Uint8Array([0xff, 0xfe]));
});

Deno.test("the protocol level of a CONNECT from its first bytes", () => {
  assert.equal(connectProtocolLevel(new Uint8Array([0x10, 12, 0, 4, 77, 81, 84, 84, 6])), 6);
  assert.equal(connectProtocolLevel(new Uint8Array([0x10, 0x80, 0x01, 0, 4, 77, 81, 84, 84, 5])), 5);
  assert.equal(connectProtocolLevel(new Uint8Array([0x10, 12, 0, 4, 77])), undefined);
  assert.equal(connectProtocolLevel(new Uint8Array([0x30, 12])), undefined);
});
