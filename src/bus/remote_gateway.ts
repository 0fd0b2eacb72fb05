/**
 * Worker side of the bus: a BrokerGateway whose sessions forward every call to
 * the core and resolve when its reply arrives. Replies come back in call order.
 */
import { deserializeError } from "../broker/errors.ts";
import type {
  AckInfo,
  BrokerGateway,
  BrokerSession,
  ConnectionInfo,
  ConnectionListener,
  ConsumerInfo,
  XaTransactionId,
} from "../broker/types.ts";
import type { Destination } from "../message/destination.ts";
import type { Message } from "../message/message.ts";
import type { BatchingPort } from "./batching_port.ts";
import { transferableBody } from "./batching_port.ts";
import type { ConnectorToCore, CoreToConnector, SessionOp } from "./commands.ts";

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class RemoteGateway implements BrokerGateway {
  readonly #port: BatchingPort<ConnectorToCore>;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<string, ConnectionListener>();
  #nextId = 1;
  #connectSeq = 0;

  constructor(port: BatchingPort<ConnectorToCore>) {
    this.#port = port;
  }

  async connect(info: ConnectionInfo, listener: ConnectionListener): Promise<BrokerSession> {
    const conn = `${info.connectionId}#${++this.#connectSeq}`;
    this.#listeners.set(conn, listener);
    const id = this.#nextId++;
    try {
      await this.#await(id, () => this.#port.post({ k: "connect", id, conn, info }));
    } catch (err) {
      this.#listeners.delete(conn);
      throw err;
    }
    return new RemoteSession(this, conn, info.connectionId);
  }

  call(conn: string, op: SessionOp, args: unknown[], transfer?: Transferable): Promise<unknown> {
    const id = this.#nextId++;
    return this.#await(id, () => this.#port.post({ k: "call", id, conn, op, args }, transfer));
  }

  /** Written bytes per connection, reported once per turn rather than per delivery. */
  readonly #writtenBytes = new Map<string, number>();

  #written(conn: string, bytes: number): void {
    const before = this.#writtenBytes.get(conn);
    this.#writtenBytes.set(conn, (before ?? 0) + bytes);
    if (this.#writtenBytes.size === 1 && before === undefined) {
      queueMicrotask(() => {
        for (const [c, b] of this.#writtenBytes) this.#port.post({ k: "written", conn: c, bytes: b });
        this.#writtenBytes.clear();
      });
    }
  }

  forget(conn: string): void {
    this.#listeners.delete(conn);
  }

  #await(id: number, post: () => void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      post();
    });
  }

  /** Handles one command from the core; returns false for commands that are not the gateway's. */
  handle(command: CoreToConnector): boolean {
    switch (command.k) {
      case "reply": {
        const p = this.#pending.get(command.id);
        if (!p) return true;
        this.#pending.delete(command.id);
        if (command.error) p.reject(deserializeError(command.error));
        else p.resolve(command.value);
        return true;
      }
      case "deliver": {
        const listener = this.#listeners.get(command.conn);
        const bytes = deliveryBytes(command.message);
        let done = false;
        const written = () => {
          if (done) return;
          done = true;
          this.#written(command.conn, bytes);
        };
        if (listener) listener.deliver({ consumerId: command.consumerId, message: command.message, written });
        else written();
        return true;
      }
      case "browseEnd":
        this.#listeners.get(command.conn)?.browseEnd(command.consumerId);
        return true;
      case "pullExpired":
        this.#listeners.get(command.conn)?.pullExpired?.(command.consumerId);
        return true;
      case "closed": {
        const l = this.#listeners.get(command.conn);
        this.#listeners.delete(command.conn);
        l?.closed(command.reason);
        return true;
      }
      default:
        return false;
    }
  }
}

/** What a delivery counts in a connection's dispatch window (both sides compute it the same way). */
export function deliveryBytes(message: Message): number {
  return 512 + (message.body?.byteLength ?? 0);
}

class RemoteSession implements BrokerSession {
  readonly #gateway: RemoteGateway;
  readonly connectionId: string;

  /** This connection's name on the bus. */
  readonly #conn: string;

  constructor(gateway: RemoteGateway, conn: string, connectionId: string) {
    this.#gateway = gateway;
    this.#conn = conn;
    this.connectionId = connectionId;
  }

  #call<T>(op: SessionOp, args: unknown[], transfer?: Transferable): Promise<T> {
    return this.#gateway.call(this.#conn, op, args, transfer) as Promise<T>;
  }

  addConsumer(info: ConsumerInfo): Promise<void> {
    return this.#call("addConsumer", [info]);
  }
  removeConsumer(consumerId: string, options?: { lastDeliveredMessageId?: string }): Promise<void> {
    return this.#call("removeConsumer", [consumerId, options]);
  }
  removeDurableSubscription(subscriptionName: string): Promise<void> {
    return this.#call("removeDurableSubscription", [subscriptionName]);
  }
  send(message: Message, transactionId?: string): Promise<void> {
    // The converter built this body for this one send: hand the buffer over instead of copying it.
    return this.#call("send", [message, transactionId], transferableBody(message.body));
  }
  ack(ack: AckInfo): Promise<void> {
    return this.#call("ack", [ack]);
  }
  beginTransaction(transactionId: string, xid?: XaTransactionId): Promise<void> {
    return this.#call("beginTransaction", [transactionId, xid]);
  }
  prepareTransaction(transactionId: string): Promise<void> {
    return this.#call("prepareTransaction", [transactionId]);
  }
  recoverTransactions(): Promise<XaTransactionId[]> {
    return this.#call("recoverTransactions", []);
  }
  forgetTransaction(transactionId: string): Promise<void> {
    return this.#call("forgetTransaction", [transactionId]);
  }
  pull(consumerId: string, timeoutMs: number): Promise<void> {
    return this.#call("pull", [consumerId, timeoutMs]);
  }
  commitTransaction(transactionId: string): Promise<void> {
    return this.#call("commitTransaction", [transactionId]);
  }
  rollbackTransaction(transactionId: string): Promise<void> {
    return this.#call("rollbackTransaction", [transactionId]);
  }
  createTemporaryDestination(
    type: "temp-queue" | "temp-topic",
    options?: { name?: string },
  ): Promise<Destination> {
    return this.#call("createTemporaryDestination", [type, options]);
  }
  deleteTemporaryDestination(destination: Destination): Promise<void> {
    return this.#call("deleteTemporaryDestination", [destination]);
  }
  async close(): Promise<void> {
    try {
      await this.#call("close", []);
    } finally {
      this.#gateway.forget(this.#conn);
    }
  }
}
