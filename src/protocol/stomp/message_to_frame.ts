/**
 * Broker Message → MESSAGE frame, with the header set ActiveMQ emits
 * (semantics.md §2.4).
 */
import type { Destination } from "../../message/destination.ts";
import type { Message } from "../../message/message.ts";
import type { StompFrame } from "./codec.ts";

export interface MessageFrameContext {
  /** The SUBSCRIBE's id; undefined for a STOMP 1.0 SUBSCRIBE without one (no `subscription` header then). */
  subscriptionId?: string;
  /** STOMP 1.2 client/client-individual: the id the client acks with. */
  ackId?: string;
  nameOf(d: Destination): string;
  /** The subscription's `transformation` header, if any. */
  transformation?: string;
}

const EMPTY: Uint8Array = new Uint8Array(0);
const ADVISORY_JSON = new Set(["jms-advisory-json", "jms-json"]);

export function messageToFrame(m: Message, ctx: MessageFrameContext): StompFrame {
  const h: [string, string][] = [
    ["destination", ctx.nameOf(m.destination)],
    ["message-id", m.messageId],
  ];
  if (m.correlationId !== undefined) h.push(["correlation-id", m.correlationId]);
  h.push(["expires", String(m.expiration)]);
  if (m.redeliveryCounter > 0) h.push(["redelivered", "true"]);
  h.push(["priority", String(m.priority)]);
  if (m.replyTo) h.push(["reply-to", ctx.nameOf(m.replyTo)]);
  h.push(["timestamp", String(m.timestamp)]);
  if (m.type !== undefined) h.push(["type", m.type]);
  if (m.userId !== undefined) h.push(["JMSXUserID", m.userId]);
  if (m.originalDestination) h.push(["original-destination", ctx.nameOf(m.originalDestination)]);
  if (m.persistent) h.push(["persistent", "true"]);
  if (ctx.subscriptionId !== undefined) h.push(["subscription", ctx.subscriptionId]);
  if (ctx.ackId !== undefined) h.push(["ack", ctx.ackId]);
  for (const name in m.properties) {
    const value = m.properties[name];
    if (value !== null) h.push([name, String(value)]);
  }
  let body: Uint8Array = EMPTY;
  if (m.bodyKind === "bytes") {
    body = m.body ?? EMPTY;
    h.push(["content-length", String(body.byteLength)]);
  } else if (m.bodyKind === "text") {
    body = m.body ?? EMPTY;
    // A NUL inside text would end the frame early; content-length keeps it intact.
    if (body.includes(0)) h.push(["content-length", String(body.byteLength)]);
  } else if (m.advisory && ADVISORY_JSON.has(ctx.transformation ?? "")) {
    // ActiveMQ renders the advisory's command as JSON, keyed by its type.
    const { type, ...fields } = m.advisory;
    body = new TextEncoder().encode(JSON.stringify({ [type]: fields }));
    h.push(["transformation", ctx.transformation!]);
  }
  return { command: "MESSAGE", headers: h, body };
}
