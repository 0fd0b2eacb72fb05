/**
 * A consumer as the core sees it: its selector, its prefetch credit and the
 * messages delivered to it that are not yet acknowledged (in delivery order,
 * which is what a cumulative ack covers).
 */
import type { Message } from "../message/message.ts";
import type { Selector } from "./selector/mod.ts";
import type { QueuedMessage } from "./message_list.ts";
import type { ConnectionListener, ConsumerInfo } from "./types.ts";

/** Where a delivered message came from and goes back to. */
export interface MessageSource {
  /** The message is consumed for good. */
  acknowledge(entry: QueuedMessage): void;
  /** The message returns to the source, counted as redelivered unless `counted` is false. */
  redeliver(entry: QueuedMessage, counted?: boolean): void;
  /** The message is dropped without being consumed (its subscription went away). */
  discard(entry: QueuedMessage): void;
  dispatch(): void;
}

export interface Inflight {
  entry: QueuedMessage;
  source: MessageSource;
  /** Acknowledged inside a still-open transaction. */
  transactionId?: string;
  /** No longer counts against prefetch (acked in a transaction, or a DELIVERED ack). */
  released?: boolean;
}

export class Consumer {
  readonly info: ConsumerInfo;
  readonly connectionId: string;
  readonly selector: Selector | undefined;
  readonly prefetch: number;
  readonly listener: ConnectionListener;
  readonly inflight = new Map<string, Inflight>();
  readonly sources = new Set<MessageSource>();
  /** Inflight entries that no longer count against prefetch. */
  #released = 0;
  closed = false;
  /** Prefetch-0 consumers: messages asked for by `pull` and not yet delivered. */
  pullCredit = 0;
  readonly pullTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    info: ConsumerInfo,
    connectionId: string,
    prefetch: number,
    selector: Selector | undefined,
    listener: ConnectionListener,
  ) {
    this.info = info;
    this.connectionId = connectionId;
    this.prefetch = prefetch;
    this.selector = selector;
    this.listener = listener;
  }

  get id(): string {
    return this.info.consumerId;
  }

  get priority(): number {
    return this.info.priority ?? 0;
  }

  hasCredit(): boolean {
    if (this.closed) return false;
    // A pull consumer (prefetch 0) gets exactly what it asks for, however many it has not acked yet.
    if (this.prefetch === 0) return this.pullCredit > 0;
    return this.inflight.size - this.#released < this.prefetch;
  }

  /** Selector and noLocal: may this consumer receive the message at all? */
  accepts(message: Message): boolean {
    if (this.info.noLocal && message.producerConnectionId === this.connectionId) return false;
    return this.selector ? this.selector.matches(message) : true;
  }

  /** `firstInGroup`: this message assigns its JMSXGroupID to this consumer (JMSXGroupFirstForConsumer). */
  deliver(entry: QueuedMessage, source: MessageSource, firstInGroup = false): void {
    this.inflight.set(entry.message.messageId, { entry, source });
    if (this.prefetch === 0 && this.pullCredit > 0) this.pullCredit--;
    let message = entry.message;
    if (entry.redeliveryCounter !== message.redeliveryCounter || firstInGroup) {
      message = { ...message, redeliveryCounter: entry.redeliveryCounter };
      if (firstInGroup) message.groupFirstForConsumer = true;
    }
    this.listener.deliver({ consumerId: this.info.consumerId, message });
  }

  markTransacted(inflight: Inflight, transactionId: string): void {
    this.release(inflight);
    inflight.transactionId = transactionId;
  }

  /** The entry stops counting against prefetch (it stays inflight until acked). */
  release(inflight: Inflight): void {
    if (inflight.released) return;
    inflight.released = true;
    this.#released++;
  }

  take(messageId: string): Inflight | undefined {
    const inflight = this.inflight.get(messageId);
    if (!inflight) return undefined;
    this.inflight.delete(messageId);
    if (inflight.released) this.#released--;
    return inflight;
  }

  /** Inflight entries up to and including `messageId`, in delivery order. */
  upTo(messageId: string): Inflight[] | undefined {
    if (!this.inflight.has(messageId)) return undefined;
    const out: Inflight[] = [];
    for (const [id, inflight] of this.inflight) {
      if (inflight.transactionId === undefined) out.push(inflight);
      if (id === messageId) break;
    }
    return out;
  }
}
