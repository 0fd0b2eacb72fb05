/**
 * What one OpenWire connection remembers between commands: its sessions, consumers,
 * producers and open transactions, keyed by the text form of their OpenWire ids (the
 * consumer key is also the consumer id the core knows).
 *
 * @module
 */

import type { AckInfo, BrokerSession, XaTransactionId } from "../../broker/types.ts";
import type { ConnectionId, ConsumerId, ProducerId } from "./commands.ts";

export interface ConsumerState {
  id: ConsumerId;
  /** `formatConsumerId(id)`: the consumer id the core knows. */
  key: string;
  sessionKey: string;
  /** Browsers are not consumers in the core: their acks and removal stay here. */
  browser: boolean;
  /**
   * Recent dispatches, brokerSequenceId → message id, so a RemoveInfo's
   * lastDeliveredSequenceId names the last message the application saw.
   */
  dispatched: Map<number, string>;
}

/** Dispatches remembered per consumer (more than any prefetch in flight). */
export const MAX_REMEMBERED_DISPATCHES = 65536;

export interface ProducerState {
  id: ProducerId;
  key: string;
  sessionKey: string;
  /** > 0: every one-way send is confirmed with a ProducerAck (openwire.md 8.4). */
  windowSize: number;
}

/**
 * An open local or XA transaction. Its acknowledgements wait here until COMMIT or
 * PREPARE: when it rolls back, the Java client redelivers the messages itself (they stay
 * dispatched to it, as in ActiveMQ), so they must not go back to the destination too.
 */
export interface TransactionState {
  key: string;
  xid?: XaTransactionId;
  acks: AckInfo[];
  /** Messages sent in it (an XA branch without work prepares read-only). */
  sends: number;
}

export class ConnectionState {
  session: BrokerSession | undefined;
  connectionId: ConnectionId | null = null;
  clientId: string | undefined;
  readonly sessions = new Set<string>();
  readonly consumers = new Map<string, ConsumerState>();
  readonly producers = new Map<string, ProducerState>();
  readonly transactions = new Map<string, TransactionState>();
  /** MessageId.brokerSequenceId of the next dispatch. */
  dispatchSequence = 0;
}
