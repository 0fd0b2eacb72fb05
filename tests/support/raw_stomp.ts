/**
 * A deliberately dumb STOMP client over a raw socket, for exact-frame tests:
 * it writes whatever bytes it is given and parses what comes back with a
 * bounded wait, so a test can check frames, ERRORs and closes byte by byte.
 */
import { type StompFrame, StompParser } from "../../src/protocol/stomp/codec.ts";
import { Inbox } from "./inbox.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface RawFrame {
  command: string;
  headers: Record<string, string>;
  body: string;
  bytes: Uint8Array;
}

export class RawStomp implements AsyncDisposable {
  readonly conn: Deno.TcpConn;
  readonly #parser = new StompParser();
  readonly #inbox = new Inbox<RawFrame>({ awaited: "a frame", missing: "frame" });
  heartbeats = 0;
  /** Everything received so far, decoded as UTF-8: for asserting exact header bytes on the wire. */
  transcript = "";
  readonly #transcriptDecoder = new TextDecoder();
  readonly #reading: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.#parser.version = "1.2";
    this.#reading = this.#read();
  }

  static async open(port: number): Promise<RawStomp> {
    return new RawStomp(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Opens, sends CONNECT and waits for CONNECTED. */
  static async connect(port: number, headers: Record<string, string> = {}): Promise<RawStomp> {
    const c = await RawStomp.open(port);
    c.send("CONNECT", { "accept-version": "1.2", host: "localhost", ...headers });
    const f = await c.next();
    if (f.command !== "CONNECTED") throw new Error(`Expected CONNECTED, got ${f.command}: ${f.body}`);
    return c;
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
        this.transcript += this.#transcriptDecoder.decode(buf.subarray(0, n), { stream: true });
        for (const e of this.#parser.push(buf.slice(0, n))) {
          if (e.kind === "frame") this.#inbox.push(toRaw(e.frame));
          else if (e.kind === "heartbeat") {
            this.heartbeats++;
            this.#inbox.notify();
          }
        }
      }
    } catch { /* reset by peer counts as closed */ }
    this.#inbox.close();
  }

  write(bytes: Uint8Array | string): Promise<void> {
    const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
    return (async () => {
      let at = 0;
      while (at < data.length) at += await this.conn.write(data.subarray(at));
    })();
  }

  send(command: string, headers: Record<string, string> = {}, body: string | Uint8Array = ""): Promise<void> {
    const head = encoder.encode(
      `${command}\n${Object.entries(headers).map(([k, v]) => `${k}:${v}\n`).join("")}\n`,
    );
    const b = typeof body === "string" ? encoder.encode(body) : body;
    const out = new Uint8Array(head.length + b.length + 1);
    out.set(head);
    out.set(b, head.length);
    return this.write(out);
  }

  /** The next frame; fails after `timeoutMs` or if the connection closes first. */
  next(timeoutMs = 5000): Promise<RawFrame> {
    return this.#inbox.take(undefined, timeoutMs);
  }

  /** Resolves true when the broker closes the connection within `timeoutMs`. */
  waitClosed(timeoutMs = 5000): Promise<boolean> {
    return this.#inbox.waitClosed(timeoutMs);
  }

  /** Resolves true once `heartbeats` has reached `count` within `timeoutMs`. */
  async waitHeartbeats(count: number, timeoutMs = 5000): Promise<boolean> {
    await this.#inbox.until(() => this.heartbeats >= count || this.#inbox.closed, timeoutMs);
    return this.heartbeats >= count;
  }

  /** Frames that arrive within `ms` (for asserting that nothing more comes). */
  collectFor(ms: number): Promise<RawFrame[]> {
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

function toRaw(frame: StompFrame): RawFrame {
  const headers: Record<string, string> = {};
  for (const [k, v] of frame.headers) if (!(k in headers)) headers[k] = v;
  return { command: frame.command, headers, body: decoder.decode(frame.body), bytes: frame.body };
}
