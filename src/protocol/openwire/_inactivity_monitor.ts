/**
 * OpenWire inactivity monitoring (openwire.md 3.4), both ways, once the wire formats are
 * negotiated: a read check every `maxInactivityDuration` (first after the initial delay)
 * fails the connection when not a byte arrived since the previous check, and a write check
 * three times as often sends a KeepAliveInfo when nothing was written since the last one.
 *
 * @module
 */

export interface InactivityMonitorOptions {
  /** Negotiated maxInactivityDuration (ms); 0 disables the monitor. */
  maxInactivityDuration: number;
  /** Negotiated maxInactivityDurationInitalDelay (ms). */
  initialDelay: number;
  /** Time of the last completed write (the FrameWriter's `lastWrite`). */
  lastWrite(): number;
  sendKeepAlive(): void;
  /**
   * True while the reader has stopped reading on purpose (backpressure): bytes then wait
   * in the socket and do not count as silence (ActiveMQ skips the check while it is busy
   * receiving, too).
   */
  readPaused(): boolean;
  onInactive(message: string): void;
}

export class InactivityMonitor {
  readonly #options: InactivityMonitorOptions;
  /** The WireFormatInfo that started the monitor was just read. */
  #readSinceCheck = true;
  #lastWriteCheck = Date.now();
  readonly #timers: ReturnType<typeof setTimeout>[] = [];
  #stopped = false;

  constructor(options: InactivityMonitorOptions) {
    this.#options = options;
  }

  /** Call on every chunk read. */
  noteRead(): void {
    this.#readSinceCheck = true;
  }

  start(): void {
    const period = this.#options.maxInactivityDuration;
    if (period <= 0 || this.#stopped) return;
    const delay = Math.max(0, this.#options.initialDelay);
    const writePeriod = period > 3 ? Math.floor(period / 3) : period;
    this.#lastWriteCheck = Date.now();
    this.#timers.push(setTimeout(() => {
      if (this.#stopped) return;
      this.#readCheck();
      this.#timers.push(setInterval(() => this.#readCheck(), period));
    }, delay));
    this.#timers.push(setTimeout(() => {
      if (this.#stopped) return;
      this.#writeCheck();
      this.#timers.push(setInterval(() => this.#writeCheck(), writePeriod));
    }, delay));
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.length = 0;
  }

  #readCheck(): void {
    if (this.#stopped) return;
    const active = this.#readSinceCheck || this.#options.readPaused();
    this.#readSinceCheck = false;
    if (!active) {
      this.#options.onInactive(
        `Channel was inactive for too long (no data for ${this.#options.maxInactivityDuration} ms)`,
      );
    }
  }

  #writeCheck(): void {
    if (this.#stopped) return;
    const now = Date.now();
    if (this.#options.lastWrite() < this.#lastWriteCheck) this.#options.sendKeepAlive();
    this.#lastWriteCheck = now;
  }
}
