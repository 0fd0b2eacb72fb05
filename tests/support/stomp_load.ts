/**
 * A persistent STOMP load for crash tests: producers that send with receipts
 * (a window of unconfirmed sends each), one consumer that acks some of what it
 * gets with receipts, and a ledger of what was sent, confirmed, delivered and
 * acked. Frames are handled as they arrive (push, not pull), so a test can
 * stop or kill the broker at any moment and every peer just ends.
 */
import { type StompFrame, StompParser } from "../../src/protocol/stomp/codec.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface LoadFrame {
  command: string;
  headers: Record<string, string>;
  body: string;
}

/** A STOMP 1.2 connection whose frames go to `onFrame`; writes are queued so frames never interleave. */
export class StompPeer {
  readonly #conn: Deno.TcpConn;
  readonly #parser = new StompParser();
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  onFrame: (frame: LoadFrame) => void = () => {};
  /** Resolves when the connection ends (closed by either side, or reset). */
  readonly closed: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.closed = this.#read();
  }

  /** Connects, sends CONNECT and waits (at most `timeoutMs`) for CONNECTED. */
  static async connect(port: number, timeoutMs = 5000): Promise<StompPeer> {
    const peer = new StompPeer(await Deno.connect({ hostname: "127.0.0.1", port }));
    const connected = new Promise<void>((resolve, reject) => {
      peer.onFrame = (f) => {
        if (f.command === "CONNECTED") resolve();
        else reject(new Error(`Expected CONNECTED, got ${f.command}: ${f.headers.message ?? f.body}`));
      };
      peer.closed.then(() => reject(new Error("Connection closed before CONNECTED")));
    });
    peer.send("CONNECT", { "accept-version": "1.2", host: "localhost" });
    try {
      await withTimeout(connected, timeoutMs, "CONNECTED");
    } catch (err) {
      peer.close();
      throw err;
    }
    peer.#parser.version = "1.2";
    peer.onFrame = () => {};
    return peer;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        for (const e of this.#parser.push(buf.slice(0, n))) {
          if (e.kind === "frame") this.onFrame(toLoadFrame(e.frame));
        }
      }
    } catch { /* reset by peer (a killed broker) ends the connection like a close */ }
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  /** Queues a frame; a write to a dead connection is dropped (the read side reports the end). */
  send(command: string, headers: Record<string, string>, body = ""): void {
    const bytes = encoder.encode(
      `${command}\n${Object.entries(headers).map(([k, v]) => `${k}:${v}\n`).join("")}\n${body}\0`,
    );
    this.#writing = this.#writing.then(async () => {
      if (this.#closed) return;
      try {
        let at = 0;
        while (at < bytes.length) at += await this.#conn.write(bytes.subarray(at));
      } catch {
        this.#closed = true;
      }
    });
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#conn.close();
      } catch { /* already closed */ }
    }
    return this.closed;
  }
}

function toLoadFrame(frame: StompFrame): LoadFrame {
  const headers: Record<string, string> = {};
  for (const [k, v] of frame.headers) if (!(k in headers)) headers[k] = v;
  return { command: frame.command, headers, body: decoder.decode(frame.body) };
}

/** Rejects with `what` (and `detail()`, e.g. the broker's log) when `promise` takes longer than `ms`. */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  detail: () => string = () => "",
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const more = detail();
      reject(new Error(`Timed out after ${ms} ms waiting for ${what}${more ? `\n${more}` : ""}`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The load's id of a message: its body up to the `|` before the padding. */
export function messageIdOf(body: string): string {
  const bar = body.indexOf("|");
  return bar < 0 ? body : body.slice(0, bar);
}

/** What a load did, from the clients' point of view, by message id (`<prefix>p<producer>-<seq>`). */
export class Ledger {
  /** Every SEND written to the socket (whether or not the broker got it). */
  readonly sent = new Set<string>();
  /** Sends whose RECEIPT arrived: the broker confirmed them as stored. */
  readonly receipted = new Set<string>();
  /** Deliveries to the consumer, in order (a redelivery appears twice). */
  readonly delivered: string[] = [];
  /** Messages for which an ACK was written. */
  readonly ackSent = new Set<string>();
  /** Messages whose ACK's RECEIPT arrived: the broker confirmed the ack as stored. */
  readonly acked = new Set<string>();
  /** ERROR frames received (none expected). */
  readonly errors: string[] = [];
}

export interface LoadOptions {
  port: number;
  queue: string;
  producers: number;
  /** Unconfirmed sends each producer keeps in flight. */
  window: number;
  /** Message bodies are padded to this many characters (at least the id). */
  bodySize: number;
  /** Which delivered messages (by id) the consumer acks; the rest stay delivered but unacknowledged. */
  ackWhen: (id: string) => boolean;
  /** Consumer prefetch. */
  prefetch?: number;
  /** Start of every message id (unique per load when several loads share a ledger). */
  idPrefix?: string;
  /** Add to this ledger (e.g. one per broker lifetime of a crash test) instead of a new one. */
  ledger?: Ledger;
}

/**
 * N producers and one client-individual consumer on one queue. Producers send
 * unique persistent bodies until `stop()`; `receipts(n)` resolves once `n`
 * sends have been confirmed, so a test can act at a point chosen by an event.
 */
export class StompLoad {
  readonly ledger: Ledger;
  readonly #options: LoadOptions;
  /** Sends of this load confirmed so far (the ledger may hold earlier loads' too). */
  #confirmed = 0;
  /** Sends and acks of this load still waiting for their receipt. */
  #unconfirmed = 0;
  readonly #peers: StompPeer[] = [];
  readonly #inFlight: number[] = [];
  #consumer: StompPeer | null = null;
  #stopped = false;
  #receiptWaiters: { n: number; resolve: () => void }[] = [];
  #idleWaiters: (() => void)[] = [];

  private constructor(options: LoadOptions) {
    this.#options = options;
    this.ledger = options.ledger ?? new Ledger();
  }

  /** Connects the consumer (subscribed, receipt awaited) and the producers, then starts sending. */
  static async start(options: LoadOptions): Promise<StompLoad> {
    const load = new StompLoad(options);
    try {
      await load.#startConsumer();
      for (let p = 0; p < options.producers; p++) {
        load.#peers.push(await StompPeer.connect(options.port));
        load.#inFlight.push(0);
      }
    } catch (err) {
      await load.close();
      throw err;
    }
    for (let p = 0; p < options.producers; p++) load.#startProducer(p);
    return load;
  }

  async #startConsumer(): Promise<void> {
    const c = await StompPeer.connect(this.#options.port);
    this.#consumer = c;
    const subscribed = Promise.withResolvers<void>();
    subscribed.promise.catch(() => {}); // awaited below; a late close must not be unhandled
    const ledger = this.ledger;
    c.onFrame = (f) => {
      if (f.command === "RECEIPT") {
        const id = f.headers["receipt-id"];
        if (id === "subscribed") subscribed.resolve();
        else if (id.startsWith("ack:")) {
          ledger.acked.add(id.slice(4));
          this.#unconfirmed--;
        }
        this.#checkIdle();
      } else if (f.command === "MESSAGE") {
        const id = messageIdOf(f.body);
        ledger.delivered.push(id);
        // Once stopped, new deliveries are recorded but not acked, so the ledger can settle.
        if (!this.#stopped && this.#options.ackWhen(id)) {
          ledger.ackSent.add(id);
          this.#unconfirmed++;
          c.send("ACK", { id: f.headers.ack, receipt: `ack:${id}` });
        }
      } else if (f.command === "ERROR") {
        ledger.errors.push(`${f.headers.message ?? ""} ${f.body}`);
      }
    };
    c.send("SUBSCRIBE", {
      id: "load",
      destination: `/queue/${this.#options.queue}`,
      ack: "client-individual",
      "activemq.prefetchSize": String(this.#options.prefetch ?? 100),
      receipt: "subscribed",
    });
    c.closed.then(() => subscribed.reject(new Error("Connection closed before the subscription receipt")));
    await withTimeout(subscribed.promise, 5000, "the consumer's subscription receipt");
  }

  #startProducer(p: number): void {
    const peer = this.#peers[p];
    const ledger = this.ledger;
    let seq = 0;
    const pump = () => {
      while (!this.#stopped && !peer.isClosed && this.#inFlight[p] < this.#options.window) {
        const id = `${this.#options.idPrefix ?? ""}p${p}-${++seq}`;
        const body = `${id}|`.padEnd(this.#options.bodySize, "x");
        ledger.sent.add(id);
        this.#inFlight[p]++;
        this.#unconfirmed++;
        peer.send("SEND", {
          destination: `/queue/${this.#options.queue}`,
          persistent: "true",
          receipt: id,
          "content-type": "text/plain",
        }, body);
      }
    };
    peer.onFrame = (f) => {
      if (f.command === "RECEIPT") {
        ledger.receipted.add(f.headers["receipt-id"]);
        this.#inFlight[p]--;
        this.#unconfirmed--;
        const n = ++this.#confirmed;
        this.#receiptWaiters = this.#receiptWaiters.filter((w) => {
          if (n < w.n) return true;
          w.resolve();
          return false;
        });
        this.#checkIdle();
        pump();
      } else if (f.command === "ERROR") {
        ledger.errors.push(`${f.headers.message ?? ""} ${f.body}`);
      }
    };
    pump();
  }

  /** Resolves once `n` sends of this load have been confirmed; rejects if every producer is cut off first. */
  receipts(n: number): Promise<void> {
    if (this.#confirmed >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#receiptWaiters.push({ n, resolve });
      Promise.all(this.#peers.map((p) => p.closed)).then(() =>
        reject(new Error(`Every producer connection ended after ${this.#confirmed} of ${n} receipts`))
      );
    });
  }

  /**
   * Stops new sends and new acks; resolves once every send and ack written so
   * far has its receipt, i.e. the ledger has no unconfirmed entry.
   */
  stop(): Promise<void> {
    this.#stopped = true;
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
  }

  #checkIdle(): void {
    if (!this.#stopped || this.#idleWaiters.length === 0 || this.#unconfirmed > 0) return;
    const w = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const f of w) f();
  }

  /** Resolves when every connection has ended (after the broker died, or `close()`). */
  async ended(): Promise<void> {
    await Promise.all([...this.#peers, ...(this.#consumer ? [this.#consumer] : [])].map((p) => p.closed));
  }

  async close(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#peers, ...(this.#consumer ? [this.#consumer] : [])].map((p) => p.close()));
  }
}

/**
 * The ids of everything a queue holds, in order: subscribes (auto ack), then
 * sends a sentinel behind what is there and collects until the sentinel
 * arrives — no quiet period to guess.
 */
export async function drainQueue(
  port: number,
  queue: string,
  options: { timeoutMs?: number; detail?: () => string } = {},
): Promise<string[]> {
  const sentinel = `sentinel-${crypto.randomUUID()}`;
  const consumer = await StompPeer.connect(port);
  const producer = await StompPeer.connect(port);
  try {
    const bodies: string[] = [];
    const done = Promise.withResolvers<void>();
    done.promise.catch(() => {}); // may fail before it is awaited; the await below reports it
    const subscribed = Promise.withResolvers<void>();
    consumer.onFrame = (f) => {
      if (f.command === "RECEIPT") subscribed.resolve();
      else if (f.command === "MESSAGE") {
        if (f.body === sentinel) done.resolve();
        else bodies.push(messageIdOf(f.body));
      } else if (f.command === "ERROR") done.reject(new Error(`ERROR frame: ${f.headers.message} ${f.body}`));
    };
    consumer.closed.then(() => done.reject(new Error("The draining consumer's connection closed")));
    consumer.send("SUBSCRIBE", {
      id: "drain",
      destination: `/queue/${queue}`,
      ack: "auto",
      receipt: "subscribed",
    });
    const timeout = options.timeoutMs ?? 15_000;
    await withTimeout(subscribed.promise, timeout, "the draining subscription", options.detail);
    producer.send("SEND", { destination: `/queue/${queue}`, persistent: "true" }, sentinel);
    await withTimeout(
      done.promise,
      timeout,
      `the sentinel on ${queue}`,
      () => `(${bodies.length} messages drained so far)\n${options.detail?.() ?? ""}`,
    );
    return bodies;
  } finally {
    await consumer.close();
    await producer.close();
  }
}
