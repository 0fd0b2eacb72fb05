/**
 * The `lock` file: a second broker on the same directory waits in slave mode
 * and takes over when the first stops; waiting ends with the AbortSignal;
 * losing the lock file stops writes.
 */
import assert from "node:assert/strict";
import type { Destination } from "../../../src/message/destination.ts";
import { KahaDBPersistenceAdapter } from "../../../src/store/kahadb/mod.ts";
import { msg, quietLog, tempDir, texts } from "./_helpers.ts";

const Q: Destination = { type: "queue", name: "orders" };
const OPTIONS = { checkpointInterval: "3600000", cleanupInterval: "3600000", lockAcquireSleepInterval: "20" };

Deno.test("a second store on the same directory waits as a slave and takes over when the first stops", async () => {
  const dir = await tempDir();
  try {
    const master = new KahaDBPersistenceAdapter({ directory: dir, options: OPTIONS, log: quietLog() });
    await master.start();
    await master.write([{ op: "add", destination: Q, message: msg(Q, "from the master") }], { sync: true });
    const stamp = new DataView((await Deno.readFile(`${dir}/lock`)).buffer).getBigInt64(0);
    assert.ok(Math.abs(Number(stamp) - Date.now()) < 60_000, "the lock holds the time it was taken");

    const slaveLog = quietLog();
    const slave = new KahaDBPersistenceAdapter({ directory: dir, options: OPTIONS, log: slaveLog });
    let slaveStarted = false;
    const starting = slave.start().then((state) => {
      slaveStarted = true;
      return state;
    });
    const line = await slaveLog.waitFor(/is locked by another server/);
    assert.equal(
      line.message,
      `Database ${dir}/lock is locked by another server. This broker is now in slave mode waiting a lock to be acquired`,
    );
    assert.equal(slaveStarted, false);

    // A third one gives up when its signal aborts.
    const thirdLog = quietLog();
    const third = new KahaDBPersistenceAdapter({ directory: dir, options: OPTIONS, log: thirdLog });
    const abort = new AbortController();
    const thirdStart = third.start({ signal: abort.signal });
    await thirdLog.waitFor(/slave mode/);
    abort.abort(new DOMException("shutting down", "AbortError"));
    await assert.rejects(
      thirdStart,
      (err: unknown) => err instanceof DOMException && err.message === "shutting down",
    );

    await master.stop();
    const state = await starting;
    assert.deepEqual(texts(state.destinations[0].messages), ["from the master"]);
    assert.equal(slaveLog.lines.filter((l) => /slave mode/.test(l.message)).length, 1, "said once");
    await slave.stop();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a store whose lock file disappears refuses further writes", async () => {
  const dir = await tempDir();
  try {
    const log = quietLog();
    const store = new KahaDBPersistenceAdapter({
      directory: dir,
      options: { ...OPTIONS, lockKeepAlivePeriod: "10" },
      log,
      inProcess: true,
    });
    await store.start();
    await Deno.remove(`${dir}/lock`);
    await log.waitFor(/lost its lock/);
    await assert.rejects(
      store.write([{ op: "add", destination: Q, message: msg(Q, "x") }]),
      /lost its lock: .*lock was deleted/,
    );
    await store.stop();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
