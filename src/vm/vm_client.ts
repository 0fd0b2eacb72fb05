/**
 * The in-process vm:// client: send, subscribe and acknowledge against the
 * core directly, without sockets or workers. For embedding and tests.
 */
import { BrokerError } from "../broker/errors.ts";
import type { AckMode, BrokerGateway, BrokerSession, XaTransactionId } from "../broker/types.ts";
import { xidKey } from "../store/persistence_adapter.ts";
import { type Destination, parseDestination } from "../message/destination.ts";
import {
  bodyAsText,
  DEFAULT_PRIORITY,
  type Message,
  type PropertyValue,
  textBody,
} from "../message/message.ts";

export interface VmConnectionOptions {
  clientId?: string;
  userName?: string;
  password?: string;
}

export interface VmSendOptions {
  persistent?: boolean;
  priority?: number;
  /** Milliseconds from now; 0 or absent = never expires. */
  timeToLive?: number;
  /** Absolute expiry (epoch ms), as a JMS client would stamp it; wins over timeToLive. */
  expiration?: number;
  correlationId?: string;
  replyTo?: string | Destination;
  type?: string;
  properties?: Record<string, PropertyValue>;
  /** JMSXGroupID / JMSXGroupSeq (a seq of -1 closes the group). */
  group?: { id: string; seq?: number };
  transaction?: VmTransaction;
}

export interface VmSubscribeOptions {
  /** `auto` (default) acknowledges as `receive()` hands a message over. */
  ackMode?: AckMode;
  selector?: string;
  prefetch?: number;
  noLocal?: boolean;
  /** Durable topic subscription name; needs a clientId on the connection. */
  subscriptionName?: string;
  exclusive?: boolean;
  priority?: number;
  /** Topics: first get the retained message of each matching topic. */
  retroactive?: boolean;
  /** Topics: share one subscription with the other consumers of this group. */
  shareGroup?: string;
}

let connectionSeq = 0;

/** `queue://a`, `topic://b`, `temp-queue://…` or a plain queue name. */
function toDestination(d: string | Destination): Destination {
  return typeof d === "string" ? parseDestination(d, "queue") : d;
}

export class VmConnection implements AsyncDisposable {
  readonly #session: BrokerSession;
  readonly #subscriptions = new Map<string, VmSubscription>();
  #consumerSeq = 0;
  #messageSeq = 0;
  #txSeq = 0;

  private constructor(session: BrokerSession) {
    this.#session = session;
  }

  static async open(gateway: BrokerGateway, options: VmConnectionOptions = {}): Promise<VmConnection> {
    const connectionId = `ID:vm-${Date.now()}-${++connectionSeq}`;
    const pending: { connection?: VmConnection } = {};
    const session = await gateway.connect({
      connectionId,
      clientId: options.clientId,
      userName: options.userName,
      password: options.password,
      remoteAddress: "vm://localhost",
      connector: "vm",
    }, {
      deliver: (d) => pending.connection?.subscription(d.consumerId)?.push(d.message),
      browseEnd: (consumerId) => pending.connection?.subscription(consumerId)?.end(),
      pullExpired: (consumerId) => pending.connection?.subscription(consumerId)?.expirePull(),
      closed: () => pending.connection?.endAll(),
    });
    pending.connection = new VmConnection(session);
    return pending.connection;
  }

  get connectionId(): string {
    return this.#session.connectionId;
  }

  /** @internal the subscription a delivery is for. */
  subscription(consumerId: string): VmSubscription | undefined {
    return this.#subscriptions.get(consumerId);
  }

  /** @internal the broker closed this connection. */
  endAll(): void {
    for (const s of this.#subscriptions.values()) s.end();
  }

  async send(
    destination: string | Destination,
    body: string | Uint8Array,
    options: VmSendOptions = {},
  ): Promise<string> {
    const now = Date.now();
    const messageId = `${this.#session.connectionId}:1:1:${++this.#messageSeq}`;
    const message: Message = {
      messageId,
      destination: toDestination(destination),
      replyTo: options.replyTo === undefined ? undefined : toDestination(options.replyTo),
      correlationId: options.correlationId,
      type: options.type,
      priority: options.priority ?? DEFAULT_PRIORITY,
      expiration: options.expiration ?? (options.timeToLive ? now + options.timeToLive : 0),
      timestamp: now,
      persistent: options.persistent ?? true,
      redeliveryCounter: 0,
      groupId: options.group?.id,
      groupSeq: options.group?.seq,
      properties: { ...options.properties },
      bodyKind: typeof body === "string" ? "text" : "bytes",
      body: typeof body === "string" ? textBody(body) : body,
    };
    await this.#session.send(message, options.transaction?.id);
    return messageId;
  }

  async subscribe(
    destination: string | Destination,
    options: VmSubscribeOptions = {},
  ): Promise<VmSubscription> {
    const consumerId = `${this.#session.connectionId}:1:${++this.#consumerSeq}`;
    const ackMode = options.ackMode ?? "auto";
    const sub = new VmSubscription(
      this.#session,
      consumerId,
      ackMode,
      () => this.#subscriptions.delete(consumerId),
      options.prefetch === 0,
    );
    this.#subscriptions.set(consumerId, sub);
    try {
      await this.#session.addConsumer({
        consumerId,
        destination: toDestination(destination),
        ackMode,
        ...options,
      });
    } catch (err) {
      this.#subscriptions.delete(consumerId);
      throw err;
    }
    return sub;
  }

  /** Every message of a queue right now, without consuming them. */
  async browse(queue: string | Destination): Promise<Message[]> {
    const consumerId = `${this.#session.connectionId}:browser:${++this.#consumerSeq}`;
    const sub = new VmSubscription(
      this.#session,
      consumerId,
      "auto",
      () => this.#subscriptions.delete(consumerId),
    );
    this.#subscriptions.set(consumerId, sub);
    await this.#session.addConsumer({
      consumerId,
      destination: toDestination(queue),
      ackMode: "auto",
      browser: true,
    });
    this.#subscriptions.delete(consumerId);
    return sub.drain();
  }

  async begin(): Promise<VmTransaction> {
    const tx = new VmTransaction(this.#session, `TX:${this.#session.connectionId}:${++this.#txSeq}`);
    await this.#session.beginTransaction(tx.id);
    return tx;
  }

  /** Starts an XA branch; `prepare()` then `commit()`/`rollback()`, from here or another connection. */
  async beginXa(xid: XaTransactionId): Promise<VmTransaction> {
    const tx = new VmTransaction(this.#session, xidKey(xid));
    await this.#session.beginTransaction(tx.id, xid);
    return tx;
  }

  /** Prepared XA branches in doubt (a transaction manager's recovery scan). */
  recover(): Promise<XaTransactionId[]> {
    return this.#session.recoverTransactions();
  }

  /** Completes an in-doubt branch found by `recover()`. */
  commitXa(xid: XaTransactionId): Promise<void> {
    return this.#session.commitTransaction(xidKey(xid));
  }

  rollbackXa(xid: XaTransactionId): Promise<void> {
    return this.#session.rollbackTransaction(xidKey(xid));
  }

  createTemporaryQueue(): Promise<Destination> {
    return this.#session.createTemporaryDestination("temp-queue");
  }

  createTemporaryTopic(): Promise<Destination> {
    return this.#session.createTemporaryDestination("temp-topic");
  }

  unsubscribe(subscriptionName: string): Promise<void> {
    return this.#session.removeDurableSubscription(subscriptionName);
  }

  async close(): Promise<void> {
    for (const s of this.#subscriptions.values()) s.end();
    this.#subscriptions.clear();
    await this.#session.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

export class VmTransaction {
  readonly id: string;
  readonly #session: BrokerSession;

  constructor(session: BrokerSession, id: string) {
    this.#session = session;
    this.id = id;
  }

  commit(): Promise<void> {
    return this.#session.commitTransaction(this.id);
  }

  rollback(): Promise<void> {
    return this.#session.rollbackTransaction(this.id);
  }

  /** XA phase one. */
  prepare(): Promise<void> {
    return this.#session.prepareTransaction(this.id);
  }
}

/** A message handed to the application, with its acknowledgement. */
export interface VmMessage {
  readonly message: Message;
  text(): string;
  /** client: acknowledges this and every earlier message; individual: only this one. */
  ack(transaction?: VmTransaction): Promise<void>;
  /** Refuses the message (dead-letter handling). */
  nack(transaction?: VmTransaction): Promise<void>;
}

export class VmSubscription implements AsyncIterable<VmMessage> {
  readonly consumerId: string;
  readonly #session: BrokerSession;
  readonly #ackMode: AckMode;
  readonly #onClose: () => void;
  /** Prefetch 0: every receive asks the broker for one message. */
  readonly #pulls: boolean;
  #buffer: Message[] = [];
  #waiters: ((m: Message | null) => void)[] = [];
  #ended = false;

  constructor(
    session: BrokerSession,
    consumerId: string,
    ackMode: AckMode,
    onClose: () => void,
    pulls = false,
  ) {
    this.#session = session;
    this.consumerId = consumerId;
    this.#ackMode = ackMode;
    this.#onClose = onClose;
    this.#pulls = pulls;
  }

  /** The broker had nothing for a pull: the waiting receive gets null. */
  expirePull(): void {
    this.#waiters.shift()?.(null);
  }

  push(message: Message): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(message);
    else this.#buffer.push(message);
  }

  end(): void {
    this.#ended = true;
    for (const w of this.#waiters.splice(0)) w(null);
  }

  drain(): Message[] {
    const all = this.#buffer;
    this.#buffer = [];
    return all;
  }

  /** The next message, or null when the subscription ends or `timeoutMs` passes. */
  async receive(timeoutMs?: number): Promise<VmMessage | null> {
    let message = this.#buffer.shift() ?? null;
    if (!message && !this.#ended && this.#pulls) {
      // The broker answers a pull with a message or, once the timeout passes, pullExpired.
      const answer = new Promise<Message | null>((resolve) => this.#waiters.push(resolve));
      await this.#session.pull(this.consumerId, timeoutMs ?? -1);
      message = await answer;
    } else if (!message && !this.#ended) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      message = await new Promise<Message | null>((resolve) => {
        this.#waiters.push(resolve);
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            const i = this.#waiters.indexOf(resolve);
            if (i >= 0) this.#waiters.splice(i, 1);
            resolve(null);
          }, timeoutMs);
        }
      });
      clearTimeout(timer);
    }
    if (!message) return null;
    if (this.#ackMode === "auto") {
      await this.#session.ack({
        consumerId: this.consumerId,
        messageId: message.messageId,
        kind: "individual",
      });
    }
    return this.#wrap(message);
  }

  #wrap(message: Message): VmMessage {
    const ack = (kind: "standard" | "individual" | "poison", tx?: VmTransaction) => {
      if (this.#ackMode === "auto") {
        return Promise.reject(
          new BrokerError(
            "illegal-state",
            "Messages of an auto-acknowledge subscription are acknowledged on receipt",
          ),
        );
      }
      return this.#session.ack({
        consumerId: this.consumerId,
        messageId: message.messageId,
        kind,
        cumulative: this.#ackMode === "client",
        transactionId: tx?.id,
      });
    };
    return {
      message,
      text: () => bodyAsText(message),
      ack: (tx) => ack(this.#ackMode === "client" ? "standard" : "individual", tx),
      nack: (tx) => ack("poison", tx),
    };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<VmMessage> {
    for (;;) {
      const m = await this.receive();
      if (!m) return;
      yield m;
    }
  }

  async close(): Promise<void> {
    this.end();
    this.#onClose();
    await this.#session.removeConsumer(this.consumerId);
  }
}
