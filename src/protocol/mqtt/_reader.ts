/**
 * Reading the MQTT data representations (MQTT 3.1.1 1.5, 5.0 1.5) from a complete packet
 * body, and the topic name and topic filter rules (3.1.1 4.7, 5.0 4.7).
 *
 * Decoding works on one whole body at a time: the parser has already checked the body's
 * length against the packet size limit, so nothing here allocates more than the body holds.
 *
 * @module
 */

/** Malformed Packet (5.0 reason code 0x81). */
export const MALFORMED = 0x81;
/** Protocol Error (5.0 reason code 0x82). */
export const PROTOCOL_ERROR = 0x82;

/**
 * Why a packet was rejected. Thrown inside the decoder only: the parser turns it into an
 * error event, so it never leaves `push`.
 */
export class MqttDecodeError extends Error {
  /** The MQTT 5 reason code to answer with (CONNACK or DISCONNECT). */
  readonly reasonCode: number;
  /** For CONNECT only: the 3.1/3.1.1 CONNACK return code, where the spec asks for a CONNACK. */
  readonly returnCode?: number;

  constructor(message: string, reasonCode: number, returnCode?: number) {
    super(message);
    this.name = "MqttDecodeError";
    this.reasonCode = reasonCode;
    if (returnCode !== undefined) this.returnCode = returnCode;
  }
}

const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A cursor over `buf[pos, end)`. Every read checks the bounds; running out of bytes
 * means the lengths inside the packet disagree with its Remaining Length: malformed.
 */
export class Reader {
  readonly buf: Uint8Array;
  pos: number;
  end: number;
  /** Whether `buf` belongs to the decoder (then binary fields may be views into it). */
  readonly owned: boolean;

  constructor(buf: Uint8Array, pos: number, end: number, owned: boolean) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.owned = owned;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  #need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new MqttDecodeError(`Packet ends inside the ${what}`, MALFORMED);
    }
  }

  u8(what: string): number {
    this.#need(1, what);
    return this.buf[this.pos++];
  }

  u16(what: string): number {
    this.#need(2, what);
    const b = this.buf;
    const v = (b[this.pos] << 8) | b[this.pos + 1];
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.#need(4, what);
    const b = this.buf;
    const p = this.pos;
    const v = b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
    this.pos += 4;
    return v;
  }

  /**
   * A Variable Byte Integer of at most 4 bytes (5.0 1.5.5). Non-minimal encodings are
   * accepted ([MQTT-1.5.5-1] binds the sender), as ActiveMQ and mosquitto do.
   */
  varint(what: string): number {
    let value = 0;
    let multiplier = 1;
    for (let i = 0; i < 4; i++) {
      const b = this.u8(what);
      value += (b & 0x7f) * multiplier;
      if ((b & 0x80) === 0) return value;
      multiplier *= 128;
    }
    throw new MqttDecodeError(`The ${what} is longer than 4 bytes`, MALFORMED);
  }

  /** A 2-byte big-endian packet identifier that must not be 0. */
  packetId(packet: string): number {
    const id = this.u16("packet identifier");
    // 3.1.1 [MQTT-2.3.1-1], 5.0 [MQTT-2.2.1-3]: a packet that needs an identifier has a non-zero one.
    if (id === 0) throw new MqttDecodeError(`${packet} with packet identifier 0`, PROTOCOL_ERROR);
    return id;
  }

  /** Binary Data: a 2-byte length, then that many bytes. */
  binary(what: string): Uint8Array {
    const n = this.u16(what);
    return this.bytes(n, what);
  }

  /** The next `n` bytes, copied unless the buffer is the decoder's own. */
  bytes(n: number, what: string): Uint8Array {
    this.#need(n, what);
    const start = this.pos;
    this.pos += n;
    return this.owned ? this.buf.subarray(start, start + n) : this.buf.slice(start, start + n);
  }

  /** All bytes up to the end of the packet (the PUBLISH payload). */
  rest(): Uint8Array {
    return this.bytes(this.end - this.pos, "payload");
  }

  /**
   * A UTF-8 Encoded String: a 2-byte length, then well-formed UTF-8 without U+0000.
   * 3.1.1 [MQTT-1.5.3-1], [MQTT-1.5.3-2]; 5.0 [MQTT-1.5.4-1], [MQTT-1.5.4-2]. A BOM is kept
   * as U+FEFF (3.1.1 [MQTT-1.5.3-3], 5.0 [MQTT-1.5.4-3]).
   */
  string(what: string): string {
    const n = this.u16(what);
    this.#need(n, what);
    const buf = this.buf;
    const start = this.pos;
    const end = start + n;
    this.pos = end;
    let ascii = true;
    for (let i = start; i < end; i++) {
      const b = buf[i];
      if (b === 0) throw new MqttDecodeError(`The ${what} contains U+0000`, MALFORMED);
      if (b >= 0x80) ascii = false;
    }
    if (ascii && n <= 64) {
      // Cheaper than a TextDecoder call for the short ASCII strings topics and ids mostly are.
      return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
    }
    try {
      // The WHATWG decoder rejects overlong forms, surrogates (U+D800..U+DFFF) and code
      // points above U+10FFFF, which is what "well-formed" means in RFC 3629.
      return fatalDecoder.decode(buf.subarray(start, end));
    } catch {
      throw new MqttDecodeError(`The ${what} is not well-formed UTF-8`, MALFORMED);
    }
  }

  /** UTF-8 String Pair (5.0 1.5.7): two strings. */
  stringPair(what: string): [string, string] {
    const name = this.string(`${what} name`);
    return [name, this.string(`${what} value`)];
  }

  /** Fails unless every byte of the packet was consumed. */
  done(packet: string): void {
    if (this.pos !== this.end) {
      throw new MqttDecodeError(`${packet} has ${this.end - this.pos} unexpected trailing bytes`, MALFORMED);
    }
  }
}

/** Shortens a value for an error message and quotes it, escaping control characters for log lines. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? text.slice(0, 80) + "…" : text);
}

const PLUS = 0x2b;
const HASH = 0x23;
const SLASH = 0x2f;

/**
 * Checks a Topic Name (PUBLISH topic, Will Topic, Response Topic; `what` names it). Returns
 * why it is invalid, or undefined. The empty name is left to the caller: MQTT 5 allows it
 * with a Topic Alias.
 */
export function topicNameError(topic: string, what: string): string | undefined {
  // 3.1.1 [MQTT-3.3.2-2], [MQTT-4.7.1-1]; 5.0 [MQTT-3.3.2-2], [MQTT-4.7.0-1]: no wildcards.
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === PLUS || c === HASH) return `${what} ${quote(topic)} contains the wildcard "${topic[i]}"`;
  }
  return undefined;
}

/**
 * Checks a Topic Filter (SUBSCRIBE, UNSUBSCRIBE). Returns why it is invalid, or undefined.
 * `$share/group/filter` needs no special case: a valid shared filter is a valid filter.
 */
export function topicFilterError(filter: string): string | undefined {
  // 3.1.1 and 5.0 [MQTT-4.7.3-1]: at least one character.
  if (filter.length === 0) return "Empty topic filter";
  const last = filter.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = filter.charCodeAt(i);
    if (c === HASH) {
      // 3.1.1 [MQTT-4.7.1-2], 5.0 [MQTT-4.7.1-1]: "#" alone in the last level.
      if (i !== last || (i > 0 && filter.charCodeAt(i - 1) !== SLASH)) {
        return `Topic filter ${quote(filter)} has "#" that is not alone in the last level`;
      }
    } else if (c === PLUS) {
      // 3.1.1 [MQTT-4.7.1-3], 5.0 [MQTT-4.7.1-2]: "+" occupies an entire level.
      if ((i > 0 && filter.charCodeAt(i - 1) !== SLASH) || (i < last && filter.charCodeAt(i + 1) !== SLASH)) {
        return `Topic filter ${quote(filter)} has "+" that is not alone in its level`;
      }
    }
  }
  return undefined;
}
