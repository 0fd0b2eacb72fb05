/**
 * RemoveInfo (openwire.md 8.6): closes a consumer, a session (its consumers and
 * producers), a producer, or the whole connection (temporary destinations, client id and
 * open transactions go with it in the core).
 *
 * A consumer's `lastDeliveredSequenceId` names the last message its application got;
 * the core counts only messages up to it as redelivered (later ones sat unseen in the
 * client's prefetch buffer).
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { ConsumerId, RemoveInfo } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";
import { formatConsumerId, formatProducerId, formatSessionId } from "./message_id.ts";

export function handleRemoveInfo(c: HandlerContext, info: RemoveInfo): Promise<void> | void {
  const objectId = info.objectId;
  switch (objectId?.type) {
    case 120:
      return removeConnection(c, info);
    case 121: {
      c.session();
      const sessionKey = formatSessionId(objectId);
      c.state.sessions.delete(sessionKey);
      for (const [key, p] of c.state.producers) {
        if (p.sessionKey === sessionKey) c.state.producers.delete(key);
      }
      const removals = [...c.state.consumers.values()]
        .filter((consumer) => consumer.sessionKey === sessionKey)
        .map((consumer) => removeConsumer(c, consumer.id));
      c.answer(info, Promise.all(removals));
      return;
    }
    case 122:
      c.answer(info, removeConsumer(c, objectId, info.lastDeliveredSequenceId));
      return;
    case 123:
      c.state.producers.delete(formatProducerId(objectId));
      c.answer(info, Promise.resolve());
      return;
    default:
      throw new BrokerError("protocol", `RemoveInfo for an object of type ${objectId?.type ?? "null"}`);
  }
}

export function removeConsumer(
  c: HandlerContext,
  id: ConsumerId,
  lastDeliveredSequenceId = 0,
): Promise<void> {
  const key = formatConsumerId(id);
  const consumer = c.state.consumers.get(key);
  const lastDeliveredMessageId = lastDeliveredSequenceId > 0
    ? consumer?.dispatched.get(lastDeliveredSequenceId)
    : undefined;
  c.state.consumers.delete(key);
  // Acks held for a transaction would find no consumer at commit.
  for (const tx of c.state.transactions.values()) tx.acks = tx.acks.filter((a) => a.consumerId !== key);
  if (consumer === undefined || consumer.browser) return Promise.resolve();
  return c.session().removeConsumer(key, { lastDeliveredMessageId });
}

/** Awaited by the read loop: nothing of the connection may follow its removal. */
async function removeConnection(c: HandlerContext, info: RemoveInfo): Promise<void> {
  const session = c.state.session;
  c.state.session = undefined;
  c.state.consumers.clear();
  c.state.producers.clear();
  c.state.sessions.clear();
  c.state.transactions.clear();
  if (session !== undefined) {
    const closing = session.close();
    c.track(closing);
    try {
      await closing;
    } catch (err) {
      c.log.debug(`Closing the broker session failed: ${err}`);
    }
  }
  if (info.responseRequired) c.answer(info, Promise.resolve());
}
