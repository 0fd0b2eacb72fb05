/**
 * One subscriber's view of a topic (or of every topic a wildcard matches): its
 * own backlog of matching messages. Durable subscriptions outlive their
 * consumer and keep collecting while it is offline.
 */
import type { Destination } from "../message/destination.ts";
import { isExpired, type Message } from "../message/message.ts";
import type { Consumer, MessageSource } from "./consumer.ts";
import { type MemoryUsage, usageOf } from "./memory_usage.ts";
import { ReentrantRunner } from "./reentrant_runner.ts";
import { MessageList, type QueuedMessage } from "./message_list.ts";
import type { DestinationHooks } from "./queue.ts";
import type { Selector } from "./selector/mod.ts";

export interface DurableKey {
  clientId: string;
  subscriptionName: string;
}

export interface SubscriptionHooks extends DestinationHooks {
  /** A subscription is done with a message (acked, expired, dead-lettered, dropped). */
  released(subscription: TopicSubscription, message: Message): void;
}

export class TopicSubscription implements MessageSource {
  /** Pattern this subscription listens on (may contain wildcards). */
  readonly destination: Destination;
  readonly durable: DurableKey | undefined;
  readonly pending = new MessageList();
  /**
   * Consumers served from this backlog: one for a plain or durable
   * subscription, several (round robin) for a shared one (MQTT 5 `$share/…`).
   */
  readonly consumers: Consumer[] = [];
  /** The group name of a shared subscription. */
  readonly shareGroup: string | undefined;
  #next = 0;
  /** Selector and noLocal of the subscription itself (a durable one keeps them while offline). */
  selector: Selector | undefined;
  /** The selector as stored for a durable subscription (with any `convert_string_expressions:` prefix). */
  selectorText: string | undefined;
  noLocal: boolean;
  ownerConnectionId: string;
  readonly #hooks: SubscriptionHooks;
  readonly usage: MemoryUsage | undefined;
  /** Undelivered messages a non-durable subscriber may fall behind by; -1 = no limit. */
  pendingLimit = -1;
  /** Messages dropped by the pending limit (MessageDiscarded). */
  discarded = 0;
  #seq = 0;
  readonly #dispatcher = new ReentrantRunner(() => this.#dispatchPass());

  constructor(
    destination: Destination,
    options: {
      durable?: DurableKey;
      selector?: Selector;
      selectorText?: string;
      noLocal?: boolean;
      ownerConnectionId: string;
      usage?: MemoryUsage;
      shareGroup?: string;
    },
    hooks: SubscriptionHooks,
  ) {
    this.shareGroup = options.shareGroup;
    this.usage = options.usage;
    this.destination = destination;
    this.durable = options.durable;
    this.selector = options.selector;
    this.selectorText = options.selectorText ?? options.selector?.text;
    this.noLocal = options.noLocal ?? false;
    this.ownerConnectionId = options.ownerConnectionId;
    this.#hooks = hooks;
  }

  accepts(message: Message): boolean {
    if (this.noLocal && message.producerConnectionId === this.ownerConnectionId) return false;
    return this.selector ? this.selector.matches(message) : true;
  }

  enqueue(message: Message): void {
    this.restore(message);
    this.dispatch();
    // A slow non-durable subscriber keeps at most `pendingLimit` undelivered
    // messages; the oldest go (ActiveMQ's constantPendingMessageLimitStrategy).
    if (this.pendingLimit >= 0 && !this.durable) {
      while (this.pending.size > this.pendingLimit) {
        const oldest = this.pending.first()!;
        this.pending.remove(oldest);
        this.discard(oldest.value);
        this.discarded++;
      }
    }
  }

  restore(message: Message): void {
    this.usage?.add(usageOf(message));
    this.pending.push({ message, seq: ++this.#seq, redeliveryCounter: message.redeliveryCounter });
  }

  /** Drops every pending message (the subscription is going away). */
  clear(): void {
    for (const e of this.pending.clear()) this.discard(e);
  }

  /** The (first) consumer; a durable subscription has at most one. */
  get consumer(): Consumer | undefined {
    return this.consumers[0];
  }

  attach(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.ownerConnectionId = consumer.connectionId;
    consumer.sources.add(this);
    this.dispatch();
  }

  detach(consumer: Consumer): void {
    const i = this.consumers.indexOf(consumer);
    if (i >= 0) this.consumers.splice(i, 1);
    consumer.sources.delete(this);
  }

  acknowledge(entry: QueuedMessage): void {
    this.usage?.release(usageOf(entry.message));
    this.#hooks.released(this, entry.message);
  }

  discard(entry: QueuedMessage): void {
    this.usage?.release(usageOf(entry.message));
  }

  redeliver(entry: QueuedMessage, counted = true): void {
    if (counted) entry.redeliveryCounter++;
    this.pending.insertInOrder(entry);
  }

  dispatch(): void {
    this.#dispatcher.run();
  }

  #dispatchPass(): void {
    if (this.consumers.length === 0) return;
    const now = this.#hooks.now();
    while (this.pending.head) {
      const consumer = this.#nextWithCredit();
      if (!consumer) return;
      const node = this.pending.head;
      this.pending.remove(node);
      if (isExpired(node.value.message, now)) {
        this.#hooks.expired(node.value.message.destination, node.value.message);
        this.acknowledge(node.value);
        continue;
      }
      consumer.deliver(node.value, this);
    }
  }

  /** Round robin over consumers with credit (a single consumer for plain subscriptions). */
  #nextWithCredit(): Consumer | undefined {
    const n = this.consumers.length;
    for (let i = 0; i < n; i++) {
      const c = this.consumers[(this.#next + i) % n];
      if (c.hasCredit()) {
        this.#next = (this.#next + i + 1) % n;
        return c;
      }
    }
    return undefined;
  }
}
