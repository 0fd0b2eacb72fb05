/**
 * What one connector worker knows about MQTT client ids beyond a single connection: which
 * connection holds each client id (for session takeover), the packet ids a persistent
 * session has in flight between connections, and the timers of delayed Wills and of MQTT 5
 * session expiry.
 *
 * It lives in the worker, so it only sees the connections of its own connector: a client
 * that reconnects through another connector (TCP after WebSocket, say) cannot take over the
 * first connection; the core then refuses the duplicate client id.
 *
 * @module
 */

/** A live MQTT connection as the registry sees it. */
export interface MqttSessionHolder {
  /** Closes the connection because its client id connected again; resolves once it is gone. */
  takeOver(): Promise<void>;
}

/** Session state the core does not keep: packet ids that outlive a connection. */
export interface MqttInflightState {
  /** Inbound QoS 2 packet ids whose message was accepted, waiting for the client's PUBREL. */
  inboundQoS2: Set<number>;
  /** Outbound QoS 2 packet ids that got PUBREC but not yet PUBCOMP (PUBREL is sent again on reconnect). */
  pendingPubrel: Set<number>;
}

type TimerKind = "will" | "expiry";

/** setTimeout's largest delay; longer ones are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * @example
 * ```ts
 * const registry = new MqttSessionRegistry();
 * await registry.exclusive("client-1", async () => {
 *   await registry.holder("client-1")?.takeOver();
 *   registry.register("client-1", holder);
 * });
 * ```
 */
export class MqttSessionRegistry {
  readonly #holders = new Map<string, MqttSessionHolder>();
  readonly #locks = new Map<string, Promise<void>>();
  readonly #inflight = new Map<string, MqttInflightState>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #stopped = false;

  /** Runs `fn` while no other `exclusive` call for `clientId` runs (CONNECTs of one id, one at a time). */
  async exclusive<T>(clientId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(clientId) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => release = resolve);
    const tail = previous.then(() => mine);
    this.#locks.set(clientId, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#locks.get(clientId) === tail) this.#locks.delete(clientId);
    }
  }

  holder(clientId: string): MqttSessionHolder | undefined {
    return this.#holders.get(clientId);
  }

  register(clientId: string, holder: MqttSessionHolder): void {
    this.#holders.set(clientId, holder);
  }

  /** Forgets `holder` unless another connection has registered the id since. */
  unregister(clientId: string, holder: MqttSessionHolder): void {
    if (this.#holders.get(clientId) === holder) this.#holders.delete(clientId);
  }

  /** The in-flight state a persistent session left behind, removed from the registry. */
  takeInflight(clientId: string): MqttInflightState | undefined {
    const state = this.#inflight.get(clientId);
    this.#inflight.delete(clientId);
    return state;
  }

  saveInflight(clientId: string, state: MqttInflightState): void {
    if (state.inboundQoS2.size === 0 && state.pendingPubrel.size === 0) this.#inflight.delete(clientId);
    else this.#inflight.set(clientId, state);
  }

  dropInflight(clientId: string): void {
    this.#inflight.delete(clientId);
  }

  /** Runs `fn` after `ms` unless cancelled, replaced, or the registry is stopped. */
  schedule(clientId: string, kind: TimerKind, ms: number, fn: () => void): void {
    if (this.#stopped) return;
    this.cancel(clientId, kind);
    const key = `${kind}\u0000${clientId}`;
    const arm = (left: number) => {
      this.#timers.set(
        key,
        setTimeout(() => {
          if (left > MAX_TIMER_MS) return arm(left - MAX_TIMER_MS);
          this.#timers.delete(key);
          fn();
        }, Math.min(left, MAX_TIMER_MS)),
      );
    };
    arm(Math.max(0, ms));
  }

  cancel(clientId: string, kind: TimerKind): boolean {
    const key = `${kind}\u0000${clientId}`;
    const timer = this.#timers.get(key);
    if (timer === undefined) return false;
    clearTimeout(timer);
    this.#timers.delete(key);
    return true;
  }

  /** The connector is stopping: no timer fires any more. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
