/**
 * A queue: one ordered backlog shared by competing consumers. A message goes to
 * one consumer that has prefetch credit and whose selector matches; exclusive
 * consumers, message groups and consumer priority narrow the choice.
 */
import type { Destination } from "../message/destination.ts";
import { isExpired, type Message } from "../message/message.ts";
import type { Consumer, MessageSource } from "./consumer.ts";
import { type MemoryUsage, usageOf } from "./memory_usage.ts";
import { ReentrantRunner } from "./reentrant_runner.ts";
import type { TempStore } from "./temp_store.ts";
import {
  type ListNode,
  MessageList,
  type PendingMessages,
  PriorityMessageList,
  type QueuedMessage,
} from "./message_list.ts";

export interface DestinationHooks {
  now(): number;
  /** An expired message was found; it is gone from `destination`. */
  expired(destination: Destination, message: Message): void;
  /** A queue message left the queue for good (acked, dead-lettered, purged). */
  removed(destination: Destination, message: Message): void;
}

export interface QueueOptions {
  /** `prioritizedMessages`: dispatch the highest priority first. */
  prioritized?: boolean;
  /** Most message groups remembered at once (ActiveMQ's cached map: 1024). */
  maxGroups?: number;
  /** What this queue's messages count against (producer flow control). */
  usage?: MemoryUsage;
  /** `allConsumersExclusiveByDefault`: every consumer is exclusive. */
  allConsumersExclusive?: boolean;
  /**
   * Producer flow control is off for this queue: once its memory is full,
   * non-persistent bodies go here instead of memory.
   */
  spillTo?: TempStore;
}

/** Bodies smaller than this stay in memory (spilling them would save next to nothing). */
const SPILL_FROM = 1024;

const DEFAULT_MAX_GROUPS = 1024;

export class Queue implements MessageSource {
  readonly destination: Destination;
  readonly pending: PendingMessages;
  readonly consumers: Consumer[] = [];
  readonly #hooks: DestinationHooks;
  /** JMSXGroupID → the consumer that owns the group (insertion order = age, for eviction). */
  readonly #groups = new Map<string, Consumer>();
  readonly #maxGroups: number;
  readonly usage: MemoryUsage | undefined;
  readonly #allExclusive: boolean;
  readonly #spillTo: TempStore | undefined;
  #seq = 0;
  #roundRobin = 0;
  /** Last time (broker clock) the queue had a consumer or a message; for gcInactiveDestinations. */
  lastActive: number;
  readonly #dispatcher = new ReentrantRunner(() => this.#dispatchPass());

  constructor(destination: Destination, hooks: DestinationHooks, options: QueueOptions = {}) {
    this.destination = destination;
    this.#hooks = hooks;
    this.pending = options.prioritized ? new PriorityMessageList() : new MessageList();
    this.#maxGroups = options.maxGroups ?? DEFAULT_MAX_GROUPS;
    this.usage = options.usage;
    this.#allExclusive = options.allConsumersExclusive ?? false;
    this.#spillTo = options.spillTo;
    this.lastActive = hooks.now();
  }

  /** No consumer and no message: a candidate for inactive-destination GC. */
  get idle(): boolean {
    return this.consumers.length === 0 && this.pending.size === 0;
  }

  enqueue(message: Message): void {
    this.restore(this.#maybeSpill(message));
    this.dispatch();
  }

  /** Over the memory limit without flow control: a non-persistent body moves to temporary storage. */
  #maybeSpill(message: Message): Message {
    const temp = this.#spillTo;
    if (!temp || message.persistent || !message.body || message.body.byteLength < SPILL_FROM) return message;
    if (!this.usage?.full) return message;
    if (temp.limit !== undefined && temp.used + message.body.byteLength > temp.limit) return message;
    return { ...message, body: null, spilled: temp.write(message.body) };
  }

  /** The message with its body back in memory (the body now counts against memory again). */
  #load(entry: QueuedMessage): void {
    const spilled = entry.message.spilled;
    if (!spilled || !this.#spillTo) return;
    const before = usageOf(entry.message);
    entry.message = { ...entry.message, body: this.#spillTo.read(spilled), spilled: undefined };
    this.#spillTo.release(spilled);
    this.usage?.add(usageOf(entry.message) - before);
  }

  /** Frees the temporary storage of a message that goes away while still spilled. */
  #unspill(entry: QueuedMessage): void {
    if (entry.message.spilled) this.#spillTo?.release(entry.message.spilled);
  }

  /** Puts a recovered message back without dispatching (consumers come later). */
  restore(message: Message): void {
    this.usage?.add(usageOf(message));
    this.pending.push({ message, seq: ++this.#seq, redeliveryCounter: message.redeliveryCounter });
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    // Higher consumer priority first; stable for equal priorities.
    this.consumers.sort((a, b) => b.priority - a.priority);
    consumer.sources.add(this);
    this.dispatch();
  }

  removeConsumer(consumer: Consumer): void {
    const i = this.consumers.indexOf(consumer);
    if (i >= 0) this.consumers.splice(i, 1);
    consumer.sources.delete(this);
    // Its groups go to whoever gets their next message.
    for (const [group, owner] of this.#groups) if (owner === consumer) this.#groups.delete(group);
  }

  acknowledge(entry: QueuedMessage): void {
    this.#unspill(entry);
    this.usage?.release(usageOf(entry.message));
    this.#hooks.removed(this.destination, entry.message);
  }

  discard(entry: QueuedMessage): void {
    this.#unspill(entry);
    this.usage?.release(usageOf(entry.message));
  }

  redeliver(entry: QueuedMessage, counted = true): void {
    if (counted) entry.redeliveryCounter++;
    this.pending.insertInOrder(entry);
  }

  /** Takes a pending message out by id (held for a prepared XA branch); O(n). */
  take(messageId: string): QueuedMessage | undefined {
    for (let node = this.pending.first(); node; node = this.pending.after(node)) {
      if (node.value.message.messageId === messageId) {
        this.pending.remove(node);
        return node.value;
      }
    }
    return undefined;
  }

  /** Non-consuming snapshot, for queue browsers. */
  browse(): Message[] {
    const now = this.#hooks.now();
    const out: Message[] = [];
    for (const e of this.pending.values()) {
      if (isExpired(e.message, now)) continue;
      const m = e.message;
      out.push(
        m.spilled && this.#spillTo ? { ...m, body: this.#spillTo.read(m.spilled), spilled: undefined } : m,
      );
    }
    return out;
  }

  purge(): number {
    const all = this.pending.clear();
    for (const e of all) this.acknowledge(e);
    return all.length;
  }

  /** Removes every expired message now (the periodic sweep); returns how many. */
  expire(): number {
    const now = this.#hooks.now();
    let count = 0;
    for (let node = this.pending.first(); node;) {
      const next = this.pending.after(node);
      if (isExpired(node.value.message, now)) {
        this.pending.remove(node);
        this.discard(node.value);
        this.#hooks.expired(this.destination, node.value.message);
        count++;
      }
      node = next;
    }
    return count;
  }

  dispatch(): void {
    this.#dispatcher.run();
  }

  #dispatchPass(): void {
    if (this.consumers.length === 0 || this.pending.size === 0) return;
    const now = this.#hooks.now();
    let node: ListNode | null = this.pending.first();
    while (node) {
      const next: ListNode | null = this.pending.after(node);
      const entry = node.value;
      if (isExpired(entry.message, now)) {
        this.pending.remove(node);
        this.discard(entry);
        this.#hooks.expired(this.destination, entry.message);
      } else {
        const eligible = this.#eligibleConsumers();
        if (eligible.length === 0) return;
        const groupId = entry.message.groupId;
        // Selectors must see the count this delivery will carry (JMSXDeliveryCount, JMSRedelivered):
        // a redelivered entry's message object still holds the count it arrived with.
        const message = entry.redeliveryCounter === entry.message.redeliveryCounter
          ? entry.message
          : { ...entry.message, redeliveryCounter: entry.redeliveryCounter };
        const consumer = groupId === undefined
          ? this.#choose(eligible, message)
          : this.#chooseForGroup(groupId, eligible, message);
        if (consumer) {
          this.pending.remove(node);
          this.#load(entry);
          const first = groupId !== undefined && !this.#groups.has(groupId);
          if (groupId !== undefined) this.#assignGroup(groupId, consumer, entry.message);
          consumer.deliver(entry, this, first);
        }
      }
      node = next;
    }
  }

  /** Consumers with credit; only the chosen exclusive consumer while one exists. */
  #eligibleConsumers(): Consumer[] {
    const exclusive = this.#allExclusive ? this.consumers[0] : this.consumers.find((c) => c.info.exclusive);
    if (exclusive) return exclusive.hasCredit() ? [exclusive] : [];
    return this.consumers.filter((c) => c.hasCredit());
  }

  /** A group's messages all go to its owner; a message waits while its owner has no credit. */
  #chooseForGroup(groupId: string, eligible: Consumer[], message: Message): Consumer | undefined {
    const owner = this.#groups.get(groupId);
    if (owner && this.consumers.includes(owner)) {
      return eligible.includes(owner) && owner.accepts(message) ? owner : undefined;
    }
    return this.#choose(eligible, message);
  }

  #assignGroup(groupId: string, consumer: Consumer, message: Message): void {
    if (message.groupSeq !== undefined && message.groupSeq < 0) {
      // JMSXGroupSeq -1 closes the group once this last message is delivered.
      this.#groups.delete(groupId);
      return;
    }
    if (this.#groups.get(groupId) === consumer) return;
    if (this.#groups.size >= this.#maxGroups) {
      const oldest = this.#groups.keys().next().value;
      if (oldest !== undefined) this.#groups.delete(oldest);
    }
    this.#groups.set(groupId, consumer);
  }

  #choose(eligible: Consumer[], message: Message): Consumer | undefined {
    const top = eligible[0].priority;
    const n = eligible.length;
    let fallback: Consumer | undefined;
    for (let i = 0; i < n; i++) {
      const c = eligible[(this.#roundRobin + i) % n];
      if (!c.accepts(message)) continue;
      if (c.priority === top) {
        this.#roundRobin = (this.#roundRobin + i + 1) % n;
        return c;
      }
      if (!fallback || c.priority > fallback.priority) fallback = c;
    }
    return fallback;
  }
}
