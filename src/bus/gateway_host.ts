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

const SESSION_OPS: Record<SessionOp, (s: BrokerSession, a: any[]) => Promise<unknown>> = {
  addConsumer: (s, a) => s.addConsumer(a[0]),
  removeConsumer: (s, a) => s.removeConsumer(a[0]),
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
  createTemporaryDestination: (s, a) => s.createTemporaryDestination(a[0]),
  deleteTemporaryDestination: (s, a) => s.deleteTemporaryDestination(a[0]),
  close: (s) => s.close(),
};

export class GatewayHost {
  readonly #gateway: BrokerGateway;
  readonly #port: BatchingPort<CoreToConnector>;
  readonly #sessions = new Map<string, BrokerSession>();
  readonly #log: Logger;

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
      const conn = command.info.connectionId;
      this.#gateway.connect(command.info, {
        deliver: (d) => this.#port.post({ k: "deliver", conn, consumerId: d.consumerId, message: d.message }),
        browseEnd: (consumerId) => this.#port.post({ k: "browseEnd", conn, consumerId }),
        pullExpired: (consumerId) => this.#port.post({ k: "pullExpired", conn, consumerId }),
        closed: (reason) => {
          this.#sessions.delete(conn);
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
    if (command.k !== "call") return false;
    const session = this.#sessions.get(command.conn);
    if (!session) {
      this.#reply(command.id, undefined, new Error(`Unknown connection ${command.conn}`));
      return true;
    }
    if (command.op === "close") this.#sessions.delete(command.conn);
    let result: Promise<unknown>;
    try {
      result = SESSION_OPS[command.op](session, command.args);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then((value) => this.#reply(command.id, value), (err) => this.#reply(command.id, undefined, err));
    return true;
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
