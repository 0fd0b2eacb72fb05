/**
 * An ordered list of pending messages with O(1) removal of any node, so a
 * dispatcher can skip messages no consumer's selector matches and take later
 * ones without shifting arrays. Order is by `seq` (arrival); redelivered
 * messages are put back at their original place.
 */
import type { Message } from "../message/message.ts";

export interface QueuedMessage {
  message: Message;
  /** Arrival order within its destination or subscription. */
  seq: number;
  redeliveryCounter: number;
}

export interface ListNode {
  value: QueuedMessage;
  prev: ListNode | null;
  next: ListNode | null;
}

/**
 * Pending messages of a destination or subscription, walked in dispatch order
 * with `first()`/`after()`; a node may be removed while walking if `after` was
 * taken first.
 */
export interface PendingMessages {
  readonly size: number;
  first(): ListNode | null;
  after(node: ListNode): ListNode | null;
  /** A new arrival. */
  push(value: QueuedMessage): ListNode;
  /** A message coming back (redelivery): it returns to its original place. */
  insertInOrder(value: QueuedMessage): ListNode;
  remove(node: ListNode): void;
  clear(): QueuedMessage[];
  values(): IterableIterator<QueuedMessage>;
}

export class MessageList implements PendingMessages {
  #head: ListNode | null = null;
  #tail: ListNode | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get head(): ListNode | null {
    return this.#head;
  }

  first(): ListNode | null {
    return this.#head;
  }

  after(node: ListNode): ListNode | null {
    return node.next;
  }

  push(value: QueuedMessage): ListNode {
    const node: ListNode = { value, prev: this.#tail, next: null };
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
    this.#size++;
    return node;
  }

  /** Inserts by `seq`, scanning from the head: redeliveries return near the front. */
  insertInOrder(value: QueuedMessage): ListNode {
    let at = this.#head;
    while (at && at.value.seq < value.seq) at = at.next;
    if (!at) return this.push(value);
    const node: ListNode = { value, prev: at.prev, next: at };
    if (at.prev) at.prev.next = node;
    else this.#head = node;
    at.prev = node;
    this.#size++;
    return node;
  }

  remove(node: ListNode): void {
    if (node.prev) node.prev.next = node.next;
    else this.#head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#tail = node.prev;
    node.prev = node.next = null;
    this.#size--;
  }

  clear(): QueuedMessage[] {
    const all = [...this.values()];
    this.#head = this.#tail = null;
    this.#size = 0;
    return all;
  }

  *values(): IterableIterator<QueuedMessage> {
    for (let n = this.#head; n; n = n.next) yield n.value;
  }
}

/**
 * `prioritizedMessages="true"`: highest JMS priority first, arrival order
 * within a priority — one FIFO list per priority 0-9.
 */
export class PriorityMessageList implements PendingMessages {
  readonly #lists = Array.from({ length: 10 }, () => new MessageList());
  #size = 0;

  get size(): number {
    return this.#size;
  }

  #bucket(value: QueuedMessage): number {
    const p = value.message.priority;
    return p >= 9 ? 9 : p <= 0 ? 0 : Math.trunc(p);
  }

  first(): ListNode | null {
    return this.#firstBelow(10);
  }

  after(node: ListNode): ListNode | null {
    return node.next ?? this.#firstBelow(this.#bucket(node.value));
  }

  #firstBelow(bucket: number): ListNode | null {
    for (let b = bucket - 1; b >= 0; b--) {
      const head = this.#lists[b].head;
      if (head) return head;
    }
    return null;
  }

  push(value: QueuedMessage): ListNode {
    this.#size++;
    return this.#lists[this.#bucket(value)].push(value);
  }

  insertInOrder(value: QueuedMessage): ListNode {
    this.#size++;
    return this.#lists[this.#bucket(value)].insertInOrder(value);
  }

  remove(node: ListNode): void {
    this.#size--;
    this.#lists[this.#bucket(node.value)].remove(node);
  }

  clear(): QueuedMessage[] {
    this.#size = 0;
    const out: QueuedMessage[] = [];
    for (let b = 9; b >= 0; b--) out.push(...this.#lists[b].clear());
    return out;
  }

  *values(): IterableIterator<QueuedMessage> {
    for (let n = this.first(); n; n = this.after(n)) yield n.value;
  }
}
