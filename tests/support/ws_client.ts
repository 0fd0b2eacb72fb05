/**
 * Deno's WebSocket as a test client: opens with a sub-protocol, sends STOMP frames (text)
 * or raw bytes, and collects what the broker sends with bounded waits. Received STOMP is
 * parsed with the codec; each WebSocket message's kind (text or binary) is kept too.
 */
import { type StompFrame, StompParser } from "../../src/protocol/stomp/codec.ts";

const encoder = new TextEncoder();

export interface WsFrame {
  command: string;
  headers: Record<string, string>;
  body: string;
}

export class WsClient implements AsyncDisposable {
  readonly ws: WebSocket;
  readonly #parser = new StompParser();
  readonly #frames: WsFrame[] = [];
  /** Every message received, as bytes, with whether it came as a text message. */
  readonly messages: { text: boolean; bytes: Uint8Array }[] = [];
  #waiters: (() => void)[] = [];
  #closed = false;
  readonly #closedPromise: Promise<void>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.#parser.version = "1.2";
    ws.binaryType = "arraybuffer";
    ws.onmessage = (e: MessageEvent) => {
      const text = typeof e.data === "string";
      const bytes = text ? encoder.encode(e.data) : new Uint8Array(e.data as ArrayBuffer);
      this.messages.push({ text, bytes });
      for (const ev of this.#parser.push(bytes)) {
        if (ev.kind === "frame") this.#frames.push(toFrame(ev.frame));
      }
      this.#wake();
    };
    this.#closedPromise = new Promise((resolve) => {
      ws.addEventListener("close", () => {
        this.#closed = true;
        this.#wake();
        resolve();
      });
    });
  }

  /** Opens a WebSocket; rejects if the server refuses the upgrade. */
  /** `protocols` null: no Sec-WebSocket-Protocol header at all. */
  static open(url: string, protocols: string | string[] | null, timeoutMs = 5000): Promise<WsClient> {
    const ws = protocols === null ? new WebSocket(url) : new WebSocket(url, protocols);
    const client = new WsClient(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error(`WebSocket ${url} did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.addEventListener("open", () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.addEventListener("error", (e) => {
        clearTimeout(timer);
        client.#closedPromise.then(() =>
          reject(new Error(`WebSocket ${url} failed: ${(e as ErrorEvent).message}`))
        );
      });
    });
  }

  /** Opens with a STOMP sub-protocol and CONNECTs. */
  static async stomp(url: string, protocols: string | string[] | null = "v12.stomp"): Promise<WsClient> {
    const c = await WsClient.open(url, protocols);
    c.send("CONNECT", { "accept-version": "1.2", host: "localhost" });
    const f = await c.next();
    if (f.command !== "CONNECTED") throw new Error(`Expected CONNECTED, got ${f.command}: ${f.body}`);
    return c;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A STOMP frame as one text message. */
  send(command: string, headers: Record<string, string> = {}, body = ""): void {
    const head = Object.entries(headers).map(([k, v]) => `${k}:${v}\n`).join("");
    this.ws.send(`${command}\n${head}\n${body}\0`);
  }

  sendBytes(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  async next(timeoutMs = 5000): Promise<WsFrame> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length === 0) {
      if (this.#closed) throw new Error("WebSocket closed while waiting for a frame");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No frame within ${timeoutMs} ms`);
      await this.#wait(left);
    }
    return this.#frames.shift()!;
  }

  /** Resolves when `count` messages have arrived (raw, any protocol), or fails on timeout. */
  async waitMessages(count: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0 || this.#closed) throw new Error(`Only ${this.messages.length} of ${count} messages`);
      await this.#wait(left);
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.#wait(left);
    }
    return true;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
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
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#closedPromise, new Promise((r) => timer = setTimeout(r, 5000))]);
    clearTimeout(timer);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function toFrame(frame: StompFrame): WsFrame {
  const headers: Record<string, string> = {};
  for (const [k, v] of frame.headers) if (!(k in headers)) headers[k] = v;
  return { command: frame.command, headers, body: new TextDecoder().decode(frame.body) };
}
