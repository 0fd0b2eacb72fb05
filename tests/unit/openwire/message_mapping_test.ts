import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import {
  createCommand,
  decodeTextContent,
  encodeTextContent,
  formatMessageId,
  formatProducerId,
  formatTransactionId,
  jmsMessageId,
  messageToOpenWireMessage,
  type OpenWireMessage,
  openWireMessageToMessage,
  parseMessageId,
  parseProducerId,
} from "../../../src/protocol/openwire/codec.ts";
import type { Message } from "../../../src/message/message.ts";

const te = new TextEncoder();
const Q = { type: 100, physicalName: "Q" } as const;
const ID = parseMessageId("ID:p-1-2-3:1:1:1:1");
const td = new TextDecoder();

function base(overrides: Partial<Message> = {}): Message {
  return {
    messageId: "ID:host-61613-1795611798612-0:1:1:1:5",
    destination: { type: "queue", name: "TEST.Q" },
    priority: 4,
    expiration: 0,
    timestamp: 1795611798612,
    persistent: false,
    redeliveryCounter: 0,
    properties: {},
    bodyKind: "text",
    body: te.encode("hi"),
    ...overrides,
  };
}

Deno.test("message ids of ActiveMQ's shape map to producer id + sequence and back", () => {
  const id = parseMessageId("ID:host-61613-1795611798612-0:1:1:1:5", 9);
  assert.deepStrictEqual(id, {
    type: 110,
    textView: null,
    producerId: { type: 123, connectionId: "ID:host-61613-1795611798612-0:1", value: 1, sessionId: 1 },
    producerSequenceId: 5,
    brokerSequenceId: 9,
  });
  assert.equal(formatMessageId(id), "ID:host-61613-1795611798612-0:1:1:1:5");
  assert.equal(formatProducerId(id.producerId!), "ID:host-61613-1795611798612-0:1:1:1");
  assert.deepStrictEqual(parseProducerId("ID:x:1:2:3"), {
    type: 123,
    connectionId: "ID:x:1",
    sessionId: 2,
    value: 3,
  });
  // The advisory session -1 is a valid shape too.
  assert.equal(formatMessageId(parseMessageId("ID:x:1:-1:1:7")), "ID:x:1:-1:1:7");
});

Deno.test("other ids travel as textView and come back verbatim", () => {
  for (
    const text of [
      "abc",
      "ID:only:2:parts",
      "ID:x:01:1:1",
      "urn:uuid:1234",
      "ID:x:1:1:1:9999999999999999999",
      "",
    ]
  ) {
    const id = parseMessageId(text);
    assert.equal(id.textView, text, text);
    assert.equal(formatMessageId(id), text);
  }
  assert.equal(jmsMessageId(parseMessageId("abc")), "ID:abc");
  assert.equal(jmsMessageId(parseMessageId("ID:a:1:2:3:4")), "ID:a:1:2:3:4");
  assert.equal(
    formatTransactionId({ type: 111, value: 3, connectionId: { type: 120, value: "ID:c:1" } }),
    "TX:ID:c:1:3",
  );
  assert.equal(
    formatTransactionId({
      type: 112,
      formatId: 7,
      globalTransactionId: new Uint8Array([1, 0xab]),
      branchQualifier: new Uint8Array([2]),
    }),
    "XID:[7,globalId=01ab,branchId=02]",
  );
});

Deno.test("every header field maps both ways", () => {
  const message = base({
    originalDestination: { type: "queue", name: "ORIG" },
    replyTo: { type: "temp-queue", name: "ID:x:1:1" },
    correlationId: "corr",
    type: "jms-type",
    priority: 9,
    expiration: 1795611799999,
    persistent: true,
    redeliveryCounter: 3,
    groupId: "g",
    groupSeq: 4,
    userId: "alice",
    producerConnectionId: "ID:host-61613-1795611798612-0:1",
    brokerInTime: 10,
    brokerOutTime: 11,
    dataStructure: createCommand(8, {
      operationType: 0,
      destination: { type: 102, physicalName: "ID:x:1:1" },
    }),
  });
  const wire = messageToOpenWireMessage(message);
  assert.equal(wire.type, 28);
  assert.deepStrictEqual(wire.destination, { type: 100, physicalName: "TEST.Q" });
  assert.deepStrictEqual(wire.replyTo, { type: 102, physicalName: "ID:x:1:1" });
  assert.equal(wire.groupID, "g");
  assert.equal(wire.groupSequence, 4);
  assert.equal(wire.jmsType, "jms-type");
  assert.equal(wire.userID, "alice");
  assert.deepStrictEqual(wire.producerId, wire.messageId!.producerId);
  assert.deepStrictEqual(openWireMessageToMessage(wire), message);
});

Deno.test("dispatch options set command and broker fields", () => {
  const wire = messageToOpenWireMessage(base({ brokerOutTime: 5 }), {
    commandId: 3,
    responseRequired: true,
    brokerSequenceId: 77,
    brokerOutTime: 99,
    jmsxGroupFirstForConsumer: true,
    targetConsumerId: { type: 122, connectionId: "c", sessionId: 1, value: 1 },
  });
  assert.equal(wire.commandId, 3);
  assert.equal(wire.responseRequired, true);
  assert.equal(wire.messageId!.brokerSequenceId, 77);
  assert.equal(wire.brokerOutTime, 99);
  assert.equal(wire.jmsxGroupFirstForConsumer, true);
  assert.equal(wire.targetConsumerId!.value, 1);
});

Deno.test("a STOMP text body becomes a TextMessage, content-length bodies a BytesMessage", () => {
  const text = messageToOpenWireMessage(base({ body: te.encode("hello") }));
  assert.equal(text.type, 28);
  assert.deepStrictEqual([...text.content!], [0, 0, 0, 5, 0x68, 0x65, 0x6c, 0x6c, 0x6f]);
  const bytes = messageToOpenWireMessage(base({ bodyKind: "bytes", body: new Uint8Array([0, 1, 2]) }));
  assert.equal(bytes.type, 24);
  assert.deepStrictEqual([...bytes.content!], [0, 1, 2]);
  const none = messageToOpenWireMessage(base({ bodyKind: "none", body: null }));
  assert.equal(none.type, 23);
  assert.equal(none.content, null);
  const empty = messageToOpenWireMessage(base({ body: null }));
  assert.equal(empty.content, null);
  assert.equal(openWireMessageToMessage(empty).body, null);
});

Deno.test("text bodies convert between UTF-8 and modified UTF-8 only where they differ", () => {
  const tricky = "nul\u0000 emoji😀 é";
  const wire = messageToOpenWireMessage(base({ body: te.encode(tricky) }));
  assert.equal(decodeTextContent(wire.content), tricky);
  // NUL is C0 80, the emoji two 3-byte groups.
  assert.ok(wire.content!.includes(0xc0));
  assert.ok(!wire.content!.subarray(4).includes(0x00));
  assert.equal(td.decode(openWireMessageToMessage(wire).body!), tricky);
  // Plain text is passed through unchanged.
  const plain = te.encode("plain ü");
  const back = openWireMessageToMessage(messageToOpenWireMessage(base({ body: plain }))).body!;
  assert.deepStrictEqual(back, plain);
  // A null text (length -1) is a null body.
  const nullText = createCommand(28, {
    destination: Q,
    messageId: ID,
    content: new Uint8Array([0xff, 0xff, 0xff, 0xff]),
  });
  assert.equal(openWireMessageToMessage(nullText).body, null);
  assert.equal(decodeTextContent(encodeTextContent(null)), null);
  assert.equal(decodeTextContent(encodeTextContent("x\u0000")), "x\u0000");
});

Deno.test("compressed text and bytes bodies are inflated", () => {
  const content = encodeTextContent("squeeze me ".repeat(50))!;
  const text: OpenWireMessage = createCommand(28, {
    destination: Q,
    messageId: ID,
    compressed: true,
    content: new Uint8Array(deflateSync(content)),
  });
  assert.equal(td.decode(openWireMessageToMessage(text).body!), "squeeze me ".repeat(50));
  const raw = new Uint8Array(1000).map((_, i) => i % 7);
  const z = deflateSync(raw);
  const bytesContent = new Uint8Array(4 + z.length);
  new DataView(bytesContent.buffer).setInt32(0, raw.length);
  bytesContent.set(z, 4);
  const bytes = createCommand(24, {
    destination: Q,
    messageId: ID,
    compressed: true,
    content: bytesContent,
  });
  const m = openWireMessageToMessage(bytes);
  assert.deepStrictEqual(m.body, raw);
  assert.equal(m.bodyCompressed, undefined);
  // A declared size over the limit is refused; so is a bomb.
  assert.throws(() => openWireMessageToMessage(bytes, { maxInflatedSize: 999 }), /limit 999/);
  const bomb = createCommand(28, {
    destination: Q,
    messageId: ID,
    compressed: true,
    content: new Uint8Array(deflateSync(new Uint8Array(1 << 20))),
  });
  assert.throws(() => openWireMessageToMessage(bomb, { maxInflatedSize: 1000 }), /Cannot inflate/);
  assert.throws(
    () =>
      openWireMessageToMessage(
        createCommand(28, {
          destination: Q,
          messageId: ID,
          compressed: true,
          content: new Uint8Array([1, 2, 3]),
        }),
      ),
    /Cannot inflate/,
  );
});

Deno.test("map, object and stream bodies stay opaque and byte-exact, compressed or not", () => {
  for (const [type, kind] of [[25, "map"], [26, "object"], [27, "stream"]] as const) {
    for (const compressed of [false, true]) {
      const content = new Uint8Array([0xac, 0xed, 0, 5, type]);
      const wire = createCommand(type, {
        destination: { type: 101, physicalName: "T" },
        messageId: ID,
        compressed,
        content,
      });
      const message = openWireMessageToMessage(wire);
      assert.equal(message.bodyKind, kind);
      assert.deepStrictEqual(message.body, content);
      assert.equal(message.bodyCompressed, compressed ? true : undefined);
      const back = messageToOpenWireMessage(message);
      assert.equal(back.type, type);
      assert.equal(back.compressed, compressed);
      assert.deepStrictEqual(back.content, content);
    }
  }
});

Deno.test("a blob message maps to a body-less message", () => {
  const blob = createCommand(29, {
    destination: Q,
    messageId: ID,
    remoteBlobUrl: "http://x/y",
  });
  const m = openWireMessageToMessage(blob);
  assert.equal(m.bodyKind, "none");
  assert.equal(m.body, null);
});

Deno.test("a message without destination or id, or with malformed properties, is a protocol error", () => {
  assert.throws(() => openWireMessageToMessage(createCommand(23)), /no destination/);
  assert.throws(() => openWireMessageToMessage(createCommand(23, { destination: Q })), /no message id/);
  assert.equal(
    openWireMessageToMessage(createCommand(23, { destination: Q, messageId: ID, priority: 100 })).priority,
    9,
  );
  assert.equal(
    openWireMessageToMessage(createCommand(23, { destination: Q, messageId: ID, priority: -3 })).priority,
    0,
  );
  assert.throws(
    () =>
      openWireMessageToMessage(
        createCommand(23, {
          destination: Q,
          messageId: ID,
          marshalledProperties: new Uint8Array([0, 0, 0, 1]),
        }),
      ),
    /Malformed message properties/,
  );
});

Deno.test("a foreign message id keeps its producer connection", () => {
  const message = base({ messageId: "mqtt-17", producerConnectionId: "ID:conn:5" });
  const wire = messageToOpenWireMessage(message);
  assert.equal(wire.messageId!.textView, "mqtt-17");
  assert.equal(wire.producerId!.connectionId, "ID:conn:5");
  assert.deepStrictEqual(openWireMessageToMessage(wire), message);
});
