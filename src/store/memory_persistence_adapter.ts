/**
 * The memory store (`persistent="false"`, `<memoryPersistenceAdapter/>`): the
 * same semantics as every other store, kept in maps. What it holds survives a
 * `stop()`/`start()` of the same instance, not the process.
 */
import { qualifiedName } from "../message/destination.ts";
import type { Destination } from "../message/destination.ts";
import type { Message } from "../message/message.ts";
import { BrokerError } from "../broker/errors.ts";
import {
  type DurableSubscriptionKey,
  type PersistenceAdapter,
  type RecoveredState,
  type StoredSubscription,
  type StoreOperation,
  type StoreStats,
  subscriptionKeyString,
  type XaTransactionId,
  xidKey,
} from "./persistence_adapter.ts";

interface StoredTopicMessage {
  message: Message;
  /** Store order across topics (a wildcard subscription's backlog spans several). */
  seq: number;
  /** Subscriptions that still need it. */
  holders: Set<string>;
}

export class MemoryPersistenceAdapter implements PersistenceAdapter {
  readonly name = "memory";
  readonly #queues = new Map<string, { destination: Destination; messages: Map<string, Message> }>();
  readonly #topics = new Map<
    string,
    { destination: Destination; messages: Map<string, StoredTopicMessage> }
  >();
  readonly #subscriptions = new Map<string, StoredSubscription>();
  readonly #prepared = new Map<string, { xid: XaTransactionId; operations: StoreOperation[] }>();
  #started = false;
  #seq = 0;

  start(): Promise<RecoveredState> {
    this.#started = true;
    const state: RecoveredState = { destinations: [], subscriptions: [], prepared: [] };
    for (const q of this.#queues.values()) {
      state.destinations.push({ destination: q.destination, messages: [...q.messages.values()] });
    }
    for (const t of this.#topics.values()) {
      state.destinations.push({
        destination: t.destination,
        messages: [...t.messages.values()].map((s) => s.message),
      });
    }
    for (const [key, sub] of this.#subscriptions) {
      // A wildcard subscription holds messages of every topic it matched, not only one named like it.
      const held: StoredTopicMessage[] = [];
      for (const topic of this.#topics.values()) {
        for (const stored of topic.messages.values()) if (stored.holders.has(key)) held.push(stored);
      }
      held.sort((a, b) => a.seq - b.seq);
      state.subscriptions.push({ ...sub, pending: held.map((h) => h.message.messageId) });
    }
    for (const p of this.#prepared.values()) {
      state.prepared.push({ xid: p.xid, operations: [...p.operations] });
    }
    return Promise.resolve(state);
  }

  write(operations: StoreOperation[]): Promise<void> {
    try {
      this.#requireStarted();
      for (const op of operations) this.#apply(op);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  prepare(xid: XaTransactionId, operations: StoreOperation[]): Promise<void> {
    this.#prepared.set(xidKey(xid), { xid, operations: [...operations] });
    return Promise.resolve();
  }

  commitPrepared(xid: XaTransactionId): Promise<void> {
    const p = this.#prepared.get(xidKey(xid));
    if (!p) {
      return Promise.reject(new BrokerError("transaction", `Unknown prepared transaction ${xidKey(xid)}`));
    }
    this.#prepared.delete(xidKey(xid));
    return this.write(p.operations);
  }

  rollbackPrepared(xid: XaTransactionId): Promise<void> {
    if (!this.#prepared.delete(xidKey(xid))) {
      return Promise.reject(new BrokerError("transaction", `Unknown prepared transaction ${xidKey(xid)}`));
    }
    return Promise.resolve();
  }

  stats(): Promise<StoreStats> {
    const messages: Record<string, number> = {};
    for (const [key, q] of this.#queues) messages[key] = q.messages.size;
    for (const [key, t] of this.#topics) messages[key] = t.messages.size;
    return Promise.resolve({ messages });
  }

  stop(): Promise<void> {
    this.#started = false;
    return Promise.resolve();
  }

  #requireStarted(): void {
    if (!this.#started) throw new BrokerError("illegal-state", "The memory store is not started");
  }

  #apply(op: StoreOperation): void {
    switch (op.op) {
      case "add": {
        const key = qualifiedName(op.destination);
        if (op.destination.type === "queue" || op.destination.type === "temp-queue") {
          let q = this.#queues.get(key);
          if (!q) this.#queues.set(key, q = { destination: op.destination, messages: new Map() });
          q.messages.set(op.message.messageId, op.message);
          return;
        }
        const holders = new Set(
          (op.subscriptions ?? []).map(subscriptionKeyString).filter((k) => this.#subscriptions.has(k)),
        );
        if (holders.size === 0) return; // no durable subscription wants it
        let t = this.#topics.get(key);
        if (!t) this.#topics.set(key, t = { destination: op.destination, messages: new Map() });
        t.messages.set(op.message.messageId, { message: op.message, holders, seq: ++this.#seq });
        return;
      }
      case "remove":
        this.#queues.get(qualifiedName(op.destination))?.messages.delete(op.messageId);
        return;
      case "ack": {
        const t = this.#topics.get(qualifiedName(op.destination));
        const stored = t?.messages.get(op.messageId);
        if (!t || !stored) return;
        stored.holders.delete(subscriptionKeyString(op.subscription));
        if (stored.holders.size === 0) t.messages.delete(op.messageId);
        return;
      }
      case "subscribe":
        this.#subscriptions.set(subscriptionKeyString(op.subscription), { ...op.subscription });
        return;
      case "unsubscribe":
        this.#unsubscribe(op.subscription);
        return;
      case "removeDestination": {
        const key = qualifiedName(op.destination);
        this.#queues.delete(key);
        this.#topics.delete(key);
        return;
      }
    }
  }

  #unsubscribe(sub: DurableSubscriptionKey): void {
    const key = subscriptionKeyString(sub);
    if (!this.#subscriptions.delete(key)) return;
    for (const t of this.#topics.values()) {
      for (const [id, stored] of t.messages) {
        stored.holders.delete(key);
        if (stored.holders.size === 0) t.messages.delete(id);
      }
    }
  }
}
