/**
 * Memory accounting for producer flow control (ActiveMQ's systemUsage /
 * memoryUsage and per-destination `memoryLimit`). A message counts from the
 * moment it is accepted until it is consumed, dropped or expired; each counts
 * at least 1 KiB, as in ActiveMQ.
 */
import { type Message, messageSize } from "../message/message.ts";
import { noteReleasedBytes } from "../memory_pressure.ts";

const MINIMUM_MESSAGE_SIZE = 1024;

export function usageOf(message: Message): number {
  return Math.max(MINIMUM_MESSAGE_SIZE, messageSize(message));
}

interface Waiter {
  usage: MemoryUsage;
  resolve(): void;
}

export class MemoryUsage {
  readonly name: string;
  readonly limit: number;
  readonly parent: MemoryUsage | undefined;
  #used = 0;
  /** Only the root keeps waiters: every release reaches it, wherever space was freed. */
  #waiters: Waiter[] = [];

  /** `limit` 0 or less means no limit of its own (the parent's still applies). */
  constructor(name: string, limit: number, parent?: MemoryUsage) {
    this.name = name;
    this.limit = limit;
    this.parent = parent;
  }

  get used(): number {
    return this.#used;
  }

  /** The first usage on the way to the root that is at or over its limit, if any. */
  get fullOne(): MemoryUsage | undefined {
    if (this.limit > 0 && this.#used >= this.limit) return this;
    return this.parent?.fullOne;
  }

  get full(): boolean {
    return this.fullOne !== undefined;
  }

  add(bytes: number): void {
    this.#used += bytes;
    this.parent?.add(bytes);
  }

  release(bytes: number): void {
    this.#used -= bytes;
    if (this.parent) {
      this.parent.release(bytes);
      return;
    }
    noteReleasedBytes(bytes);
    if (this.#waiters.length > 0) this.#wakeReady();
  }

  /** Resolves once neither this usage nor its ancestors are full. */
  waitForSpace(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.#root().#waiters.push({ usage: this, resolve }));
  }

  #root(): MemoryUsage {
    return this.parent ? this.parent.#root() : this;
  }

  #wakeReady(): void {
    const still: Waiter[] = [];
    const ready: Waiter[] = [];
    for (const w of this.#waiters) (w.usage.full ? still : ready).push(w);
    this.#waiters = still;
    for (const w of ready) w.resolve();
  }

  /** Wakes every waiter (the broker is stopping); they re-check and find it gone. */
  wakeAll(): void {
    const all = this.#root().#waiters;
    this.#root().#waiters = [];
    for (const w of all) w.resolve();
  }
}
