/**
 * Advisory messages (semantics.md §9): non-persistent messages on
 * `ActiveMQ.Advisory.*` topics that tell any protocol's clients about
 * connections, destinations, consumers, expiries and dead letters. The event
 * travels as `Message.advisory`, a plain description of the command ActiveMQ
 * would carry (ConnectionInfo, ConsumerInfo, DestinationInfo, …).
 */
import { type Destination, isTemporary, isTopicLike, qualifiedName } from "../message/destination.ts";
import type { AdvisoryData, Message } from "../message/message.ts";

export const ADVISORY_PREFIX = "ActiveMQ.Advisory.";

export function isAdvisoryTopic(d: Destination): boolean {
  return isTopicLike(d) && d.name.startsWith(ADVISORY_PREFIX);
}

/** `Queue`, `Topic`, `TempQueue` or `TempTopic`, as advisory topic names spell it. */
export function advisoryType(d: Destination): string {
  switch (d.type) {
    case "queue":
      return "Queue";
    case "topic":
      return "Topic";
    case "temp-queue":
      return "TempQueue";
    case "temp-topic":
      return "TempTopic";
  }
}

/** ActiveMQ writes a composite's commas as `&sbquo;` inside advisory topic names. */
function advisoryName(d: Destination): string {
  return d.name.replaceAll(",", "&sbquo;");
}

export const advisoryTopics = {
  connection: (): Destination => ({ type: "topic", name: `${ADVISORY_PREFIX}Connection` }),
  destination: (d: Destination): Destination => ({
    type: "topic",
    name: `${ADVISORY_PREFIX}${advisoryType(d)}`,
  }),
  consumer: (d: Destination): Destination => ({
    type: "topic",
    name: `${ADVISORY_PREFIX}Consumer.${advisoryType(d)}.${advisoryName(d)}`,
  }),
  producer: (d: Destination): Destination => ({
    type: "topic",
    name: `${ADVISORY_PREFIX}Producer.${advisoryType(d)}.${advisoryName(d)}`,
  }),
  expired: (d: Destination): Destination => ({
    type: "topic",
    name: `${ADVISORY_PREFIX}Expired.${advisoryType(d)}.${advisoryName(d)}`,
  }),
  dlq: (d: Destination): Destination => ({
    type: "topic",
    name: `${ADVISORY_PREFIX}MessageDLQd.${advisoryType(d)}.${advisoryName(d)}`,
  }),
};

export function isDestinationAdvisory(d: Destination): boolean {
  return ["Queue", "Topic", "TempQueue", "TempTopic"].some((t) => d.name === `${ADVISORY_PREFIX}${t}`);
}

let seq = 0;

export function advisoryMessage(
  topic: Destination,
  data: AdvisoryData,
  origin: { brokerName: string; brokerId: string },
  properties: Record<string, string | number | boolean> = {},
  now = Date.now(),
): Message {
  return {
    messageId: `ID:${origin.brokerId}:advisory:1:1:${++seq}`,
    destination: topic,
    type: "Advisory",
    priority: 4,
    expiration: 0,
    timestamp: now,
    persistent: false,
    redeliveryCounter: 0,
    properties: { originBrokerName: origin.brokerName, originBrokerId: origin.brokerId, ...properties },
    bodyKind: "none",
    body: null,
    advisory: data,
  };
}

export function destinationInfo(d: Destination, operation: "add" | "remove"): AdvisoryData {
  return {
    type: "DestinationInfo",
    destination: qualifiedName(d),
    operationType: operation === "add" ? 0 : 1,
    temporary: isTemporary(d),
  };
}
