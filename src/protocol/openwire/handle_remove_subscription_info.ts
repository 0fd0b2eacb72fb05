/**
 * RemoveSubscriptionInfo (openwire.md 8.7): unsubscribes a durable subscription of this
 * connection's client id; refused while the subscription has an active consumer.
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { RemoveSubscriptionInfo } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";

export function handleRemoveSubscriptionInfo(c: HandlerContext, info: RemoveSubscriptionInfo): void {
  const session = c.session();
  if (!info.subscriptionName) {
    throw new BrokerError("invalid-destination", "RemoveSubscriptionInfo without a subscription name");
  }
  c.answer(info, session.removeDurableSubscription(info.subscriptionName));
}
