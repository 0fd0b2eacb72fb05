/**
 * MessagePull (openwire.md 8.12), for consumers with prefetch 0: the core dispatches one
 * message, or calls back `pullExpired` and the client gets a null dispatch. OpenWire's
 * timeout -1 means "answer now", 0 "wait for ever"; the core spells those 0 and -1.
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { MessagePull } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";
import { formatConsumerId } from "./message_id.ts";

export function handleMessagePull(c: HandlerContext, pull: MessagePull): void {
  const session = c.session();
  if (pull.consumerId === null) throw new BrokerError("protocol", "MessagePull without a consumer id");
  const key = formatConsumerId(pull.consumerId);
  const consumer = c.state.consumers.get(key);
  if (consumer === undefined || consumer.browser) {
    c.answer(pull, Promise.resolve());
    return;
  }
  const timeout = pull.timeout < 0 ? 0 : pull.timeout === 0 ? -1 : pull.timeout;
  c.answer(pull, session.pull(key, timeout));
}
