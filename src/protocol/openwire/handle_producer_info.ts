/**
 * ProducerInfo (openwire.md 8.4): remembered for its window size, which asks for a
 * ProducerAck after every one-way send. The core needs no producer registration.
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { ProducerInfo } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";
import { formatProducerId } from "./message_id.ts";
import { response } from "./send_response.ts";

export function handleProducerInfo(c: HandlerContext, info: ProducerInfo): void {
  c.session();
  const id = info.producerId;
  if (id === null) throw new BrokerError("protocol", "ProducerInfo without a producer id");
  const key = formatProducerId(id);
  c.state.producers.set(key, {
    id,
    key,
    sessionKey: `${id.connectionId}:${id.sessionId}`,
    windowSize: info.windowSize,
  });
  if (info.responseRequired) c.write(response(info.commandId));
}
