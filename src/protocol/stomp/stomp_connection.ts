/**
 * One STOMP connection: reads frames, turns them into broker operations, and
 * writes MESSAGE/RECEIPT/ERROR frames back through a single writer.
 *
 * Errors: a protocol violation (malformed frame, unknown command, missing
 * header, frame too large) gets an ERROR frame and the connection closes; a
 * refusal by the broker (bad selector, unknown transaction, …) gets an ERROR
 * frame and the connection stays open, as in ActiveMQ.
 */
import { BrokerError } from "../../broker/errors.ts";
import type { AckInfo, BrokerSession, ConsumerInfo, Delivery } from "../../broker/types.ts";
import type { Destination } from "../../message/destination.ts";
import { FrameWriter } from "../../transport/frame_writer.ts";
import { OutstandingCalls } from "../../transport/outstanding_calls.ts";
import type { ByteStream, ConnectionContext } from "../../transport/protocol.ts";
import {
  DEFAULT_STOMP_LIMITS,
  encodeStompFrameParts,
  header,
  HEARTBEAT_BYTES,
  type StompFrame,
  type StompLimits,
  StompParser,
  type StompVersion,
} from "./codec.ts";
import { StompDestinations } from "./destinations.ts";
import { StompProtocolError } from "./errors.ts";
import { frameToMessage } from "./frame_to_message.ts";
import { negotiateHeartBeat } from "./heartbeat.ts";
import { messageToFrame } from "./message_to_frame.ts";

const SUPPORTED_VERSIONS: readonly StompVersion[] = ["1.0", "1.1", "1.2"];
const SERVER = "ActiveMQ/5.17.2";
/** Broker calls in flight before the reader stops reading (backpressure on fast producers). */
const MAX_OUTSTANDING_CALLS = 1024;
/** Message bytes of sends in flight before the reader pauses: big messages pause it sooner. */
const MAX_OUTSTANDING_BYTES = 4 * 1024 * 1024;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/**
 * ActiveMQ's multiplier defaults to 1.0, but its read check runs once per interval and fails only
 * when a whole check period saw no data, so a silent client is cut after 1× to 2× the interval
 * depending on phase. Checking twice per interval against 1.5× lands in that range without the
 * phase dependence, and never cuts a client that beats at exactly its promised rate.
 */
const DEFAULT_GRACE_MULTIPLIER = 1.5;

type StompAckMode = "auto" | "client" | "client-individual";

interface Subscription {
  id: string;
  /** The SUBSCRIBE's own id; a STOMP 1.0 SUBSCRIBE may have none, and then MESSAGE frames carry none (ActiveMQ). */
  idHeader: string | undefined;
  ackMode: StompAckMode;
  /** Until the broker confirmed the consumer (and any RECEIPT went out), deliveries wait here. */
  ready: boolean;
  waiting: Delivery[];
  /** Delivered, not yet acked: message id → ack id (STOMP 1.2), in delivery order. */
  unacked: Map<string, string>;
  browser: boolean;
  destination: Destination;
  /** SUBSCRIBE `transformation`: `jms-advisory-json` renders advisory messages as JSON bodies. */
  transformation: string | undefined;
}

export class StompConnection {
  readonly #stream: ByteStream;
  readonly #ctx: ConnectionContext;
  readonly #writer: FrameWriter;
  readonly #parser: StompParser;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #ackIds = new Map<string, { subscription: Subscription; messageId: string }>();
  readonly #destinations: StompDestinations;
  readonly #trace: boolean;
  #session: BrokerSession | undefined;
  #version: StompVersion = "1.0";
  #closed = false;
  #messageSeq = 0;
  #ackSeq = 0;
  readonly #outstanding = new OutstandingCalls({
    maxCalls: MAX_OUTSTANDING_CALLS,
    maxBytes: MAX_OUTSTANDING_BYTES,
  });
  #lastRead = Date.now();
  #timers: ReturnType<typeof setTimeout>[] = [];

  constructor(stream: ByteStream, ctx: ConnectionContext) {
    this.#stream = stream;
    this.#ctx = ctx;
    this.#writer = new FrameWriter(stream, (err) => this.#abort(`write failed: ${err}`));
    this.#parser = new StompParser(limitsFor(ctx));
    let negotiated = false;
    this.#parser.onConnect = (frame) => {
      // Only the first CONNECT negotiates; a second one is refused in #onConnect anyway.
      if (negotiated) return undefined;
      negotiated = true;
      try {
        return negotiateVersion(header(frame, "accept-version"));
      } catch {
        return undefined; // no common version: #onConnect answers with the ERROR
      }
    };
    this.#trace = ctx.connector.uri.trace;
    this.#destinations = new StompDestinations((type) =>
      this.#requireSession().createTemporaryDestination(type)
    );
  }

  async run(): Promise<void> {
    const connectTimeout = Number(
      this.#ctx.connector.uri.transport.connectAttemptTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
    if (connectTimeout > 0) {
      this.#timers.push(setTimeout(() => {
        if (!this.#session) this.#abort(`no CONNECT frame within ${connectTimeout} ms`);
      }, connectTimeout));
    }
    this.#ctx.stopping.then(() => this.#abort("broker is stopping"));
    try {
      await this.#readLoop();
    } finally {
      await this.#cleanup();
    }
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    while (!this.#closed) {
      let n: number | null;
      try {
        n = await this.#stream.read(buffer);
      } catch (err) {
        if (!this.#closed) this.#ctx.log.debug(`Read failed: ${err}`);
        return;
      }
      if (n === null) return;
      this.#lastRead = Date.now();
      for (const event of this.#parser.push(buffer.subarray(0, n))) {
        if (this.#closed) return;
        if (event.kind === "heartbeat") continue;
        if (event.kind === "error") {
          await this.#fail(new StompProtocolError(event.message));
          return;
        }
        try {
          await this.#onFrame(event.frame);
        } catch (err) {
          if (err instanceof StompProtocolError) {
            await this.#fail(err, header(event.frame, "receipt"));
            return;
          }
          this.#sendError(err, header(event.frame, "receipt"));
        }
      }
      if (this.#outstanding.overLimit) await this.#outstanding.whenDrained();
    }
  }

  // ---- frames --------------------------------------------------------------

  #onFrame(frame: StompFrame): Promise<void> | void {
    if (this.#trace) this.#ctx.log.info(`RECEIVED: ${frame.command} ${JSON.stringify(frame.headers)}`);
    const command = frame.command;
    if (command === "CONNECT" || command === "STOMP") return this.#onConnect(frame);
    if (!this.#session) {
      throw new StompProtocolError(`Not connected: expected CONNECT, got '${printable(command)}'`);
    }
    switch (command) {
      case "SEND":
        return this.#onSend(frame);
      case "SUBSCRIBE":
        return this.#onSubscribe(frame);
      case "UNSUBSCRIBE":
        return this.#onUnsubscribe(frame);
      case "ACK":
        return this.#onAck(frame, false);
      case "NACK":
        return this.#onAck(frame, true);
      case "BEGIN":
        return this.#withReceipt(frame, this.#session.beginTransaction(this.#required(frame, "transaction")));
      case "COMMIT":
        return this.#withReceipt(
          frame,
          this.#session.commitTransaction(this.#required(frame, "transaction")),
        );
      case "ABORT":
        return this.#withReceipt(
          frame,
          this.#session.rollbackTransaction(this.#required(frame, "transaction")),
        );
      case "DISCONNECT":
        return this.#onDisconnect(frame);
      default:
        throw new StompProtocolError(`Unknown STOMP action: ${printable(command)}`);
    }
  }

  async #onConnect(frame: StompFrame): Promise<void> {
    if (this.#session) throw new StompProtocolError("Already connected");
    const version = negotiateVersion(header(frame, "accept-version"));
    const hb = negotiateHeartBeat(
      header(frame, "heart-beat"),
      this.#ctx.connector.uri.transport.defaultHeartBeat ?? "0,0",
    );
    const clientId = header(frame, "client-id") ?? this.#ctx.connectionId;
    let session: BrokerSession;
    try {
      session = await this.#ctx.gateway.connect({
        connectionId: this.#ctx.connectionId,
        clientId,
        userName: header(frame, "login"),
        password: header(frame, "passcode"),
        remoteAddress: this.#ctx.remoteAddress,
        connector: this.#ctx.connector.name,
      }, {
        deliver: (d) => this.#onDeliver(d),
        browseEnd: (consumerId) => this.#onBrowseEnd(consumerId),
        closed: (reason) => this.#abort(reason),
      });
    } catch (err) {
      // ActiveMQ: "If the connection attempt fails we close the socket" (e.g. client-id in use).
      await this.#fail(err instanceof Error ? err : new Error(String(err)), header(frame, "receipt"));
      return;
    }
    this.#session = session;
    this.#version = version;
    this.#parser.version = version;
    const headers: [string, string][] = [
      ["session", clientId],
      ["heart-beat", hb.header],
      ["server", SERVER],
      ["version", version],
    ];
    // ActiveMQ answers request-id, or else receipt (legacy), with both response-id and receipt-id.
    const requestId = header(frame, "request-id") ?? header(frame, "receipt");
    if (requestId !== undefined) headers.push(["response-id", requestId], ["receipt-id", requestId]);
    this.#write({ command: "CONNECTED", headers, body: new Uint8Array(0) });
    this.#startHeartBeats(hb.sendEvery, hb.expectEvery);
  }

  async #onSend(frame: StompFrame): Promise<void> {
    const session = this.#requireSession();
    const destination = await this.#destinations.resolve(this.#required(frame, "destination"), true);
    const replyToHeader = header(frame, "reply-to");
    let replyTo: Destination | undefined;
    if (replyToHeader !== undefined) {
      try {
        replyTo = await this.#destinations.resolve(replyToHeader, false);
      } catch (err) {
        if (!(err instanceof BrokerError)) throw err;
        // Not a STOMP destination: ActiveMQ keeps it as the string property reply-to.
      }
    }
    const message = frameToMessage(frame, {
      destination,
      replyTo,
      messageId: `${this.#ctx.connectionId}:1:1:${++this.#messageSeq}`,
      now: Date.now(),
    });
    this.#withReceipt(frame, session.send(message, header(frame, "transaction")), frame.body.byteLength);
  }

  async #onSubscribe(frame: StompFrame): Promise<void> {
    const session = this.#requireSession();
    const destinationHeader = this.#required(frame, "destination");
    const idHeader = header(frame, "id");
    const id = idHeader ?? (this.#version === "1.0" ? destinationHeader : this.#required(frame, "id"));
    if (this.#subscriptions.has(id)) throw new StompProtocolError(`Duplicate subscription id: '${id}'`);
    const ack = header(frame, "ack") ?? "auto";
    if (ack !== "auto" && ack !== "client" && ack !== "client-individual") {
      throw new StompProtocolError(`Invalid ack mode '${ack}' (accepted: auto, client, client-individual)`);
    }
    const destination = await this.#destinations.resolve(destinationHeader, true);
    const browser = header(frame, "browser") === "true" || header(frame, "activemq.browser") === "true";
    const info: ConsumerInfo = {
      consumerId: id,
      destination,
      ackMode: ack === "client-individual" ? "individual" : ack,
      browser,
    };
    const selector = header(frame, "selector");
    const rawSelector = header(frame, "activemq.selector");
    if (selector !== undefined) {
      info.selector = selector;
      info.convertStringExpressions = true;
    } else if (rawSelector !== undefined) info.selector = rawSelector;
    const prefetch = header(frame, "activemq.prefetchSize");
    if (prefetch !== undefined) info.prefetch = nonNegativeInt("activemq.prefetchSize", prefetch);
    const priority = header(frame, "activemq.priority");
    if (priority !== undefined) info.priority = nonNegativeInt("activemq.priority", priority);
    info.noLocal = header(frame, "activemq.noLocal") === "true";
    info.exclusive = header(frame, "activemq.exclusive") === "true";
    info.subscriptionName = header(frame, "activemq.subscriptionName");
    info.retroactive = header(frame, "activemq.retroactive") === "true";

    const sub: Subscription = {
      id,
      idHeader,
      ackMode: ack,
      ready: false,
      waiting: [],
      unacked: new Map(),
      browser,
      destination,
      transformation: header(frame, "transformation"),
    };
    this.#subscriptions.set(id, sub);
    const added = session.addConsumer(info);
    this.#outstanding.track(added);
    const receipt = header(frame, "receipt");
    added.then(
      () => {
        if (receipt !== undefined) this.#writeReceipt(receipt);
        sub.ready = true;
        const waiting = sub.waiting;
        sub.waiting = [];
        for (const d of waiting) this.#deliverNow(sub, d);
        if (sub.browser && this.#browseEnded.has(id)) this.#writeBrowseEnd(sub);
      },
      (err) => {
        this.#subscriptions.delete(id);
        this.#sendError(err, receipt);
      },
    );
  }

  readonly #browseEnded = new Set<string>();

  #onUnsubscribe(frame: StompFrame): void {
    const session = this.#requireSession();
    // STOMP 1.1+: the subscription id is required; 1.0 may name the destination instead.
    const id = this.#version === "1.0"
      ? header(frame, "id") ?? header(frame, "destination")
      : header(frame, "id");
    if (id === undefined) {
      throw new StompProtocolError(
        this.#version === "1.0"
          ? "Must specify the subscription id or the destination you are unsubscribing from"
          : "UNSUBSCRIBE received without a subscription id!",
      );
    }
    const durableName = header(frame, "activemq.subscriptionName");
    if (durableName !== undefined) {
      // ActiveMQ turns this frame into a RemoveSubscriptionInfo only: the consumer named by id
      // stays, and while it is active the removal is refused ("Durable consumer is in use").
      // Removing a live durable subscription takes two UNSUBSCRIBEs, the plain one first.
      this.#withReceipt(frame, session.removeDurableSubscription(durableName));
      return;
    }
    const sub = this.#subscriptions.get(id);
    if (!sub) throw new BrokerError("illegal-state", `No subscription matched: id '${id}'`);
    this.#forgetSubscription(sub);
    this.#withReceipt(frame, session.removeConsumer(id));
  }

  #onAck(frame: StompFrame, nack: boolean): void {
    const session = this.#requireSession();
    let subscription: Subscription | undefined;
    let messageId: string;
    if (this.#version === "1.2") {
      const ackId = this.#required(frame, "id");
      const entry = this.#ackIds.get(ackId);
      if (!entry) {
        throw new BrokerError(
          "illegal-state",
          `Unexpected ${nack ? "NACK" : "ACK"} received for message-id [${ackId}]`,
        );
      }
      subscription = entry.subscription;
      messageId = entry.messageId;
    } else {
      messageId = this.#required(frame, "message-id");
      const subId = header(frame, "subscription");
      subscription = subId !== undefined
        ? this.#subscriptions.get(subId)
        : [...this.#subscriptions.values()].find((s) => s.unacked.has(messageId));
      if (!subscription || !subscription.unacked.has(messageId)) {
        throw new BrokerError(
          "illegal-state",
          `Unexpected ${nack ? "NACK" : "ACK"} received for message-id [${messageId}]`,
        );
      }
    }
    // ActiveMQ: in client mode ACK covers every earlier message, but NACK refuses only the one named.
    const cumulative = !nack && subscription.ackMode === "client";
    this.#forgetAcked(subscription, messageId, cumulative);
    const ack: AckInfo = {
      consumerId: subscription.id,
      messageId,
      kind: nack ? "poison" : cumulative ? "standard" : "individual",
      cumulative,
      transactionId: header(frame, "transaction"),
    };
    this.#withReceipt(frame, session.ack(ack));
  }

  async #onDisconnect(frame: StompFrame): Promise<void> {
    const session = this.#requireSession();
    this.#session = undefined;
    await session.close().catch((err) => this.#ctx.log.error("Closing the broker session failed", err));
    const receipt = header(frame, "receipt");
    if (receipt !== undefined) this.#writeReceipt(receipt);
    await this.#writer.flushed();
    this.#close();
  }

  // ---- deliveries -------------------------------------------------------------

  #onDeliver(delivery: Delivery): void {
    const sub = this.#subscriptions.get(delivery.consumerId);
    if (!sub) {
      // Unsubscribed meanwhile: the broker takes the message back.
      delivery.written?.();
      return;
    }
    if (!sub.ready) {
      sub.waiting.push(delivery);
      return;
    }
    this.#deliverNow(sub, delivery);
  }

  #deliverNow(sub: Subscription, delivery: Delivery): void {
    const m = delivery.message;
    let ackId: string | undefined;
    if (sub.ackMode !== "auto" && !sub.browser) {
      ackId = String(++this.#ackSeq);
      sub.unacked.set(m.messageId, ackId);
      this.#ackIds.set(ackId, { subscription: sub, messageId: m.messageId });
    }
    const frame = messageToFrame(m, {
      subscriptionId: sub.idHeader,
      ackId: this.#version === "1.2" ? ackId : undefined,
      nameOf: (d) => this.#destinations.toStomp(d),
      transformation: sub.transformation,
    });
    const autoAck = sub.ackMode === "auto" && !sub.browser;
    this.#write(frame, () => {
      delivery.written?.();
      if (autoAck) this.#autoAck(sub, m.messageId);
    });
  }

  /** STOMP auto ack: the broker acknowledges once the frame is written. */
  #autoAck(sub: Subscription, messageId: string): void {
    const session = this.#session;
    if (!session || !this.#subscriptions.has(sub.id)) return;
    const acked = session.ack({ consumerId: sub.id, messageId, kind: "individual" });
    this.#outstanding.track(acked);
    acked.catch((err) => this.#ctx.log.debug(`Auto ack of ${messageId} failed: ${err}`));
  }

  #onBrowseEnd(consumerId: string): void {
    const sub = this.#subscriptions.get(consumerId);
    if (!sub) return;
    if (!sub.ready) {
      this.#browseEnded.add(consumerId);
      return;
    }
    this.#writeBrowseEnd(sub);
  }

  #writeBrowseEnd(sub: Subscription): void {
    this.#browseEnded.delete(sub.id);
    this.#write({
      command: "MESSAGE",
      // As ActiveMQ's StompQueueBrowserSubscription writes it.
      headers: [
        ["subscription", sub.id],
        ["destination", this.#destinations.toStomp(sub.destination)],
        ["message-id", "0"],
        ["browser", "end"],
      ],
      body: new Uint8Array(0),
    });
  }

  #forgetAcked(sub: Subscription, messageId: string, cumulative: boolean): void {
    if (!cumulative) {
      const ackId = sub.unacked.get(messageId);
      sub.unacked.delete(messageId);
      if (ackId !== undefined) this.#ackIds.delete(ackId);
      return;
    }
    for (const [id, ackId] of sub.unacked) {
      sub.unacked.delete(id);
      this.#ackIds.delete(ackId);
      if (id === messageId) break;
    }
  }

  #forgetSubscription(sub: Subscription): void {
    this.#subscriptions.delete(sub.id);
    for (const ackId of sub.unacked.values()) this.#ackIds.delete(ackId);
  }

  // ---- plumbing ----------------------------------------------------------------

  #requireSession(): BrokerSession {
    if (!this.#session) throw new StompProtocolError("Not connected");
    return this.#session;
  }

  #required(frame: StompFrame, name: string): string {
    const value = header(frame, name);
    if (value === undefined || value === "") {
      throw new StompProtocolError(`${frame.command} frame is missing the required '${name}' header`);
    }
    return value;
  }

  #withReceipt(frame: StompFrame, op: Promise<void>, bytes = 0): void {
    this.#outstanding.track(op, bytes);
    const receipt = header(frame, "receipt");
    op.then(
      () => {
        if (receipt !== undefined) this.#writeReceipt(receipt);
      },
      (err) => this.#sendError(err, receipt),
    );
  }

  #writeReceipt(receipt: string): void {
    this.#write({ command: "RECEIPT", headers: [["receipt-id", receipt]], body: new Uint8Array(0) });
  }

  #write(frame: StompFrame, onWritten?: () => void): void {
    if (this.#closed) return;
    if (this.#trace) this.#ctx.log.info(`SENT: ${frame.command} ${JSON.stringify(frame.headers)}`);
    this.#writer.send(encodeStompFrameParts(frame, this.#version), onWritten);
  }

  #sendError(err: unknown, receipt?: string): void {
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof BrokerError) && !(err instanceof StompProtocolError)) {
      this.#ctx.log.error("Unexpected error while handling a STOMP frame", err);
    }
    const headers: [string, string][] = [["content-type", "text/plain"], ["message", message]];
    if (receipt !== undefined) headers.push(["receipt-id", receipt]);
    this.#write({ command: "ERROR", headers, body: new TextEncoder().encode(message) });
  }

  /** ERROR frame, then close once it is written. */
  async #fail(err: Error, receipt?: string): Promise<void> {
    this.#ctx.log.warn(`Closing STOMP connection from ${this.#ctx.remoteAddress}: ${err.message}`);
    this.#sendError(err, receipt);
    await this.#writer.flushed();
    this.#close();
  }

  #startHeartBeats(sendEvery: number, expectEvery: number): void {
    if (sendEvery > 0) {
      const tick = Math.max(1, Math.floor(sendEvery / 2));
      this.#timers.push(setInterval(() => {
        if (Date.now() - this.#writer.lastWrite >= tick) this.#writer.send(HEARTBEAT_BYTES);
      }, tick));
    }
    if (expectEvery > 0) {
      const multiplier = Number(
        this.#ctx.connector.uri.transport.hbGracePeriodMultiplier ?? DEFAULT_GRACE_MULTIPLIER,
      );
      const allowed = expectEvery * (multiplier > 0 ? multiplier : DEFAULT_GRACE_MULTIPLIER);
      this.#timers.push(setInterval(() => {
        const silent = Date.now() - this.#lastRead;
        if (silent > allowed) {
          this.#abort(`no data received for ${silent} ms (heart-beat expected every ${expectEvery} ms)`);
        }
      }, Math.max(1, Math.floor(expectEvery / 2))));
    }
  }

  #abort(reason: string): void {
    if (this.#closed) return;
    this.#ctx.log.info(`Closing STOMP connection from ${this.#ctx.remoteAddress}: ${reason}`);
    this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer.close();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
    try {
      this.#stream.close();
    } catch { /* already closed */ }
    this.#outstanding.release();
  }

  async #cleanup(): Promise<void> {
    this.#close();
    const session = this.#session;
    this.#session = undefined;
    if (session) {
      await session.close().catch((err) => this.#ctx.log.debug(`Closing the broker session failed: ${err}`));
    }
  }
}

function limitsFor(ctx: ConnectionContext): Partial<StompLimits> {
  const limits: Partial<StompLimits> = {};
  if (ctx.connector.uri.maxFrameSize !== undefined) limits.maxFrameSize = ctx.connector.uri.maxFrameSize;
  const wf = ctx.connector.uri.wireFormat;
  if (wf.maxDataLength !== undefined) limits.maxDataLength = Number(wf.maxDataLength);
  return { ...DEFAULT_STOMP_LIMITS, ...limits };
}

/** STOMP 1.1: the highest version both sides support; no accept-version means 1.0. */
function negotiateVersion(acceptVersion: string | undefined): StompVersion {
  if (acceptVersion === undefined) return "1.0";
  const offered = acceptVersion.split(",").map((v) => v.trim());
  for (let i = SUPPORTED_VERSIONS.length - 1; i >= 0; i--) {
    if (offered.includes(SUPPORTED_VERSIONS[i])) return SUPPORTED_VERSIONS[i];
  }
  // ActiveMQ's wording, so that clients matching on it keep working.
  throw new StompProtocolError(
    `Invalid Protocol version[${acceptVersion}], supported versions are: [${SUPPORTED_VERSIONS.join(", ")}]`,
  );
}

function nonNegativeInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new StompProtocolError(`Header '${name}' must be a non-negative integer, got '${value}'`);
  }
  return n;
}

function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}
