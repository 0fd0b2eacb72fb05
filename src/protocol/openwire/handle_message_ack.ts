/**
 * MessageAck (openwire.md 8.11), every ack type:
 * 0 DELIVERED frees prefetch credit; 1 POISON sends the range to the dead-letter queue
 * with the poison cause as `dlqDeliveryFailureCause`; 2 STANDARD consumes everything up
 * to lastMessageId; 3 REDELIVERED is bookkeeping only; 4 INDIVIDUAL consumes one message;
 * 5 UNMATCHED (a durable subscriber's non-matching message) is consumed like an individual
 * ack; 6 EXPIRED removes an expired message.
 *
 * Acks inside a transaction wait in the converter until COMMIT or PREPARE (see
 * TransactionState).
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { AckInfo } from "../../broker/types.ts";
import { AckType, type MessageAck, type OpenWireThrowable } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";
import { formatConsumerId, formatMessageId } from "./message_id.ts";
import { transactionKey } from "./_transaction_id.ts";

export function handleMessageAck(c: HandlerContext, ack: MessageAck): void {
  const session = c.session();
  if (ack.consumerId === null) throw new BrokerError("protocol", "MessageAck without a consumer id");
  const consumerId = formatConsumerId(ack.consumerId);
  const consumer = c.state.consumers.get(consumerId);
  if (consumer === undefined || consumer.browser || ack.ackType === AckType.Redelivered) {
    // Browsed messages need no ack; a late ack of a closed consumer has nothing left to do.
    c.answer(ack, Promise.resolve());
    return;
  }
  if (ack.lastMessageId === null) throw new BrokerError("protocol", "MessageAck without a lastMessageId");
  const messageId = formatMessageId(ack.lastMessageId);
  const info: AckInfo = { consumerId, messageId, kind: "standard" };
  let bookkeeping = false;
  switch (ack.ackType) {
    case AckType.Delivered:
      info.kind = "delivered";
      bookkeeping = true;
      break;
    case AckType.Poison:
      // [openwire.md 8.11] The range first..last, never inside a transaction.
      info.kind = "poison";
      info.cumulative = true;
      info.cause = poisonCause(ack.poisonCause);
      break;
    case AckType.Standard:
      break;
    case AckType.Individual:
      info.kind = "individual";
      break;
    case AckType.Unmatched:
      info.kind = "individual";
      bookkeeping = true;
      break;
    case AckType.Expired:
      info.kind = "expired";
      bookkeeping = true;
      break;
    default:
      throw new BrokerError("protocol", `Unknown MessageAck type ${ack.ackType}`);
  }
  if (
    ack.transactionId !== null && (info.kind === "standard" || info.kind === "individual") && !bookkeeping
  ) {
    info.transactionId = transactionKey(ack.transactionId);
    const tx = c.state.transactions.get(info.transactionId);
    if (tx !== undefined) {
      tx.acks.push(info);
      c.answer(ack, Promise.resolve());
      return;
    }
  }
  const done = session.ack(info);
  if (bookkeeping && !ack.responseRequired) {
    // Bookkeeping acks that no longer match (e.g. a DELIVERED ack racing a consume) are not
    // worth an asynchronous error on the client.
    c.track(done);
    done.catch((err) => c.log.debug(`Ignored ${info.kind} ack of ${messageId}: ${err?.message ?? err}`));
    return;
  }
  c.answer(ack, done);
}

/** Throwable.toString(), as ActiveMQ stores the poison cause. */
function poisonCause(t: OpenWireThrowable | null): string | undefined {
  if (t === null) return undefined;
  const name = t.className ?? "java.lang.Throwable";
  return t.message === null ? name : `${name}: ${t.message}`;
}
