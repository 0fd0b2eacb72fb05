/**
 * KahaDB benchmarks (issue 3): persistent STOMP throughput with several
 * producers, to show group commit (many confirmed sends per fsync), and
 * start-up (recovery) time against the number of pending messages.
 */
import { Broker } from "../src/runtime/broker.ts";
import { parseTransportUri } from "../src/config/mod.ts";
import { StompParser } from "../src/protocol/stomp/codec.ts";
import type { Message } from "../src/message/message.ts";
import { KahaDBPersistenceAdapter } from "../src/store/kahadb/mod.ts";
import { logger, setLogLevel } from "../src/log.ts";

const encoder = new TextEncoder();

async function writeAll(to: { write(p: Uint8Array): Promise<number> }, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await to.write(bytes.subarray(at));
}

/** Reads frames until one with `command` arrives. */
async function readUntil(
  conn: Deno.Conn,
  parser: StompParser,
  buf: Uint8Array,
  command: string,
): Promise<void> {
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) throw new Error(`Connection closed while waiting for ${command}`);
    for (const e of parser.push(buf.subarray(0, n))) {
      if (e.kind !== "frame") continue;
      if (e.frame.command === "ERROR") {
        throw new Error(`ERROR frame: ${new TextDecoder().decode(e.frame.body)}`);
      }
      if (e.frame.command === command) return;
    }
  }
}

async function withTempDir<T>(fn: (directory: string) => Promise<T>): Promise<T> {
  const directory = await Deno.makeTempDir({ prefix: "amq-bench-kahadb-" });
  try {
    return await fn(directory);
  } finally {
    await Deno.remove(directory, { recursive: true }).catch(() => {});
  }
}

/**
 * What the disk does alone: 1 KiB appends each followed by fdatasync, for
 * `ms` milliseconds, in a file under `directory` (the same file system as the
 * store). A store that confirms more messages per second than this is
 * sharing syncs between writers.
 */
export async function diskSyncRate(directory: string, ms = 1000): Promise<number> {
  const path = `${directory}/sync-probe.bin`;
  const file = await Deno.open(path, { create: true, write: true });
  try {
    const block = new Uint8Array(1024);
    let syncs = 0;
    const start = performance.now();
    while (performance.now() - start < ms) {
      await writeAll(file, block);
      await file.syncData();
      syncs++;
    }
    return Math.round(syncs / ((performance.now() - start) / 1000));
  } finally {
    file.close();
    await Deno.remove(path).catch(() => {});
  }
}

export interface PersistentThroughputResult {
  producers: number;
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  syncs: number;
  syncsPerSecond: number;
  /** The disk's own rate of 1 KiB write + fdatasync, measured just before. */
  diskSyncsPerSecond: number;
}

/**
 * `producers` STOMP connections each sending persistent 1 KiB messages to one
 * queue and waiting for each RECEIPT before the next send (what a JMS
 * producer does with a persistent send), for `seconds`, against an
 * in-process broker with KahaDB (journalDiskSyncStrategy=always) in a temp
 * directory. `syncs` is the store's count of journal fsyncs in that time.
 */
export async function persistentThroughputBench(
  producers: number,
  options: { seconds?: number; bodySize?: number } = {},
): Promise<PersistentThroughputResult> {
  const seconds = options.seconds ?? 3;
  const body = "x".repeat(options.bodySize ?? 1024);
  return await withTempDir(async (directory) => {
    const diskSyncsPerSecond = await diskSyncRate(directory, 500);
    const broker = await Broker.start({
      brokerName: "bench",
      persistent: true,
      persistenceAdapter: {
        kind: "kahaDB",
        directory: `${directory}/kahadb`,
        options: { journalDiskSyncStrategy: "always" },
      },
      transportConnectors: [{ name: "stomp", uri: parseTransportUri("stomp://127.0.0.1:0") }],
    }, { logLevel: "warn" });
    const store = broker.store as KahaDBPersistenceAdapter;
    const conns: Deno.TcpConn[] = [];
    try {
      const port = broker.connector("stomp")!.port;
      const clients = [];
      for (let p = 0; p < producers; p++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        conns.push(conn);
        const parser = new StompParser();
        const buf = new Uint8Array(64 * 1024);
        await writeAll(conn, encoder.encode("CONNECT\naccept-version:1.2\nhost:localhost\n\n\0"));
        await readUntil(conn, parser, buf, "CONNECTED");
        parser.version = "1.2";
        clients.push({ conn, parser, buf });
      }
      const syncsBefore = (await store.stats()).syncs ?? 0;
      const start = performance.now();
      const deadline = start + seconds * 1000;
      const counts = await Promise.all(clients.map(async ({ conn, parser, buf }, p) => {
        let sent = 0;
        while (performance.now() < deadline) {
          const frame = `SEND\ndestination:/queue/bench.persistent\npersistent:true\nreceipt:${p}-${sent}\n` +
            `content-type:text/plain\n\n${body}\0`;
          await writeAll(conn, encoder.encode(frame));
          await readUntil(conn, parser, buf, "RECEIPT");
          sent++;
        }
        return sent;
      }));
      const elapsed = (performance.now() - start) / 1000;
      const syncs = ((await store.stats()).syncs ?? 0) - syncsBefore;
      const messages = counts.reduce((a, b) => a + b, 0);
      return {
        producers,
        messages,
        seconds: elapsed,
        messagesPerSecond: Math.round(messages / elapsed),
        syncs,
        syncsPerSecond: Math.round(syncs / elapsed),
        diskSyncsPerSecond,
      };
    } finally {
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      await broker.stop();
    }
  });
}

export interface RecoveryResult {
  messages: number;
  bodySize: number;
  /** Writing the pending messages (not part of the measurement). */
  fillSeconds: number;
  /** `Broker.start` until it resolved (store recovery plus loading the queues). */
  startSeconds: number;
  /** Of that, the store worker's own recovery (index, replay, reading the messages back). */
  storeSeconds: number;
  microsPerMessage: number;
  /** Resident memory once started (after a GC). */
  rssMiB: number;
}

const FILL_BATCH = 1000;

/** Writes `count` pending persistent messages to one queue of a KahaDB store in `directory`. */
async function fill(directory: string, count: number, bodySize: number): Promise<void> {
  setLogLevel("warn");
  const store = new KahaDBPersistenceAdapter({ directory, log: logger("bench-fill") });
  await store.start();
  try {
    const destination = { type: "queue", name: "bench.recovery" } as const;
    const body = encoder.encode("x".repeat(bodySize));
    const now = Date.now();
    const writes: Promise<void>[] = [];
    for (let at = 0; at < count; at += FILL_BATCH) {
      const ops = [];
      for (let i = at; i < Math.min(count, at + FILL_BATCH); i++) {
        const message: Message = {
          messageId: `ID:bench-fill-1-0:1:1:${i + 1}`,
          destination,
          priority: 4,
          expiration: 0,
          timestamp: now,
          persistent: true,
          redeliveryCounter: 0,
          properties: {},
          bodyKind: "text",
          body,
        };
        ops.push({ op: "add" as const, destination, message });
      }
      // The adapter bounds the work in flight; keep it busy without holding every promise.
      writes.push(store.write(ops));
      if (writes.length >= 32) await writes.shift();
    }
    await Promise.all(writes);
  } finally {
    await store.stop();
  }
}

/**
 * Start-up time with `count` pending messages: fills a temp store (not
 * timed), then times `Broker.start` on it until it resolves, and checks that
 * the queue holds them all.
 */
export async function recoveryBench(
  count: number,
  options: { bodySize?: number } = {},
): Promise<RecoveryResult> {
  const bodySize = options.bodySize ?? 1024;
  return await withTempDir(async (directory) => {
    const kahadb = `${directory}/kahadb`;
    const fillStart = performance.now();
    await fill(kahadb, count, bodySize);
    const fillSeconds = (performance.now() - fillStart) / 1000;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    // The store's own "recovered N messages … in X ms" line tells its share of the start-up.
    let storeMs = NaN;
    const log = logger("bench-recovery");
    const store = new KahaDBPersistenceAdapter({
      directory: kahadb,
      log: {
        ...log,
        info: (m: string) => {
          const ms = /recovered \d+ messages .* in (\d+) ms$/.exec(m);
          if (ms) storeMs = Number(ms[1]);
        },
      },
    });
    const start = performance.now();
    const broker = await Broker.start({
      brokerName: "bench",
      persistent: true,
      persistenceAdapter: { kind: "kahaDB", directory: kahadb, options: {} },
    }, { logLevel: "warn", store });
    const startSeconds = (performance.now() - start) / 1000;
    let rssMiB: number;
    try {
      const size = broker.service.queueSize("bench.recovery");
      if (size !== count) throw new Error(`Recovered ${size} messages, expected ${count}`);
      gc?.();
      rssMiB = Math.round(Deno.memoryUsage().rss / (1024 * 1024));
    } finally {
      await broker.stop();
    }
    return {
      messages: count,
      bodySize,
      fillSeconds,
      startSeconds,
      storeSeconds: storeMs / 1000,
      microsPerMessage: (startSeconds * 1e6) / count,
      rssMiB,
    };
  });
}
