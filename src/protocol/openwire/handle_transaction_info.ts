/**
 * TransactionInfo (openwire.md 8.8): local transactions (BEGIN, COMMIT_ONE_PHASE,
 * ROLLBACK) and XA branches (BEGIN, END, PREPARE → IntegerResponse, COMMIT one- or
 * two-phase, ROLLBACK, RECOVER → DataArrayResponse of XATransactionIds, FORGET).
 *
 * The acks a transaction collected reach the core just before it commits or prepares.
 * A rollback drops them: the client redelivers those messages itself, and they stay
 * dispatched to it (as in ActiveMQ), to be acknowledged later or poisoned.
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import { type TransactionInfo, TransactionType } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";
import type { TransactionState } from "./_state.ts";
import { dataArrayResponse, integerResponse } from "./send_response.ts";
import { fromXid, toXid, transactionKey } from "./_transaction_id.ts";

const XA_OK = 0;
const XA_RDONLY = 3;

export function handleTransactionInfo(c: HandlerContext, info: TransactionInfo): void {
  const session = c.session();
  if (info.transactionType === TransactionType.Recover) {
    c.answer(
      info,
      session.recoverTransactions(),
      (xids) => dataArrayResponse(info.commandId, xids.map(fromXid)),
    );
    return;
  }
  if (info.transactionId === null) {
    throw new BrokerError("protocol", "TransactionInfo without a transaction id");
  }
  const key = transactionKey(info.transactionId);
  const transactions = c.state.transactions;
  const tx = transactions.get(key);
  switch (info.transactionType) {
    case TransactionType.Begin: {
      const xid = info.transactionId.type === 112 ? toXid(info.transactionId) : undefined;
      const fresh: TransactionState = { key, xid, acks: [], sends: 0 };
      transactions.set(key, fresh);
      const begun = session.beginTransaction(key, xid);
      begun.catch(() => {
        if (transactions.get(key) === fresh) transactions.delete(key);
      });
      c.answer(info, begun);
      return;
    }
    case TransactionType.End:
      c.answer(info, Promise.resolve());
      return;
    case TransactionType.Prepare: {
      if (tx !== undefined && tx.sends === 0 && tx.acks.length === 0) {
        // Nothing to commit: the branch is read-only and forgotten (openwire.md 8.8).
        transactions.delete(key);
        c.answer(info, session.rollbackTransaction(key), () => integerResponse(info.commandId, XA_RDONLY));
        return;
      }
      flushAcks(c, tx);
      transactions.delete(key);
      c.answer(info, session.prepareTransaction(key), () => integerResponse(info.commandId, XA_OK));
      return;
    }
    case TransactionType.CommitOnePhase:
    case TransactionType.CommitTwoPhase:
      flushAcks(c, tx);
      transactions.delete(key);
      c.answer(
        info,
        session.commitTransaction(key, { onePhase: info.transactionType === TransactionType.CommitOnePhase }),
      );
      return;
    case TransactionType.Rollback:
      transactions.delete(key);
      c.answer(info, session.rollbackTransaction(key));
      return;
    case TransactionType.Forget:
      transactions.delete(key);
      c.answer(info, session.forgetTransaction(key));
      return;
    default:
      throw new BrokerError("protocol", `Unknown TransactionInfo type ${info.transactionType}`);
  }
}

/** Hands the transaction's acks to the core, in order, ahead of its commit or prepare. */
function flushAcks(c: HandlerContext, tx: TransactionState | undefined): void {
  if (tx === undefined) return;
  const session = c.session();
  for (const ack of tx.acks) {
    const done = session.ack(ack);
    c.track(done);
    done.catch((err) => {
      c.log.debug(`Transacted ack of ${ack.messageId} failed: ${err?.message ?? err}`);
    });
  }
  tx.acks = [];
}
