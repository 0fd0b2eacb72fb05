/**
 * Backpressure on a connection's read loop: broker calls (and the message bytes
 * they carry) still in flight are counted, and the reader stops reading while
 * too many pile up. It resumes at half the limits, not just under them, so a
 * fast producer does not make it flap between pausing and reading one frame.
 */

export interface OutstandingLimits {
  /** Calls in flight above which the reader pauses. */
  maxCalls: number;
  /** Bytes in flight above which the reader pauses (big messages pause it sooner); unlimited by default. */
  maxBytes?: number;
}

export class OutstandingCalls {
  readonly #maxCalls: number;
  readonly #maxBytes: number;
  #calls = 0;
  #bytes = 0;
  #drained: (() => void) | undefined;
  #released = false;

  constructor(limits: OutstandingLimits) {
    this.#maxCalls = limits.maxCalls;
    this.#maxBytes = limits.maxBytes ?? Infinity;
  }

  /** Counts `call` (carrying `bytes`) until it settles, either way. */
  track(call: Promise<unknown>, bytes = 0): void {
    this.#calls++;
    this.#bytes += bytes;
    const settle = () => {
      this.#calls--;
      this.#bytes -= bytes;
      if (this.#belowHalf()) this.#resume();
    };
    call.then(settle, settle);
  }

  /** True when the reader should pause. */
  get overLimit(): boolean {
    return this.#calls > this.#maxCalls || this.#bytes > this.#maxBytes;
  }

  /** Resolves once in-flight calls and bytes are back to half the limits, or at `release()`. */
  whenDrained(): Promise<void> {
    if (this.#released || this.#belowHalf()) return Promise.resolve();
    return new Promise((resolve) => this.#drained = resolve);
  }

  /** For a closing connection: wakes a paused reader now and never pauses it again. */
  release(): void {
    this.#released = true;
    this.#resume();
  }

  #resume(): void {
    const resume = this.#drained;
    this.#drained = undefined;
    resume?.();
  }

  #belowHalf(): boolean {
    return this.#calls <= this.#maxCalls / 2 && this.#bytes <= this.#maxBytes / 2;
  }
}
