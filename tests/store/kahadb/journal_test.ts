/**
 * Journal files over time: roll-over at journalMaxFileLength, cleanup (delete
 * or archive), the report of what pins each file, ack compaction, and moving
 * old subscription records forward.
 */
import assert from "node:assert/strict";
import type { Destination } from "../../../src/message/destination.ts";
import { decodeCommand, transactionKey } from "../../../src/store/kahadb/_commands.ts";
import { scanBatches } from "../../../src/store/kahadb/_journal_format.ts";
import { KahaDBPersistenceAdapter } from "../../../src/store/kahadb/mod.ts";
import type { RecoveredState } from "../../../src/store/persistence_adapter.ts";
import { journalFiles, msg, quietLog, tempDir, texts } from "./_helpers.ts";

const Q: Destination = { type: "queue", name: "orders" };
const T: Destination = { type: "topic", name: "prices" };
const SMALL = {
  checkpointInterval: "3600000",
  cleanupInterval: "3600000",
  journalMaxFileLength: "64 kb",
};
const KB2 = "x".repeat(2000);

function open(directory: string, options: Record<string, string> = {}, log = quietLog()) {
  return new KahaDBPersistenceAdapter({ directory, options: { ...SMALL, ...options }, log, inProcess: true });
}

const queueTexts = (s: RecoveredState) =>
  texts(s.destinations.find((d) => d.destination.name === "orders")?.messages ?? []);

async function restart(dir: string, options: Record<string, string> = {}): Promise<RecoveredState> {
  const s = open(dir, options);
  const state = await s.start();
  await s.stop();
  return state;
}

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("journal files roll over at journalMaxFileLength; a write never spans batches or files", () =>
  inTempDir(async (dir) => {
    const store = open(dir);
    await store.start();
    const all = [];
    for (let w = 0; w < 20; w++) {
      const batch = Array.from({ length: 1 + (w % 4) * 3 }, (_, i) => msg(Q, `${w}.${i}:${KB2}`));
      all.push(...batch);
      await store.write(batch.map((message) => ({ op: "add" as const, destination: Q, message })));
    }
    await store.stop();
    const files = journalFiles(dir);
    assert.ok(files.length >= 4, `${files.length} files`);
    assert.deepEqual(files, files.map((_, i) => `db-${i + 1}.log`));
    for (const name of files) {
      const data = await Deno.readFile(`${dir}/${name}`);
      assert.equal(data.length, 64 * 1024, "sparse-preallocated to the full length");
      assert.deepEqual(data.subarray(-5), new Uint8Array([0x2d, 0x71, 0x4d, 0x61, 0x34]));
      const scan = scanBatches(data);
      assert.deepEqual(scan.problems, []);
      for (const batch of scan.batches) {
        // Every local transaction (a multi-message write) starts and commits inside one batch.
        const open = new Set<string>();
        for (const r of batch.records) {
          const c = decodeCommand(r.payload);
          if ((c.kind === "add" || c.kind === "remove") && c.tx) open.add(transactionKey(c.tx));
          if (c.kind === "commit") assert.ok(open.delete(transactionKey(c.tx)));
        }
        assert.equal(open.size, 0, `a transaction of ${name} batch ${batch.offset} is not committed in it`);
      }
    }
    const state = await restart(dir);
    assert.deepEqual(queueTexts(state), texts(all));
  }));

Deno.test("cleanup deletes journal files with nothing live, or archives them", async () => {
  for (const archive of [false, true]) {
    await inTempDir(async (dir) => {
      const store = open(dir, { archiveDataLogs: String(archive) });
      await store.start();
      const ms = Array.from({ length: 100 }, (_, i) => msg(Q, `${i}:${KB2}`));
      for (const m of ms) await store.write([{ op: "add", destination: Q, message: m }]);
      const before = journalFiles(dir);
      assert.ok(before.length >= 4);
      await store.write(
        ms.slice(0, 95).map((m) => ({ op: "remove" as const, destination: Q, messageId: m.messageId })),
      );
      await store.cleanup();
      const after = journalFiles(dir);
      assert.ok(after.length <= 2, `left ${after}`);
      assert.equal(after.at(-1), before.at(-1));
      const archived = archive ? [...Deno.readDirSync(`${dir}/data-archive`)].map((e) => e.name).sort() : [];
      if (archive) assert.deepEqual(archived, before.filter((f) => !after.includes(f)).sort());
      else assert.throws(() => Deno.statSync(`${dir}/data-archive`), Deno.errors.NotFound);
      await store.stop();
      assert.deepEqual(queueTexts(await restart(dir)), texts(ms.slice(95)));
    });
  }
});

Deno.test("stats().files and the debug log say which destination or subscription pins each file", () =>
  inTempDir(async (dir) => {
    const log = quietLog([], true);
    const store = open(dir, {}, log);
    await store.start();
    const sub = { clientId: "app", subscriptionName: "a" };
    await store.write([{ op: "subscribe", subscription: { ...sub, destination: T } }]);
    const old = msg(Q, `old:${KB2}`);
    const topicOld = msg(T, `t:${KB2}`);
    await store.write([{ op: "add", destination: Q, message: old }]);
    await store.write([{ op: "add", destination: T, message: topicOld, subscriptions: [sub] }]);
    const rest = Array.from({ length: 80 }, (_, i) => msg(Q, `${i}:${KB2}`));
    for (const m of rest) await store.write([{ op: "add", destination: Q, message: m }]);
    await store.write(rest.map((m) => ({ op: "remove" as const, destination: Q, messageId: m.messageId })));
    await store.cleanup();

    const files = (await store.stats()).files!;
    assert.equal(files[0].file, "db-1.log");
    assert.ok(files[0].reasons.includes("queue://orders: 1 pending message"), files[0].reasons.join("; "));
    assert.ok(files[0].reasons.includes("topic://prices: 1 pending message for durable subscription app:a"));
    assert.ok(
      files[0].reasons.includes("durable subscription app:a on topic://prices (its subscription record)"),
    );
    assert.ok(files.at(-1)!.reasons.includes("the journal file being appended to"));
    const line = log.lines.find((l) => l.level === "debug" && l.message.startsWith("KahaDB cleanup of"));
    assert.ok(line);
    assert.match(line.message, /db-1\.log: queue:\/\/orders: 1 pending message/);
    await store.stop();
  }));

Deno.test("ack compaction: one old unacknowledged message does not pin every later file", () =>
  inTempDir(async (dir) => {
    const options = {
      compactAcksAfterNoGC: "1",
      compactAcksIgnoresStoreGrowth: "true",
      cleanupOnStop: "false",
    };
    const log = quietLog();
    const store = open(dir, options, log);
    await store.start();
    const old = msg(Q, `old:${KB2}`);
    await store.write([{ op: "add", destination: Q, message: old }]);
    const ms = Array.from({ length: 150 }, (_, i) => msg(Q, `${i}:${KB2}`));
    // Each message is acknowledged a few messages later, so every file acknowledges messages of
    // the file before it: without compaction the chain back to db-1.log keeps every file.
    for (const [i, m] of ms.entries()) {
      const ops: Parameters<typeof store.write>[0] = [{ op: "add", destination: Q, message: m }];
      if (i >= 5) ops.push({ op: "remove", destination: Q, messageId: ms[i - 5].messageId });
      await store.write(ops);
    }
    const before = journalFiles(dir);
    assert.ok(before.length >= 5, `${before.length} files`);
    await store.cleanup();
    const after = journalFiles(dir);
    assert.ok(log.lines.some((l) => /ack compaction .* copied \d+ acknowledgements/.test(l.message)));
    assert.ok(after.length <= 4, `still ${after.join(", ")}`);
    assert.ok(after.includes("db-1.log"), "the file with the old message stays");
    const files = (await store.stats()).files!;
    const compacted = files.find((f) =>
      f.reasons.some((r) => r.startsWith("acknowledges messages of db-1.log"))
    );
    assert.ok(compacted, JSON.stringify(files));
    await store.write([{ op: "add", destination: Q, message: msg(Q, "later") }]);
    await store.stop();

    const expected = [`old:${KB2}`, ...texts(ms.slice(-5)), "later"];
    assert.deepEqual(queueTexts(await restart(dir, options)), expected);
    // Replaying the whole journal (no index) must not bring acknowledged messages back.
    await Deno.remove(`${dir}/db.data`);
    assert.deepEqual(queueTexts(await restart(dir, options)), expected);
  }));

Deno.test("an old subscription record with nothing pending is written again so its file can go", () =>
  inTempDir(async (dir) => {
    const store = open(dir);
    await store.start();
    const sub = { clientId: "app", subscriptionName: "idle" };
    await store.write([{ op: "subscribe", subscription: { ...sub, destination: T, selector: "a > 1" } }]);
    const ms = Array.from({ length: 100 }, (_, i) => msg(Q, `${i}:${KB2}`));
    for (const m of ms) await store.write([{ op: "add", destination: Q, message: m }]);
    await store.write(ms.map((m) => ({ op: "remove" as const, destination: Q, messageId: m.messageId })));
    await store.cleanup();
    assert.ok(!journalFiles(dir).includes("db-1.log"));
    await store.stop();
    const state = await restart(dir);
    assert.deepEqual(state.subscriptions.map((s) => [s.subscriptionName, s.selector, s.pending]), [[
      "idle",
      "a > 1",
      [],
    ]]);
    await Deno.remove(`${dir}/db.data`);
    const rebuilt = await restart(dir);
    assert.deepEqual(rebuilt.subscriptions.map((s) => s.subscriptionName), ["idle"]);
  }));
