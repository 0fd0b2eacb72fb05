/**
 * Commands the raw-socket OpenWire tests build again and again: ids of one test
 * connection, a consumer, a text message, an ack.
 */
import assert from "node:assert/strict";
import {
  AckType,
  type ActiveMQMessage,
  type ConsumerId,
  type ConsumerInfo,
  createCommand,
  type DataStructure,
  decodeTextContent,
  encodeTextContent,
  type MessageAck,
  type MessageDispatch,
  type OpenWireDestination,
  type OpenWireMessage,
  type ProducerId,
  type TransactionId,
} from "../../src/protocol/openwire/codec.ts";
import type { RawOpenWire } from "../support/raw_openwire.ts";

let connectionSeq = 0;

/** Ids of one raw connection: `ID:raw-<n>-<uuid>:1` and its session 1. */
export class Ids {
  readonly connectionId = `ID:raw-${++connectionSeq}-${crypto.randomUUID().slice(0, 8)}:1`;
  #consumers = 0;
  #messages = 0;
  readonly producer: ProducerId = { type: 123, connectionId: this.connectionId, value: 1, sessionId: 1 };

  consumer(): ConsumerId {
    return { type: 122, connectionId: this.connectionId, sessionId: 1, value: ++this.#consumers };
  }

  /** A text message from this connection's producer. */
  text(
    destination: OpenWireDestination,
    text: string,
    fields: Partial<OpenWireMessage> = {},
  ): OpenWireMessage {
    const message = createCommand(28, {
      producerId: this.producer,
      destination,
      messageId: {
        type: 110,
        textView: null,
        producerId: this.producer,
        producerSequenceId: ++this.#messages,
        brokerSequenceId: 0,
      },
      persistent: true,
      timestamp: Date.now(),
      content: encodeTextContent(text),
    }) as ActiveMQMessage;
    return Object.assign(message, fields);
  }
}

export const queue = (name: string): OpenWireDestination => ({ type: 100, physicalName: name });
export const topic = (name: string): OpenWireDestination => ({ type: 101, physicalName: name });

export function consumerInfo(
  id: ConsumerId,
  destination: OpenWireDestination,
  fields: Partial<ConsumerInfo> = {},
): ConsumerInfo {
  return createCommand(5, { consumerId: id, destination, prefetchSize: 1000, ...fields });
}

/** Registers a consumer and asserts the Response. */
export async function subscribe(
  c: RawOpenWire,
  id: ConsumerId,
  destination: OpenWireDestination,
  fields: Partial<ConsumerInfo> = {},
): Promise<void> {
  expectResponse(await c.request(consumerInfo(id, destination, fields)));
}

export function expectResponse(reply: DataStructure): void {
  assert.equal(
    reply.type,
    30,
    `expected a Response, got ${JSON.stringify(reply, (_, v) => v instanceof Uint8Array ? `<bytes>` : v)}`,
  );
}

/** Asserts an ExceptionResponse and returns its Java class name and message. */
export function expectException(reply: DataStructure): { className: string; message: string } {
  assert.equal(reply.type, 31, `expected an ExceptionResponse, got type ${reply.type}`);
  const e = (reply as { exception: { className: string; message: string } }).exception;
  return { className: e.className, message: e.message };
}

/** The next dispatch for `consumer` (null message = end of browse / empty pull). */
export async function nextDispatch(
  c: RawOpenWire,
  consumer: ConsumerId,
  timeoutMs = 5000,
): Promise<MessageDispatch> {
  return await c.take(
    (d) =>
      d.type === 21 && (d as MessageDispatch).consumerId?.value === consumer.value &&
      (d as MessageDispatch).consumerId?.connectionId === consumer.connectionId,
    timeoutMs,
  ) as MessageDispatch;
}

export function textOf(d: MessageDispatch): string | null {
  assert.ok(d.message, "a dispatch with a message");
  return decodeTextContent(d.message.content);
}

export function ack(
  d: MessageDispatch,
  ackType: number = AckType.Standard,
  fields: Partial<MessageAck> = {},
  transactionId: TransactionId | null = null,
): MessageAck {
  return createCommand(22, {
    destination: d.destination,
    consumerId: d.consumerId,
    ackType,
    firstMessageId: d.message!.messageId,
    lastMessageId: d.message!.messageId,
    messageCount: 1,
    transactionId,
    ...fields,
  });
}
