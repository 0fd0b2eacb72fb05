/**
 * A deliberately simple OpenWire client over a raw socket, for exact-command tests: it
 * does the WireFormatInfo handshake with whatever options a test gives, encodes commands
 * with the negotiated format, and collects what comes back with bounded waits, so a test
 * can check replies, dispatches and closes command by command (or write broken bytes).
 */
import {
  type BrokerInfo,
  createCommand,
  createWireFormatInfo,
  type DataStructure,
  encodeCommand,
  type NegotiatedWireFormat,
  negotiateWireFormat,
  OpenWireEncodeCache,
  OpenWireReader,
  PRE_NEGOTIATION_FORMAT,
  type WireFormatInfo,
  type WireFormatOptions,
} from "../../src/protocol/openwire/codec.ts";
import { Inbox } from "./inbox.ts";

export interface RawOpenWireOptions {
  /** What this client advertises (Java client defaults otherwise). */
  wireFormat?: Partial<WireFormatOptions>;
  /** Do not send a WireFormatInfo (tests of what the broker does without one). */
  skipHandshake?: boolean;
}

export class RawOpenWire implements AsyncDisposable {
  readonly conn: Deno.TcpConn;
  readonly #reader = new OpenWireReader();
  readonly #ours: WireFormatInfo;
  readonly #inbox = new Inbox<DataStructure>({ awaited: "a command", missing: "matching command" });
  #format: NegotiatedWireFormat | undefined;
  #cache: OpenWireEncodeCache | undefined;
  #nextCommandId = 1;
  /** The BrokerInfo that followed the handshake (set by `open`). */
  brokerInfo: BrokerInfo | undefined;
  /** The broker's WireFormatInfo, once received. */
  brokerWireFormat: WireFormatInfo | undefined;
  /** Decode errors of what the broker sent (should stay empty). */
  readonly errors: string[] = [];
  readonly #reading: Promise<void>;

  private constructor(conn: Deno.TcpConn, ours: WireFormatInfo) {
    this.conn = conn;
    this.#ours = ours;
    this.#reading = this.#read();
  }

  /** Connects, sends this client's WireFormatInfo and waits for the broker's BrokerInfo. */
  static async open(port: number, options: RawOpenWireOptions = {}): Promise<RawOpenWire> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const c = new RawOpenWire(conn, createWireFormatInfo(options.wireFormat));
    if (options.skipHandshake) return c;
    await c.write(encodeCommand(c.#ours, PRE_NEGOTIATION_FORMAT));
    c.brokerInfo = await c.next(2, 5000) as BrokerInfo;
    return c;
  }

  /** Opens and sends a ConnectionInfo; fails unless the broker answers with a Response. */
  static async connect(
    port: number,
    fields: { clientId?: string; connectionId?: string } = {},
    options: RawOpenWireOptions = {},
  ): Promise<RawOpenWire> {
    const c = await RawOpenWire.open(port, options);
    const reply = await c.request(createCommand(3, {
      connectionId: { type: 120, value: fields.connectionId ?? `ID:raw-${crypto.randomUUID()}:1` },
      clientId: fields.clientId ?? `raw-${crypto.randomUUID()}`,
    }));
    if (reply.type !== 30) throw new Error(`ConnectionInfo refused: ${JSON.stringify(reply)}`);
    return c;
  }

  get format(): NegotiatedWireFormat | undefined {
    return this.#format;
  }

  get closed(): boolean {
    return this.#inbox.closed;
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        this.#accept(this.#reader.push(buf.subarray(0, n)));
      }
    } catch { /* reset by peer counts as closed */ }
    this.#inbox.close();
  }

  #accept(events: ReturnType<OpenWireReader["push"]>): void {
    for (const e of events) {
      if (e.kind === "error") {
        this.errors.push(e.message);
        continue;
      }
      if (e.command.type === 1 && this.#format === undefined) {
        this.brokerWireFormat = e.command;
        this.#format = negotiateWireFormat(this.#ours, e.command);
        this.#cache = this.#format.cacheEnabled ? new OpenWireEncodeCache(this.#format.cacheSize) : undefined;
        this.#accept(this.#reader.setFormat(this.#format));
        continue;
      }
      this.#inbox.push(e.command);
    }
  }

  write(bytes: Uint8Array): Promise<void> {
    return (async () => {
      let at = 0;
      while (at < bytes.length) at += await this.conn.write(bytes.subarray(at));
    })();
  }

  /** Encodes with the negotiated format; a BaseCommand without a commandId gets the next one. */
  send(command: DataStructure): Promise<void> {
    if (!this.#format) throw new Error("Wire format not negotiated");
    const c = command as { commandId?: number };
    if ("commandId" in command && !c.commandId) c.commandId = this.#nextCommandId++;
    return this.write(encodeCommand(command, this.#format, this.#cache));
  }

  /** Sends with responseRequired and returns the reply correlated to it. */
  async request(command: DataStructure, timeoutMs = 5000): Promise<DataStructure> {
    const c = command as { commandId: number; responseRequired: boolean };
    c.commandId = this.#nextCommandId++;
    c.responseRequired = true;
    await this.send(command);
    return await this.take(
      (d) => d.type >= 30 && d.type <= 34 && (d as { correlationId: number }).correlationId === c.commandId,
      timeoutMs,
    );
  }

  /** The next command of this type (others stay queued). */
  next(type: number, timeoutMs = 5000): Promise<DataStructure> {
    return this.take((d) => d.type === type, timeoutMs);
  }

  /** The first received command that matches; fails after `timeoutMs` or on close. */
  take(match: (d: DataStructure) => boolean, timeoutMs = 5000): Promise<DataStructure> {
    return this.#inbox.take(match, timeoutMs);
  }

  /** Everything received and not taken yet. */
  drain(): DataStructure[] {
    return this.#inbox.drain();
  }

  /** Resolves true when the broker closes the connection within `timeoutMs`. */
  waitClosed(timeoutMs = 5000): Promise<boolean> {
    return this.#inbox.waitClosed(timeoutMs);
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
