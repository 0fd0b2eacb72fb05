/**
 * One MQTT connection (3.1, 3.1.1, 5.0): reads packets, turns them into broker operations,
 * and writes packets back through a single writer.
 *
 * Errors: a malformed packet, a protocol violation or a packet above `wireFormat.maxFrameSize`
 * closes the connection (MQTT 5 clients first get a DISCONNECT with the reason code; a
 * refused CONNECT gets a CONNACK with the return or reason code). A refusal by the broker
 * (a send it does not accept, a subscription it refuses) is answered in the
 * acknowledgement where MQTT 5 has a reason code for it, and closes a 3.x connection that
 * has no way to hear about it.
 *
 * The handlers live in this one class, like the STOMP converter's: they share the
 * connection's state, and what is not about the connection (topic and message mapping, the
 * outbound flow, session records) lives in files of its own.
 */
import { BrokerError } from "../../broker/errors.ts";
import type { BrokerSession, ConnectionListener, ConsumerInfo, Delivery } from "../../broker/types.ts";
import type { Message } from "../../message/message.ts";
import { FrameWriter } from "../../transport/frame_writer.ts";
import { OutstandingCalls } from "../../transport/outstanding_calls.ts";
import type { ByteStream, ConnectionContext } from "../../transport/protocol.ts";
import { type MqttAuthenticator, type MqttAuthResult, rejectingAuthenticator } from "./auth.ts";
import {
  encodePacket,
  isValidReasonCode,
  MAX_PACKET_SIZE,
  type MqttAuth,
  type MqttConnack,
  type MqttConnackProperties,
  MqttConnackReturnCode,
  type MqttConnect,
  type MqttDisconnect,
  type MqttPacket,
  MqttParser,
  type MqttPubAck,
  type MqttPublish,
  type MqttQoS,
  MqttReasonCode,
  type MqttSubscribe,
  type MqttSubscription,
  type MqttUnsubscribe,
  type MqttVersion,
  type MqttWill,
} from "./codec.ts";
import { CONNECT_HEAD_BYTES, connectProtocolLevel } from "./_connect_level.ts";
import {
  messageQoS,
  messageToPublish,
  publishToMessage,
  RETAIN_PROPERTY,
  RETAINED_PROPERTY,
} from "./message_mapping.ts";
import { OutboundFlow } from "./_outbound.ts";
import {
  readSessionRecord,
  RECORD_CONSUMER_ID,
  type RecordedSubscription,
  type SessionRecord,
  writeSessionRecord,
} from "./session_record.ts";
import { type MqttSessionHolder, MqttSessionRegistry } from "./session_registry.ts";
import {
  convertTopic,
  durableSubscriptionName,
  isReservedTopic,
  isSystemTopic,
  parseFilter,
  startsWithWildcard,
} from "./topics.ts";

/** Options an embedder or test may give a connection; the connector uses the defaults. */
export interface MqttConnectionOptions {
  /** MQTT 5 enhanced authentication (default: every method refused with 0x8C). */
  authenticator?: MqttAuthenticator;
  /** Client ids of this worker (default: one registry per worker). */
  registry?: MqttSessionRegistry;
}

/** One registry per worker: takeover and session timers work across its connections. */
const workerRegistry = new MqttSessionRegistry();
/** Connector names already warned about an unsupported subscription strategy. */
const warnedStrategy = new Set<string>();

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** Broker calls in flight before the reader stops reading (backpressure on fast publishers). */
const MAX_OUTSTANDING_CALLS = 1024;
/** semantics.md §3.3: topic subscriptions 32767, durable ones 100. */
const DEFAULT_PREFETCH = 32767;
const DURABLE_PREFETCH = 100;
/** What we accept as the client's Topic Aliases (mosquitto's default too). */
const DEFAULT_TOPIC_ALIAS_MAXIMUM = 10;
/** MQTT 5 Session Expiry Interval meaning "never". */
const NEVER_EXPIRES = 0xffffffff;
/** Longest wait for a connection that is being taken over to close. */
const TAKEOVER_TIMEOUT_MS = 5000;
/** Longest wait for a last packet (CONNACK, DISCONNECT) to be written before closing. */
const LAST_WRITE_TIMEOUT_MS = 2000;

const RC = MqttReasonCode;

interface Subscription {
  /** As sent, `$share/…` included: the key of the session's subscriptions. */
  topicFilter: string;
  /** Without `$share/group/`. */
  filter: string;
  shareGroup?: string;
  qos: MqttQoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  subscriptionId?: number;
  consumerId: string;
  /** Set for the durable subscription of a persistent session. */
  durableName?: string;
  /** Filters starting with a wildcard do not match `$…` and `ActiveMQ.…` topics. */
  wildcardFirst: boolean;
  /** Until the broker confirmed the consumer and the SUBACK went out, deliveries wait here. */
  ready: boolean;
  waiting: Delivery[];
}

interface PendingAuth {
  /** The CONNECT being authenticated; undefined when re-authenticating. */
  connect?: MqttConnect;
  method: string;
  step: number;
  state: Record<string, unknown>;
  reauthenticate: boolean;
}

export class MqttConnection implements MqttSessionHolder {
  readonly #stream: ByteStream;
  readonly #ctx: ConnectionContext;
  readonly #writer: FrameWriter;
  readonly #parser: MqttParser;
  readonly #authenticator: MqttAuthenticator;
  readonly #registry: MqttSessionRegistry;
  readonly #trace: boolean;
  readonly #maxPacketSize: number | undefined;
  readonly #topicAliasMaximum: number;
  readonly #publishDollarTopics: boolean;
  readonly #prefetch: number | undefined;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #byConsumer = new Map<string, Subscription>();
  /** Client → server Topic Aliases. */
  readonly #inboundAliases = new Map<number, string>();
  /** Deliveries of the session record while it is read. */
  readonly #recordInbox: Message[] = [];
  #session: BrokerSession | undefined;
  #version: MqttVersion = 4;
  #clientId = "";
  /** A CONNECT was read (so a refusal is a CONNACK); `#connected` once the CONNACK accepted it. */
  #connectSeen = false;
  #connected = false;
  #closed = false;
  /** A last packet is being written; nothing else is read or written. */
  #closing: Promise<void> | undefined;
  /** DISCONNECT 0x00 (or 3.x DISCONNECT) arrived: the Will is discarded. */
  #normalDisconnect = false;
  #takenOver = false;
  /** 3.x: not clean; 5.0: Session Expiry Interval > 0. */
  #persistent = false;
  #sessionExpiry = 0;
  #recordExists = false;
  #will: MqttWill | undefined;
  #auth: PendingAuth | undefined;
  #outbound: OutboundFlow | undefined;
  #inboundQoS2 = new Set<number>();
  #clientMaxPacket = MAX_PACKET_SIZE;
  /** PUBACK/PUBREC/PUBCOMP go out in the order their PUBLISH/PUBREL came in ([MQTT-4.6.0-2]). */
  #ackTail: Promise<void> = Promise.resolve();
  #messageSeq = 0;
  #consumerSeq = 0;
  readonly #outstanding = new OutstandingCalls({ maxCalls: MAX_OUTSTANDING_CALLS });
  #lastRead = Date.now();
  #timers: ReturnType<typeof setTimeout>[] = [];
  #head = new Uint8Array(0);
  readonly #done: Promise<void>;
  #finished: () => void = () => {};

  constructor(stream: ByteStream, ctx: ConnectionContext, options: MqttConnectionOptions = {}) {
    this.#stream = stream;
    this.#ctx = ctx;
    this.#authenticator = options.authenticator ?? rejectingAuthenticator;
    this.#registry = options.registry ?? workerRegistry;
    this.#writer = new FrameWriter(stream, (err) => this.#abort(`write failed: ${err}`));
    const uri = ctx.connector.uri;
    this.#maxPacketSize = uri.maxFrameSize;
    this.#parser = new MqttParser({ maxPacketSize: uri.maxFrameSize });
    this.#trace = uri.trace;
    const t = uri.transport;
    this.#topicAliasMaximum = intOption(t.topicAliasMaximum, DEFAULT_TOPIC_ALIAS_MAXIMUM, 0, 65535);
    this.#publishDollarTopics = t.publishDollarTopics === "true";
    const strategy = t.subscriptionStrategy;
    if (strategy !== undefined && strategy !== "mqtt-default" && !warnedStrategy.has(ctx.connector.name)) {
      warnedStrategy.add(ctx.connector.name);
      ctx.log.warn(
        `transport.subscriptionStrategy=${strategy} is not supported yet; connector ${ctx.connector.name} ` +
          `uses mqtt-default (topic subscriptions, durable ones for persistent sessions)`,
      );
    }
    const prefetch = intOption(t.activeMQSubscriptionPrefetch, 0, 0, 2 ** 31 - 1);
    this.#prefetch = prefetch > 0 ? prefetch : undefined;
    this.#done = new Promise((resolve) => this.#finished = resolve);
  }

  async run(): Promise<void> {
    const connectTimeout = Number(
      this.#ctx.connector.uri.transport.connectAttemptTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
    if (connectTimeout > 0) {
      this.#timers.push(setTimeout(() => {
        if (!this.#connected) this.#abort(`no CONNECT within ${connectTimeout} ms`);
      }, connectTimeout));
    }
    this.#ctx.stopping.then(() => {
      // No Will delay or session expiry outlives the connector.
      this.#registry.stop();
      this.#shutdown();
    });
    try {
      await this.#readLoop();
    } finally {
      try {
        await this.#cleanup();
      } finally {
        this.#finished();
      }
    }
  }

  /** Another connection with this client id arrived: [MQTT-3.1.4-3]. */
  takeOver(): Promise<void> {
    if (!this.#closed) {
      this.#takenOver = true;
      this.#ctx.log.info(`Client ${this.#clientId} connected again: closing its previous connection`);
      this.#closeWith(RC.SessionTakenOver, "Session taken over");
    }
    return this.#done;
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    while (!this.#closed && !this.#closing) {
      let n: number | null;
      try {
        n = await this.#stream.read(buffer);
      } catch (err) {
        if (!this.#closed) this.#ctx.log.debug(`Read failed: ${err}`);
        return;
      }
      if (n === null) return;
      this.#lastRead = Date.now();
      const chunk = buffer.subarray(0, n);
      if (!this.#connectSeen && this.#head.length < CONNECT_HEAD_BYTES) this.#keepHead(chunk);
      for (const event of this.#parser.push(chunk)) {
        if (this.#closed || this.#closing) return;
        if (event.kind === "error") {
          this.#onParseError(event.message, event.reasonCode, event.returnCode);
          return;
        }
        try {
          await this.#onPacket(event.packet);
        } catch (err) {
          this.#ctx.log.error(`Unexpected error while handling ${event.packet.type.toUpperCase()}`, err);
          this.#closeWith(RC.UnspecifiedError, "Internal error");
          return;
        }
      }
      if (this.#outstanding.overLimit) await this.#outstanding.whenDrained();
    }
  }

  #keepHead(chunk: Uint8Array): void {
    const take = Math.min(chunk.length, CONNECT_HEAD_BYTES - this.#head.length);
    const head = new Uint8Array(this.#head.length + take);
    head.set(this.#head);
    head.set(chunk.subarray(0, take), this.#head.length);
    this.#head = head;
  }

  // ---- packets ------------------------------------------------------------------

  #onPacket(packet: MqttPacket): Promise<void> | void {
    if (this.#trace) this.#ctx.log.info(`RECEIVED: ${describe(packet)}`);
    if (packet.type === "connect") {
      this.#connectSeen = true;
      this.#version = this.#parser.version;
      return this.#onConnect(packet);
    }
    if (this.#auth && !this.#auth.reauthenticate) {
      // 5.0 4.12: until the CONNACK only AUTH may follow the CONNECT.
      if (packet.type === "auth") return this.#onAuth(packet);
      return this.#refuse(RC.ProtocolError, `${packet.type.toUpperCase()} during authentication`);
    }
    if (!this.#connected) return; // the CONNECT is being processed or was refused
    switch (packet.type) {
      case "publish":
        return this.#onPublish(packet);
      case "puback":
        return this.#outbound!.onPuback(packet.packetId);
      case "pubrec":
        return this.#outbound!.onPubrec(packet.packetId, packet.reasonCode);
      case "pubrel":
        return this.#onPubrel(packet);
      case "pubcomp":
        return this.#outbound!.onPubcomp(packet.packetId);
      case "subscribe":
        return this.#onSubscribe(packet);
      case "unsubscribe":
        return this.#onUnsubscribe(packet);
      case "pingreq":
        return this.#write({ type: "pingresp" });
      case "disconnect":
        return this.#onDisconnect(packet);
      case "auth":
        return this.#onAuth(packet);
      default:
        // The parser only lets packets a client may send through.
        return this.#closeWith(RC.ProtocolError, `Unexpected ${packet.type.toUpperCase()}`);
    }
  }

  // ---- CONNECT and enhanced authentication -----------------------------------------

  #onConnect(connect: MqttConnect): Promise<void> {
    this.#will = connect.will;
    const method = connect.properties?.authenticationMethod;
    if (method !== undefined) {
      this.#auth = { connect, method, step: 0, state: {}, reauthenticate: false };
      return this.#authStep(connect.properties?.authenticationData);
    }
    return this.#accept(connect);
  }

  #onAuth(packet: MqttAuth): Promise<void> | void {
    const method = packet.properties?.authenticationMethod;
    const auth = this.#auth;
    if (auth) {
      // [MQTT-4.12.0-5]: the same method throughout; only "continue" while an exchange runs.
      if (packet.reasonCode !== RC.ContinueAuthentication || method !== auth.method) {
        return this.#refuse(RC.ProtocolError, "AUTH does not continue the authentication exchange");
      }
      return this.#authStep(packet.properties?.authenticationData);
    }
    const original = this.#connected ? this.#authMethod : undefined;
    if (packet.reasonCode !== RC.ReAuthenticate || original === undefined || method !== original) {
      // [MQTT-4.12.1-1]: re-authentication only with the CONNECT's method.
      return this.#closeWith(RC.ProtocolError, "Unexpected AUTH");
    }
    this.#auth = { method, step: 0, state: {}, reauthenticate: true };
    return this.#authStep(packet.properties?.authenticationData);
  }

  #authMethod: string | undefined;

  async #authStep(data: Uint8Array | undefined): Promise<void> {
    const auth = this.#auth!;
    auth.step++;
    let result: MqttAuthResult;
    try {
      result = await this.#authenticator.authenticate({
        method: auth.method,
        data,
        step: auth.step,
        reauthenticate: auth.reauthenticate,
        clientId: auth.connect?.clientId ?? this.#clientId,
        username: auth.connect?.username,
        state: auth.state,
      });
    } catch (err) {
      this.#ctx.log.error("The MQTT authenticator failed", err);
      result = { kind: "failure", reasonCode: RC.UnspecifiedError };
    }
    if (this.#closed || this.#closing) return;
    const props = (d?: Uint8Array) =>
      d ? { authenticationMethod: auth.method, authenticationData: d } : {
        authenticationMethod: auth.method,
      };
    if (result.kind === "continue") {
      this.#write({ type: "auth", reasonCode: RC.ContinueAuthentication, properties: props(result.data) });
      return;
    }
    this.#auth = undefined;
    if (result.kind === "failure") {
      const code = result.reasonCode ?? RC.NotAuthorized;
      const reason = result.reason ?? "Authentication failed";
      if (auth.reauthenticate) return this.#closeWith(code, reason);
      return this.#refuse(code, reason);
    }
    if (!auth.connect) {
      this.#write({ type: "auth", reasonCode: RC.Success, properties: props(result.data) });
      return;
    }
    this.#authMethod = auth.method;
    return this.#accept(auth.connect, props(result.data));
  }

  async #accept(connect: MqttConnect, authProps: MqttConnackProperties = {}): Promise<void> {
    const v5 = this.#version === 5;
    const props = connect.properties;
    let clientId = connect.clientId;
    const assigned = clientId.length === 0;
    // 3.1.1 [MQTT-3.1.3-6] and 5.0 [MQTT-3.1.3-6]: an empty id gets one from the server.
    if (assigned) clientId = `${this.#ctx.connectionId}`.replace(/^ID:/, "mqtt-");
    this.#clientId = clientId;
    if (v5) {
      this.#sessionExpiry = props?.sessionExpiryInterval ?? 0;
      this.#persistent = this.#sessionExpiry > 0;
      if (props?.maximumPacketSize !== undefined) this.#clientMaxPacket = props.maximumPacketSize;
    } else {
      this.#persistent = !connect.clean;
    }
    const keepAlive = connect.keepAlive > 0
      ? connect.keepAlive * 1000
      : intOption(this.#ctx.connector.uri.transport.defaultKeepAlive, 0, 0, 2 ** 31 - 1);

    let sessionPresent = false;
    let restore: RecordedSubscription[] = [];
    let staleExpiry = false;
    const accepted = await this.#registry.exclusive(clientId, async () => {
      const previous = this.#registry.holder(clientId);
      if (previous && previous !== this) await bounded(previous.takeOver(), TAKEOVER_TIMEOUT_MS);
      // Reconnected in time: no delayed Will, no expiry ([MQTT-3.1.3-9], 5.0 3.1.2.11.2).
      this.#registry.cancel(clientId, "will");
      this.#registry.cancel(clientId, "expiry");
      if (this.#closed || this.#closing) return false;
      let session: BrokerSession;
      try {
        session = await this.#ctx.gateway.connect({
          connectionId: this.#ctx.connectionId,
          clientId,
          userName: connect.username,
          password: connect.password ? new TextDecoder().decode(connect.password) : undefined,
          remoteAddress: this.#ctx.remoteAddress,
          connector: this.#ctx.connector.name,
        }, this.#listener());
      } catch (err) {
        this.#refuseConnect(err);
        return false;
      }
      this.#session = session;
      if (this.#closed || this.#closing) return false;
      const record = await readSessionRecord(session, clientId, this.#recordInbox).catch((err) => {
        this.#ctx.log.warn(`Reading the MQTT session of ${clientId} failed: ${err}`);
        return undefined;
      });
      this.#recordExists = record !== undefined;
      const expired = record !== undefined && record.expiresAt > 0 && record.expiresAt <= Date.now();
      const inflight = this.#registry.takeInflight(clientId);
      if (connect.clean || expired) {
        // [MQTT-3.1.2-6] / 5.0 [MQTT-3.1.2-4]: a clean session discards the previous one.
        if (record) await this.#discardSession(session, record);
      } else {
        if (record) restore = record.subscriptions;
        staleExpiry = record !== undefined && record.expiresAt > 0;
        sessionPresent = record !== undefined || inflight !== undefined;
        if (inflight) this.#inboundQoS2 = inflight.inboundQoS2;
      }
      this.#registry.register(clientId, this);
      this.#outbound = new OutboundFlow({
        encode: (packet) => this.#encode(packet),
        send: (bytes, onWritten) => this.#writer.send(bytes, onWritten),
        ack: (consumerId, messageId) => this.#ackDelivery(consumerId, messageId),
        log: (message) => this.#ctx.log.debug(message),
      }, {
        version: this.#version,
        receiveMaximum: v5 ? props?.receiveMaximum ?? 65535 : 65535,
        topicAliasMaximum: v5 ? props?.topicAliasMaximum ?? 0 : 0,
      }, connect.clean || expired ? new Set() : inflight?.pendingPubrel);
      return true;
    });
    if (!accepted || this.#closed || this.#closing) return;

    const connack: MqttConnack = { type: "connack", sessionPresent, reasonCode: RC.Success };
    if (v5) {
      const p: MqttConnackProperties = { ...authProps };
      if (assigned) p.assignedClientIdentifier = clientId;
      if (this.#topicAliasMaximum > 0) p.topicAliasMaximum = this.#topicAliasMaximum;
      if (this.#maxPacketSize !== undefined) p.maximumPacketSize = this.#maxPacketSize;
      connack.properties = p;
    }
    this.#write(connack);
    this.#connected = true;
    for (const t of this.#timers) clearTimeout(t); // the connect timeout
    this.#timers = [];
    if (keepAlive > 0) this.#startKeepAlive(keepAlive);
    if (this.#trace || this.#ctx.log.debugEnabled) {
      this.#ctx.log.debug(
        `MQTT ${versionName(this.#version)} client ${clientId} connected from ${this.#ctx.remoteAddress}` +
          ` (${this.#persistent ? "persistent" : "clean"} session${sessionPresent ? ", resumed" : ""})`,
      );
    }
    this.#outbound!.resendPubrels();
    if (restore.length > 0) await this.#restore(restore);
    // The session is in use again: the record no longer says when it expires.
    if (staleExpiry) await this.#saveRecord();
  }

  /** Deliveries and closes from the core. */
  #listener(): ConnectionListener {
    return {
      deliver: (d) => this.#onDeliver(d),
      browseEnd: () => {},
      closed: (reason) => this.#abort(reason),
    };
  }

  /** A refused gateway.connect: CONNACK with ActiveMQ's mapping of the error. */
  #refuseConnect(err: unknown): void {
    const code = err instanceof BrokerError ? err.code : undefined;
    const message = err instanceof Error ? err.message : String(err);
    this.#ctx.log.warn(`Refusing MQTT client ${this.#clientId} from ${this.#ctx.remoteAddress}: ${message}`);
    if (this.#version === 5) {
      const reason = code === "invalid-client-id"
        ? RC.ClientIdentifierNotValid
        : code === "security"
        ? RC.BadUserNameOrPassword
        : RC.ServerUnavailable;
      this.#finishWith({
        type: "connack",
        sessionPresent: false,
        reasonCode: reason,
        properties: { reasonString: message },
      });
      return;
    }
    const rc = code === "invalid-client-id"
      ? MqttConnackReturnCode.IdentifierRejected
      : code === "security"
      ? MqttConnackReturnCode.BadUserNameOrPassword
      : MqttConnackReturnCode.ServerUnavailable;
    this.#finishWith({ type: "connack", sessionPresent: false, reasonCode: rc });
  }

  /** Refuses the connection being set up (CONNACK, MQTT 5 codes) or, once connected, DISCONNECTs. */
  #refuse(reasonCode: number, reason: string): void {
    if (this.#connected) return this.#closeWith(reasonCode, reason);
    this.#ctx.log.warn(`Refusing MQTT connection from ${this.#ctx.remoteAddress}: ${reason}`);
    const code = isValidReasonCode("connack", reasonCode, 5) ? reasonCode : RC.UnspecifiedError;
    this.#finishWith({
      type: "connack",
      sessionPresent: false,
      reasonCode: code,
      properties: { reasonString: reason },
    });
  }

  /** Removes the durable subscriptions of a session that ends, and its record. */
  async #discardSession(session: BrokerSession, record: SessionRecord): Promise<void> {
    await removeDurables(session, record.subscriptions, this.#ctx);
    await writeSessionRecord(session, this.#clientId, undefined, this.#nextMessageId()).catch((err) =>
      this.#ctx.log.warn(`Clearing the MQTT session of ${this.#clientId} failed: ${err}`)
    );
    this.#recordExists = false;
  }

  // ---- PUBLISH (client → broker) ------------------------------------------------------

  #onPublish(packet: MqttPublish): void {
    const session = this.#session!;
    let topic = packet.topic;
    let properties = packet.properties;
    const alias = properties?.topicAlias;
    if (alias !== undefined) {
      // 5.0 [MQTT-3.3.2-9], [MQTT-3.3.2-10]: within the maximum we announced.
      if (alias > this.#topicAliasMaximum) {
        return this.#closeWith(
          RC.TopicAliasInvalid,
          `Topic Alias ${alias} exceeds the maximum ${this.#topicAliasMaximum}`,
        );
      }
      if (topic === "") {
        const known = this.#inboundAliases.get(alias);
        if (known === undefined) return this.#closeWith(RC.ProtocolError, `Unknown Topic Alias ${alias}`);
        topic = known;
      } else {
        this.#inboundAliases.set(alias, topic);
      }
      properties = { ...properties };
      delete properties.topicAlias;
    }
    const packetId = packet.packetId;
    if (packet.qos === 2) {
      if (this.#inboundQoS2.has(packetId!)) {
        // Already accepted (a resent PUBLISH): PUBREC again, deliver once ([MQTT-4.3.3-10]).
        this.#inOrder(Promise.resolve(), () => ({ type: "pubrec", packetId: packetId!, reasonCode: 0 }));
        return;
      }
      this.#inboundQoS2.add(packetId!);
    }
    if (topic.startsWith("$") && !this.#publishDollarTopics) {
      // semantics.md §3.1: acknowledged, not published.
      this.#ctx.log.debug(`Dropping a PUBLISH to ${topic} (transport.publishDollarTopics=false)`);
      this.#acknowledgePublish(packet.qos, packetId, Promise.resolve());
      return;
    }
    if (isReservedTopic(topic)) {
      // The session records live there: no client writes another client's session.
      const refused = new BrokerError(
        "security",
        `Topic ${topic} is reserved for the broker's MQTT sessions`,
      );
      this.#acknowledgePublish(packet.qos, packetId, Promise.reject(refused));
      return;
    }
    const message = publishToMessage(
      { topic, payload: packet.payload, qos: packet.qos, retain: packet.retain, properties },
      { messageId: this.#nextMessageId(), now: Date.now() },
    );
    const sent = session.send(message);
    this.#outstanding.track(sent);
    this.#acknowledgePublish(packet.qos, packetId, sent);
  }

  #acknowledgePublish(qos: MqttQoS, packetId: number | undefined, sent: Promise<void>): void {
    if (qos === 0) {
      sent.catch((err) => this.#refusedPublish(err, 0, undefined));
      return;
    }
    const type = qos === 1 ? "puback" : "pubrec";
    this.#inOrder(sent, (err) => {
      if (err === undefined) return { type, packetId: packetId!, reasonCode: 0 };
      if (qos === 2) this.#inboundQoS2.delete(packetId!);
      return this.#refusedPublish(err, qos, packetId)
        ? { type, packetId: packetId!, reasonCode: publishReason(err) }
        : undefined;
    });
  }

  /** A send the broker refused. MQTT 5 hears it in the PUBACK/PUBREC; 3.x connections close. */
  #refusedPublish(err: unknown, qos: MqttQoS, packetId: number | undefined): boolean {
    const message = err instanceof Error ? err.message : String(err);
    if (this.#closed) return false;
    if (this.#version === 5 && qos > 0 && packetId !== undefined) {
      this.#ctx.log.debug(`PUBLISH ${packetId} refused: ${message}`);
      return true;
    }
    this.#ctx.log.warn(
      `Closing MQTT connection of ${this.#clientId}: the broker refused a PUBLISH: ${message}`,
    );
    this.#closeWith(publishReason(err), message);
    return false;
  }

  #onPubrel(packet: MqttPubAck): void {
    const known = this.#inboundQoS2.delete(packet.packetId);
    // 5.0: PUBCOMP 0x92 for an id we do not know; 3.x has no code and simply completes.
    const reasonCode = known || this.#version < 5 ? 0 : RC.PacketIdentifierNotFound;
    this.#inOrder(Promise.resolve(), () => ({ type: "pubcomp", packetId: packet.packetId, reasonCode }));
  }

  /** Writes the packet `make` returns once `op` and every earlier acknowledgement are done. */
  #inOrder(op: Promise<void>, make: (err?: unknown) => MqttPacket | undefined): void {
    // Handled now, read later: a refusal must not count as unhandled while earlier acks wait.
    op.catch(() => {});
    this.#ackTail = this.#ackTail.then(() =>
      op.then(() => make(), (err) => make(err ?? new Error("refused"))).then((packet) => {
        if (packet) this.#write(packet);
      })
    ).catch((err) => this.#ctx.log.error("Acknowledging a PUBLISH failed", err));
  }

  // ---- SUBSCRIBE / UNSUBSCRIBE --------------------------------------------------------

  async #onSubscribe(packet: MqttSubscribe): Promise<void> {
    // 5.0 [MQTT-3.8.3-4]: No Local on a shared subscription is a Protocol Error.
    for (const s of packet.subscriptions) {
      const parsed = parseFilter(s.topicFilter);
      if (typeof parsed !== "string" && parsed.shareGroup !== undefined && s.noLocal) {
        return this.#closeWith(RC.ProtocolError, `No Local on shared subscription ${s.topicFilter}`);
      }
    }
    const subscriptionId = packet.properties?.subscriptionIdentifier;
    const added = packet.subscriptions.map((s) => this.#subscribe(s, subscriptionId, this.#persistent));
    const done = Promise.all(added);
    this.#outstanding.track(done);
    const codes = await done;
    if (this.#closed || this.#closing) return;
    this.#write({ type: "suback", packetId: packet.packetId, reasonCodes: codes.map((c) => c.code) });
    for (const { sub } of codes) if (sub) this.#release(sub);
    await this.#saveRecord();
  }

  /**
   * Adds (or replaces) one subscription; resolves with its SUBACK code. `persistent`: the
   * session keeps QoS ≥ 1 subscriptions as durable subscriptions (semantics.md §3.3).
   */
  async #subscribe(
    s: MqttSubscription,
    subscriptionId: number | undefined,
    persistent: boolean,
  ): Promise<{ code: number; sub?: Subscription }> {
    const session = this.#session!;
    const parsed = parseFilter(s.topicFilter);
    if (typeof parsed === "string") {
      this.#ctx.log.debug(parsed);
      return { code: this.#version === 5 ? RC.TopicFilterInvalid : 0x80 };
    }
    if (isReservedTopic(parsed.filter)) {
      this.#ctx.log.debug(
        `Subscription to ${s.topicFilter} refused: reserved for the broker's MQTT sessions`,
      );
      return { code: this.#version === 5 ? RC.NotAuthorized : 0x80 };
    }
    const existing = this.#subscriptions.get(s.topicFilter);
    const durableName = persistent && s.qos > 0 && parsed.shareGroup === undefined
      ? durableSubscriptionName(s.qos, parsed.filter)
      : undefined;
    if (existing) {
      // [MQTT-3.8.4-3]: a subscription to the same filter replaces the existing one.
      this.#forget(existing);
      const removed = session.removeConsumer(existing.consumerId);
      const ops = [removed];
      if (existing.durableName !== undefined && existing.durableName !== durableName) {
        ops.push(removed.then(() => session.removeDurableSubscription(existing.durableName!)));
      }
      await Promise.all(ops).catch((err) => this.#ctx.log.debug(`Replacing ${s.topicFilter}: ${err}`));
    }
    // 5.0 3.8.3.1 Retain Handling: 0 always, 1 only for a new subscription, 2 never.
    const retroactive = s.retainHandling === 0 || (s.retainHandling === 1 && !existing);
    const sub: Subscription = {
      topicFilter: s.topicFilter,
      filter: parsed.filter,
      shareGroup: parsed.shareGroup,
      qos: s.qos,
      noLocal: s.noLocal,
      retainAsPublished: s.retainAsPublished,
      subscriptionId,
      consumerId: `mqtt-${++this.#consumerSeq}`,
      durableName,
      wildcardFirst: startsWithWildcard(parsed.filter),
      ready: false,
      waiting: [],
    };
    this.#subscriptions.set(s.topicFilter, sub);
    this.#byConsumer.set(sub.consumerId, sub);
    try {
      await session.addConsumer(this.#consumerInfo(sub, retroactive));
      return { code: s.qos, sub };
    } catch (err) {
      this.#forget(sub);
      this.#ctx.log.warn(
        `Subscription to ${s.topicFilter} refused: ${err instanceof Error ? err.message : err}`,
      );
      return { code: this.#version === 5 ? subscribeReason(err) : 0x80 };
    }
  }

  #consumerInfo(sub: Subscription, retroactive: boolean): ConsumerInfo {
    let prefetch = this.#prefetch ?? (sub.durableName !== undefined ? DURABLE_PREFETCH : DEFAULT_PREFETCH);
    const receiveMaximum = this.#outbound!.receiveMaximum;
    // MQTT 5 Receive Maximum: no point in the broker sending more than the client may hold.
    if (sub.qos > 0 && receiveMaximum < prefetch) prefetch = receiveMaximum;
    const info: ConsumerInfo = {
      consumerId: sub.consumerId,
      destination: { type: "topic", name: convertTopic(sub.filter) },
      ackMode: "individual",
      prefetch,
      retroactive,
    };
    if (sub.noLocal) info.noLocal = true;
    if (sub.durableName !== undefined) info.subscriptionName = sub.durableName;
    if (sub.shareGroup !== undefined) info.shareGroup = sub.shareGroup;
    return info;
  }

  /**
   * Subscriptions of a resumed session, made again as the client made them. They were
   * durable when recorded, so they are durable again even if this connection's session ends
   * at disconnect (MQTT 5 with Session Expiry 0): their stored messages come first.
   */
  async #restore(subscriptions: RecordedSubscription[]): Promise<void> {
    const results = await Promise.all(subscriptions.map((r) =>
      this.#subscribe(
        {
          topicFilter: r.topicFilter,
          qos: r.qos,
          noLocal: r.noLocal,
          retainAsPublished: r.retainAsPublished,
          // A resumed subscription is not new: retained messages were delivered when it was made.
          retainHandling: 2,
        },
        r.subscriptionId,
        true,
      )
    ));
    for (const { sub } of results) if (sub) this.#release(sub);
  }

  /** The subscription is confirmed: what arrived meanwhile goes out. */
  #release(sub: Subscription): void {
    if (this.#byConsumer.get(sub.consumerId) !== sub) return;
    sub.ready = true;
    const waiting = sub.waiting;
    sub.waiting = [];
    for (const d of waiting) this.#deliverNow(sub, d);
  }

  #forget(sub: Subscription): void {
    if (this.#subscriptions.get(sub.topicFilter) === sub) this.#subscriptions.delete(sub.topicFilter);
    this.#byConsumer.delete(sub.consumerId);
    const waiting = sub.waiting;
    sub.waiting = [];
    for (const d of waiting) d.written?.();
  }

  async #onUnsubscribe(packet: MqttUnsubscribe): Promise<void> {
    const session = this.#session!;
    const results = packet.topicFilters.map(async (filter) => {
      const sub = this.#subscriptions.get(filter);
      if (!sub) return RC.NoSubscriptionExisted;
      this.#forget(sub);
      try {
        await session.removeConsumer(sub.consumerId);
        if (sub.durableName !== undefined) await session.removeDurableSubscription(sub.durableName);
        return RC.Success;
      } catch (err) {
        this.#ctx.log.warn(`Unsubscribing ${filter} failed: ${err instanceof Error ? err.message : err}`);
        return RC.UnspecifiedError;
      }
    });
    const done = Promise.all(results);
    this.#outstanding.track(done);
    const codes = await done;
    if (this.#closed || this.#closing) return;
    this.#write({
      type: "unsuback",
      packetId: packet.packetId,
      reasonCodes: this.#version === 5 ? codes : [],
    });
    await this.#saveRecord();
  }

  /**
   * Persistent sessions: the record follows the subscriptions, and is written when the
   * connection ends, so that a reconnect finds the session even without subscriptions.
   */
  async #saveRecord(session = this.#session, expiresAt = 0): Promise<void> {
    if (!session || !this.#persistent) return;
    const subscriptions = [...this.#subscriptions.values()].map(recorded);
    try {
      await writeSessionRecord(session, this.#clientId, { subscriptions, expiresAt }, this.#nextMessageId());
      this.#recordExists = true;
    } catch (err) {
      this.#ctx.log.warn(`Saving the MQTT session of ${this.#clientId} failed: ${err}`);
    }
  }

  // ---- deliveries (broker → client) -------------------------------------------------

  /**
   * Every delivery ends with `written()` — once its PUBLISH is written, or when it is
   * dropped — which returns its room in the connection's dispatch window on the bus.
   */
  #onDeliver(delivery: Delivery): void {
    if (delivery.consumerId === RECORD_CONSUMER_ID) {
      delivery.written?.();
      this.#recordInbox.push(delivery.message);
      return;
    }
    const sub = this.#byConsumer.get(delivery.consumerId);
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
    const message = delivery.message;
    if (this.#closed || this.#closing) {
      delivery.written?.();
      return;
    }
    const now = Date.now();
    if (
      (sub.wildcardFirst && isSystemTopic(message.destination.name)) ||
      isReservedTopic(convertTopic(message.destination.name)) ||
      (message.expiration > 0 && message.expiration <= now)
    ) {
      delivery.written?.();
      this.#ackDelivery(sub.consumerId, message.messageId);
      return;
    }
    const qos = Math.min(sub.qos, messageQoS(message)) as MqttQoS;
    const retained = isTrue(message.properties[RETAINED_PROPERTY]);
    // [MQTT-3.3.1-9]: live messages go out with retain 0 unless Retain As Published.
    const retain = retained || (sub.retainAsPublished && isTrue(message.properties[RETAIN_PROPERTY]));
    const publish = messageToPublish(message, {
      version: this.#version,
      qos,
      retain,
      subscriptionId: sub.subscriptionId,
      now,
    });
    if (this.#trace) this.#ctx.log.info(`SENT: PUBLISH ${publish.topic} qos=${qos} retain=${retain}`);
    this.#outbound!.publish(sub.consumerId, message.messageId, publish, delivery.written);
  }

  #ackDelivery(consumerId: string, messageId: string): void {
    const session = this.#session;
    if (!session || !this.#byConsumer.has(consumerId)) return;
    const acked = session.ack({ consumerId, messageId, kind: "individual" });
    this.#outstanding.track(acked);
    acked.catch((err) => this.#ctx.log.debug(`Ack of ${messageId} failed: ${err}`));
  }

  // ---- DISCONNECT, keep-alive, errors ---------------------------------------------------

  #onDisconnect(packet: MqttDisconnect): void {
    const expiry = packet.properties?.sessionExpiryInterval;
    if (expiry !== undefined) {
      // 5.0 [MQTT-3.14.2-2]: a session that was to end at disconnect cannot be kept then.
      if (this.#sessionExpiry === 0 && expiry !== 0) {
        return this.#closeWith(
          RC.ProtocolError,
          "Session Expiry Interval set on DISCONNECT after 0 on CONNECT",
        );
      }
      this.#sessionExpiry = expiry;
    }
    // 5.0 3.14.2.1: 0x04 asks for the Will to be published all the same.
    this.#normalDisconnect = packet.reasonCode !== RC.DisconnectWithWillMessage;
    this.#close();
  }

  #startKeepAlive(keepAliveMs: number): void {
    // [MQTT-3.1.2-24]: one and a half times the keep-alive without a packet ends the connection.
    const allowed = keepAliveMs * 1.5;
    this.#timers.push(setInterval(() => {
      const silent = Date.now() - this.#lastRead;
      if (silent > allowed) {
        this.#ctx.log.info(
          `Closing MQTT connection of ${this.#clientId}: nothing received for ${silent} ms (keep-alive ${
            keepAliveMs / 1000
          } s)`,
        );
        this.#closeWith(RC.KeepAliveTimeout, "Keep alive timeout");
      }
    }, Math.max(100, Math.floor(keepAliveMs / 2))));
  }

  #onParseError(message: string, reasonCode: number, returnCode: number | undefined): void {
    this.#ctx.log.warn(`Closing MQTT connection from ${this.#ctx.remoteAddress}: ${message}`);
    if (this.#connected) return this.#closeWith(reasonCode, message);
    if (returnCode !== undefined) {
      // A CONNECT refused by its content. An unsupported level above 5 is answered in MQTT 5's
      // form, which a newer client reads; older or unknown levels get the 3.1.1 form.
      const level = connectProtocolLevel(this.#head);
      if (
        returnCode === MqttConnackReturnCode.UnacceptableProtocolVersion && level !== undefined && level > 5
      ) {
        this.#finishRaw(encodePacket({ type: "connack", sessionPresent: false, reasonCode: reasonCode }, 5));
      } else if (this.#parser.version === 5) {
        this.#finishRaw(encodePacket({ type: "connack", sessionPresent: false, reasonCode }, 5));
      } else {
        this.#finishRaw(encodePacket({ type: "connack", sessionPresent: false, reasonCode: returnCode }, 4));
      }
      return;
    }
    if (this.#parser.version === 5 && (this.#connectSeen || connectProtocolLevel(this.#head) === 5)) {
      // An MQTT 5 CONNECT (or what follows it) broke the rules: CONNACK with the reason.
      const code = isValidReasonCode("connack", reasonCode, 5) ? reasonCode : RC.UnspecifiedError;
      this.#finishRaw(encodePacket({ type: "connack", sessionPresent: false, reasonCode: code }, 5));
      return;
    }
    this.#close(); // before CONNECT, or 3.x: just close ([MQTT-4.8.0-1])
  }

  /** MQTT 5: DISCONNECT with the reason code, then close; 3.x: close. */
  #closeWith(reasonCode: number, reason: string): void {
    if (this.#closed || this.#closing) return;
    if (this.#version === 5 && this.#connected) {
      const code = isValidReasonCode("disconnect", reasonCode, 5) ? reasonCode : RC.UnspecifiedError;
      const packet: MqttDisconnect = { type: "disconnect", reasonCode: code };
      if (code !== RC.SessionTakenOver && code !== RC.ServerShuttingDown) {
        packet.properties = { reasonString: reason };
      }
      return this.#finishWith(packet);
    }
    this.#close();
  }

  /** Writes a last packet, then closes once it is out (bounded). */
  #finishWith(packet: MqttPacket): void {
    const bytes = this.#encode(packet) ?? this.#encode(withoutReasonString(packet));
    if (bytes) return this.#finishRaw(bytes);
    this.#close();
  }

  /** The last packet: nothing is read or written after it, and the connection closes once it is out. */
  #finishRaw(bytes: Uint8Array): void {
    if (this.#closed || this.#closing) return;
    this.#writer.send(bytes);
    this.#closing = bounded(this.#writer.flushed(), LAST_WRITE_TIMEOUT_MS).then(() => this.#close());
  }

  #shutdown(): void {
    if (this.#closed || this.#closing) return;
    this.#ctx.log.debug(
      `Closing MQTT connection of ${this.#clientId || this.#ctx.remoteAddress}: broker is stopping`,
    );
    this.#closeWith(RC.ServerShuttingDown, "Server shutting down");
  }

  #abort(reason: string): void {
    if (this.#closed) return;
    this.#ctx.log.info(`Closing MQTT connection from ${this.#ctx.remoteAddress}: ${reason}`);
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
    this.#outbound?.drop();
    for (const sub of this.#byConsumer.values()) {
      for (const d of sub.waiting.splice(0)) d.written?.();
    }
    this.#outstanding.release();
  }

  /** After the read loop: the Will, the session's fate, then the broker session. */
  async #cleanup(): Promise<void> {
    if (this.#closing) await this.#closing;
    this.#close();
    const session = this.#session;
    this.#session = undefined;
    if (!session) return;
    const clientId = this.#clientId;
    try {
      await bounded(this.#ackTail, LAST_WRITE_TIMEOUT_MS);
      if (this.#will && !this.#normalDisconnect) await this.#publishWill(session, this.#will);
      const endsNow = this.#version === 5 ? this.#sessionExpiry === 0 : !this.#persistent;
      if (endsNow) {
        const durables = [...this.#subscriptions.values()].filter((s) => s.durableName !== undefined);
        for (const sub of durables) await session.removeConsumer(sub.consumerId).catch(() => {});
        await removeDurables(session, durables.map(recorded), this.#ctx);
        if (this.#recordExists) {
          await writeSessionRecord(session, clientId, undefined, this.#nextMessageId()).catch(() => {});
        }
        this.#registry.dropInflight(clientId);
      } else {
        this.#registry.saveInflight(clientId, {
          inboundQoS2: this.#inboundQoS2,
          pendingPubrel: this.#outbound?.pendingPubrel ?? new Set(),
        });
        const finite = this.#version === 5 && this.#sessionExpiry !== NEVER_EXPIRES;
        const ms = this.#sessionExpiry * 1000;
        await this.#saveRecord(session, finite ? Date.now() + ms : 0);
        if (finite) {
          const ctx = this.#ctx;
          const registry = this.#registry;
          registry.schedule(clientId, "expiry", ms, () => {
            expireSession(ctx, registry, clientId).catch((err) =>
              ctx.log.warn(`Expiring the MQTT session of ${clientId} failed: ${err}`)
            );
          });
        }
      }
    } catch (err) {
      this.#ctx.log.warn(`Ending the MQTT session of ${clientId} failed: ${err}`);
    } finally {
      await session.close().catch((err) => this.#ctx.log.debug(`Closing the broker session failed: ${err}`));
      this.#registry.unregister(clientId, this);
    }
  }

  /** [MQTT-3.1.2-8]: the Will goes out when the connection ends without a normal DISCONNECT. */
  async #publishWill(session: BrokerSession, will: MqttWill): Promise<void> {
    const message = publishToMessage(will, { messageId: this.#nextMessageId(), now: Date.now() });
    if (will.topic.startsWith("$") && !this.#publishDollarTopics) return;
    let delay = this.#version === 5 ? will.properties?.willDelayInterval ?? 0 : 0;
    // 5.0 3.1.3.2.2: published when the delay ends or the session does, whichever comes first.
    if (this.#sessionExpiry < delay) delay = this.#sessionExpiry;
    if (delay > 0) {
      // [MQTT-3.1.3-9]: the client is back (it took its session over) before the delay ended.
      if (this.#takenOver) return;
      const ctx = this.#ctx;
      this.#registry.schedule(this.#clientId, "will", delay * 1000, () => {
        publishDetached(ctx, message).catch((err) =>
          ctx.log.warn(`Publishing a delayed Will failed: ${err}`)
        );
      });
      return;
    }
    this.#ctx.log.debug(`Publishing the Will of ${this.#clientId} to ${will.topic}`);
    await session.send(message).catch((err) =>
      this.#ctx.log.warn(`Publishing the Will of ${this.#clientId} failed: ${err}`)
    );
  }

  // ---- plumbing ------------------------------------------------------------------------

  #write(packet: MqttPacket): void {
    if (this.#closed || this.#closing) return;
    if (this.#trace) this.#ctx.log.info(`SENT: ${describe(packet)}`);
    const bytes = this.#encode(packet);
    if (bytes) this.#writer.send(bytes);
  }

  /** Encodes for this connection; undefined if the client's Maximum Packet Size forbids it. */
  #encode(packet: MqttPacket): Uint8Array | undefined {
    const bytes = encodePacket(packet, this.#version);
    return bytes.length > this.#clientMaxPacket ? undefined : bytes;
  }

  #nextMessageId(): string {
    return `${this.#ctx.connectionId}:1:1:${++this.#messageSeq}`;
  }
}

/** Removes the durable subscriptions among `subscriptions` (the consumers are already gone). */
async function removeDurables(
  session: BrokerSession,
  subscriptions: RecordedSubscription[],
  ctx: ConnectionContext,
): Promise<void> {
  for (const s of subscriptions) {
    const parsed = parseFilter(s.topicFilter);
    if (typeof parsed === "string" || parsed.shareGroup !== undefined || s.qos === 0) continue;
    const name = durableSubscriptionName(s.qos, parsed.filter);
    await session.removeDurableSubscription(name).catch((err) =>
      ctx.log.debug(`Removing durable subscription ${name}: ${err instanceof Error ? err.message : err}`)
    );
  }
}

/** An MQTT 5 session whose client stayed away past its Session Expiry Interval. */
async function expireSession(ctx: ConnectionContext, registry: MqttSessionRegistry, clientId: string) {
  await registry.exclusive(clientId, async () => {
    if (registry.holder(clientId)) return; // back in the meantime
    const inbox: Message[] = [];
    const session = await ctx.gateway.connect({
      connectionId: `${ctx.connectionId}:expire`,
      clientId,
      connector: ctx.connector.name,
    }, {
      deliver: (d) => {
        d.written?.();
        if (d.consumerId === RECORD_CONSUMER_ID) inbox.push(d.message);
      },
      browseEnd: () => {},
      closed: () => {},
    });
    try {
      const record = await readSessionRecord(session, clientId, inbox);
      if (!record || record.expiresAt === 0 || record.expiresAt > Date.now() + 1000) return;
      ctx.log.debug(`MQTT session of ${clientId} expired`);
      await removeDurables(session, record.subscriptions, ctx);
      await writeSessionRecord(session, clientId, undefined, `${ctx.connectionId}:expire:1`);
      registry.dropInflight(clientId);
    } finally {
      await session.close();
    }
  });
}

/** A delayed Will, published after its connection is gone. */
async function publishDetached(ctx: ConnectionContext, message: Message): Promise<void> {
  const session = await ctx.gateway.connect({
    connectionId: `${ctx.connectionId}:will`,
    connector: ctx.connector.name,
    remoteAddress: ctx.remoteAddress,
  }, { deliver: (d) => d.written?.(), browseEnd: () => {}, closed: () => {} });
  try {
    await session.send(message);
  } finally {
    await session.close();
  }
}

function recorded(s: Subscription | RecordedSubscription): RecordedSubscription {
  const r: RecordedSubscription = {
    topicFilter: s.topicFilter,
    qos: s.qos,
    noLocal: s.noLocal,
    retainAsPublished: s.retainAsPublished,
  };
  if (s.subscriptionId !== undefined) r.subscriptionId = s.subscriptionId;
  return r;
}

/** MQTT 5 reason code of a PUBACK/PUBREC for a send the broker refused. */
function publishReason(err: unknown): number {
  const code = err instanceof BrokerError ? err.code : undefined;
  if (code === "security") return RC.NotAuthorized;
  if (code === "invalid-destination") return RC.TopicNameInvalid;
  if (code === "resource-limit") return RC.QuotaExceeded;
  return RC.UnspecifiedError;
}

/** MQTT 5 reason code of a SUBACK for a subscription the broker refused. */
function subscribeReason(err: unknown): number {
  const code = err instanceof BrokerError ? err.code : undefined;
  if (code === "security") return RC.NotAuthorized;
  if (code === "invalid-destination" || code === "invalid-selector") return RC.TopicFilterInvalid;
  if (code === "resource-limit") return RC.QuotaExceeded;
  return RC.UnspecifiedError;
}

function withoutReasonString(packet: MqttPacket): MqttPacket {
  if (!("properties" in packet) || !packet.properties) return packet;
  const { reasonString: _, ...rest } = packet.properties as { reasonString?: string };
  return { ...packet, properties: rest } as MqttPacket;
}

function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}

function intOption(text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

function versionName(version: MqttVersion): string {
  return version === 5 ? "5.0" : version === 4 ? "3.1.1" : "3.1";
}

function describe(packet: MqttPacket): string {
  switch (packet.type) {
    case "connect":
      return `CONNECT clientId=${packet.clientId} clean=${packet.clean} keepAlive=${packet.keepAlive}`;
    case "publish":
      return `PUBLISH ${packet.topic} qos=${packet.qos} retain=${packet.retain} id=${
        packet.packetId ?? "-"
      } ${packet.payload.length} bytes`;
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
      return `${packet.type.toUpperCase()} id=${packet.packetId} rc=${packet.reasonCode}`;
    case "subscribe":
      return `SUBSCRIBE id=${packet.packetId} ${
        packet.subscriptions.map((s) => `${s.topicFilter}@${s.qos}`).join(" ")
      }`;
    case "connack":
    case "disconnect":
      return `${packet.type.toUpperCase()} rc=${packet.reasonCode}`;
    default:
      return packet.type.toUpperCase();
  }
}

async function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    p.catch(() => {}),
    new Promise<void>((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
}
