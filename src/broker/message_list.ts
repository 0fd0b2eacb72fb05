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

export class MessageList {
  #head: ListNode | null = null;
  #tail: ListNode | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get head(): ListNode | null {
    return this.#head;
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
