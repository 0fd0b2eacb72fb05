/**
 * Journal roll-over and cleanup with small journal files and short
 * checkpoint/cleanup intervals: consumed files are deleted (or archived)
 * by the periodic cleanup, and an old unconsumed message keeps only its own
 * file (plus what holds acks of that file, until ack compaction frees it).
 * In process, so the store's pin report (`stats().files`) can be read.
 */
import assert from "node:assert/strict";
import { Broker } from "../../src/runtime/broker.ts";
import { logger, setLogLevel } from "../../src/log.ts";
import type { FilePin } from "../../src/store/mod.ts";
import { KahaDBPersistenceAdapter } from "../../src/store/kahadb/mod.ts";
import type { VmConnection } from "../../src/vm/vm_client.ts";
import { journalFileNames } from "../support/kahadb_process.ts";

const BODY = "x".repeat(1024);
const OPTIONS = {
  journalMaxFileLength: "64kb",
  checkpointInterval: "100",
  cleanupInterval: "200",
  compactAcksAfterNoGC: "3",
};

/**
 * A broker whose KahaDB store tells the test about each finished cleanup run
 * (its debug line), so waits follow the store's own timer instead of polling.
 */
interface RolloverBroker extends AsyncDisposable {
  broker: Broker;
  store: KahaDBPersistenceAdapter;
  /** Resolves after the next cleanup run has finished. */
  nextCleanup(): Promise<void>;
}

async function startBroker(directory: string, options: Record<string, string> = {}): Promise<RolloverBroker> {
  setLogLevel(Deno.env.get("TEST_LOG_LEVEL") as never ?? "error");
  let waiters: (() => void)[] = [];
  const log = logger("kahadb");
  const store = new KahaDBPersistenceAdapter({
    directory,
    options: { ...OPTIONS, ...options },
    log: {
      ...log,
      debugEnabled: true,
      debug: (m) => {
        if (!m.startsWith("KahaDB cleanup of ")) return;
        const w = waiters;
        waiters = [];
        for (const f of w) f();
      },
    },
  });
  const broker = await Broker.start({ brokerName: "rollover", persistent: true }, { store });
  return {
    broker,
    store,
    nextCleanup: () => new Promise((resolve) => waiters.push(resolve)),
    [Symbol.asyncDispose]: () => broker.stop(),
  };
}

/**
 * Reads the store's pin report after each cleanup run until `done` holds
 * (bounded; the last report is in the failure).
 */
async function waitForFiles(
  b: RolloverBroker,
  what: string,
  done: (files: FilePin[]) => boolean,
  timeoutMs = 10_000,
): Promise<FilePin[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cleaned = b.nextCleanup();
    const files = (await b.store.stats()).files ?? [];
    if (done(files)) return files;
    const left = deadline - Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      cleaned.then(() => false),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(true), Math.max(0, left))),
    ]);
    clearTimeout(timer);
    if (timedOut) throw new Error(`Timed out waiting for ${what}; journal files kept:\n${describe(files)}`);
  }
}

function describe(files: FilePin[]): string {
  return files.map((f) => `  ${f.file}: ${f.reasons.join("; ")}`).join("\n");
}

const fileId = (name: string) => Number(name.slice(3, -4));
const current = (files: FilePin[]) => files.find((f) => f.reasons.some((r) => /being appended to/.test(r)))!;

/** Sends `count` 1 KiB persistent messages, then consumes and acks them all. */
async function produceThenConsume(conn: VmConnection, queue: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await conn.send(queue, BODY);
  const sub = await conn.subscribe(queue, { ackMode: "individual" });
  for (let i = 0; i < count; i++) {
    const m = await sub.receive(5000);
    assert.ok(m, `message ${i} of ${count} on ${queue}`);
    await m.ack();
  }
  await sub.close();
}

async function withDirectory(fn: (directory: string) => Promise<void>): Promise<void> {
  const directory = await Deno.makeTempDir({ prefix: "amq-rollover-" });
  try {
    await fn(directory);
  } finally {
    await Deno.remove(directory, { recursive: true }).catch(() => {});
  }
}

for (const archive of [false, true]) {
  const fate = archive ? "moved to data-archive/" : "deleted";
  Deno.test(`rollover: journal files are ${fate} by the periodic cleanup once their messages are consumed`, async () => {
    await withDirectory(async (directory) => {
      await using b = await startBroker(directory, archive ? { archiveDataLogs: "true" } : {});
      await using conn = await b.broker.connect();
      await produceThenConsume(conn, "queue://roll", 500);
      const files = await waitForFiles(b, "only the current file to be left", (f) => f.length === 1);
      const last = fileId(files[0].file);
      assert.ok(last >= 8, `500 KiB in 64 KiB files rolled over several times (now at ${files[0].file})`);
      assert.deepEqual(journalFileNames(directory), [files[0].file]);
      const older = Array.from({ length: last - 1 }, (_, i) => `db-${i + 1}.log`);
      if (archive) assert.deepEqual(journalFileNames(`${directory}/data-archive`), older);
      else assert.equal(await Deno.stat(`${directory}/data-archive`).then(() => true, () => false), false);
    });
  });
}

Deno.test("rollover: one unconsumed old message keeps its file and nothing else it does not need", async () => {
  await withDirectory(async (directory) => {
    let afterFirstRound: string;
    {
      await using b = await startBroker(directory);
      await using conn = await b.broker.connect();
      await conn.send("queue://old", "keep me");
      // The acks of the roll messages that share db-1.log with "keep me" land in the file being
      // written when they are consumed: that file acknowledges messages of db-1.log.
      await produceThenConsume(conn, "queue://roll", 500);
      afterFirstRound = current((await b.store.stats()).files!).file;
      // More traffic moves the journal on, so that file is no longer the current one.
      await produceThenConsume(conn, "queue://roll", 300);
      const files = await waitForFiles(
        b,
        "db-1.log and one file holding the acks of its consumed messages",
        (f) => f.length === 2 && !f.some((p) => p.file === afterFirstRound),
      );
      assert.deepEqual(
        files[0],
        { file: "db-1.log", reasons: ["queue://old: 1 pending message"] },
        describe(files),
      );
      assert.ok(
        files[1].reasons.some((r) => /acknowledges messages of db-1\.log/.test(r)),
        `the acks of db-1.log's consumed messages are kept (compacted out of ${afterFirstRound}):\n${
          describe(files)
        }`,
      );
      assert.ok(fileId(files[1].file) > fileId(afterFirstRound));
      assert.deepEqual(journalFileNames(directory), files.map((f) => f.file));
    }
    // A restart (full replay of what is left) brings back "keep me" and none of the consumed ones.
    await using b = await startBroker(directory);
    assert.equal(b.broker.service.queueSize("old"), 1);
    assert.equal(b.broker.service.queueSize("roll"), 0);
    await using conn = await b.broker.connect();
    const sub = await conn.subscribe("queue://old", { ackMode: "individual" });
    const m = await sub.receive(5000);
    assert.equal(m?.text(), "keep me");
    await m!.ack();
    const files = await waitForFiles(b, "db-1.log to go once consumed", (f) => f.length === 1);
    assert.notEqual(files[0].file, "db-1.log");
    assert.deepEqual(journalFileNames(directory), [files[0].file]);
  });
});
