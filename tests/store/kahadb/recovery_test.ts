/**
 * Recovery: a torn index page repaired from db.redo, an index rebuilt from the
 * journal (missing or corrupt db.data), a torn journal tail cut off, and the
 * free-page list of a clean shutdown.
 */
import assert from "node:assert/strict";
import type { Destination } from "../../../src/message/destination.ts";
import { encodeStoredMessage } from "../../../src/message/stored_message.ts";
import { encodeCommand, type KahaCommand } from "../../../src/store/kahadb/_commands.ts";
import { buildBatch, EOF_MARKER, scanBatches } from "../../../src/store/kahadb/_journal_format.ts";
import { encodeSubscriptionInfo } from "../../../src/store/kahadb/_subscription_info.ts";
import { KahaDBPersistenceAdapter } from "../../../src/store/kahadb/mod.ts";
import type { RecoveredState, XaTransactionId } from "../../../src/store/persistence_adapter.ts";
import { crashCopy, journalFiles, msg, quietLog, tempDir, texts } from "./_helpers.ts";

const Q: Destination = { type: "queue", name: "orders" };
const T: Destination = { type: "topic", name: "prices" };
// Timers out of the way: tests checkpoint and clean up explicitly.
const OPTIONS = { checkpointInterval: "3600000", cleanupInterval: "3600000", journalMaxFileLength: "64 kb" };

function open(directory: string, log = quietLog(), options: Record<string, string> = {}) {
  return new KahaDBPersistenceAdapter({
    directory,
    options: { ...OPTIONS, ...options },
    log,
    inProcess: true,
  });
}

const queueTexts = (s: RecoveredState, name = "orders") =>
  texts(s.destinations.find((d) => d.destination.name === name)?.messages ?? []);

async function withDirs(fn: (dirs: string[]) => Promise<void>): Promise<void> {
  const dirs: string[] = [];
  try {
    await fn(dirs);
  } finally {
    for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
}

function readRedoPageIds(directory: string): number[] {
  const redo = Deno.readFileSync(`${directory}/db.redo`);
  const view = new DataView(redo.buffer);
  const count = view.getUint32(20);
  return Array.from({ length: count }, (_, i) => Number(view.getBigInt64(4096 + i * (8 + 4096))));
}

Deno.test("a torn db.data page after a crash is repaired from db.redo; without db.redo the index is rebuilt", async () => {
  await withDirs(async (dirs) => {
    const dir = await tempDir();
    dirs.push(dir);
    const store = open(dir);
    await store.start();
    for (let i = 0; i < 20; i++) await store.write([{ op: "add", destination: Q, message: msg(Q, `m${i}`) }]);
    await store.checkpoint();
    const crashed = await crashCopy(dir); // the header still says "not cleanly closed"
    const noRedo = await crashCopy(dir);
    dirs.push(crashed, noRedo);
    await store.stop();

    const pages = readRedoPageIds(crashed).filter((id) => id !== 0);
    assert.ok(pages.length > 0);
    for (const d of [crashed, noRedo]) {
      const f = await Deno.open(`${d}/db.data`, { write: true });
      await f.seek(4096 + pages[0] * 4096 + 2048, Deno.SeekMode.Start);
      await f.write(new Uint8Array(2048).fill(0xab)); // half a page never made it
      f.close();
    }
    await Deno.remove(`${noRedo}/db.redo`);

    const log = quietLog();
    const repaired = open(crashed, log);
    const state = await repaired.start();
    await repaired.stop();
    assert.deepEqual(queueTexts(state), Array.from({ length: 20 }, (_, i) => `m${i}`));
    assert.ok(log.lines.some((l) => /Re-applied \d+ index pages from .*db\.redo/.test(l.message)));
    assert.ok(!log.lines.some((l) => /corrupt/.test(l.message)));

    const log2 = quietLog();
    const rebuilt = open(noRedo, log2);
    const state2 = await rebuilt.start();
    await rebuilt.stop();
    assert.deepEqual(queueTexts(state2), Array.from({ length: 20 }, (_, i) => `m${i}`));
    assert.ok(
      log2.lines.some((l) =>
        l.level === "warn" && /index is corrupt .*page \d+ has a bad checksum.*rebuilding/.test(l.message)
      ),
    );
  });
});

Deno.test("with db.data deleted the index is rebuilt from the journal, every kind of state intact", async () => {
  await withDirs(async (dirs) => {
    const dir = await tempDir();
    dirs.push(dir);
    const xid: XaTransactionId = {
      formatId: 3,
      globalTransactionId: new Uint8Array([5]),
      branchQualifier: new Uint8Array([6]),
    };
    const a = { clientId: "app", subscriptionName: "a" };
    const b = { clientId: "app", subscriptionName: "b" };
    const store = open(dir);
    await store.start();
    const q = Array.from({ length: 300 }, (_, i) => msg(Q, `q${i}`));
    for (let i = 0; i < q.length; i += 50) {
      await store.write(
        q.slice(i, i + 50).map((message) => ({ op: "add" as const, destination: Q, message })),
      );
    }
    await store.write(
      q.filter((_, i) => i % 3 === 0).map((m) => ({
        op: "remove" as const,
        destination: Q,
        messageId: m.messageId,
      })),
    );
    await store.write([
      { op: "subscribe", subscription: { ...a, destination: T, selector: "x = 1" } },
      { op: "subscribe", subscription: { ...b, destination: T } },
    ]);
    const t1 = msg(T, "t1");
    const t2 = msg(T, "t2");
    await store.write([{ op: "add", destination: T, message: t1, subscriptions: [a, b] }]);
    await store.write([{ op: "add", destination: T, message: t2, subscriptions: [b] }]);
    await store.write([{ op: "ack", destination: T, subscription: b, messageId: t1.messageId }]);
    await store.prepare(xid, [{ op: "add", destination: Q, message: msg(Q, "in-doubt") }]);
    await store.stop();
    const before = await (async () => {
      const s = open(dir);
      const st = await s.start();
      await s.stop();
      return st;
    })();

    await Deno.remove(`${dir}/db.data`);
    const log = quietLog();
    const again = open(dir, log);
    const after = await again.start();
    await again.stop();
    assert.ok(journalFiles(dir).length > 1, "the data spans several journal files");
    assert.ok(log.lines.some((l) => /replayed \d+ records from db-1\.log offset 28/.test(l.message)));
    assert.deepEqual(queueTexts(after), queueTexts(before));
    assert.equal(queueTexts(after).length, 200);
    assert.deepEqual(
      after.subscriptions.map((s) => [s.subscriptionName, s.selector, s.pending]),
      [["a", "x = 1", [t1.messageId]], ["b", undefined, [t2.messageId]]],
    );
    assert.equal(after.prepared.length, 1);
    assert.deepEqual(
      texts(after.prepared[0].operations.map((o) => o.op === "add" ? o.message : msg(Q, "?"))),
      ["in-doubt"],
    );
  });
});

async function lastBatch(file: string): Promise<{ offset: number; end: number }> {
  const scan = scanBatches(await Deno.readFile(file));
  const last = scan.batches.at(-1)!;
  return { offset: last.offset, end: scan.end };
}

Deno.test("a torn journal tail is cut off with a warning naming file and offset", async () => {
  await withDirs(async (dirs) => {
    const dir = await tempDir();
    dirs.push(dir);
    const store = open(dir);
    await store.start();
    await store.write(
      Array.from(
        { length: 5 },
        (_, i) => ({ op: "add" as const, destination: Q, message: msg(Q, `ok${i}`) }),
      ),
      { sync: true },
    );
    await store.write([{ op: "add", destination: Q, message: msg(Q, "torn") }], { sync: true });
    const chopped = await crashCopy(dir);
    const flipped = await crashCopy(dir);
    dirs.push(chopped, flipped);
    await store.stop();

    const file = journalFiles(chopped).at(-1)!;
    const { offset, end } = await lastBatch(`${chopped}/${file}`);
    {
      // The last batch lost its final 10 bytes (and the EOF marker after it).
      const f = await Deno.open(`${chopped}/${file}`, { write: true });
      await f.seek(end - 10, Deno.SeekMode.Start);
      await f.write(new Uint8Array(15));
      f.close();
    }
    {
      const f = await Deno.open(`${flipped}/${file}`, { read: true, write: true });
      const b = new Uint8Array(1);
      await f.seek(offset + 27, Deno.SeekMode.Start);
      await f.read(b);
      await f.seek(offset + 27, Deno.SeekMode.Start);
      await f.write(new Uint8Array([b[0] ^ 0x01])); // a checksum byte
      f.close();
    }

    for (const d of [chopped, flipped]) {
      const log = quietLog();
      const s = open(d, log);
      const state = await s.start();
      assert.deepEqual(queueTexts(state), ["ok0", "ok1", "ok2", "ok3", "ok4"]);
      const warning = log.lines.find((l) => l.level === "warn" && l.message.includes(`${d}/${file}`));
      assert.ok(warning, "warned about the torn batch");
      assert.match(warning.message, new RegExp(`batch at offset ${offset} is incomplete .*truncated`));
      // The store goes on from there, and later data survives.
      await s.write([{ op: "add", destination: Q, message: msg(Q, "after") }], { sync: true });
      await s.stop();
      const log2 = quietLog();
      const s2 = open(d, log2);
      assert.deepEqual(queueTexts(await s2.start()), ["ok0", "ok1", "ok2", "ok3", "ok4", "after"]);
      await s2.stop();
      assert.ok(!log2.lines.some((l) => l.level === "warn"), "nothing torn any more");
    }
  });
});

Deno.test("db.free holds the free pages after a clean stop and is deleted at start; pages are reused", async () => {
  await withDirs(async (dirs) => {
    const dir = await tempDir();
    dirs.push(dir);
    const store = open(dir, quietLog(), { journalMaxFileLength: "32mb" });
    await store.start();
    const all = Array.from({ length: 2000 }, (_, i) => msg(Q, `m${i}`));
    await store.write(all.map((message) => ({ op: "add" as const, destination: Q, message })));
    await store.checkpoint();
    await store.write(
      all.slice(0, 1800).map((m) => ({ op: "remove" as const, destination: Q, messageId: m.messageId })),
    );
    await store.stop();
    const header = new TextDecoder().decode((await Deno.readFile(`${dir}/db.data`)).subarray(0, 2048));
    const freePages = Number(/freePages=(\d+)/.exec(header)?.[1]);
    assert.match(header, /cleanShutdown=true/);
    assert.ok(freePages > 0, header);
    assert.ok((await Deno.stat(`${dir}/db.free`)).size > 0);
    const size = (await Deno.stat(`${dir}/db.data`)).size;

    const again = open(dir, quietLog(), { journalMaxFileLength: "32mb" });
    const state = await again.start();
    assert.equal(queueTexts(state).length, 200);
    await assert.rejects(Deno.stat(`${dir}/db.free`), Deno.errors.NotFound);
    await again.write(
      Array.from(
        { length: 1000 },
        (_, i) => ({ op: "add" as const, destination: Q, message: msg(Q, `n${i}`) }),
      ),
    );
    await again.checkpoint();
    assert.ok((await Deno.stat(`${dir}/db.data`)).size <= size, "new segments went to free pages");
    await again.stop();
  });
});

Deno.test("after a crash only the journal after the last checkpoint is replayed", async () => {
  await withDirs(async (dirs) => {
    const dir = await tempDir();
    dirs.push(dir);
    const store = open(dir);
    await store.start();
    await store.write(
      Array.from(
        { length: 50 },
        (_, i) => ({ op: "add" as const, destination: Q, message: msg(Q, `c${i}`) }),
      ),
    );
    await store.checkpoint();
    await store.write([{ op: "add", destination: Q, message: msg(Q, "late-1") }]);
    await store.write([{ op: "remove", destination: Q, messageId: "nope" }, {
      op: "add",
      destination: Q,
      message: msg(Q, "late-2"),
    }]);
    const crashed = await crashCopy(dir);
    dirs.push(crashed);
    await store.stop();

    const log = quietLog();
    const again = open(crashed, log);
    const state = await again.start();
    await again.stop();
    assert.deepEqual(queueTexts(state).slice(-3), ["c49", "late-1", "late-2"]);
    assert.equal(queueTexts(state).length, 52);
    const replay = log.lines.find((l) => /replayed \d+ records/.test(l.message));
    assert.ok(replay);
    // Two single-record writes plus a local transaction (2 records + commit): 4 records, not 50+.
    assert.match(replay.message, /replayed 4 records from db-1\.log offset [1-9]\d+/);
  });
});

Deno.test("purgeRecoveredXATransactionStrategy commits or rolls back in-doubt transactions at start", async () => {
  await withDirs(async (dirs) => {
    for (const strategy of ["COMMIT", "ROLLBACK"]) {
      const dir = await tempDir();
      dirs.push(dir);
      const store = open(dir);
      await store.start();
      const xid = {
        formatId: 1,
        globalTransactionId: new Uint8Array([1]),
        branchQualifier: new Uint8Array([2]),
      };
      await store.prepare(xid, [{ op: "add", destination: Q, message: msg(Q, "in-doubt") }]);
      await store.stop();
      const again = open(dir, quietLog(), { purgeRecoveredXATransactionStrategy: strategy });
      const state = await again.start();
      await again.stop();
      assert.equal(state.prepared.length, 0);
      assert.deepEqual(queueTexts(state), strategy === "COMMIT" ? ["in-doubt"] : []);
      const third = open(dir);
      const after = await third.start();
      await third.stop();
      assert.equal(after.prepared.length, 0, "the outcome was journaled");
    }
  });
});

Deno.test("a directory written by ActiveMQ: its journal is read, its own index is kept aside", async () => {
  await withDirs(async (dirs) => {
    const dir = await tempDir();
    dirs.push(dir);
    // The journal as ActiveMQ 5.17 writes it (kahadb.md 10): trace, subscription, a queue message
    // with priority support, a local transaction, an ack, and the opaque audit records.
    const tx = { local: { connectionId: "ID:vm-43305-1795604460792-1:1", transactionId: 1 } };
    const q = (id: number, text: string, priority = 4) =>
      encodeStoredMessage(msg(Q, text, { messageId: `ID:vm-1:1:1:1:${id}`, priority }));
    const records: KahaCommand[] = [
      { kind: "trace", message: "LOADED Wed Nov 25 10:58:28 UTC 2026" },
      {
        kind: "subscription",
        destination: { type: 1, name: "prices" },
        subscriptionKey: "pend:dsub",
        retroactive: false,
        subscriptionInfo: encodeSubscriptionInfo({
          clientId: "pend",
          subscriptionName: "dsub",
          destination: { type: "topic", name: "prices" },
        }),
      },
      {
        kind: "add",
        destination: { type: 0, name: "orders" },
        messageId: "ID:vm-1:1:1:1:1",
        message: q(1, "low", 1),
        priority: 1,
        prioritySupported: true,
      },
      {
        kind: "add",
        destination: { type: 0, name: "orders" },
        messageId: "ID:vm-1:1:1:1:2",
        message: q(2, "high", 9),
        priority: 9,
        prioritySupported: true,
      },
      {
        kind: "add",
        tx,
        destination: { type: 0, name: "orders" },
        messageId: "ID:vm-1:1:1:1:3",
        message: q(3, "in tx"),
      },
      { kind: "commit", tx },
      {
        kind: "add",
        destination: { type: 0, name: "orders" },
        messageId: "ID:vm-1:1:1:1:4",
        message: q(4, "acked"),
      },
      {
        kind: "remove",
        destination: { type: 0, name: "orders" },
        messageId: "ID:vm-1:1:1:1:4",
        ack: new Uint8Array([0, 0, 0, 1, 22]),
      },
      {
        kind: "add",
        destination: { type: 1, name: "prices" },
        messageId: "ID:vm-1:1:1:1:5",
        message: encodeStoredMessage(msg(T, "for dsub", { messageId: "ID:vm-1:1:1:1:5" })),
      },
      { kind: "producerAudit", data: new Uint8Array([0xac, 0xed, 0, 5]) },
      { kind: "ackFileMap", data: new Uint8Array([0xac, 0xed, 0, 5]) },
    ];
    const journal = new Uint8Array(64 * 1024);
    let at = 0;
    for (const r of records) {
      const b = buildBatch([encodeCommand(r)], true);
      journal.set(b.bytes, at);
      at += b.length;
    }
    journal.set(EOF_MARKER, journal.length - 5);
    await Deno.writeFile(`${dir}/db-1.log`, journal);
    const header =
      "#\n#Wed Nov 25 10:58:28 UTC 2026\nfileTypeVersion=1\nlastTxId=115\nfreePages=0\npageSize=4096\n" +
      "cleanShutdown=true\nfileType=org.apache.activemq.store.kahadb.disk.page.PageFile\nmetaDataTxId=2\n";
    const data = new Uint8Array(3 * 4096).fill(0x20);
    data.set(new TextEncoder().encode(header), 0);
    data.set(new TextEncoder().encode(header), 2048);
    await Deno.writeFile(`${dir}/db.data`, data);
    await Deno.writeFile(`${dir}/db.redo`, new Uint8Array(4096));

    const log = quietLog();
    const store = open(dir, log);
    const state = await store.start();
    await store.stop();
    assert.deepEqual(queueTexts(state), ["high", "in tx", "low"]);
    assert.deepEqual(state.subscriptions.map((s) => [s.clientId, s.subscriptionName, s.pending]), [
      ["pend", "dsub", ["ID:vm-1:1:1:1:5"]],
    ]);
    assert.ok(
      log.lines.some((l) => /index written by ActiveMQ; building this broker's index/.test(l.message)),
    );
    assert.deepEqual(await Deno.readFile(`${dir}/db.data.activemq`), data);
    assert.ok((await Deno.stat(`${dir}/db.redo.activemq`)).isFile);
    const again = open(dir);
    assert.deepEqual(queueTexts(await again.start()), ["high", "in tx", "low"]);
    await again.stop();
  });
});
