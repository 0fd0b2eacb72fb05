/**
 * A message send (types 23-29, openwire.md 9): mapped to the core's Message and sent,
 * inside its transaction if it names one. A send with responseRequired (persistent,
 * non-transacted by default) is answered once the core accepted it, which producer flow
 * control may delay; a one-way send from a producer with a window gets a ProducerAck
 * then instead (8.17).
 *
 * @module
 */

import type { OpenWireMessage } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";
import { openWireMessageToMessage } from "./message_mapping.ts";
import { formatProducerId } from "./message_id.ts";
import { createCommand } from "./create_command.ts";
import { transactionKey } from "./_transaction_id.ts";

/** ActiveMQ's Message.getSize(): what the client added to its producer window. */
const MINIMUM_MESSAGE_SIZE = 1024;

export function handleMessage(c: HandlerContext, wire: OpenWireMessage, maxInflatedSize: number): void {
  const session = c.session();
  const message = openWireMessageToMessage(wire, { maxInflatedSize });
  message.brokerInTime = Date.now();
  // A body that is a view into the frame would be cloned whole on its way to the core;
  // its own buffer can be handed over instead.
  const body = message.body;
  if (body !== null && (body.byteOffset !== 0 || body.byteLength !== body.buffer.byteLength)) {
    message.body = body.slice();
  }
  let transaction: string | undefined;
  if (wire.transactionId !== null) {
    transaction = transactionKey(wire.transactionId);
    const tx = c.state.transactions.get(transaction);
    if (tx !== undefined) tx.sends++;
  }
  const producer = wire.producerId === null
    ? undefined
    : c.state.producers.get(formatProducerId(wire.producerId));
  const sent = session.send(message, transaction);
  c.answer(wire, sent, () => {
    if (wire.responseRequired || producer === undefined || producer.windowSize <= 0) return;
    const size = MINIMUM_MESSAGE_SIZE + (wire.marshalledProperties?.length ?? 0) +
      (wire.content?.length ?? 0);
    c.write(createCommand(19, { producerId: wire.producerId, size }));
  });
}
