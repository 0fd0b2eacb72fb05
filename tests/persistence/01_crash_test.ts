/**
 * kill -9 of a broker process in the middle of a persistent STOMP load, then
 * a restart on the same KahaDB directory: every send the broker confirmed
 * (RECEIPT) comes back exactly once unless its ack was confirmed too, nothing
 * confirmed as acked comes back, and nothing that was never sent appears.
 * Variants: the index deleted before the restart (rebuilt from the journal),
 * and a torn last journal batch (cut off with a warning).
 */
import assert from "node:assert/strict";
import { encodeStoredMessage } from "../../src/message/stored_message.ts";
import { encodeCommand } from "../../src/store/kahadb/_commands.ts";
import {
  appendTornBatch,
  assertNothingLost,
  journalFileNames,
  kahaDBDirectory,
  killHard,
  type PersistentBrokerConfig,
  spawnPersistentBroker,
  waitStarted,
  writeBatch,
  writePersistentConfig,
} from "../support/kahadb_process.ts";
import { drainQueue, Ledger, StompLoad, withTimeout } from "../support/stomp_load.ts";

const QUEUE = "crash.orders";
const BROKER = "crash";
/** Small journal files so the load rolls over many of them; short timers so GC runs during the load. */
const KAHADB = { journalMaxFileLength: "64kb", checkpointInterval: "200", cleanupInterval: "500" };
/** Confirmed sends before the kill. */
const KILL_AFTER = 3000;
/**
 * The consumer leaves one message in 25 among the first 400 of each producer delivered but
 * unacknowledged, and acks everything else: the old journal files stay pinned, the later ones
 * become garbage and are collected while the load runs.
 */
const ackWhen = (id: string) => {
  const seq = Number(id.slice(id.lastIndexOf("-") + 1));
  return seq > 400 || seq % 25 !== 0;
};

interface Scenario {
  /** Broker lifetimes that end in a kill -9 before the final restart (default 1). */
  rounds?: number;
  /** Stop producers and acks (all confirmed) before the kill, instead of killing mid-load. */
  quiesce?: boolean;
  /** Journal or index surgery between the (last) kill and the restart. */
  afterKill?: (kahadb: string) => void | Promise<void>;
  /** Checks on the finally restarted broker's log. */
  checkLog?: (output: string) => void;
}

async function crashAndRestart(scenario: Scenario): Promise<void> {
  const dataDirectory = await Deno.makeTempDir({ prefix: "amq-crash-" });
  const config: PersistentBrokerConfig = { brokerName: BROKER, dataDirectory, kahaDB: KAHADB };
  const configPath = await writePersistentConfig(config);
  const kahadb = kahaDBDirectory(config);
  try {
    // One ledger across lifetimes: later loads also consume what earlier ones left behind.
    const ledger = new Ledger();
    const rounds = scenario.rounds ?? 1;
    for (let round = 1; round <= rounds; round++) {
      await using broker = spawnPersistentBroker(configPath);
      const port = await waitStarted(broker, BROKER);
      const unconfirmedBefore = ledger.sent.size - ledger.receipted.size;
      const load = await StompLoad.start({
        port,
        queue: QUEUE,
        producers: 4,
        window: 16,
        bodySize: 256,
        ackWhen,
        prefetch: 200,
        idPrefix: `r${round}`,
        ledger,
      });
      try {
        await withTimeout(load.receipts(KILL_AFTER), 30_000, `${KILL_AFTER} receipts`, broker.output);
        if (scenario.quiesce) await withTimeout(load.stop(), 10_000, "the load to settle", broker.output);
        await killHard(broker);
        await withTimeout(load.ended(), 5000, "the clients to see the broker gone", broker.output);
      } finally {
        await load.close();
      }
      assert.deepEqual(ledger.errors, [], broker.output());
      if (!scenario.quiesce) {
        assert.ok(
          ledger.sent.size - ledger.receipted.size > unconfirmedBefore,
          `round ${round}: the kill came while sends were unconfirmed`,
        );
      }
    }
    assert.ok(journalFileNames(kahadb).some((n) => n !== "db-1.log"), "the load rolled the journal over");
    await scenario.afterKill?.(kahadb);

    await using last = spawnPersistentBroker(configPath);
    const port = await waitStarted(last, BROKER);
    scenario.checkLog?.(last.output());
    const after = await drainQueue(port, QUEUE, { detail: last.output });
    assertNothingLost(ledger, after, last.output());
  } finally {
    await Deno.remove(dataDirectory, { recursive: true }).catch(() => {});
    await Deno.remove(configPath.slice(0, configPath.lastIndexOf("/")), { recursive: true }).catch(() => {});
  }
}

Deno.test("crash: kill -9 under a 4-producer persistent STOMP load, three times over, loses no confirmed message", async () => {
  // Each restart replays the journal after the last checkpoint, or (killed during a checkpoint)
  // re-applies db.redo; both are recovery paths this test may take.
  await crashAndRestart({ rounds: 3 });
});

Deno.test("crash: kill -9, then db.data deleted: the index is rebuilt from the journal and nothing is lost", async () => {
  await crashAndRestart({
    afterKill: (kahadb) => Deno.removeSync(`${kahadb}/db.data`),
    checkLog: (log) => {
      assert.match(log, /no index \(db\.data\); rebuilding it from the journal/, log);
      assert.match(log, /replayed \d+ records from db-\d+\.log/);
    },
  });
});

Deno.test("crash: kill -9 with a torn last batch: the journal is cut there with a warning, confirmed messages survive", async () => {
  // The load is settled before the kill (every send and ack confirmed), then the kill "happens"
  // halfway through writing one more batch: a message no client was told about.
  const torn = new TextEncoder().encode("torn|never confirmed");
  const message = encodeStoredMessage({
    messageId: "ID:torn-writer-1:1:1:1:1",
    destination: { type: "queue", name: QUEUE },
    priority: 4,
    expiration: 0,
    timestamp: Date.now(),
    persistent: true,
    redeliveryCounter: 0,
    properties: {},
    bodyKind: "text",
    body: torn,
  });
  const batch = writeBatch([encodeCommand({
    kind: "add",
    destination: { type: 0, name: QUEUE },
    messageId: "ID:torn-writer-1:1:1:1:1",
    message,
    priority: 4,
    prioritySupported: false,
  })]);
  let tear: { file: string; offset: number } | undefined;
  await crashAndRestart({
    quiesce: true,
    afterKill: (kahadb) => {
      tear = appendTornBatch(kahadb, batch, batch.length - 7);
    },
    checkLog: (log) => {
      const warning = new RegExp(
        `WARN .*Journal \\S*${tear!.file.replace(".", "\\.")}: the batch at offset ${tear!.offset} is ` +
          `incomplete .*; the journal is truncated there`,
      );
      assert.match(log, warning, log);
    },
  });
});
