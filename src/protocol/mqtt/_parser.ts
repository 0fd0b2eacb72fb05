/**
 * Resumable MQTT packet parser: bytes in, events out. No I/O, no timers.
 *
 * A small state machine frames packets (first byte → Remaining Length → body) and hands
 * each complete body to the decoder. The first byte is checked as soon as it arrives, and
 * the declared size as soon as the Remaining Length is complete, so a packet that is
 * refused never gets buffered (STYLE.md habit 4). A body that arrives whole inside one
 * chunk is decoded in place; only bodies that straddle chunks are buffered, in a buffer
 * that grows with what has arrived rather than with what was declared.
 *
 * @module
 */

import { decodePacket, type DecodeState, type MqttSide, packetTypeName } from "./_decoder.ts";
import { MAX_PACKET_SIZE, type MqttPacket, type MqttPacketType, type MqttVersion } from "./_packets.ts";
import { MALFORMED, MqttDecodeError, PROTOCOL_ERROR } from "./_reader.ts";

export type { MqttSide } from "./_decoder.ts";

/** Options of `MqttParser`. */
export interface MqttParserOptions {
  /**
   * Largest packet accepted, in bytes, fixed header included (the meaning of MQTT 5's
   * Maximum Packet Size). Default and upper bound: `MAX_PACKET_SIZE`, what MQTT can express.
   */
  maxPacketSize?: number;
  /**
   * Which end the parser reads for. "server" (default): it reads what clients send; the
   * first packet must be CONNECT, which sets `version`. "client": it reads what servers
   * send, under the `version` the caller sets.
   */
  side?: MqttSide;
}

/** What `MqttParser.push` reports, in input order. */
export type MqttParseEvent =
  | { kind: "packet"; packet: MqttPacket }
  /**
   * The input broke the protocol; the parser is dead afterwards and every later `push`
   * returns `[]`. `reasonCode` is the MQTT 5 reason to answer with (CONNACK before the
   * connection is accepted, DISCONNECT after). `returnCode` is set only for a CONNECT that
   * 3.1/3.1.1 answer with a refusing CONNACK (1: unacceptable protocol version, 2:
   * identifier rejected); other errors there just close the connection.
   */
  | { kind: "error"; message: string; reasonCode: number; returnCode?: number };

const S_HEADER = 0; // waiting for the first byte of a packet
const S_LENGTH = 1; // reading the Remaining Length
const S_BODY = 2; // collecting the body
const S_DEAD = 3;

const PACKET_TOO_LARGE = 0x95;
const EMPTY = new Uint8Array(0);

/** Packet types each side may receive (3.1.1 2.2.1 and 5.0 2.1.2, "Direction of flow"). */
const RECEIVED_BY: Readonly<Record<MqttSide, ReadonlySet<MqttPacketType>>> = {
  server: new Set<MqttPacketType>([
    "connect",
    "publish",
    "puback",
    "pubrec",
    "pubrel",
    "pubcomp",
    "subscribe",
    "unsubscribe",
    "pingreq",
    "disconnect",
    "auth",
  ]),
  client: new Set<MqttPacketType>([
    "connack",
    "publish",
    "puback",
    "pubrec",
    "pubrel",
    "pubcomp",
    "suback",
    "unsuback",
    "pingresp",
    "disconnect",
    "auth",
  ]),
};

/**
 * The body of the packet being read when it straddles chunks. Grows by doubling up to the
 * declared length, so a peer that declares a large packet and sends little costs little.
 */
class BodyBuffer {
  #buf: Uint8Array = EMPTY;
  #len = 0;

  get length(): number {
    return this.#len;
  }

  append(src: Uint8Array, start: number, end: number, cap: number): void {
    const need = this.#len + (end - start);
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.min(cap, Math.max(need, this.#buf.length * 2, 256)));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(src.subarray(start, end), this.#len);
    this.#len = need;
  }

  /** The bytes as an array of exactly `length` that the caller owns; the buffer is emptied. */
  take(): Uint8Array {
    const out = this.#len === this.#buf.length ? this.#buf : this.#buf.slice(0, this.#len);
    this.#buf = EMPTY;
    this.#len = 0;
    return out;
  }

  release(): void {
    this.#buf = EMPTY;
    this.#len = 0;
  }
}

/**
 * Streaming MQTT 3.1 / 3.1.1 / 5.0 parser. Feed it whatever the socket delivers; any split
 * of the input yields the same events. `push` never throws: a protocol violation becomes an
 * `error` event, after which the parser ignores all input.
 *
 * Binary fields of the packets (payloads, passwords, correlation data) are copies or views
 * into buffers the parser no longer uses, so callers may reuse their read buffers.
 *
 * @example
 * ```ts
 * import { encodePacket } from "./_encoder.ts";
 *
 * const parser = new MqttParser();
 * const connect = encodePacket({ type: "connect", clientId: "c1", clean: true, keepAlive: 60 }, 4);
 * const events = parser.push(connect);
 * // events[0]: { kind: "packet", packet: { type: "connect", clientId: "c1", ... } }; parser.version === 4
 * ```
 */
export class MqttParser {
  /**
   * The protocol level packets are read with. A server-side parser sets it from the
   * CONNECT (also when the CONNECT is refused after its level was read); a client-side
   * parser uses what the caller sets.
   */
  version: MqttVersion = 4;
  readonly side: MqttSide;

  readonly #maxPacketSize: number;
  readonly #body = new BodyBuffer();
  #state = S_HEADER;
  #header = 0;
  #length = 0;
  #lengthBytes = 0;
  #multiplier = 1;
  #connected = false;

  constructor(options: MqttParserOptions = {}) {
    const max = options.maxPacketSize;
    this.#maxPacketSize = typeof max === "number" && max > 0
      ? Math.min(max, MAX_PACKET_SIZE)
      : MAX_PACKET_SIZE;
    this.side = options.side === "client" ? "client" : "server";
  }

  /** Parses the next chunk of input. The chunk is not retained or modified. */
  push(chunk: Uint8Array): MqttParseEvent[] {
    const events: MqttParseEvent[] = [];
    if (this.#state === S_DEAD) return events;
    try {
      this.#parse(chunk, events);
    } catch (e) {
      // Defensive: no input should get here, but a parser that throws would take the
      // connection's read loop down with it.
      const detail = e instanceof Error ? e.message : String(e);
      this.#fail(events, `Internal MQTT parser error: ${detail}`, MALFORMED);
    }
    return events;
  }

  #parse(chunk: Uint8Array, events: MqttParseEvent[]): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.#state) {
        case S_HEADER: {
          const b = chunk[i++];
          if (!this.#checkFirstByte(b, events)) return;
          this.#header = b;
          this.#length = 0;
          this.#lengthBytes = 0;
          this.#multiplier = 1;
          this.#state = S_LENGTH;
          break;
        }
        case S_LENGTH: {
          const b = chunk[i++];
          this.#length += (b & 0x7f) * this.#multiplier;
          this.#multiplier *= 128;
          this.#lengthBytes++;
          if ((b & 0x80) !== 0) {
            // 3.1.1 2.2.3, 5.0 1.5.5: at most four bytes.
            if (this.#lengthBytes === 4) {
              return this.#fail(events, "Remaining Length is longer than 4 bytes", MALFORMED);
            }
            break;
          }
          const size = 1 + this.#lengthBytes + this.#length;
          if (size > this.#maxPacketSize) {
            // Refused before a byte of the body is buffered. 5.0 3.1.2.11.4: 0x95.
            return this.#fail(
              events,
              `Packet of ${size} bytes exceeds maxPacketSize ${this.#maxPacketSize}`,
              PACKET_TOO_LARGE,
            );
          }
          if (this.#length === 0) {
            if (!this.#decode(EMPTY, 0, 0, true, events)) return;
            this.#state = S_HEADER;
          } else {
            this.#state = S_BODY;
          }
          break;
        }
        case S_BODY: {
          const body = this.#body;
          const length = this.#length;
          if (body.length === 0 && n - i >= length) {
            // The whole body is in this chunk: decode it in place, copying only binary fields.
            if (!this.#decode(chunk, i, i + length, false, events)) return;
            i += length;
            this.#state = S_HEADER;
            break;
          }
          const end = Math.min(n, i + (length - body.length));
          body.append(chunk, i, end, length);
          i = end;
          if (body.length === length) {
            const whole = body.take();
            if (!this.#decode(whole, 0, length, true, events)) return;
            this.#state = S_HEADER;
          }
          break;
        }
        default:
          return;
      }
    }
  }

  /** Checks a packet's first byte (type and flags) as soon as it arrives. */
  #checkFirstByte(b: number, events: MqttParseEvent[]): boolean {
    const code = b >> 4;
    const flags = b & 0x0f;
    const type = packetTypeName(code);
    if (this.side === "server" && !this.#connected) {
      // 3.1.1 and 5.0 [MQTT-3.1.0-1]. CONNECT's flags wait for its protocol level.
      if (type === "connect") return true;
      this.#fail(events, `Expected CONNECT as the first packet, got ${describe(code)}`, PROTOCOL_ERROR);
      return false;
    }
    if (type === undefined || (type === "auth" && this.version < 5)) {
      // 3.1.1 2.2.1: types 0 and 15 are reserved; 5.0 2.1.2: 0 is reserved.
      this.#fail(events, `Reserved packet type ${code}`, MALFORMED);
      return false;
    }
    if (type === "connect" && this.side === "server") {
      // 3.1.1 and 5.0 [MQTT-3.1.0-2]: a second CONNECT is a protocol violation.
      this.#fail(events, "Second CONNECT on the connection", PROTOCOL_ERROR);
      return false;
    }
    if (
      !RECEIVED_BY[this.side].has(type) ||
      (type === "disconnect" && this.side === "client" && this.version < 5)
    ) {
      // Packets going the wrong way (a 3.x server never sends DISCONNECT).
      this.#fail(events, `${type.toUpperCase()} cannot be sent to a ${this.side}`, PROTOCOL_ERROR);
      return false;
    }
    if (type === "publish") {
      // 3.1.1 and 5.0 [MQTT-3.3.1-4]: QoS 3 (both bits set) is malformed.
      if ((flags & 0x06) === 0x06) {
        this.#fail(events, "PUBLISH with QoS 3", MALFORMED);
        return false;
      }
    } else if (this.version >= 4) {
      // 3.1.1 [MQTT-2.2.2-1], [MQTT-2.2.2-2]; 5.0 [MQTT-2.1.3-1]; PUBREL [MQTT-3.6.1-1],
      // SUBSCRIBE [MQTT-3.8.1-1], UNSUBSCRIBE [MQTT-3.10.1-1], DISCONNECT 5.0 [MQTT-3.14.1-1],
      // AUTH [MQTT-3.15.1-1]. In 3.1
      // these bits were DUP/QoS/RETAIN, ignored where unused, so 3.1 peers are not held to them.
      const expected = type === "pubrel" || type === "subscribe" || type === "unsubscribe" ? 0x02 : 0x00;
      if (flags !== expected) {
        this.#fail(
          events,
          `Invalid fixed header flags 0x${flags.toString(16).padStart(2, "0")} on ${type.toUpperCase()}`,
          MALFORMED,
        );
        return false;
      }
    }
    return true;
  }

  /** Decodes one complete body and reports it. Returns false if the parser failed. */
  #decode(buf: Uint8Array, start: number, end: number, owned: boolean, events: MqttParseEvent[]): boolean {
    const state: DecodeState = { version: this.version, side: this.side };
    let packet: MqttPacket;
    try {
      packet = decodePacket(this.#header, buf, start, end, owned, state);
    } catch (e) {
      this.version = state.version;
      if (!(e instanceof MqttDecodeError)) throw e;
      this.#fail(events, e.message, e.reasonCode, e.returnCode);
      return false;
    }
    this.version = state.version;
    if (packet.type === "connect" && this.side === "server") this.#connected = true;
    events.push({ kind: "packet", packet });
    return true;
  }

  #fail(events: MqttParseEvent[], message: string, reasonCode: number, returnCode?: number): void {
    events.push(
      returnCode === undefined
        ? { kind: "error", message, reasonCode }
        : { kind: "error", message, reasonCode, returnCode },
    );
    this.#state = S_DEAD;
    this.#body.release();
  }
}

function describe(code: number): string {
  const type = packetTypeName(code);
  return type === undefined ? `reserved packet type ${code}` : type.toUpperCase();
}
