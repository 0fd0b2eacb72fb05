/**
 * The KahaDB store (`<kahaDB>`, ActiveMQ's default): a journal of
 * `db-N.log` files plus an index in `db.data`, owned by a worker of its own
 * (`store_worker.ts`). This module is the main-thread side: it encodes
 * messages once, posts every command of one event-loop turn as one batch
 * (message bytes in one transferred buffer), bounds the work in flight and
 * decodes what the worker recovers. See `specs/kahadb.md`.
 *
 * @example
 * ```ts
 * import { createKahaDBAdapter } from "./mod.ts";
 *
 * const store = createKahaDBAdapter({ directory: "data/kahadb", options: { journalMaxFileLength: "32mb" } });
 * const recovered = await store.start();
 * await store.write([{ op: "remove", destination: { type: "queue", name: "orders" }, messageId: "ID:x:1:1:1:1" }]);
 * await store.stop();
 * ```
 *
 * @module
 */
import { BrokerError, deserializeError } from "../../broker/errors.ts";
import { type Logger, logger } from "../../log.ts";
import type { Message } from "../../message/message.ts";
import { decodeStoredMessage, encodeStoredMessage } from "../../message/stored_message.ts";
import type {
  PersistenceAdapter,
  RecoveredState,
  StoreOperation,
  StoreStartOptions,
  StoreStats,
  StoreWriteOptions,
  XaTransactionId,
} from "../persistence_adapter.ts";
import type { StoreFs } from "./_file_io.ts";
import { postingLogger, StoreHost } from "./_host.ts";
import type { MainToWorker, RecoveredWire, WireOp, WorkerToMain } from "./_protocol.ts";

export type { StoreFile, StoreFs } from "./_file_io.ts";

/**
 * How messages become the bytes of KahaAddMessageCommand.message and back.
 *
 * @example
 * ```ts
 * const store = new KahaDBPersistenceAdapter({ directory: "/tmp/kahadb", codec: openWireStoreCodec });
 * ```
 */
export interface MessageCodec {
  encode(message: Message): Uint8Array;
  /**
   * `bytes` may be a view into a larger buffer that is reused: copy what the
   * returned message keeps (the OpenWire decoder copies byte arrays).
   */
  decode(bytes: Uint8Array): Message;
}

/**
 * ActiveMQ's stored form: an OpenWire v11 loose frame (kahadb.md 3.4). The default.
 *
 * @example
 * ```ts
 * const bytes = openWireStoreCodec.encode({
 *   messageId: "ID:host-1-0:1:1:1:1",
 *   destination: { type: "queue", name: "orders" },
 *   priority: 4, expiration: 0, timestamp: Date.now(), persistent: true, redeliveryCounter: 0,
 *   properties: {}, bodyKind: "text", body: new TextEncoder().encode("hello"),
 * });
 * openWireStoreCodec.decode(bytes).destination.name; // "orders"
 * ```
 */
export const openWireStoreCodec: MessageCodec = {
  encode: encodeStoredMessage,
  decode: decodeStoredMessage,
};

/**
 * Options of {@link KahaDBPersistenceAdapter}.
 *
 * @example
 * ```ts
 * const options: KahaDBAdapterOptions = { directory: "data/kahadb", options: { journalMaxFileLength: "32mb" } };
 * ```
 */
export interface KahaDBAdapterOptions {
  directory: string;
  /** Raw `<kahaDB>` attributes (kahadb.md section 9), plus `lockAcquireSleepInterval`. */
  options?: Record<string, string>;
  codec?: MessageCodec;
  log?: Logger;
  /**
   * Run the store on the calling thread instead of its worker (tests, tools).
   * Only then can `fs` replace the file layer.
   */
  inProcess?: boolean;
  fs?: StoreFs;
  /** Requests posted to the worker and not answered yet before writers wait (default 1024). */
  maxRequestsInFlight?: number;
  /** Message bytes posted and not yet written before writers wait (default 64 MiB). */
  maxBytesInFlight?: number;
}

type Request = Exclude<MainToWorker, { k: "init" | "abortStart" }>;
type RequestBody = Request extends infer R ? R extends { id: number } ? Omit<R, "id"> : never : never;

interface Link {
  notify(cmd: Extract<MainToWorker, { k: "init" | "abortStart" }>): void;
  call(cmd: RequestBody): Promise<unknown>;
  close(): void;
}

/** Commands to the worker, batched per turn; replies resolve by id. */
class WorkerLink implements Link {
  readonly #worker: Worker;
  readonly #log: Logger;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #outbox: MainToWorker[] = [];
  #scheduled = false;
  #nextId = 1;
  #closed = false;

  constructor(log: Logger) {
    this.#log = log;
    // This exact form lets `deno compile` find the worker (with deno.json compile.include).
    this.#worker = new Worker(new URL("./store_worker.ts", import.meta.url), { type: "module" });
    this.#worker.onmessage = (e: MessageEvent<WorkerToMain[]>) => {
      for (const m of e.data) this.#receive(m);
    };
    this.#worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      const error = new BrokerError("illegal-state", `The KahaDB store worker failed: ${e.message}`);
      this.#log.error(error.message);
      for (const p of this.#pending.values()) p.reject(error);
      this.#pending.clear();
    };
  }

  #receive(m: WorkerToMain): void {
    if (m.k === "log") {
      this.#log[m.level](m.message);
      return;
    }
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if (m.error) p.reject(deserializeError(m.error));
    else p.resolve(m.value);
  }

  notify(cmd: Extract<MainToWorker, { k: "init" | "abortStart" }>): void {
    this.#queue(cmd);
  }

  call(cmd: RequestBody): Promise<unknown> {
    if (this.#closed) return Promise.reject(new BrokerError("illegal-state", "The KahaDB store is stopped"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#queue({ ...cmd, id } as MainToWorker);
    });
  }

  #queue(cmd: MainToWorker): void {
    this.#outbox.push(cmd);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#flush());
  }

  /** One postMessage per turn; all message bytes travel in one transferred buffer. */
  #flush(): void {
    this.#scheduled = false;
    const batch = this.#outbox;
    this.#outbox = [];
    if (batch.length === 0 || this.#closed) return;
    let total = 0;
    for (const cmd of batch) {
      if (cmd.k === "write" || cmd.k === "prepare") {
        for (const op of cmd.ops) if (op.op === "add") total += op.bytes.length;
      }
    }
    if (total === 0) {
      this.#worker.postMessage(batch);
      return;
    }
    const shared = new Uint8Array(total);
    let at = 0;
    for (const cmd of batch) {
      if (cmd.k !== "write" && cmd.k !== "prepare") continue;
      for (const op of cmd.ops) {
        if (op.op !== "add") continue;
        shared.set(op.bytes, at);
        op.bytes = shared.subarray(at, at + op.bytes.length);
        at += op.bytes.length;
      }
    }
    this.#worker.postMessage(batch, [shared.buffer]);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker.terminate();
    const error = new BrokerError("illegal-state", "The KahaDB store is stopped");
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}

/** The same commands run on this thread. */
class InProcessLink implements Link {
  readonly #host: StoreHost;
  constructor(log: Logger, fs?: StoreFs) {
    this.#host = new StoreHost(
      postingLogger((m) => m.k === "log" && log[m.level](m.message), log.debugEnabled),
      fs,
    );
  }
  notify(cmd: Extract<MainToWorker, { k: "init" | "abortStart" }>): void {
    this.#host.notify(cmd);
  }
  async call(cmd: RequestBody): Promise<unknown> {
    return (await this.#host.run({ ...cmd, id: 0 } as Request)).value;
  }
  close(): void {}
}

const DEFAULT_MAX_REQUESTS = 1024;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * A {@link PersistenceAdapter} over a KahaDB directory. Each instance starts
 * its own store worker in `start()` and ends it in `stop()`.
 *
 * @example
 * ```ts
 * const store = new KahaDBPersistenceAdapter({ directory: "/tmp/kahadb" });
 * const { destinations } = await store.start();
 * await store.stop();
 * ```
 */
export class KahaDBPersistenceAdapter implements PersistenceAdapter {
  readonly name = "kahaDB";
  readonly #options: KahaDBAdapterOptions;
  readonly #codec: MessageCodec;
  readonly #log: Logger;
  #link: Link | null = null;
  #state: "new" | "starting" | "started" | "stopped" = "new";
  #inFlight = 0;
  #bytesInFlight = 0;
  /** Requests waiting for room, oldest first (`#waitHead` is the next one). */
  #waiting: { bytes: number; go: () => void }[] = [];
  #waitHead = 0;
  readonly #maxRequests: number;
  readonly #maxBytes: number;

  constructor(options: KahaDBAdapterOptions) {
    this.#options = options;
    this.#codec = options.codec ?? openWireStoreCodec;
    this.#log = options.log ?? logger("kahadb");
    this.#maxRequests = options.maxRequestsInFlight ?? DEFAULT_MAX_REQUESTS;
    this.#maxBytes = options.maxBytesInFlight ?? DEFAULT_MAX_BYTES;
  }

  get directory(): string {
    return this.#options.directory;
  }

  async start(options: StoreStartOptions = {}): Promise<RecoveredState> {
    if (this.#state !== "new" && this.#state !== "stopped") {
      throw new BrokerError("illegal-state", `The KahaDB store ${this.directory} is already started`);
    }
    const signal = options.signal;
    if (signal?.aborted) throw signal.reason;
    this.#state = "starting";
    const link: Link = this.#options.inProcess
      ? new InProcessLink(this.#log, this.#options.fs)
      : new WorkerLink(this.#log);
    link.notify({
      k: "init",
      directory: this.#options.directory,
      options: this.#options.options ?? {},
      debug: this.#log.debugEnabled,
    });
    const onAbort = () => link.notify({ k: "abortStart" });
    signal?.addEventListener("abort", onAbort, { once: true });
    let wire: RecoveredWire;
    try {
      wire = await link.call({ k: "start" }) as RecoveredWire;
    } catch (err) {
      link.close();
      this.#state = "stopped";
      throw signal?.aborted ? signal.reason : err;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    this.#link = link;
    this.#state = "started";
    return this.#recovered(wire);
  }

  #recovered(wire: RecoveredWire): RecoveredState {
    const data = new Uint8Array(wire.data);
    const state: RecoveredState = { destinations: [], subscriptions: wire.subscriptions, prepared: [] };
    let i = 0;
    let undecodable = 0;
    for (const d of wire.destinations) {
      const messages: Message[] = [];
      for (let n = 0; n < d.count; n++, i++) {
        const start = wire.offsets[i];
        try {
          // A view: codecs copy what they keep (see MessageCodec), so nothing pins this buffer.
          messages.push(this.#codec.decode(data.subarray(start, start + wire.lengths[i])));
        } catch (err) {
          undecodable++;
          if (undecodable === 1) {
            this.#log.warn(`A stored message in ${d.destination.name} cannot be decoded: ${err}`);
          }
        }
      }
      state.destinations.push({ destination: d.destination, messages });
    }
    if (undecodable > 0) {
      this.#log.warn(
        `KahaDB store ${this.directory}: ${undecodable} stored messages could not be decoded and are skipped`,
      );
    }
    for (const p of wire.prepared) {
      state.prepared.push({ xid: p.xid, operations: p.operations.map((op) => this.#fromWire(op)) });
    }
    return state;
  }

  #toWire(op: StoreOperation): WireOp {
    if (op.op !== "add") return op;
    const wire: WireOp = {
      op: "add",
      destination: op.destination,
      messageId: op.message.messageId,
      priority: op.message.priority,
      bytes: this.#codec.encode(op.message),
    };
    if (op.subscriptions) {
      wire.subscriptions = op.subscriptions.map((s) => ({
        clientId: s.clientId,
        subscriptionName: s.subscriptionName,
      }));
    }
    return wire;
  }

  #fromWire(op: WireOp): StoreOperation {
    if (op.op !== "add") return op;
    const out: StoreOperation = {
      op: "add",
      destination: op.destination,
      message: this.#codec.decode(op.bytes),
    };
    if (op.subscriptions) out.subscriptions = op.subscriptions;
    return out;
  }

  #encode(operations: StoreOperation[]): { ops: WireOp[]; bytes: number } {
    const ops = operations.map((op) => this.#toWire(op));
    let bytes = 0;
    for (const op of ops) if (op.op === "add") bytes += op.bytes.length;
    return { ops, bytes };
  }

  write(operations: StoreOperation[], options: StoreWriteOptions = {}): Promise<void> {
    try {
      const { ops, bytes } = this.#encode(operations);
      return this.#send({ k: "write", ops, sync: options.sync ?? false }, bytes) as Promise<void>;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  prepare(xid: XaTransactionId, operations: StoreOperation[]): Promise<void> {
    try {
      const { ops, bytes } = this.#encode(operations);
      return this.#send({ k: "prepare", xid, ops }, bytes) as Promise<void>;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  commitPrepared(xid: XaTransactionId): Promise<void> {
    return this.#send({ k: "commitPrepared", xid }, 0) as Promise<void>;
  }

  rollbackPrepared(xid: XaTransactionId): Promise<void> {
    return this.#send({ k: "rollbackPrepared", xid }, 0) as Promise<void>;
  }

  stats(): Promise<StoreStats> {
    return this.#send({ k: "stats" }, 0) as Promise<StoreStats>;
  }

  /** Writes the index now instead of at the next `checkpointInterval` (admin, tests). */
  checkpoint(): Promise<void> {
    return this.#send({ k: "checkpoint" }, 0) as Promise<void>;
  }

  /**
   * Runs a cleanup now (checkpoint, delete or archive unused journal files,
   * ack compaction) instead of at the next `cleanupInterval` (admin, tests).
   */
  cleanup(): Promise<void> {
    return this.#send({ k: "cleanup" }, 0) as Promise<void>;
  }

  /** Requests held back because the store has the maximum of work in flight (flow control). */
  get waitingRequests(): number {
    return this.#waiting.length - this.#waitHead;
  }

  async stop(): Promise<void> {
    if (this.#state !== "started") return;
    const link = this.#link!;
    try {
      // Queued behind every write already issued, so those finish first.
      await this.#send({ k: "stop" }, 0);
    } finally {
      this.#state = "stopped";
      this.#link = null;
      link.close();
    }
  }

  /**
   * Posts a request, keeping call order: while earlier requests wait for room
   * (bounded in-flight work), later ones queue behind them.
   */
  #send(cmd: RequestBody, bytes: number): Promise<unknown> {
    const link = this.#link;
    if (this.#state !== "started" || !link) {
      return Promise.reject(
        new BrokerError("illegal-state", `The KahaDB store ${this.directory} is not started`),
      );
    }
    const go = (): Promise<unknown> => {
      this.#inFlight++;
      this.#bytesInFlight += bytes;
      return link.call(cmd).finally(() => {
        this.#inFlight--;
        this.#bytesInFlight -= bytes;
        this.#admit();
      });
    };
    if (this.#waitHead === this.#waiting.length && this.#hasRoom(bytes)) return go();
    return new Promise((resolve, reject) => {
      this.#waiting.push({ bytes, go: () => go().then(resolve, reject) });
    });
  }

  #hasRoom(bytes: number): boolean {
    return this.#inFlight === 0 ||
      (this.#inFlight < this.#maxRequests && this.#bytesInFlight + bytes <= this.#maxBytes);
  }

  #admit(): void {
    while (this.#waitHead < this.#waiting.length && this.#hasRoom(this.#waiting[this.#waitHead].bytes)) {
      this.#waiting[this.#waitHead++].go();
    }
    if (this.#waitHead === this.#waiting.length || this.#waitHead > 4096) {
      this.#waiting = this.#waiting.slice(this.#waitHead);
      this.#waitHead = 0;
    }
  }
}

/**
 * The adapter for a `<kahaDB>` element of the broker config.
 *
 * @example
 * ```ts
 * const store = createKahaDBAdapter({ directory: "data/kahadb", options: {} });
 * ```
 */
export function createKahaDBAdapter(
  config: { directory: string; options: Record<string, string> },
  log?: Logger,
): KahaDBPersistenceAdapter {
  return new KahaDBPersistenceAdapter({ directory: config.directory, options: config.options, log });
}
