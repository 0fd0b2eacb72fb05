/**
 * A deliberately dumb MQTT client over a raw socket, for exact-packet tests: it writes
 * whatever packets or bytes it is given and parses what comes back (with the codec, on the
 * client side) with bounded waits, so a test can check every packet and the close.
 */
import type { ByteStream } from "../../src/transport/protocol.ts";
import {
  encodePacket,
  type MqttConnack,
  type MqttConnect,
  type MqttPacket,
  MqttParser,
  type MqttVersion,
} from "../../src/protocol/mqtt/codec.ts";
import { Inbox } from "./inbox.ts";

/** The packet type whose `type` may be `T` (PUBACK, PUBREC, PUBREL and PUBCOMP share one). */
export type PacketOf<T extends MqttPacket["type"]> = MqttPacket extends infer P
  ? P extends MqttPacket ? (T extends P["type"] ? P : never) : never
  : never;

export class RawMqtt implements AsyncDisposable {
  readonly conn: ByteStream;
  readonly version: MqttVersion;
  readonly #parser: MqttParser;
  readonly #inbox = new Inbox<MqttPacket>({ awaited: "a packet", missing: "packet" });
  /** Set when the bytes from the broker did not parse. */
  parseError: string | undefined;
  /** Every byte received, for asserting exact bytes. */
  received: number[] = [];
  readonly #reading: Promise<void>;

  private constructor(conn: ByteStream, version: MqttVersion) {
    this.conn = conn;
    this.version = version;
    this.#parser = new MqttParser({ side: "client" });
    this.#parser.version = version;
    this.#reading = this.#read();
  }

  static async open(port: number, version: MqttVersion = 4): Promise<RawMqtt> {
    return new RawMqtt(await Deno.connect({ hostname: "127.0.0.1", port }), version);
  }

  /** A client on any byte stream, e.g. one end of `memoryStreamPair()`. */
  static over(stream: ByteStream, version: MqttVersion = 4): RawMqtt {
    return new RawMqtt(stream, version);
  }

  /** Opens, sends CONNECT and waits for a successful CONNACK. */
  static async connect(
    port: number,
    version: MqttVersion,
    connect: Partial<Omit<MqttConnect, "type">> = {},
  ): Promise<RawMqtt> {
    const c = await RawMqtt.open(port, version);
    await c.send({ type: "connect", clientId: "", clean: true, keepAlive: 0, ...connect });
    const ack = await c.next();
    if (ack.type !== "connack" || ack.reasonCode !== 0) {
      await c.close();
      throw new Error(`Expected a successful CONNACK, got ${JSON.stringify(ack)}`);
    }
    c.connack = ack;
    return c;
  }

  connack: MqttConnack | undefined;

  get closed(): boolean {
    return this.#inbox.closed;
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        for (let i = 0; i < n; i++) this.received.push(buf[i]);
        for (const e of this.#parser.push(buf.slice(0, n))) {
          if (e.kind === "packet") this.#inbox.push(e.packet);
          else this.parseError = e.message;
        }
      }
    } catch { /* reset by peer counts as closed */ }
    this.#inbox.close();
  }

  async write(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) at += await this.conn.write(bytes.subarray(at));
  }

  send(packet: MqttPacket): Promise<void> {
    return this.write(encodePacket(packet, this.version));
  }

  /** The next packet; fails after `timeoutMs` or if the connection closes first. */
  next(timeoutMs = 5000): Promise<MqttPacket> {
    return this.#inbox.take(undefined, timeoutMs);
  }

  /** The next packet, which must be of `type`. */
  async expect<T extends MqttPacket["type"]>(
    type: T,
    timeoutMs = 5000,
  ): Promise<PacketOf<T>> {
    const p = await this.next(timeoutMs);
    if (p.type !== type) throw new Error(`Expected ${type.toUpperCase()}, got ${JSON.stringify(p)}`);
    return p as PacketOf<T>;
  }

  /** Resolves true when the broker closes the connection within `timeoutMs`. */
  waitClosed(timeoutMs = 5000): Promise<boolean> {
    return this.#inbox.waitClosed(timeoutMs);
  }

  /** Packets that arrive within `ms` (for asserting that nothing more comes). */
  collectFor(ms: number): Promise<MqttPacket[]> {
    return this.#inbox.collectFor(ms);
  }

  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch { /* already closed */ }
    await this.#reading;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
