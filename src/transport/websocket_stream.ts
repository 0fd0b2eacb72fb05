/**
 * A server-side WebSocket as a `ByteStream`, so that the STOMP and MQTT connections run over
 * WebSocket unchanged: message payloads in, in order, as one byte stream; writes out as
 * WebSocket messages.
 *
 * Deno's WebSocket cannot stop reading, so incoming messages queue here until the protocol
 * reads them; past `maxBufferedBytes` the connection is closed (1009, message too big)
 * rather than buffering without bound. Writes wait while the socket's own send buffer is
 * above `highWaterMark`; Deno has no drain event, so that wait polls `bufferedAmount`.
 */
import type { ByteStream } from "./protocol.ts";

export interface WebSocketStreamOptions {
  /**
   * How outgoing bytes are framed: `binary` messages (MQTT requires them, [MQTT-6.0.0-1]),
   * or `text` messages when the bytes are UTF-8 (what STOMP-over-WebSocket clients expect;
   * a frame with a binary body still goes as a binary message).
   */
  framing: "binary" | "text";
  /** Bytes received but not yet read before the connection is closed (default 64 MiB). */
  maxBufferedBytes?: number;
  /** Writes wait while the socket has more than this queued (default 1 MiB). */
  highWaterMark?: number;
}

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;
const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
/** Longest pause between two looks at `bufferedAmount` while a write waits. */
const MAX_DRAIN_POLL_MS = 50;

/**
 * @example
 * ```ts
 * const { socket, response } = Deno.upgradeWebSocket(request, { protocol: "mqtt" });
 * const stream = new WebSocketByteStream(socket, { framing: "binary" });
 * mqttProtocol.handle(stream, context);
 * return response;
 * ```
 */
export class WebSocketByteStream implements ByteStream {
  readonly #ws: WebSocket;
  readonly #framing: "binary" | "text";
  readonly #maxBuffered: number;
  readonly #highWaterMark: number;
  readonly #chunks: Uint8Array[] = [];
  #offset = 0;
  #buffered = 0;
  #ended = false;
  #wake: (() => void) | undefined;
  readonly #opened: Promise<void>;

  constructor(ws: WebSocket, options: WebSocketStreamOptions) {
    this.#ws = ws;
    this.#framing = options.framing;
    this.#maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    this.#highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    ws.binaryType = "arraybuffer";
    this.#opened = ws.readyState === WebSocket.CONNECTING
      ? new Promise((resolve) => ws.addEventListener("open", () => resolve(), { once: true }))
      : Promise.resolve();
    ws.addEventListener("message", (event: MessageEvent) => this.#onMessage(event.data));
    ws.addEventListener("close", () => this.#end());
    ws.addEventListener("error", () => this.#end());
  }

  #onMessage(data: unknown): void {
    if (this.#ended) return;
    const bytes = typeof data === "string"
      ? encoder.encode(data)
      : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : undefined;
    if (!bytes || bytes.length === 0) return;
    this.#buffered += bytes.length;
    if (this.#buffered > this.#maxBuffered) {
      try {
        this.#ws.close(1009, "Too much unread data");
      } catch { /* closing already */ }
      this.#end();
      return;
    }
    this.#chunks.push(bytes);
    this.#signal();
  }

  #end(): void {
    this.#ended = true;
    this.#signal();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    let n = 0;
    while (n < buffer.length && this.#chunks.length > 0) {
      const chunk = this.#chunks[0];
      const take = Math.min(buffer.length - n, chunk.length - this.#offset);
      buffer.set(chunk.subarray(this.#offset, this.#offset + take), n);
      n += take;
      this.#offset += take;
      if (this.#offset === chunk.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    this.#buffered -= n;
    return n;
  }

  async write(bytes: Uint8Array): Promise<number> {
    await this.#opened;
    if (this.#ws.readyState !== WebSocket.OPEN) throw new Error("The WebSocket is closed");
    this.#ws.send(this.#framing === "text" ? utf8OrBytes(bytes) : bytes);
    let pause = 1;
    while (this.#ws.bufferedAmount > this.#highWaterMark && this.#ws.readyState === WebSocket.OPEN) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, MAX_DRAIN_POLL_MS);
    }
    return bytes.length;
  }

  close(): void {
    this.#end();
    try {
      this.#ws.close(1000);
    } catch { /* already closed */ }
  }
}

function utf8OrBytes(bytes: Uint8Array): string | Uint8Array {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return bytes;
  }
}
