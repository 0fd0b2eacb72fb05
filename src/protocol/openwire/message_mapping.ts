/**
 * OpenWire messages ↔ the broker's `Message` (openwire.md 9, semantics.md 2.3/2.4).
 *
 * Bodies: text is held as UTF-8 (converted from/to modified UTF-8 only when the two
 * differ), bytes raw; both are inflated when the producer compressed them. Map, object
 * and stream bodies stay the producer's bytes (`bodyCompressed` remembers zlib), so an
 * OpenWire consumer receives them byte-exact. A blob message maps to a body-less message.
 *
 * @example
 * ```ts
 * import { messageToOpenWireMessage, openWireMessageToMessage } from "./message_mapping.ts";
 *
 * const wire = messageToOpenWireMessage({
 *   messageId: "ID:host-61613-1795611798612-0:1:1:1:5",
 *   destination: { type: "queue", name: "TEST.Q" },
 *   priority: 4, expiration: 0, timestamp: 0, persistent: true, redeliveryCounter: 0,
 *   properties: { n: 42 }, propertyTypes: { n: "int" },
 *   bodyKind: "text", body: new TextEncoder().encode("hello"),
 * });
 * wire.type; // 28 (ActiveMQTextMessage)
 * openWireMessageToMessage(wire).properties.n; // 42
 * ```
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { Destination, DestinationType } from "../../message/destination.ts";
import { type BodyKind, DEFAULT_PRIORITY, type Message } from "../../message/message.ts";
import type {
  ConsumerId,
  OpenWireDestination,
  OpenWireMessage,
  PlainMessageType,
  ProducerId,
  TransactionId,
} from "./commands.ts";
import {
  bodyToTextContent,
  bytesContentToBody,
  DEFAULT_MAX_INFLATED_SIZE,
  textContentToBody,
} from "./_message_body.ts";
import { decodeMessageProperties, encodeMessageProperties } from "./_message_properties.ts";
import { formatMessageId, parseMessageId } from "./message_id.ts";
import { STRUCTS } from "./_schema.ts";

const TYPE_CODES: Record<DestinationType, OpenWireDestination["type"]> = {
  "queue": 100,
  "topic": 101,
  "temp-queue": 102,
  "temp-topic": 103,
};

const DESTINATION_TYPES: Record<number, DestinationType> = {
  100: "queue",
  101: "topic",
  102: "temp-queue",
  103: "temp-topic",
};

/** Our destination as an OpenWire destination structure. */
export function toOpenWireDestination(d: Destination): OpenWireDestination {
  return { type: TYPE_CODES[d.type], physicalName: d.name };
}

/** An OpenWire destination as ours; a null physical name becomes "". */
export function fromOpenWireDestination(d: OpenWireDestination): Destination {
  const type = DESTINATION_TYPES[d.type];
  if (type === undefined) throw new BrokerError("invalid-destination", `Unknown destination type ${d.type}`);
  return { type, name: d.physicalName ?? "" };
}

const BODY_KINDS: Record<number, BodyKind> = {
  23: "none",
  24: "bytes",
  25: "map",
  26: "object",
  27: "stream",
  28: "text",
  29: "none",
};

const MESSAGE_TYPES: Record<BodyKind, PlainMessageType> = {
  none: 23,
  bytes: 24,
  map: 25,
  object: 26,
  stream: 27,
  text: 28,
};

/** Options of `openWireMessageToMessage`. */
export interface FromOpenWireOptions {
  /** Largest inflated body of a compressed text or bytes message (default 100 MiB). */
  maxInflatedSize?: number;
}

/**
 * A received OpenWire message as our Message. A priority outside 0-9 is clamped. Throws
 * a BrokerError("protocol") for a message without destination or id, malformed
 * properties or an unreadable body.
 */
export function openWireMessageToMessage(m: OpenWireMessage, options: FromOpenWireOptions = {}): Message {
  if (m.destination === null) throw new BrokerError("protocol", "Message has no destination");
  if (m.messageId === null) throw new BrokerError("protocol", "Message has no message id");
  const maxInflated = options.maxInflatedSize ?? DEFAULT_MAX_INFLATED_SIZE;
  const bodyKind = BODY_KINDS[m.type] ?? "none";
  let body: Uint8Array | null;
  let bodyCompressed = false;
  switch (bodyKind) {
    case "text":
      body = textContentToBody(m.content, m.compressed, maxInflated);
      break;
    case "bytes":
      body = bytesContentToBody(m.content, m.compressed, maxInflated);
      break;
    default:
      // Map/object/stream: opaque. A blob's payload lives at its URL.
      body = m.type === 29 ? null : m.content;
      bodyCompressed = m.compressed && body !== null;
  }
  const message: Message = {
    messageId: formatMessageId(m.messageId),
    destination: fromOpenWireDestination(m.destination),
    priority: m.priority < 0 ? 0 : m.priority > 9 ? 9 : m.priority,
    expiration: m.expiration,
    timestamp: m.timestamp,
    persistent: m.persistent,
    redeliveryCounter: m.redeliveryCounter,
    properties: {},
    bodyKind,
    body,
  };
  if (m.originalDestination !== null) {
    message.originalDestination = fromOpenWireDestination(m.originalDestination);
  }
  if (m.replyTo !== null) message.replyTo = fromOpenWireDestination(m.replyTo);
  if (m.correlationId !== null) message.correlationId = m.correlationId;
  if (m.jmsType !== null) message.type = m.jmsType;
  if (m.groupID !== null) message.groupId = m.groupID;
  if (m.groupID !== null || m.groupSequence !== 0) message.groupSeq = m.groupSequence;
  if (m.userID !== null) message.userId = m.userID;
  const producerConnection = m.producerId?.connectionId ?? m.messageId?.producerId?.connectionId;
  if (producerConnection != null) message.producerConnectionId = producerConnection;
  if (m.marshalledProperties !== null) {
    let decoded;
    try {
      decoded = decodeMessageProperties(m.marshalledProperties);
    } catch (e) {
      throw new BrokerError("protocol", `Malformed message properties: ${(e as Error).message}`);
    }
    message.properties = decoded.properties;
    if (Object.keys(decoded.propertyTypes).length > 0) message.propertyTypes = decoded.propertyTypes;
  }
  if (bodyCompressed) message.bodyCompressed = true;
  if (m.brokerInTime !== 0) message.brokerInTime = m.brokerInTime;
  if (m.brokerOutTime !== 0) message.brokerOutTime = m.brokerOutTime;
  if (m.dataStructure !== null) message.dataStructure = m.dataStructure;
  return message;
}

/** Options of `messageToOpenWireMessage`: per-send and per-dispatch fields. */
export interface ToOpenWireOptions {
  /** Default 0 (unsolicited). */
  commandId?: number;
  responseRequired?: boolean;
  /** MessageId.brokerSequenceId (the broker's dispatch sequence; default 0). */
  brokerSequenceId?: number;
  transactionId?: TransactionId | null;
  targetConsumerId?: ConsumerId | null;
  /** Overrides `message.brokerOutTime` (a dispatch stamps it). */
  brokerOutTime?: number;
  jmsxGroupFirstForConsumer?: boolean;
}

/**
 * The sending producer: the one the message id names, unless the message says another
 * connection produced it (then that connection, so noLocal keeps working after a trip
 * through the store).
 */
function producerIdOf(message: Message, idProducer: ProducerId | null): ProducerId | null {
  const connection = message.producerConnectionId;
  if (connection === undefined || idProducer?.connectionId === connection) return idProducer;
  return {
    type: 123,
    connectionId: connection,
    value: idProducer?.value ?? 0,
    sessionId: idProducer?.sessionId ?? 0,
  };
}

/**
 * Our Message as an OpenWire message of the type its body kind selects (none → 23,
 * bytes → 24, map → 25, object → 26, stream → 27, text → 28).
 */
export function messageToOpenWireMessage(message: Message, options: ToOpenWireOptions = {}): OpenWireMessage {
  const type = MESSAGE_TYPES[message.bodyKind] ?? 23;
  const m = STRUCTS[type]!.create() as unknown as OpenWireMessage;
  const messageId = parseMessageId(message.messageId, options.brokerSequenceId ?? 0);
  m.type = type;
  m.commandId = options.commandId ?? 0;
  m.responseRequired = options.responseRequired ?? false;
  m.producerId = producerIdOf(message, messageId.producerId);
  m.destination = toOpenWireDestination(message.destination);
  m.transactionId = options.transactionId ?? null;
  m.originalDestination = message.originalDestination
    ? toOpenWireDestination(message.originalDestination)
    : null;
  m.messageId = messageId;
  m.groupID = message.groupId ?? null;
  m.groupSequence = message.groupSeq ?? 0;
  m.correlationId = message.correlationId ?? null;
  m.persistent = message.persistent;
  m.expiration = message.expiration;
  m.priority = message.priority ?? DEFAULT_PRIORITY;
  m.replyTo = message.replyTo ? toOpenWireDestination(message.replyTo) : null;
  m.timestamp = message.timestamp;
  m.jmsType = message.type ?? null;
  switch (message.bodyKind) {
    case "text":
      m.content = bodyToTextContent(message.body);
      break;
    case "bytes":
      m.content = message.body;
      break;
    case "none":
      m.content = message.body;
      break;
    default:
      m.content = message.body;
      m.compressed = message.bodyCompressed === true && message.body !== null;
  }
  m.marshalledProperties = encodeMessageProperties(message.properties, message.propertyTypes);
  m.dataStructure = message.dataStructure ?? null;
  m.targetConsumerId = options.targetConsumerId ?? null;
  m.redeliveryCounter = message.redeliveryCounter;
  m.userID = message.userId ?? null;
  m.brokerInTime = message.brokerInTime ?? 0;
  m.brokerOutTime = options.brokerOutTime ?? message.brokerOutTime ?? 0;
  m.jmsxGroupFirstForConsumer = options.jmsxGroupFirstForConsumer ?? false;
  return m;
}
