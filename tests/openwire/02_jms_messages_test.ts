/**
 * ActiveMQ's own Java JMS client (5.17, Debian's libactivemq-java) against the broker:
 * every message kind and property type, the JMS headers, queues and topics, selectors,
 * priority, expiry (in the broker and in the client's prefetch buffer), consumer options,
 * and the cross-protocol mapping both ways with a raw STOMP client.
 *
 * One JVM runs every scenario of this file (start-up costs about half a second).
 */
import assert from "node:assert/strict";
import { startOpenWireBroker } from "../support/openwire_broker.ts";
import { requireJavaClient, runScenarios, scenarioData } from "../support/java_client.ts";
import { RawStomp } from "../support/raw_stomp.ts";

const SCENARIOS = [
  "messageKinds",
  "headers",
  "queueTopic",
  "selectors",
  "priority",
  "expiration",
  "consumerOptions",
  "crossFromStomp",
  "crossToStomp",
];

Deno.test("Java JMS client: message kinds, headers, destinations, selectors, priority, expiry, STOMP interop", async (t) => {
  const client = await requireJavaClient("the OpenWire Java client tests");
  if (!client) return;
  await using b = await startOpenWireBroker({
    configure: (config) => {
      config.policyEntries.push({
        destinationType: "queue",
        pattern: "prio.>",
        prioritizedMessages: true,
        attributes: {},
      });
    },
  });

  // STOMP producers first: crossFromStomp reads what they sent.
  {
    await using stomp = await RawStomp.connect(b.stompPort);
    await stomp.send("SEND", {
      destination: "/queue/cross.from-stomp",
      "correlation-id": "stomp-corr",
      type: "stompType",
      priority: "7",
      persistent: "true",
      "reply-to": "/queue/cross.reply",
      JMSXGroupID: "stomp-group",
      color: "red",
      receipt: "r1",
    }, "from STOMP ✓");
    assert.equal((await stomp.next()).command, "RECEIPT");
    await stomp.send(
      "SEND",
      { destination: "/queue/cross.from-stomp", "content-length": "4", receipt: "r2" },
      new Uint8Array([0, 1, 2, 255]),
    );
    assert.equal((await stomp.next()).command, "RECEIPT");
  }

  const results = await runScenarios(client, b.url, SCENARIOS);

  await t.step("every message kind and property type survives the round trip", () => {
    const d = scenarioData(results, "messageKinds");
    assert.deepEqual(d.types, [
      "ActiveMQTextMessage",
      "ActiveMQBytesMessage",
      "ActiveMQMapMessage",
      "ActiveMQObjectMessage",
      "ActiveMQStreamMessage",
      "ActiveMQMessage",
      "ActiveMQTextMessage",
      "ActiveMQBytesMessage",
      "ActiveMQMapMessage",
    ]);
    assert.equal(
      d.text,
      "héllo wörld ✓ \u0000 \u{1D11E}",
      "NUL and a supplementary character (modified UTF-8)",
    );
    assert.equal(d.bytesLength, 42);
    assert.deepEqual(d.bytes, [
      "Boolean:true",
      "Byte:-5",
      "Short:-300",
      "Character:Z",
      "Integer:123456789",
      "Long:1234567890123",
      "Float:1.5",
      "Double:2.25",
      "String:utf ✓",
      "read:3:010203",
    ]);
    assert.deepEqual(d.map, {
      bool: "Boolean:true",
      byte: "Byte:7",
      bytes: "byte[]:0908",
      char: "Character:c",
      double: "Double:3.75",
      float: "Float:0.5",
      int: "Integer:42",
      long: "Long:9223372036854775807",
      short: "Short:-2",
      string: "String:str ✓",
    });
    assert.equal(d.object, "String:serialized ✓");
    assert.deepEqual(d.stream, [
      "Boolean:false",
      "Byte:1",
      "Short:2",
      "Character:x",
      "Integer:3",
      "Long:4",
      "Float:5.5",
      "Double:6.5",
      "String:seven",
      "byte[]:08",
      "null",
    ]);
    assert.deepEqual(d.properties, {
      pBoolean: "Boolean:true",
      pByte: "Byte:-1",
      pDouble: "Double:-0.125",
      pFloat: "Float:1.25",
      pInt: "Integer:-70000",
      pLong: "Long:-9223372036854775808",
      pObject: "Integer:5",
      pShort: "Short:300",
      pString: "String:välue",
    });
    assert.equal(d.compressedText, true, "useCompression text");
    assert.equal(d.compressedBytes, true, "useCompression bytes");
    assert.equal(d.compressedMap, true, "useCompression map");
    assert.equal(d.leftover, 0);
  });

  await t.step("JMS headers", () => {
    const d = scenarioData(results, "headers");
    assert.deepEqual(d, {
      messageIdMatches: true,
      messageId: d.messageId,
      correlationId: "corr-1",
      replyTo: "queue://headers.reply",
      type: "typeA",
      priority: 7,
      deliveryMode: 1,
      ttl: 60000,
      timestampMatches: true,
      redelivered: false,
      deliveryCount: 1,
      groupId: "group-1",
      groupSeq: 3,
      destination: "queue://headers.q",
      brokerInTime: true,
      brokerOutTime: true,
      persistentDeliveryMode: 2,
      persistentPriority: 4,
      persistentExpiration: 0,
    });
    assert.match(String(d.messageId), /^ID:.+:1:1:1:1$/);
  });

  await t.step("queues, topics, wildcards, composites, anonymous producers", () => {
    assert.deepEqual(scenarioData(results, "queueTopic"), {
      sub1: ["t1", "t2", "t3"],
      sub2: ["t1", "t2", "t3"],
      wildcard: ["t1", "t2", "t3"],
      queue: ["q1", "q2", "q3", "q4"],
      compositeA: "both",
      compositeB: "both",
      anonymous: "anonymous",
    });
  });

  await t.step("selectors on properties and headers", () => {
    assert.deepEqual(scenarioData(results, "selectors"), {
      redHeavy: ["red-10", "red-7"],
      header: ["typed"],
      like: ["blue-10", "red-1"],
      rest: [],
    });
  });

  await t.step("priority order with prioritizedMessages", () => {
    assert.deepEqual(scenarioData(results, "priority"), { order: [9, 7, 5, 4, 1, 0] });
  });

  await t.step("expiry in the broker and in the client (EXPIRED ack); both dead-lettered", () => {
    assert.deepEqual(scenarioData(results, "expiration"), {
      broker: ["long"],
      client: ["fresh"],
      dlq: ["expiry-broker", "expiry-client"],
    });
  });

  await t.step("exclusive consumers and noLocal", () => {
    assert.deepEqual(scenarioData(results, "consumerOptions"), {
      exclusiveFirst: ["e1", "e2", "e3", "e4"],
      exclusiveSecond: [],
      noLocal: ["theirs"],
    });
  });

  await t.step("STOMP → JMS: ActiveMQ's header mapping", () => {
    const [text, bytes] = scenarioData(results, "crossFromStomp").messages as Record<string, unknown>[];
    assert.deepEqual(text, {
      class: "ActiveMQTextMessage",
      text: "from STOMP ✓",
      correlationId: "stomp-corr",
      type: "stompType",
      priority: 7,
      persistent: true,
      replyTo: "queue://cross.reply",
      groupId: "stomp-group",
      // The Java client lists JMSXGroupID/JMSXGroupSeq among the properties of a grouped message.
      properties: { JMSXGroupID: "String:stomp-group", JMSXGroupSeq: "Integer:0", color: "String:red" },
    });
    assert.equal(bytes.class, "ActiveMQBytesMessage", "content-length makes a BytesMessage");
    assert.equal(bytes.bytes, "000102ff");
    assert.equal(bytes.persistent, false, "STOMP sends are non-persistent by default");
  });

  await t.step("JMS → STOMP: ActiveMQ's header mapping", async () => {
    const sent = scenarioData(results, "crossToStomp");
    await using stomp = await RawStomp.connect(b.stompPort);
    await stomp.send("SUBSCRIBE", { id: "s", destination: "/queue/cross.to-stomp" });
    const text = await stomp.next();
    assert.equal(text.command, "MESSAGE");
    assert.equal(text.body, "from JMS ✓");
    assert.equal(text.headers["message-id"], sent.messageId);
    assert.equal(text.headers["destination"], "/queue/cross.to-stomp");
    assert.equal(text.headers["correlation-id"], "c-9");
    assert.equal(text.headers["type"], "jmsType");
    assert.equal(text.headers["priority"], "6");
    assert.equal(text.headers["persistent"], "true");
    assert.equal(text.headers["reply-to"], "/topic/cross.reply");
    assert.equal(text.headers["s"], "v");
    assert.equal(text.headers["i"], "7");
    assert.equal(text.headers["b"], "true");
    assert.equal(text.headers["d"], "1.5");
    assert.equal("content-length" in text.headers, false, "a TextMessage has no content-length");
    const bytes = await stomp.next();
    assert.equal(bytes.headers["content-length"], "4");
    assert.deepEqual(bytes.bytes, new Uint8Array([0, 1, 2, 255]));
    assert.equal("persistent" in bytes.headers, false);
  });
});
