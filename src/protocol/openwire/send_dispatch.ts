/**
 * MessageDispatch (openwire.md 8.10): a message for a consumer, or a null message that
 * ends a browse or answers an unsuccessful MessagePull.
 *
 * @module
 */

import type { Message } from "../../message/message.ts";
import type { ConsumerId, MessageDispatch, OpenWireDestination } from "./commands.ts";
import { createCommand } from "./create_command.ts";
import { advisoryDataStructure } from "./advisory_data_structure.ts";
import { messageToOpenWireMessage } from "./message_mapping.ts";

/**
 * The dispatch of `message` to `consumerId`. `brokerSequenceId` numbers this
 * connection's dispatches (RemoveInfo.lastDeliveredSequenceId refers to it); the broker
 * stamps brokerOutTime on the way out, as ActiveMQ does.
 */
export function messageDispatch(
  consumerId: ConsumerId,
  message: Message,
  brokerSequenceId: number,
  now: number,
): MessageDispatch {
  const wire = messageToOpenWireMessage(message, {
    brokerSequenceId,
    brokerOutTime: now,
    jmsxGroupFirstForConsumer: message.groupFirstForConsumer === true,
  });
  if (wire.dataStructure === null && message.advisory !== undefined) {
    wire.dataStructure = advisoryDataStructure(message.advisory, message.destination);
  }
  return createCommand(21, {
    consumerId,
    destination: wire.destination,
    message: wire,
    redeliveryCounter: message.redeliveryCounter,
  });
}

/** The null dispatch: end of a browse, or a pull that found nothing (openwire.md 8.12). */
export function nullDispatch(
  consumerId: ConsumerId,
  destination: OpenWireDestination | null,
): MessageDispatch {
  return createCommand(21, { consumerId, destination, message: null, redeliveryCounter: 0 });
}
