/**
 * Where a dead message goes and what is done to it on the way, following
 * ActiveMQ's dead-letter strategies (shared `ActiveMQ.DLQ`, individual, discarding).
 */
import type { DeadLetterStrategyConfig } from "../config/mod.ts";
import { type Destination, isTopicLike } from "../message/destination.ts";
import type { Message } from "../message/message.ts";

export const SHARED_DLQ = "ActiveMQ.DLQ";

/** The DLQ for a message, or undefined when it is to be dropped. */
export function deadLetterDestination(
  strategy: DeadLetterStrategyConfig,
  message: Message,
): Destination | undefined {
  if (strategy.kind === "discarding") return undefined;
  if (!message.persistent && !(strategy.processNonPersistent ?? false)) return undefined;
  const from = message.originalDestination ?? message.destination;
  if (strategy.kind === "individual") {
    const topic = isTopicLike(from);
    const prefix = topic
      ? (strategy.topicPrefix ?? "ActiveMQ.DLQ.Topic.")
      : (strategy.queuePrefix ?? "ActiveMQ.DLQ.Queue.");
    const suffix = topic ? (strategy.topicSuffix ?? "") : (strategy.queueSuffix ?? "");
    const asQueue = topic
      ? (strategy.useQueueForTopicMessages ?? true)
      : (strategy.useQueueForQueueMessages ?? true);
    return { type: asQueue ? "queue" : "topic", name: prefix + from.name + suffix };
  }
  return { type: "queue", name: strategy.deadLetterQueue ?? SHARED_DLQ };
}

/** The copy that goes to the DLQ: no expiry, persistent, with the cause recorded. */
export function deadLetterCopy(
  message: Message,
  dlq: Destination,
  cause: string,
  strategy: DeadLetterStrategyConfig,
  now: number,
): Message {
  const properties: Message["properties"] = { ...message.properties, dlqDeliveryFailureCause: cause };
  properties.originalExpiration = message.expiration;
  if (!message.persistent) properties.originalDeliveryMode = "NON_PERSISTENT";
  const ttl = strategy.expiration ?? 0;
  return {
    ...message,
    destination: dlq,
    originalDestination: message.originalDestination ?? message.destination,
    expiration: ttl > 0 ? now + ttl : 0,
    persistent: true,
    properties,
  };
}
