/**
 * A queue: one ordered backlog shared by competing consumers. A message goes to
 * one consumer that has prefetch credit and whose selector matches; exclusive
 * consumers and consumer priority narrow the choice.
 */
import type { Destination } from "../message/destination.ts";
import { isExpired, type Message } from "../message/message.ts";
import type { Consumer, MessageSource } from "./consumer.ts";
import { type ListNode, MessageList, type QueuedMessage } from "./message_list.ts";

export interface DestinationHooks {
  now(): number;
  /** An expired message was found while dispatching; it is gone from `destination`. */
  expired(destination: Destination, message: Message): void;
  /** A queue message left the queue for good (acked, dead-lettered, purged). */
  removed(destination: Destination, message: Message): void;
}

export class Queue implements MessageSource {
  readonly destination: Destination;
  readonly pending = new MessageList();
  readonly consumers: Consumer[] = [];
  readonly #hooks: DestinationHooks;
  #seq = 0;
  #roundRobin = 0;
  #dispatching = false;
  #again = false;

  constructor(destination: Destination, hooks: DestinationHooks) {
    this.destination = destination;
    this.#hooks = hooks;
  }

  enqueue(message: Message): void {
    this.restore(message);
    this.dispatch();
  }

  /** Puts a recovered message back without dispatching (consumers come later). */
  restore(message: Message): void {
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
  }

  acknowledge(entry: QueuedMessage): void {
    this.#hooks.removed(this.destination, entry.message);
  }

  redeliver(entry: QueuedMessage): void {
    entry.redeliveryCounter++;
    this.pending.insertInOrder(entry);
  }

  /** Non-consuming snapshot, for queue browsers. */
  browse(): Message[] {
    const now = this.#hooks.now();
    const out: Message[] = [];
    for (const e of this.pending.values()) if (!isExpired(e.message, now)) out.push(e.message);
    return out;
  }

  purge(): number {
    const all = this.pending.clear();
    for (const e of all) this.#hooks.removed(this.destination, e.message);
    return all.length;
  }

  dispatch(): void {
    // A delivery can synchronously cause an ack (vm:// clients) and so another
    // dispatch; run those as further passes of this loop instead of recursing.
    if (this.#dispatching) {
      this.#again = true;
      return;
    }
    this.#dispatching = true;
    try {
      do {
        this.#again = false;
        this.#dispatchPass();
      } while (this.#again);
    } finally {
      this.#dispatching = false;
    }
  }

  #dispatchPass(): void {
    if (this.consumers.length === 0 || this.pending.size === 0) return;
    const now = this.#hooks.now();
    let node: ListNode | null = this.pending.head;
    while (node) {
      const next: ListNode | null = node.next;
      const entry = node.value;
      if (isExpired(entry.message, now)) {
        this.pending.remove(node);
        this.#hooks.expired(this.destination, entry.message);
      } else {
        const eligible = this.#eligibleConsumers();
        if (eligible.length === 0) return;
        const consumer = this.#choose(eligible, entry.message);
        if (consumer) {
          this.pending.remove(node);
          consumer.deliver(entry, this);
        }
      }
      node = next;
    }
  }

  /** Consumers with credit; only the chosen exclusive consumer while one exists. */
  #eligibleConsumers(): Consumer[] {
    const exclusive = this.consumers.find((c) => c.info.exclusive);
    if (exclusive) return exclusive.hasCredit() ? [exclusive] : [];
    return this.consumers.filter((c) => c.hasCredit());
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
