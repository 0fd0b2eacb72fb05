/**
 * ConsumerInfo (openwire.md 8.5): a queue or topic consumer, a durable subscriber
 * (`subscriptionName`), or a queue browser (its snapshot ends with a null dispatch).
 * Selector errors come back as javax.jms.InvalidSelectorException.
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { ConsumerInfo as CoreConsumerInfo } from "../../broker/types.ts";
import type { ConsumerInfo } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";
import { fromOpenWireDestination } from "./message_mapping.ts";
import { formatConsumerId } from "./message_id.ts";

export function handleConsumerInfo(c: HandlerContext, info: ConsumerInfo): void {
  const session = c.session();
  const id = info.consumerId;
  if (id === null) throw new BrokerError("protocol", "ConsumerInfo without a consumer id");
  if (info.destination === null || !info.destination.physicalName) {
    throw new BrokerError("invalid-destination", "A consumer needs a destination");
  }
  const key = formatConsumerId(id);
  if (c.state.consumers.has(key)) {
    throw new BrokerError("illegal-state", `Consumer '${key}' already exists on this connection`);
  }
  const consumer: CoreConsumerInfo = {
    consumerId: key,
    destination: fromOpenWireDestination(info.destination),
    // OpenWire clients acknowledge explicitly, whatever their session's mode.
    ackMode: "client",
    prefetch: info.prefetchSize,
    noLocal: info.noLocal,
    browser: info.browser,
    exclusive: info.exclusive,
    priority: info.priority,
    retroactive: info.retroactive,
  };
  const selector = info.selector?.trim();
  if (selector) consumer.selector = selector;
  if (info.subscriptionName !== null && info.subscriptionName !== "") {
    consumer.subscriptionName = info.subscriptionName;
  }
  // Registered before the core hears of it: dispatches may overtake the reply.
  c.state.consumers.set(key, {
    id,
    key,
    sessionKey: `${id.connectionId}:${id.sessionId}`,
    browser: info.browser,
    dispatched: new Map(),
  });
  const added = session.addConsumer(consumer);
  added.catch(() => {
    if (c.state.consumers.get(key)?.id === id) c.state.consumers.delete(key);
  });
  c.answer(info, added);
}
