import assert from "node:assert/strict";
import {
  decodeStoredMessage,
  decodeStoredOpenWireMessage,
  encodeStoredMessage,
} from "../../../src/message/stored_message.ts";
import type { Message } from "../../../src/message/message.ts";
import {
  createCommand,
  decodeCommand,
  encodeCommand,
  messageToOpenWireMessage,
  STORE_WIRE_FORMAT,
} from "../../../src/protocol/openwire/codec.ts";

const te = new TextEncoder();
const CONN = "ID:vm-43305-1795604460792-1:1";

function full(overrides: Partial<Message> = {}): Message {
  return {
    messageId: `${CONN}:1:1:4`,
    destination: { type: "queue", name: "PEND.Q" },
    originalDestination: { type: "topic", name: "VirtualTopic.X" },
    replyTo: { type: "temp-topic", name: `${CONN}:7` },
    correlationId: "c-1",
    type: "order",
    priority: 9,
    expiration: 1795604470000,
    timestamp: 1795604460800,
    persistent: true,
    redeliveryCounter: 2,
    groupId: "group-a",
    groupSeq: 3,
    userId: "system",
    producerConnectionId: CONN,
    properties: {
      bool: true,
      byte: 7,
      short: -300,
      int: 123456,
      long: -(1n << 50n),
      float: 2.5,
      double: 1e-300,
      string: "värde",
      nothing: null,
    },
    propertyTypes: {
      bool: "boolean",
      byte: "byte",
      short: "short",
      int: "int",
      long: "long",
      float: "float",
      double: "double",
      string: "string",
    },
    bodyKind: "text",
    body: te.encode("stored body ☃"),
    brokerInTime: 1795604460801,
    brokerOutTime: 1795604460900,
    ...overrides,
  };
}

Deno.test("the stored form is a size-prefixed loose v11 frame", () => {
  const bytes = encodeStoredMessage(full());
  const view = new DataView(bytes.buffer);
  assert.equal(view.getInt32(0), bytes.length - 4);
  assert.equal(bytes[4], 0x1c); // ActiveMQTextMessage
  // commandId (int32), responseRequired, then producerId: present 01, type 7B, connectionId present 01.
  assert.deepStrictEqual([...bytes.subarray(9, 14)], [0x00, 0x01, 0x7b, 0x01, 0x00]);
  assert.deepStrictEqual(decodeCommand(bytes, STORE_WIRE_FORMAT), messageToOpenWireMessage(full()));
});

Deno.test("every field, body kind and property type survives the store", () => {
  const bodies: [Message["bodyKind"], Uint8Array | null, boolean][] = [
    ["text", te.encode("stored body ☃ \u0000 😀"), false],
    ["text", null, false],
    ["bytes", new Uint8Array([0, 255, 1, 0]), false],
    ["bytes", new Uint8Array(0), false],
    ["none", null, false],
    ["map", new Uint8Array([0, 0, 0, 1, 0, 1, 0x61, 5, 0, 0, 0, 1]), false],
    ["object", new Uint8Array([0xac, 0xed, 0x00, 0x05]), false],
    ["stream", new Uint8Array([9, 0, 1, 0x73]), false],
    ["map", new Uint8Array([0x78, 0x9c, 1, 2, 3]), true],
  ];
  for (const [bodyKind, body, compressed] of bodies) {
    const message = full({ bodyKind, body, ...(compressed ? { bodyCompressed: true } : {}) });
    assert.deepStrictEqual(decodeStoredMessage(encodeStoredMessage(message)), message, `${bodyKind}`);
  }
  // Optional fields left out stay out.
  const minimal: Message = {
    messageId: `${CONN}:1:1:1`,
    destination: { type: "topic", name: "T" },
    priority: 4,
    expiration: 0,
    timestamp: 0,
    persistent: false,
    redeliveryCounter: 0,
    properties: {},
    bodyKind: "none",
    body: null,
  };
  // The stored OpenWire message always names its producer: the id's connection comes back.
  assert.deepStrictEqual(decodeStoredMessage(encodeStoredMessage(minimal)), {
    ...minimal,
    producerConnectionId: CONN,
  });
  // Foreign ids and an advisory's data structure.
  const advisory = full({
    messageId: "amqp:42",
    producerConnectionId: "ID:other:9",
    dataStructure: createCommand(8, {
      destination: { type: 102, physicalName: `${CONN}:1` },
      operationType: 0,
    }),
  });
  assert.deepStrictEqual(decodeStoredMessage(encodeStoredMessage(advisory)), advisory);
});

Deno.test("records of pre-5.12 stores (OpenWire v6) are read too", () => {
  const message = full();
  const v6 = encodeCommand(messageToOpenWireMessage(message), { ...STORE_WIRE_FORMAT, version: 6 });
  assert.notEqual(v6.length, encodeStoredMessage(message).length);
  const back = decodeStoredMessage(v6);
  // v6 lacks only MessageId.textView and jmsxGroupFirstForConsumer (both v10), unused here.
  assert.deepStrictEqual(back, message);
});

Deno.test("a record that is no message, or no OpenWire at all, is refused", () => {
  const ack = encodeCommand(createCommand(22, { ackType: 2 }), STORE_WIRE_FORMAT);
  assert.throws(() => decodeStoredOpenWireMessage(ack), /data type 22, not a message/);
  assert.throws(
    () => decodeStoredMessage(new Uint8Array([0, 0, 0, 3, 28, 1, 2])),
    /Unreadable stored message/,
  );
  assert.throws(() => decodeStoredMessage(new Uint8Array([1, 2])), /Unreadable stored message/);
});
