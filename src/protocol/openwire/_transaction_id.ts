/**
 * OpenWire transaction ids ↔ the core's transaction ids: a local transaction is known by
 * its text form `TX:<connectionId>:<n>`, an XA branch by `xidKey` of its Xid.
 *
 * @module
 */

import type { XaTransactionId } from "../../broker/types.ts";
import { xidKey } from "../../store/persistence_adapter.ts";
import type { TransactionId, XATransactionId } from "./commands.ts";
import { formatTransactionId } from "./message_id.ts";

const EMPTY = new Uint8Array(0);

export function toXid(id: XATransactionId): XaTransactionId {
  return {
    formatId: id.formatId,
    globalTransactionId: id.globalTransactionId ?? EMPTY,
    branchQualifier: id.branchQualifier ?? EMPTY,
  };
}

export function fromXid(xid: XaTransactionId): XATransactionId {
  return {
    type: 112,
    formatId: xid.formatId,
    globalTransactionId: xid.globalTransactionId,
    branchQualifier: xid.branchQualifier,
  };
}

/** The core's id for an OpenWire transaction id. */
export function transactionKey(id: TransactionId): string {
  return id.type === 112 ? xidKey(toXid(id)) : formatTransactionId(id);
}
