/**
 * The one interface every message store implements (memory, KahaDB, JDBC, …).
 * The core cannot tell them apart. All writes go through `write`, which applies
 * a list of operations atomically: a transaction commit, or a dead-letter move
 * (add to the DLQ + remove from the source), is one batch that either survives
 * a crash whole or not at all.
 */
import type { Destination } from "../message/destination.ts";
import type { Message } from "../message/message.ts";

export interface DurableSubscriptionKey {
  clientId: string;
  subscriptionName: string;
}

export interface StoredSubscription extends DurableSubscriptionKey {
  /** The topic (or topic pattern) subscribed to. */
  destination: Destination;
  selector?: string;
  noLocal?: boolean;
}

export type StoreOperation =
  /**
   * A persistent message joins a queue, or a topic on behalf of the durable
   * subscriptions named in `subscriptions` (stored once, referenced by each).
   */
  | { op: "add"; destination: Destination; message: Message; subscriptions?: DurableSubscriptionKey[] }
  /** A queue message is consumed for good (acked, expired, moved to a DLQ, purged). */
  | { op: "remove"; destination: Destination; messageId: string }
  /** A durable subscription is done with a topic message. */
  | { op: "ack"; destination: Destination; subscription: DurableSubscriptionKey; messageId: string }
  | { op: "subscribe"; subscription: StoredSubscription }
  | { op: "unsubscribe"; subscription: DurableSubscriptionKey }
  /** A destination and everything in it goes away. */
  | { op: "removeDestination"; destination: Destination };

/** An XA branch (OpenWire XATransactionId). Local transactions never reach the store open. */
export interface XaTransactionId {
  formatId: number;
  globalTransactionId: Uint8Array;
  branchQualifier: Uint8Array;
}

export interface RecoveredDestination {
  destination: Destination;
  /** Pending messages in the order they were stored. */
  messages: Message[];
}

export interface RecoveredSubscription extends StoredSubscription {
  /** Ids of the topic messages this subscription has not acknowledged, in store order. */
  pending: string[];
}

export interface RecoveredTransaction {
  xid: XaTransactionId;
  operations: StoreOperation[];
}

export interface RecoveredState {
  destinations: RecoveredDestination[];
  subscriptions: RecoveredSubscription[];
  /** Prepared XA transactions, in doubt until a transaction manager commits or rolls them back. */
  prepared: RecoveredTransaction[];
}

/** Which destination or subscription keeps a journal file alive (for operators and the admin console). */
export interface FilePin {
  file: string;
  reasons: string[];
}

export interface StoreStats {
  /** Pending message count per qualified destination name. */
  messages: Record<string, number>;
  files?: FilePin[];
  /** fsyncs done since start (to show group commit working). */
  syncs?: number;
}

export interface StoreWriteOptions {
  /**
   * The caller (a producer or consumer waiting for a confirmation) needs the
   * operations durable before the promise resolves, subject to the store's
   * disk sync strategy.
   */
  sync?: boolean;
}

export interface StoreStartOptions {
  /** Aborts waiting for the store lock (shared-file master/slave). */
  signal?: AbortSignal;
}

export interface PersistenceAdapter {
  /** e.g. `memory`, `kahaDB`. */
  readonly name: string;
  /** Takes the store (waiting while another broker holds its lock) and recovers what it holds. */
  start(options?: StoreStartOptions): Promise<RecoveredState>;
  write(operations: StoreOperation[], options?: StoreWriteOptions): Promise<void>;
  /** XA phase one: the operations are durable but not applied until `commitPrepared`. */
  prepare(xid: XaTransactionId, operations: StoreOperation[]): Promise<void>;
  commitPrepared(xid: XaTransactionId): Promise<void>;
  rollbackPrepared(xid: XaTransactionId): Promise<void>;
  stats(): Promise<StoreStats>;
  /** Flushes and releases the store; a later `start` recovers what was written. */
  stop(): Promise<void>;
}

export function subscriptionKeyString(key: DurableSubscriptionKey): string {
  // ActiveMQ's subscriptionKey: `<clientId>:<subscriptionName>`.
  return `${key.clientId}:${key.subscriptionName}`;
}

export function xidKey(xid: XaTransactionId): string {
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${xid.formatId}:${hex(xid.globalTransactionId)}:${hex(xid.branchQualifier)}`;
}
