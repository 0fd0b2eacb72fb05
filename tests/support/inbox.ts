/**
 * What a test client has received, with bounded waits: the one piece of
 * waiting logic the raw protocol clients share. A reader pushes items and
 * marks the inbox closed; tests take items (optionally matching), wait for the
 * close, or collect whatever arrives in a short window.
 */
export interface InboxNames {
  /** Ends "Connection closed while waiting for …", e.g. "a frame". */
  awaited: string;
  /** Fills "No … within N ms", e.g. "frame". */
  missing: string;
}

export class Inbox<T> {
  readonly #items: T[] = [];
  readonly #names: InboxNames;
  #waiters: (() => void)[] = [];
  #closed = false;

  /** `names` words the errors of `take`, so each client keeps the wording its tests know. */
  constructor(names: InboxNames = { awaited: "an item", missing: "item" }) {
    this.#names = names;
  }

  get closed(): boolean {
    return this.#closed;
  }

  push(item: T): void {
    this.#items.push(item);
    this.#wake();
  }

  /** Wakes waiters without an item (e.g. a counter the client keeps changed). */
  notify(): void {
    this.#wake();
  }

  close(): void {
    this.#closed = true;
    this.#wake();
  }

  /** The first item that matches (others stay); fails after `timeoutMs` or when the connection closes. */
  async take(match: (item: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.#items.findIndex(match);
      if (i >= 0) return this.#items.splice(i, 1)[0];
      if (this.#closed) throw new Error(`Connection closed while waiting for ${this.#names.awaited}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No ${this.#names.missing} within ${timeoutMs} ms`);
      await this.wait(left);
    }
  }

  /** Resolves true once `condition` holds, false after `timeoutMs`. */
  async until(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.wait(left);
    }
    return true;
  }

  /** Resolves true when the connection closes within `timeoutMs`. */
  waitClosed(timeoutMs = 5000): Promise<boolean> {
    return this.until(() => this.#closed, timeoutMs);
  }

  /** Items that arrive within `ms` (for asserting that nothing more comes). */
  async collectFor(ms: number): Promise<T[]> {
    await this.until(() => this.#closed, ms);
    return this.#items.splice(0);
  }

  drain(): T[] {
    return this.#items.splice(0);
  }

  /** Waits for the next push, notify or close, at most `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve();
      }, ms);
      this.#waiters.push(done);
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
