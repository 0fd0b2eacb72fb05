/**
 * How an identifier in a selector reads a message: JMS header names
 * (semantics.md §5.2) first, exactly as spelled, then application properties.
 */
import type { Message } from "../../message/message.ts";
import { qualifiedName } from "../../message/destination.ts";
import type { Evaluator, Value } from "./_values.ts";

function property(m: Message, name: string): Value {
  const props = m.properties;
  // hasOwn: a selector naming `constructor` or `__proto__` must read NULL,
  // not something inherited from Object.prototype.
  if (props == null || !Object.hasOwn(props, name)) return null;
  return props[name] ?? null;
}

// §5.2. Names not in the message model (JMSXProducerTXID,
// JMSActiveMQBrokerInTime/OutTime, JMSActiveMQBrokerPath,
// JMSXGroupFirstForConsumer) fall through to the properties.
const HEADERS: ReadonlyMap<string, Evaluator> = new Map<string, Evaluator>([
  ["JMSDestination", (m) => {
    const d = m.originalDestination ?? m.destination;
    return d ? qualifiedName(d) : null;
  }],
  ["JMSReplyTo", (m) => (m.replyTo ? qualifiedName(m.replyTo) : null)],
  ["JMSType", (m) => m.type ?? null],
  ["JMSDeliveryMode", (m) => (m.persistent ? "PERSISTENT" : "NON_PERSISTENT")],
  ["JMSPriority", (m) => m.priority],
  ["JMSMessageID", (m) => m.messageId ?? null],
  ["JMSTimestamp", (m) => m.timestamp],
  ["JMSCorrelationID", (m) => m.correlationId ?? null],
  ["JMSExpiration", (m) => m.expiration],
  ["JMSRedelivered", (m) => m.redeliveryCounter > 0],
  ["JMSXDeliveryCount", (m) => m.redeliveryCounter + 1],
  ["JMSXGroupID", (m) => m.groupId ?? null],
  ["JMSXGroupSeq", (m) => m.groupSeq ?? 0],
  ["JMSXUserID", (m) => m.userId ?? property(m, "JMSXUserID")],
]);

/** The reader for one identifier, chosen once at compile time. */
export function identifierReader(name: string): Evaluator {
  return HEADERS.get(name) ?? ((m) => property(m, name));
}
