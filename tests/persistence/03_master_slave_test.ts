/**
 * Shared-directory master/slave: two broker processes on one KahaDB
 * directory. The second waits for the `lock` file as a slave (no connector
 * listening); when the first is killed (-9) under load, the second takes the
 * lock, recovers and serves every message the first confirmed.
 */
import assert from "node:assert/strict";
import {
  assertNothingLost,
  killHard,
  spawnPersistentBroker,
  waitStarted,
  writePersistentConfig,
} from "../support/kahadb_process.ts";
import { drainQueue, StompLoad, withTimeout } from "../support/stomp_load.ts";

const BROKER = "shared";
const QUEUE = "failover.orders";

Deno.test("master/slave: the second broker waits as a slave and takes over with every confirmed message when the first is killed", async () => {
  const dataDirectory = await Deno.makeTempDir({ prefix: "amq-master-slave-" });
  const configPath = await writePersistentConfig({
    brokerName: BROKER,
    dataDirectory,
    kahaDB: { journalMaxFileLength: "256kb", lockAcquireSleepInterval: "100" },
  });
  try {
    await using master = spawnPersistentBroker(configPath);
    const masterPort = await waitStarted(master, BROKER);

    await using slave = spawnPersistentBroker(configPath);
    await slave.waitFor(
      /Database \S+\/kahadb\/lock is locked by another server\. This broker is now in slave mode waiting a lock to be acquired/,
      15_000,
    );
    const load = await StompLoad.start({
      port: masterPort,
      queue: QUEUE,
      producers: 4,
      window: 16,
      bodySize: 256,
      ackWhen: (id) => !id.endsWith("0"), // one in ten stays unacknowledged
      prefetch: 500,
    });
    try {
      await withTimeout(load.receipts(2000), 30_000, "2000 receipts", master.output);
      // Still a slave under load: nothing recovered, nothing listening.
      assert.doesNotMatch(
        slave.output(),
        /Listening for connections|recovered \d+ messages|started/,
        slave.output(),
      );
      await killHard(master);
      await withTimeout(load.ended(), 5000, "the clients to see the master gone", master.output);
    } finally {
      await load.close();
    }
    assert.deepEqual(load.ledger.errors, [], master.output());

    const port = await waitStarted(slave, BROKER, 15_000);
    const after = await drainQueue(port, QUEUE, { detail: slave.output });
    assertNothingLost(load.ledger, after, slave.output());
  } finally {
    await Deno.remove(dataDirectory, { recursive: true }).catch(() => {});
    await Deno.remove(configPath.slice(0, configPath.lastIndexOf("/")), { recursive: true }).catch(() => {});
  }
});
