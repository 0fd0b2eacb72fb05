/**
 * The protocol-neutral operations a connection performs on the broker core.
 * Protocol converters (STOMP, OpenWire, MQTT, …) and the in-process vm://
 * client speak only this; connector workers reach it through the bus.
 */
import type { Destination } from "../message/destination.ts";
import type { Message } from "../message/message.ts";
import type { XaTransactionId } from "../store/persistence_adapter.ts";

export type { XaTransactionId };

export type AckMode = "auto" | "client" | "individual";

export interface ConnectionInfo {
  connectionId: string;
  clientId?: string;
  userName?: string;
  password?: string;
  remoteAddress?: string;
  /** Name of the transport connector, e.g. `stomp`, or `vm`. */
  connector: string;
}

export interface ConsumerInfo {
  consumerId: string;
  destination: Destination;
  selector?: string;
  /** STOMP compares numeric-looking string properties with numeric literals. */
  convertStringExpressions?: boolean;
  ackMode: AckMode;
  /** Undefined = the default of its consumer kind (and policy entries may override it). */
  prefetch?: number;
  noLocal?: boolean;
  /** Durable topic subscription name (with the connection's client id). */
  subscriptionName?: string;
  browser?: boolean;
  exclusive?: boolean;
  priority?: number;
  /** Topics: first receive the retained message of every matching topic. */
  retroactive?: boolean;
  /**
   * Topics: consumers with the same group and destination share one
   * subscription, each message going to one of them (MQTT 5 `$share/group/…`).
   */
  shareGroup?: string;
}

/**
 * `standard` acknowledges every message delivered to the consumer up to and
 * including `messageId` (cumulative, like OpenWire's STANDARD ack over a range);
 * `individual` only that message; `poison` refuses it (dead-letter handling),
 * cumulatively when `cumulative` is set; `delivered` (cumulative) says the
 * client has handed the messages to the application without consuming them
 * yet, which frees prefetch credit (OpenWire DELIVERED acks of transacted and
 * client-ack sessions); `expired` says the client found the message expired.
 */
export interface AckInfo {
  consumerId: string;
  messageId: string;
  kind: "standard" | "individual" | "poison" | "delivered" | "expired";
  cumulative?: boolean;
  transactionId?: string;
  cause?: string;
}

export interface Delivery {
  consumerId: string;
  message: Message;
  /**
   * Connectors call this once the delivery's frame is written to the socket
   * (or dropped): across the worker bus it returns the room the delivery took
   * in the connection's dispatch window. In process it is absent.
   */
  written?: () => void;
}

/** What the core pushes to a connection. Must not throw. */
export interface ConnectionListener {
  deliver(delivery: Delivery): void;
  /** A queue browser has seen every message there was. */
  browseEnd(consumerId: string): void;
  /** The broker closed the connection (shutdown, client id taken over, …). */
  closed(reason: string): void;
  /** A `pull` found no message within its timeout (OpenWire: a dispatch with no message). */
  pullExpired?(consumerId: string): void;
}

export interface BrokerSession {
  readonly connectionId: string;
  addConsumer(info: ConsumerInfo): Promise<void>;
  /**
   * Closes a consumer; its unacknowledged messages return to their source as
   * redelivered — except those delivered after `lastDeliveredMessageId`, which
   * the application never saw (still in a client's prefetch buffer).
   */
  removeConsumer(consumerId: string, options?: { lastDeliveredMessageId?: string }): Promise<void>;
  removeDurableSubscription(subscriptionName: string): Promise<void>;
  send(message: Message, transactionId?: string): Promise<void>;
  ack(ack: AckInfo): Promise<void>;
  /** With `xid`, an XA branch; its id is then any string unique per branch (e.g. `xidKey(xid)`). */
  beginTransaction(transactionId: string, xid?: XaTransactionId): Promise<void>;
  /**
   * Commits a local transaction, an XA branch in one phase (`onePhase`), or a
   * prepared XA branch — also one prepared by another connection or before a
   * restart (a transaction manager's recovery).
   */
  commitTransaction(transactionId: string, options?: { onePhase?: boolean }): Promise<void>;
  rollbackTransaction(transactionId: string): Promise<void>;
  /** XA phase one: the branch's work becomes durable but stays invisible until commit. */
  prepareTransaction(transactionId: string): Promise<void>;
  /** Prepared XA branches in doubt, from every connection and from before a restart. */
  recoverTransactions(): Promise<XaTransactionId[]>;
  /** Forgets a heuristically completed branch (nothing to do but succeed if unknown). */
  forgetTransaction(transactionId: string): Promise<void>;
  /**
   * Prefetch-0 consumers: asks for one message. `timeoutMs` 0 answers at once
   * (`pullExpired` when nothing is there), a negative timeout waits until a
   * message comes.
   */
  pull(consumerId: string, timeoutMs: number): Promise<void>;
  /** `name`: the client names it (OpenWire does); otherwise `<connectionId>:<n>`. */
  createTemporaryDestination(
    type: "temp-queue" | "temp-topic",
    options?: { name?: string },
  ): Promise<Destination>;
  deleteTemporaryDestination(destination: Destination): Promise<void>;
  close(): Promise<void>;
}

/** What a connector (or vm://) needs from the broker. */
export interface BrokerGateway {
  connect(info: ConnectionInfo, listener: ConnectionListener): Promise<BrokerSession>;
}
