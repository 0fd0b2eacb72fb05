/**
 * A deliberately dumb STOMP client over a raw socket, for exact-frame tests:
 * it writes whatever bytes it is given and parses what comes back with a
 * bounded wait, so a test can check frames, ERRORs and closes byte by byte.
 */
import { type StompFrame, StompParser } from "../../src/protocol/stomp/codec.ts";

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
  readonly #frames: RawFrame[] = [];
  #waiters: (() => void)[] = [];
  #closed = false;
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
    return this.#closed;
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        this.transcript += this.#transcriptDecoder.decode(buf.subarray(0, n), { stream: true });
        for (const e of this.#parser.push(buf.slice(0, n))) {
          if (e.kind === "frame") this.#frames.push(toRaw(e.frame));
          else if (e.kind === "heartbeat") this.heartbeats++;
        }
        this.#wake();
      }
    } catch { /* reset by peer counts as closed */ }
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
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
  async next(timeoutMs = 5000): Promise<RawFrame> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length === 0) {
      if (this.#closed) throw new Error("Connection closed while waiting for a frame");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No frame within ${timeoutMs} ms`);
      await this.#wait(left);
    }
    return this.#frames.shift()!;
  }

  /** Resolves true when the broker closes the connection within `timeoutMs`. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.#wait(left);
    }
    return true;
  }

  /** Resolves true once `heartbeats` has reached `count` within `timeoutMs`. */
  async waitHeartbeats(count: number, timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.heartbeats < count) {
      const left = deadline - Date.now();
      if (left <= 0 || this.#closed) return false;
      await this.#wait(left);
    }
    return true;
  }

  /** Frames that arrive within `ms` (for asserting that nothing more comes). */
  async collectFor(ms: number): Promise<RawFrame[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || this.#closed) break;
      await this.#wait(left);
    }
    return this.#frames.splice(0);
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve();
      }, ms);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.#waiters.push(done);
    });
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
