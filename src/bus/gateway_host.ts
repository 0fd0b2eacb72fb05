/**
 * Core side of the bus: runs the calls a connector worker makes against the
 * real gateway and posts replies and deliveries back. When the worker goes
 * away, every connection it held is closed.
 */
import { serializeError } from "../broker/errors.ts";
import type { BrokerGateway, BrokerSession } from "../broker/types.ts";
import type { Logger } from "../log.ts";
import type { BatchingPort } from "./batching_port.ts";
import type { ConnectorToCore, CoreToConnector, SessionOp } from "./commands.ts";
import { deliveryBytes } from "./remote_gateway.ts";
import type { Delivery } from "../broker/types.ts";

/**
 * Delivered bytes a connection may have in flight to its worker before more
 * deliveries wait here (as references) until it reports them written: each
 * delivery crossing the bus is a structured-clone copy, and a consumer with a
 * large prefetch of large messages would otherwise hold all of them at once.
 * At least one delivery is always in flight, however large.
 */
const DISPATCH_WINDOW_BYTES = 4 * 1024 * 1024;

interface DispatchWindow {
  bytes: number;
  waiting: Delivery[];
}

const SESSION_OPS: Record<SessionOp, (s: BrokerSession, a: any[]) => Promise<unknown>> = {
  addConsumer: (s, a) => s.addConsumer(a[0]),
  removeConsumer: (s, a) => s.removeConsumer(a[0], a[1]),
  removeDurableSubscription: (s, a) => s.removeDurableSubscription(a[0]),
  send: (s, a) => s.send(a[0], a[1]),
  ack: (s, a) => s.ack(a[0]),
  beginTransaction: (s, a) => s.beginTransaction(a[0], a[1]),
  commitTransaction: (s, a) => s.commitTransaction(a[0]),
  rollbackTransaction: (s, a) => s.rollbackTransaction(a[0]),
  prepareTransaction: (s, a) => s.prepareTransaction(a[0]),
  recoverTransactions: (s) => s.recoverTransactions(),
  forgetTransaction: (s, a) => s.forgetTransaction(a[0]),
  pull: (s, a) => s.pull(a[0], a[1]),
  createTemporaryDestination: (s, a) => s.createTemporaryDestination(a[0], a[1]),
  deleteTemporaryDestination: (s, a) => s.deleteTemporaryDestination(a[0]),
  close: (s) => s.close(),
};

export class GatewayHost {
  readonly #gateway: BrokerGateway;
  readonly #port: BatchingPort<CoreToConnector>;
  readonly #sessions = new Map<string, BrokerSession>();
  readonly #log: Logger;
  readonly #windows = new Map<string, DispatchWindow>();

  constructor(gateway: BrokerGateway, port: BatchingPort<CoreToConnector>, log: Logger) {
    this.#gateway = gateway;
    this.#port = port;
    this.#log = log;
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  handle(command: ConnectorToCore): boolean {
    if (command.k === "connect") {
      const conn = command.conn;
      this.#gateway.connect(command.info, {
        deliver: (d) => this.#deliver(conn, d),
        browseEnd: (consumerId) => this.#port.post({ k: "browseEnd", conn, consumerId }),
        pullExpired: (consumerId) => this.#port.post({ k: "pullExpired", conn, consumerId }),
        closed: (reason) => {
          this.#sessions.delete(conn);
          this.#windows.delete(conn);
          this.#port.post({ k: "closed", conn, reason });
        },
      }).then(
        (session) => {
          this.#sessions.set(conn, session);
          this.#reply(command.id);
        },
        (err) => this.#reply(command.id, undefined, err),
      );
      return true;
    }
    if (command.k === "written") {
      this.#written(command.conn, command.bytes);
      return true;
    }
    if (command.k !== "call") return false;
    const session = this.#sessions.get(command.conn);
    if (!session) {
      this.#reply(command.id, undefined, new Error(`Unknown connection ${command.conn}`));
      return true;
    }
    if (command.op === "close") {
      this.#sessions.delete(command.conn);
      this.#windows.delete(command.conn);
    }
    let result: Promise<unknown>;
    try {
      result = SESSION_OPS[command.op](session, command.args);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then((value) => this.#reply(command.id, value), (err) => this.#reply(command.id, undefined, err));
    return true;
  }

  #deliver(conn: string, d: Delivery): void {
    let window = this.#windows.get(conn);
    if (!window) this.#windows.set(conn, window = { bytes: 0, waiting: [] });
    const bytes = deliveryBytes(d.message);
    if (window.waiting.length > 0 || (window.bytes > 0 && window.bytes + bytes > DISPATCH_WINDOW_BYTES)) {
      window.waiting.push(d);
      return;
    }
    window.bytes += bytes;
    this.#port.post({ k: "deliver", conn, consumerId: d.consumerId, message: d.message });
  }

  #written(conn: string, bytes: number): void {
    const window = this.#windows.get(conn);
    if (!window) return;
    window.bytes -= bytes;
    while (window.waiting.length > 0) {
      const next = deliveryBytes(window.waiting[0].message);
      if (window.bytes > 0 && window.bytes + next > DISPATCH_WINDOW_BYTES) break;
      const d = window.waiting.shift()!;
      window.bytes += next;
      this.#port.post({ k: "deliver", conn, consumerId: d.consumerId, message: d.message });
    }
  }

  #reply(id: number, value?: unknown, err?: unknown): void {
    if (err === undefined) this.#port.post({ k: "reply", id, value });
    else this.#port.post({ k: "reply", id, error: serializeError(err) });
  }

  /** The worker is gone: its connections are gone too. */
  closeAll(): void {
    for (const [conn, session] of this.#sessions) {
      session.close().catch((err) => this.#log.error(`Closing connection ${conn} failed`, err));
    }
    this.#sessions.clear();
  }
}
