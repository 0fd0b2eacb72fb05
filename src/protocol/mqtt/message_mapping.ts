/**
 * PUBLISH ↔ broker Message (semantics.md §3.2), MQTT 5 properties included:
 *
 * | MQTT                     | Message                                                   |
 * |--------------------------|-----------------------------------------------------------|
 * | topic `a/b`              | destination `topic://a.b`                                 |
 * | payload                  | BytesMessage body (outbound: text, bytes, map `toString`) |
 * | QoS                      | `persistent = QoS > 0`, int property `ActiveMQ.MQTT.QoS`  |
 * | retain flag              | `ActiveMQ.Retain=true` in, `ActiveMQ.Retained` out        |
 * | Message Expiry Interval  | `expiration` (absolute epoch ms)                          |
 * | User Property            | string property (a repeated name keeps its last value)    |
 * | Content Type             | string property `content-type` (as STOMP's header)        |
 * | Response Topic           | `replyTo` (a topic)                                       |
 * | Correlation Data         | `correlationId`, see below                                |
 *
 * Correlation data is binary, a JMS correlation id a string. Data that is valid UTF-8 becomes
 * that text, so STOMP and JMS clients see what an MQTT client meant; any other bytes become
 * base64 text and the message gets the property `ActiveMQ.MQTT.CorrelationEncoding=base64`,
 * which the outbound mapping decodes. MQTT → MQTT therefore gives back the exact bytes, and
 * a JMS correlation id reaches MQTT 5 clients as its UTF-8 bytes.
 *
 * @module
 */

import { inflateSync } from "node:zlib";
import type { Destination } from "../../message/destination.ts";
import { DEFAULT_PRIORITY, type Message, type PropertyValue } from "../../message/message.ts";
import { decodePrimitiveMap, type PrimitiveValue } from "../openwire/primitive_map.ts";
import type { MqttPublishProperties, MqttQoS, MqttUserProperty, MqttVersion } from "./codec.ts";
import { convertTopic } from "./topics.ts";

/** Int property with the QoS of an MQTT publication (ActiveMQ's `QOS_PROPERTY_NAME`). */
export const QOS_PROPERTY = "ActiveMQ.MQTT.QoS";
/** Set by a publisher: keep the message as its topic's retained message. */
export const RETAIN_PROPERTY = "ActiveMQ.Retain";
/** Set by the core on the copy of a retained message a new subscriber gets. */
export const RETAINED_PROPERTY = "ActiveMQ.Retained";
/** `base64` when the correlation id is base64 of binary MQTT correlation data. */
export const CORRELATION_ENCODING_PROPERTY = "ActiveMQ.MQTT.CorrelationEncoding";
/** The string property MQTT 5's Content Type maps to (STOMP's `content-type` header). */
export const CONTENT_TYPE_PROPERTY = "content-type";

/** Properties the mapping owns: never passed on as MQTT 5 user properties. */
const INTERNAL = new Set([
  QOS_PROPERTY,
  RETAIN_PROPERTY,
  RETAINED_PROPERTY,
  CORRELATION_ENCODING_PROPERTY,
  CONTENT_TYPE_PROPERTY,
]);

const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Largest inflated body of a compressed map/object/stream message sent to MQTT. */
const MAX_INFLATED = 100 * 1024 * 1024;

/** What an inbound PUBLISH needs besides the packet. */
export interface InboundContext {
  messageId: string;
  /** Epoch ms, for the message timestamp and expiry. */
  now: number;
}

/** The part of a PUBLISH that becomes a message (the topic already resolved from any alias). */
export interface InboundPublish {
  topic: string;
  payload: Uint8Array;
  qos: MqttQoS;
  retain: boolean;
  properties?: MqttPublishProperties;
}

/**
 * An inbound PUBLISH (or a Will) → the Message the broker routes.
 *
 * @example
 * ```ts
 * const m = publishToMessage(
 *   { topic: "a/b", payload: new Uint8Array([1]), qos: 1, retain: false },
 *   { messageId: "ID:x:1:1:1", now: Date.now() },
 * );
 * m.destination; // { type: "topic", name: "a.b" }
 * m.persistent; // true
 * ```
 */
export function publishToMessage(publish: InboundPublish, ctx: InboundContext): Message {
  const properties: Record<string, PropertyValue> = {};
  const props = publish.properties;
  if (props?.userProperties) {
    for (const [name, value] of props.userProperties) properties[name] = value;
  }
  const message: Message = {
    messageId: ctx.messageId,
    destination: { type: "topic", name: convertTopic(publish.topic) },
    priority: DEFAULT_PRIORITY,
    expiration: 0,
    timestamp: ctx.now,
    persistent: publish.qos > 0,
    redeliveryCounter: 0,
    properties,
    bodyKind: "bytes",
    body: publish.payload,
  };
  if (props) {
    if (props.messageExpiryInterval !== undefined) {
      message.expiration = ctx.now + props.messageExpiryInterval * 1000;
    }
    if (props.contentType !== undefined) properties[CONTENT_TYPE_PROPERTY] = props.contentType;
    if (props.responseTopic !== undefined) {
      message.replyTo = { type: "topic", name: convertTopic(props.responseTopic) };
    }
    if (props.correlationData !== undefined) {
      const text = utf8Text(props.correlationData);
      if (text !== undefined) message.correlationId = text;
      else {
        message.correlationId = props.correlationData.toBase64();
        properties[CORRELATION_ENCODING_PROPERTY] = "base64";
      }
    }
  }
  properties[QOS_PROPERTY] = publish.qos;
  if (publish.retain) properties[RETAIN_PROPERTY] = true;
  return message;
}

/**
 * The QoS a message carries for MQTT: its `ActiveMQ.MQTT.QoS` property, or for messages from
 * other protocols ActiveMQ 5.17's rule as coded: persistent → 0, non-persistent → 1
 * (semantics.md §3.2).
 */
export function messageQoS(message: Message): MqttQoS {
  const q = message.properties[QOS_PROPERTY];
  const n = typeof q === "number"
    ? q
    : typeof q === "string"
    ? Number(q)
    : typeof q === "bigint"
    ? Number(q)
    : NaN;
  if (n === 0 || n === 1 || n === 2) return n;
  return message.persistent ? 0 : 1;
}

/** What an outbound PUBLISH needs besides the message. */
export interface OutboundOptions {
  version: MqttVersion;
  /** min(subscription QoS, message QoS). */
  qos: MqttQoS;
  retain: boolean;
  /** MQTT 5 Subscription Identifier of the matching subscription. */
  subscriptionId?: number;
  now: number;
}

/** An outbound PUBLISH before the packet id and topic alias are chosen. */
export interface OutboundPublish {
  topic: string;
  payload: Uint8Array;
  qos: MqttQoS;
  retain: boolean;
  dup: boolean;
  properties?: MqttPublishProperties;
}

/**
 * A message the broker delivers → the PUBLISH for an MQTT subscriber.
 *
 * @example
 * ```ts
 * const p = messageToPublish(message, { version: 5, qos: 1, retain: false, now: Date.now() });
 * p.topic; // "a/b" for topic://a.b
 * ```
 */
export function messageToPublish(message: Message, options: OutboundOptions): OutboundPublish {
  const publish: OutboundPublish = {
    topic: convertTopic(message.destination.name),
    payload: payloadOf(message),
    qos: options.qos,
    retain: options.retain,
    // A message the broker delivers again (reconnect of a persistent session) is a duplicate.
    dup: options.qos > 0 && message.redeliveryCounter > 0,
  };
  if (options.version === 5) {
    const props = publishProperties(message, options);
    if (props) publish.properties = props;
  }
  return publish;
}

function publishProperties(message: Message, options: OutboundOptions): MqttPublishProperties | undefined {
  const props: MqttPublishProperties = {};
  let any = false;
  const users: MqttUserProperty[] = [];
  for (const name in message.properties) {
    if (INTERNAL.has(name)) continue;
    const value = message.properties[name];
    if (value === null || value === undefined) continue;
    users.push([name, String(value)]);
  }
  if (users.length > 0) {
    props.userProperties = users;
    any = true;
  }
  const contentType = message.properties[CONTENT_TYPE_PROPERTY];
  if (typeof contentType === "string") {
    props.contentType = contentType;
    any = true;
  }
  if (message.expiration > 0) {
    // [MQTT-3.3.2-6]: the interval left, not the one the publisher asked for.
    props.messageExpiryInterval = Math.max(1, Math.ceil((message.expiration - options.now) / 1000));
    any = true;
  }
  const replyTo = responseTopicOf(message.replyTo);
  if (replyTo !== undefined) {
    props.responseTopic = replyTo;
    any = true;
  }
  if (message.correlationId !== undefined) {
    props.correlationData = message.properties[CORRELATION_ENCODING_PROPERTY] === "base64"
      ? decodeBase64Safe(message.correlationId)
      : utf8.encode(message.correlationId);
    any = true;
  }
  if (options.subscriptionId !== undefined) {
    props.subscriptionIdentifiers = [options.subscriptionId];
    any = true;
  }
  return any ? props : undefined;
}

/** Topics only: MQTT has no queues, and a temporary topic's name means nothing to MQTT clients. */
function responseTopicOf(d: Destination | undefined): string | undefined {
  if (!d || d.type !== "topic" || /[*>]/.test(d.name)) return undefined;
  return convertTopic(d.name);
}

/** §3.2: bytes → bytes, text → UTF-8, map → `map.toString()`, others → the raw (inflated) content. */
export function payloadOf(message: Message): Uint8Array {
  const body = message.body;
  if (!body) return EMPTY;
  switch (message.bodyKind) {
    case "bytes":
    case "text":
      return body;
    case "none":
      return EMPTY;
    case "map": {
      try {
        const map = decodePrimitiveMap(inflated(message));
        return utf8.encode(map ? mapToString(map) : "null");
      } catch {
        return inflated(message);
      }
    }
    default:
      return inflated(message);
  }
}

function inflated(message: Message): Uint8Array {
  const body = message.body ?? EMPTY;
  if (!message.bodyCompressed) return body;
  try {
    return new Uint8Array(inflateSync(body, { maxOutputLength: MAX_INFLATED }));
  } catch {
    return body;
  }
}

/** Java's `AbstractMap.toString()`: `{a=1, b=x}`. */
function mapToString(map: Map<string, PrimitiveValue>): string {
  return `{${[...map].map(([k, v]) => `${k}=${valueToString(v)}`).join(", ")}}`;
}

function valueToString(v: PrimitiveValue): string {
  switch (v.type) {
    case "null":
      return "null";
    case "map":
      return mapToString(v.value);
    case "list":
      return `[${v.value.map(valueToString).join(", ")}]`;
    case "bytes":
      return `[${v.value.join(", ")}]`;
    default:
      return String(v.value);
  }
}

function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function decodeBase64Safe(text: string): Uint8Array {
  try {
    return Uint8Array.fromBase64(text);
  } catch {
    return utf8.encode(text);
  }
}
