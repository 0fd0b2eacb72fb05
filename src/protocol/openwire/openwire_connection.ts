/**
 * One OpenWire connection: the WireFormatInfo handshake, the read loop that hands each
 * command to its handler (`handle_*.ts`), the single writer every frame leaves through,
 * inactivity monitoring, and the core's callbacks (dispatches, browse ends, empty pulls).
 *
 * Errors: a malformed, truncated, unknown or oversized frame closes this connection with
 * a log line naming the cause (ActiveMQ fails the transport the same way); a command the
 * broker refuses gets an ExceptionResponse, or a ConnectionError when it was one-way, and
 * the connection stays open.
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { BrokerSession, ConnectionListener, Delivery } from "../../broker/types.ts";
import type { Logger } from "../../log.ts";
import { FrameWriter } from "../../transport/frame_writer.ts";
import { OutstandingCalls } from "../../transport/outstanding_calls.ts";
import type { ByteStream, ConnectionContext } from "../../transport/protocol.ts";
import type { BaseCommand, DataStructure, WireFormatInfo } from "./commands.ts";
import { encodeCommand } from "./_frame.ts";
import { OpenWireEncodeCache } from "./_cache.ts";
import { type OpenWireEvent, OpenWireReader } from "./reader.ts";
import {
  createWireFormatInfo,
  type NegotiatedWireFormat,
  negotiateWireFormat,
  PRE_NEGOTIATION_FORMAT,
} from "./wire_format.ts";
import { DEFAULT_MAX_INFLATED_SIZE } from "./_message_body.ts";
import { describe, typeName } from "./_describe.ts";
import type { HandlerContext } from "./_handler_context.ts";
import { InactivityMonitor } from "./_inactivity_monitor.ts";
import { ConnectionState, MAX_REMEMBERED_DISPATCHES } from "./_state.ts";
import { type ConnectorOptions, connectorOptions } from "./_connector_options.ts";
import { createCommand } from "./create_command.ts";
import { brokerInfo } from "./send_broker_info.ts";
import { messageDispatch, nullDispatch } from "./send_dispatch.ts";
import { connectionError, exceptionResponse, response } from "./send_response.ts";
import { handleConnectionInfo } from "./handle_connection_info.ts";
import { handleSessionInfo } from "./handle_session_info.ts";
import { handleConsumerInfo } from "./handle_consumer_info.ts";
import { handleProducerInfo } from "./handle_producer_info.ts";
import { handleTransactionInfo } from "./handle_transaction_info.ts";
import { handleDestinationInfo } from "./handle_destination_info.ts";
import { handleRemoveSubscriptionInfo } from "./handle_remove_subscription_info.ts";
import { handleKeepAliveInfo } from "./handle_keep_alive_info.ts";
import { handleRemoveInfo } from "./handle_remove_info.ts";
import { handleIgnoredControl } from "./handle_control.ts";
import { handleMessagePull } from "./handle_message_pull.ts";
import { handleMessageAck } from "./handle_message_ack.ts";
import { handleMessage } from "./handle_message.ts";

/** Broker calls in flight before the reader stops reading (backpressure on fast producers). */
const MAX_OUTSTANDING_CALLS = 1024;
const READ_BUFFER_SIZE = 64 * 1024;
/**
 * The first frame must be a WireFormatInfo (a few hundred bytes). Its size prefix is
 * checked against this before the reader buffers anything, so a stray HTTP request or
 * TLS hello is refused at once instead of being read as a frame of gigabytes.
 */
const MAX_HANDSHAKE_FRAME = 64 * 1024;

/** A frame no broker could act on: the connection is closed. */
class ProtocolViolation extends Error {}

export class OpenWireConnection implements HandlerContext {
  readonly transport: ConnectionContext;
  readonly log: Logger;
  readonly state: ConnectionState = new ConnectionState();
  readonly brokerName: string;
  readonly listener: ConnectionListener;
  readonly #stream: ByteStream;
  readonly #writer: FrameWriter;
  readonly #reader: OpenWireReader;
  readonly #options: ConnectorOptions;
  readonly #ours: WireFormatInfo;
  readonly #trace: boolean;
  #format: NegotiatedWireFormat | undefined;
  #cache: OpenWireEncodeCache | undefined;
  #monitor: InactivityMonitor | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #outstanding = new OutstandingCalls({ maxCalls: MAX_OUTSTANDING_CALLS });
  /** True while the read loop waits on purpose (backpressure or an ordering barrier). */
  #paused = false;

  constructor(stream: ByteStream, transport: ConnectionContext) {
    this.#stream = stream;
    this.transport = transport;
    this.log = transport.log;
    this.#options = connectorOptions(transport.connector.uri);
    this.#trace = transport.connector.uri.trace;
    // The connection context does not carry the broker's name yet; use it once it does.
    this.brokerName = transport.brokerName ?? "localhost";
    this.#writer = new FrameWriter(stream, (err) => this.#abort(`write failed: ${err}`));
    this.#reader = new OpenWireReader({ maxFrameSize: this.#options.maxFrameSize });
    this.#ours = createWireFormatInfo(this.#options.wireFormat);
    this.listener = {
      deliver: (d) => this.#onDeliver(d),
      browseEnd: (consumerId) => this.#onEmpty(consumerId),
      pullExpired: (consumerId) => this.#onEmpty(consumerId),
      closed: (reason) => this.#abort(reason),
    };
  }

  get format(): NegotiatedWireFormat {
    if (this.#format === undefined) throw new BrokerError("illegal-state", "Wire format not negotiated yet");
    return this.#format;
  }

  async run(): Promise<void> {
    const timeout = this.#options.connectAttemptTimeout;
    if (timeout > 0) {
      this.#connectTimer = setTimeout(() => {
        if (this.#format === undefined) this.#fail(`no WireFormatInfo received within ${timeout} ms`);
      }, timeout);
    }
    this.transport.stopping.then(() => this.#abort("broker is stopping"));
    // [openwire.md 2] Both sides send their WireFormatInfo at once, loose and size-prefixed.
    this.#send(this.#ours, PRE_NEGOTIATION_FORMAT);
    try {
      await this.#readLoop();
    } finally {
      await this.#cleanup();
    }
  }

  // ---- HandlerContext ---------------------------------------------------------------

  session(): BrokerSession {
    const session = this.state.session;
    if (session === undefined) {
      throw new BrokerError("illegal-state", "Not connected: the connection has no accepted ConnectionInfo");
    }
    return session;
  }

  write(command: DataStructure): void {
    this.#send(command, this.#format ?? PRE_NEGOTIATION_FORMAT);
  }

  answer<T>(command: BaseCommand, op: Promise<T>, reply?: (value: T) => DataStructure | void): void {
    this.track(op);
    op.then(
      (value) => {
        if (this.#closed) return;
        let answer: DataStructure | void;
        try {
          answer = reply?.(value);
        } catch (err) {
          this.fail(command, err);
          return;
        }
        if (command.responseRequired) this.write(answer ?? response(command.commandId));
      },
      (err) => this.fail(command, err),
    );
  }

  fail(command: BaseCommand, err: unknown): void {
    if (this.#closed) return;
    if (err instanceof BrokerError) {
      this.log.debug(`Command ${command.commandId} refused: ${err.message}`);
    } else {
      this.log.error("Unexpected error while handling an OpenWire command", err);
    }
    if (command.responseRequired) this.write(exceptionResponse(command.commandId, err));
    else this.write(connectionError(err, this.state.connectionId));
  }

  track(op: Promise<unknown>): void {
    this.#outstanding.track(op);
  }

  async shutdown(reason: string): Promise<void> {
    this.log.debug(`Closing OpenWire connection from ${this.transport.remoteAddress}: ${reason}`);
    await this.#writer.flushed();
    this.#close();
  }

  // ---- reading ------------------------------------------------------------------------

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_SIZE);
    while (!this.#closed) {
      let n: number | null;
      try {
        n = await this.#stream.read(buffer);
      } catch (err) {
        if (!this.#closed) this.log.debug(`Read failed: ${err}`);
        return;
      }
      if (n === null) return;
      this.#monitor?.noteRead();
      if (this.#greeting !== undefined && !this.#checkGreeting(buffer.subarray(0, n))) return;
      // The reader copies what it keeps, so the buffer can be reused.
      if (!await this.#handle(this.#reader.push(buffer.subarray(0, n)))) return;
      if (this.#outstanding.overLimit && !this.#closed) {
        this.#paused = true;
        await this.#outstanding.whenDrained();
        this.#paused = false;
      }
    }
  }

  /** The first 5 bytes (size prefix and type) until they were checked. */
  #greeting: Uint8Array | undefined = new Uint8Array(0);

  /** [openwire.md 2] The stream must open with a size-prefixed WireFormatInfo. */
  #checkGreeting(chunk: Uint8Array): boolean {
    const seen = this.#greeting!;
    const head = new Uint8Array(Math.min(5, seen.length + chunk.length));
    head.set(seen);
    head.set(chunk.subarray(0, head.length - seen.length), seen.length);
    if (head.length < 5) {
      this.#greeting = head;
      return true;
    }
    this.#greeting = undefined;
    const length = new DataView(head.buffer).getInt32(0);
    if (head[4] === 1 && length > 0 && length <= MAX_HANDSHAKE_FRAME) return true;
    const hex = Array.from(head, (b) => b.toString(16).padStart(2, "0")).join(" ");
    const text = Array.from(head, (b) => b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".").join("");
    this.#fail(
      `not an OpenWire client: expected a WireFormatInfo, the stream starts with ${hex} ("${text}")`,
    );
    return false;
  }

  /** Handles decoded events in order; false once the connection is done. */
  async #handle(events: OpenWireEvent[]): Promise<boolean> {
    for (const event of events) {
      if (this.#closed) return false;
      if (event.kind === "error") {
        this.#fail(event.message);
        return false;
      }
      const command = event.command;
      if (this.#format === undefined) {
        if (command.type !== 1) {
          this.#fail(`expected a WireFormatInfo first, got ${typeName(command.type)}`);
          return false;
        }
        const later = this.#negotiate(command);
        if (later === undefined || !await this.#handle(later)) return false;
        continue;
      }
      try {
        const barrier = this.#onCommand(command);
        if (barrier !== undefined) {
          this.#paused = true;
          await barrier;
          this.#paused = false;
        }
      } catch (err) {
        this.#paused = false;
        if (err instanceof ProtocolViolation) {
          this.#fail(err.message);
          return false;
        }
        if ("responseRequired" in command) this.fail(command as BaseCommand, err);
        else this.log.debug(`${typeName(command.type)} failed: ${err}`);
      }
    }
    return !this.#closed;
  }

  #negotiate(info: WireFormatInfo): OpenWireEvent[] | undefined {
    if (this.#trace) this.log.info(`RECEIVED: ${describe(info)}`);
    let format: NegotiatedWireFormat;
    try {
      format = negotiateWireFormat(this.#ours, info);
    } catch (err) {
      this.#fail(err instanceof Error ? err.message : String(err));
      return undefined;
    }
    if (info.version < this.#options.minimumVersion) {
      this.#fail(
        `Remote wire format (${info.version}) is lower than the minimum version required ` +
          `(${this.#options.minimumVersion})`,
      );
      return undefined;
    }
    clearTimeout(this.#connectTimer);
    this.#format = format;
    this.#cache = format.cacheEnabled ? new OpenWireEncodeCache(format.cacheSize) : undefined;
    const later = this.#reader.setFormat(format);
    // [openwire.md 8.1] BrokerInfo is the first command after the negotiation.
    this.write(brokerInfo(this.brokerName, this.#brokerUrl()));
    if (this.#options.useInactivityMonitor && format.maxInactivityDuration > 0) {
      this.#monitor = new InactivityMonitor({
        maxInactivityDuration: format.maxInactivityDuration,
        initialDelay: format.maxInactivityDurationInitialDelay,
        lastWrite: () => this.#writer.lastWrite,
        sendKeepAlive: () => this.write(createCommand(10, {})),
        readPaused: () => this.#paused,
        onInactive: (message) => this.#fail(message),
      });
      this.#monitor.start();
    }
    return later;
  }

  /** Runs a command's handler; a returned promise must settle before the next command. */
  #onCommand(command: DataStructure): Promise<void> | void {
    if (this.#trace) this.log.info(`RECEIVED: ${describe(command)}`);
    switch (command.type) {
      case 1:
        return; // a repeated WireFormatInfo changes nothing once negotiated
      case 3:
        return handleConnectionInfo(this, command);
      case 4:
        return handleSessionInfo(this, command);
      case 5:
        return handleConsumerInfo(this, command);
      case 6:
        return handleProducerInfo(this, command);
      case 7:
        return handleTransactionInfo(this, command);
      case 8:
        return handleDestinationInfo(this, command);
      case 9:
        return handleRemoveSubscriptionInfo(this, command);
      case 10:
        return handleKeepAliveInfo(this, command);
      case 11:
        // [openwire.md 8.14] The client is closing; whatever it still had is cleaned up.
        return this.shutdown("the client sent ShutdownInfo");
      case 12:
        return handleRemoveInfo(this, command);
      case 14:
      case 15:
      case 17:
      case 18:
        return handleIgnoredControl(this, command);
      case 20:
        return handleMessagePull(this, command);
      case 22:
        return handleMessageAck(this, command);
      case 23:
      case 24:
      case 25:
      case 26:
      case 27:
      case 28:
      case 29:
        return handleMessage(this, command, this.#options.maxFrameSize ?? DEFAULT_MAX_INFLATED_SIZE);
      case 2: // BrokerInfo: a network connector's peer broker (networks are not supported)
      case 16:
      case 19:
      case 21:
      case 30:
      case 31:
      case 32:
      case 33:
      case 34:
      case 60:
      case 61:
      case 65:
      case 90:
      case 92:
        this.log.debug(`Ignored ${typeName(command.type)} from the client`);
        if ("responseRequired" in command && command.responseRequired) {
          this.write(response(command.commandId));
        }
        return;
      default:
        throw new ProtocolViolation(`unexpected ${typeName(command.type)} frame from the client`);
    }
  }

  // ---- the core's callbacks -------------------------------------------------------------

  /** `written` (across the bus) returns the delivery's room in the connection's dispatch window. */
  #onDeliver(delivery: Delivery): void {
    const consumer = this.#closed ? undefined : this.state.consumers.get(delivery.consumerId);
    // Removed meanwhile: the core takes the message back when it sees the removal.
    if (consumer === undefined) return delivery.written?.();
    let dispatch: DataStructure;
    try {
      const sequence = ++this.state.dispatchSequence;
      dispatch = messageDispatch(consumer.id, delivery.message, sequence, Date.now());
      consumer.dispatched.set(sequence, delivery.message.messageId);
      if (consumer.dispatched.size > MAX_REMEMBERED_DISPATCHES) {
        consumer.dispatched.delete(consumer.dispatched.keys().next().value!);
      }
    } catch (err) {
      this.log.error(`Cannot dispatch message ${delivery.message.messageId}`, err);
      return delivery.written?.();
    }
    if (!this.#send(dispatch, this.#format ?? PRE_NEGOTIATION_FORMAT, delivery.written)) delivery.written?.();
  }

  /** A browse ended or a pull found nothing: a dispatch without a message. */
  #onEmpty(consumerId: string): void {
    if (this.#closed) return;
    const consumer = this.state.consumers.get(consumerId);
    if (consumer !== undefined) this.write(nullDispatch(consumer.id, null));
  }

  // ---- writing and closing ------------------------------------------------------------

  /** Encodes and queues one frame; false if it was dropped (connection closed or not encodable). */
  #send(
    command: DataStructure,
    format: Readonly<NegotiatedWireFormat> | typeof PRE_NEGOTIATION_FORMAT,
    onWritten?: () => void,
  ): boolean {
    if (this.#closed) return false;
    if (this.#trace) this.log.info(`SENT: ${describe(command)}`);
    let bytes: Uint8Array;
    try {
      bytes = encodeCommand(command, format, this.#cache);
    } catch (err) {
      // E.g. a dispatch larger than the negotiated maxFrameSize: ActiveMQ fails the transport too.
      this.#fail(`cannot send ${typeName(command.type)}: ${err instanceof Error ? err.message : err}`);
      return false;
    }
    this.#writer.send(bytes, onWritten);
    return true;
  }

  #brokerUrl(): string {
    const local = (this.#stream as Partial<Deno.Conn>).localAddr as Deno.NetAddr | undefined;
    if (local?.hostname !== undefined) return `tcp://${local.hostname}:${local.port}`;
    return this.transport.connector.uri.raw;
  }

  /** The peer broke the protocol (or a limit): log why, then close. */
  #fail(reason: string): void {
    if (this.#closed) return;
    this.log.warn(`Closing OpenWire connection from ${this.transport.remoteAddress}: ${reason}`);
    this.#close();
  }

  #abort(reason: string): void {
    if (this.#closed) return;
    this.log.info(`Closing OpenWire connection from ${this.transport.remoteAddress}: ${reason}`);
    this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#connectTimer);
    this.#monitor?.stop();
    this.#writer.close();
    try {
      this.#stream.close();
    } catch { /* already closed */ }
    this.#outstanding.release();
  }

  async #cleanup(): Promise<void> {
    this.#close();
    const session = this.state.session;
    this.state.session = undefined;
    if (session !== undefined) {
      await session.close().catch((err) => this.log.debug(`Closing the broker session failed: ${err}`));
    }
  }
}
