/**
 * SEND frame → broker Message, following ActiveMQ's header mapping
 * (semantics.md §2.3): known headers set JMS fields, a few are dropped, every
 * other header becomes a string property.
 */
import { BrokerError } from "../../broker/errors.ts";
import type { Destination } from "../../message/destination.ts";
import { DEFAULT_PRIORITY, type Message, type PropertyValue } from "../../message/message.ts";
import type { StompFrame } from "./codec.ts";

/** Headers that steer the frame itself and never become properties. */
const FRAME_HEADERS = new Set([
  "destination",
  "receipt",
  "transaction",
  "content-length",
  "amq-msg-type",
  "transformation",
  // STOMP: message-id, redelivered, subscription and JMSXUserID from a client are never trusted.
  "message-id",
  "redelivered",
  "subscription",
  "JMSXUserID",
]);

export interface SendContext {
  destination: Destination;
  /** The reply-to header resolved as a STOMP destination, if it is one. */
  replyTo?: Destination;
  messageId: string;
  now: number;
}

export function frameToMessage(frame: StompFrame, ctx: SendContext): Message {
  const message: Message = {
    messageId: ctx.messageId,
    destination: ctx.destination,
    priority: DEFAULT_PRIORITY,
    expiration: 0,
    timestamp: ctx.now,
    persistent: false,
    redeliveryCounter: 0,
    properties: {},
    bodyKind: "text",
    body: frame.body,
  };
  const seen = new Set<string>();
  let hasContentLength = false;
  let msgType: string | undefined;
  for (const [name, value] of frame.headers) {
    // STOMP 1.2: a repeated header keeps its first value.
    if (seen.has(name)) continue;
    seen.add(name);
    if (name === "content-length") hasContentLength = true;
    if (name === "amq-msg-type") msgType = value;
    if (FRAME_HEADERS.has(name)) continue;
    applyHeader(message, name, value, ctx);
  }
  if (msgType === "bytes" || (msgType !== "text" && hasContentLength)) message.bodyKind = "bytes";
  return message;
}

function applyHeader(m: Message, name: string, value: string, ctx: SendContext): void {
  switch (name) {
    case "persistent":
      m.persistent = value === "true";
      return;
    case "JMSDeliveryMode":
      m.persistent = value === "PERSISTENT" || value === "true" || value === "2";
      return;
    case "priority":
    case "JMSPriority":
      m.priority = Math.min(9, Math.max(0, integer(name, value)));
      return;
    case "expires":
    case "JMSExpiration":
      m.expiration = integer(name, value);
      return;
    case "timestamp":
    case "JMSTimestamp":
      m.timestamp = integer(name, value);
      return;
    case "reply-to":
    case "JMSReplyTo":
      if (ctx.replyTo) m.replyTo = ctx.replyTo;
      else m.properties[name] = value;
      return;
    case "correlation-id":
    case "JMSCorrelationID":
      m.correlationId = value;
      return;
    case "type":
    case "JMSType":
      m.type = value;
      return;
    case "JMSXGroupID":
      m.groupId = value;
      return;
    case "JMSXGroupSeq":
      m.groupSeq = integer(name, value);
      return;
    case "JMSXDeliveryCount":
      m.redeliveryCounter = Math.max(0, integer(name, value) - 1);
      return;
    case "JMSRedelivered":
    case "JMSMessageID":
    case "JMSDestination":
      return;
    case "AMQ_SCHEDULED_DELAY":
    case "AMQ_SCHEDULED_PERIOD":
      m.properties[name] = nonNegative(name, value);
      (m.propertyTypes ??= {})[name] = "long";
      return;
    case "AMQ_SCHEDULED_REPEAT":
      m.properties[name] = nonNegative(name, value);
      (m.propertyTypes ??= {})[name] = "int";
      return;
    default:
      m.properties[name] = value as PropertyValue;
  }
}

function integer(name: string, value: string): number {
  const n = Number(value.trim());
  if (!Number.isInteger(n)) {
    throw new BrokerError("protocol", `Header '${name}' must be an integer, got '${value}'`);
  }
  return n;
}

function nonNegative(name: string, value: string): number {
  const n = integer(name, value);
  if (n < 0) throw new BrokerError("protocol", `Header '${name}' must not be negative, got '${value}'`);
  return n;
}
