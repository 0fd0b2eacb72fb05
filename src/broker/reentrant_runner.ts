/**
 * Runs a pass of work without ever nesting it: a delivery can synchronously
 * cause an ack (vm:// clients) and so a request for another dispatch; such a
 * request made during a pass becomes one more pass of the same loop instead of
 * recursion into a half-updated dispatcher.
 */
export class ReentrantRunner {
  readonly #pass: () => void;
  #running = false;
  #again = false;

  constructor(pass: () => void) {
    this.#pass = pass;
  }

  run(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        this.#pass();
      } while (this.#again);
    } finally {
      this.#running = false;
    }
  }
}
