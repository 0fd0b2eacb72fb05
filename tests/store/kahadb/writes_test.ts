/**
 * The write path: group commit, the disk sync strategies, bounded work in
 * flight, and a full disk in the middle of a batch.
 */
import assert from "node:assert/strict";
import { BrokerError } from "../../../src/broker/errors.ts";
import type { Destination } from "../../../src/message/destination.ts";
import { KahaDBPersistenceAdapter } from "../../../src/store/kahadb/mod.ts";
import type { RecoveredState } from "../../../src/store/persistence_adapter.ts";
import { enospc, FaultFs, msg, quietLog, tempDir, texts } from "./_helpers.ts";

const Q: Destination = { type: "queue", name: "orders" };
const QUIET = { checkpointInterval: "3600000", cleanupInterval: "3600000" };

function open(directory: string, fs: FaultFs, options: Record<string, string> = {}, extra = {}) {
  return new KahaDBPersistenceAdapter({
    directory,
    options: { ...QUIET, ...options },
    log: quietLog(),
    inProcess: true,
    fs,
    ...extra,
  });
}

const queueTexts = (s: RecoveredState) =>
  texts(s.destinations.find((d) => d.destination.name === "orders")?.messages ?? []);

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A promise and its resolve function. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => open = r);
  return { promise, open };
}

Deno.test("group commit: writes that arrive during an fsync share the next one; sync writes wait for it", () =>
  inTempDir(async (dir) => {
    const fs = new FaultFs();
    const store = open(dir, fs);
    await store.start();
    const base = (await store.stats()).syncs!;
    const hold = gate();
    fs.syncGate = hold.promise;
    const syncing = fs.nextSync();
    let firstDone = false;
    const first = store.write([{ op: "add", destination: Q, message: msg(Q, "first") }], { sync: true })
      .then(() => firstDone = true);
    await syncing; // the first batch is written and its fsync is in progress
    const rest = Array.from(
      { length: 50 },
      (_, i) => store.write([{ op: "add", destination: Q, message: msg(Q, `m${i}`) }], { sync: true }),
    );
    const nonSync = store.write([{ op: "add", destination: Q, message: msg(Q, "lazy") }]);
    await store.stats(); // a round trip: everything that could run has run
    assert.equal(firstDone, false, "a sync write resolves only after its fsync");
    const second = fs.nextSync();
    fs.syncGate = null;
    hold.open();
    await first;
    await second;
    await Promise.all([...rest, nonSync]);
    assert.equal((await store.stats()).syncs! - base, 2, "51 sync writes, 2 fsyncs");
    await store.stop();
  }));

Deno.test("sync strategies: never does no fsync, periodic syncs on its timer, not per write", () =>
  inTempDir(async (dir) => {
    for (
      const [options, expectSyncs] of [[{ enableJournalDiskSyncs: "false" }, 0], [{
        journalDiskSyncStrategy: "never",
      }, 0]] as const
    ) {
      const fs = new FaultFs();
      const store = open(`${dir}`, fs, options);
      await store.start();
      for (let i = 0; i < 5; i++) {
        await store.write([{ op: "add", destination: Q, message: msg(Q, `n${i}`) }], { sync: true });
      }
      assert.equal((await store.stats()).syncs, expectSyncs);
      await store.stop();
    }
    const fs = new FaultFs();
    const store = open(dir, fs, { journalDiskSyncStrategy: "periodic", journalDiskSyncInterval: "20" });
    await store.start();
    const before = (await store.stats()).syncs!;
    const periodic = fs.nextSync();
    for (let i = 0; i < 5; i++) {
      await store.write([{ op: "add", destination: Q, message: msg(Q, `p${i}`) }], { sync: true });
    }
    await periodic;
    const after = (await store.stats()).syncs!;
    assert.ok(after - before <= 2, `${after - before} syncs for 5 sync writes`);
    await store.stop();
  }));

Deno.test("bounded work in flight: writers beyond the limit wait, in order", () =>
  inTempDir(async (dir) => {
    const fs = new FaultFs();
    const store = open(dir, fs, {}, { maxRequestsInFlight: 2 });
    await store.start();
    const hold = gate();
    fs.syncGate = hold.promise;
    const order: number[] = [];
    const writes = Array.from({ length: 6 }, (_, i) =>
      store.write([{ op: "add", destination: Q, message: msg(Q, `w${i}`) }], { sync: true }).then(() =>
        order.push(i)
      ));
    assert.equal(store.waitingRequests, 4);
    fs.syncGate = null;
    hold.open();
    await Promise.all(writes);
    assert.equal(store.waitingRequests, 0);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
    await store.stop();
    const again = open(dir, new FaultFs());
    assert.deepEqual(queueTexts(await again.start()), ["w0", "w1", "w2", "w3", "w4", "w5"]);
    await again.stop();
  }));

Deno.test("a full disk in the middle of a batch: the write fails cleanly, data before it stays, later writes work", () =>
  inTempDir(async (dir) => {
    const fs = new FaultFs();
    const log = quietLog();
    const store = new KahaDBPersistenceAdapter({ directory: dir, options: QUIET, log, inProcess: true, fs });
    await store.start();
    await store.write([{ op: "add", destination: Q, message: msg(Q, "before") }], { sync: true });
    fs.failWrite = (path, data) =>
      path.endsWith(".log") ? { error: enospc(), partial: data.length >> 1 } : null;
    const failed = store.write([
      { op: "add", destination: Q, message: msg(Q, "lost-1") },
      { op: "add", destination: Q, message: msg(Q, "lost-2") },
    ], { sync: true });
    await assert.rejects(failed, (err: unknown) => {
      assert.ok(err instanceof BrokerError);
      assert.equal(err.code, "resource-limit");
      assert.ok(err.message.includes(dir), err.message);
      assert.ok(err.message.includes("No space left on device (os error 28)"), err.message);
      return true;
    });
    assert.ok(log.lines.some((l) => l.level === "error" && l.message.includes("No space left on device")));
    assert.deepEqual(
      (await store.stats()).messages,
      { "queue://orders": 1 },
      "the index did not take the failed write",
    );
    fs.failWrite = null;
    await store.write([{ op: "add", destination: Q, message: msg(Q, "after") }], { sync: true });
    assert.ok(log.lines.some((l) => /journal writes succeed again/.test(l.message)));
    await store.stop();
    const again = open(dir, new FaultFs());
    assert.deepEqual(queueTexts(await again.start()), ["before", "after"]);
    await again.stop();
  }));

Deno.test("a full disk while starting a new journal file fails only that write", () =>
  inTempDir(async (dir) => {
    const fs = new FaultFs();
    const store = open(dir, fs, { journalMaxFileLength: "64 kb" });
    await store.start();
    const big = "y".repeat(25_000); // two fit in a 64 kb file, a third does not
    await store.write([{ op: "add", destination: Q, message: msg(Q, `a:${big}`) }]);
    await store.write([{ op: "add", destination: Q, message: msg(Q, `b:${big}`) }]);
    fs.failWrite = (path) => path.endsWith("db-2.log") ? { error: enospc(), partial: 0 } : null;
    await assert.rejects(
      store.write([{ op: "add", destination: Q, message: msg(Q, `c:${big}`) }]),
      /No space left/,
    );
    fs.failWrite = null;
    await store.write([{ op: "add", destination: Q, message: msg(Q, `d:${big}`) }]);
    await store.stop();
    const again = open(dir, new FaultFs());
    assert.deepEqual(queueTexts(await again.start()).map((t) => t[0]), ["a", "b", "d"]);
    await again.stop();
  }));
