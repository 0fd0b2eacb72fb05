/**
 * Issue 5: restart tests for prioritised and scheduled persistent messages.
 * Two in-process brokers run one after the other on one shared store; what
 * the second one does is observed over STOMP. semantics.md §7 and §12.
 */
import assert from "node:assert/strict";
import type { BrokerConfig } from "../../src/config/mod.ts";
import { MemoryPersistenceAdapter } from "../../src/store/mod.ts";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import {
  assertWaited,
  expectMessage,
  expectNothing,
  nextMessages,
  queuePolicy,
  sendAll,
  subscribe,
} from "./_helpers.ts";

function configure(config: BrokerConfig): void {
  config.schedulerSupport = true;
  config.policyEntries = [queuePolicy("prio.>", { prioritizedMessages: true })];
}

Deno.test("restart: a prioritized queue recovers highest priority first, FIFO within a priority, after what was acked", async () => {
  const store = new MemoryPersistenceAdapter();
  {
    await using b = await startTestBroker({ configure, store });
    await using p = await RawStomp.connect(b.stompPort);
    for (const [body, priority] of [["l1", "1"], ["h1", "9"], ["m1", "5"], ["h2", "9"], ["l2", "1"]]) {
      await sendAll(p, "/queue/prio.jobs", [body], { priority, persistent: "true" });
    }
    await sendAll(p, "/queue/prio.jobs", ["volatile"], { priority: "9" });
    await using c = await RawStomp.connect(b.stompPort);
    await subscribe(c, "s", "/queue/prio.jobs", { ack: "client", "activemq.prefetchSize": "1" });
    const h1 = await expectMessage(c, "h1");
    await c.send("ACK", { id: h1.headers.ack });
    // h2 is now dispatched and left unacknowledged when the broker stops.
    await expectMessage(c, "h2");
  }
  await using b = await startTestBroker({ configure, store });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/prio.jobs", ["m-new"], { priority: "5", persistent: "true" });
  await sendAll(p, "/queue/prio.jobs", ["h-new"], { priority: "9", persistent: "true" });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/prio.jobs");
  const frames = await nextMessages(c, 6);
  assert.deepEqual(frames.map((f) => f.body), ["h2", "h-new", "m1", "m-new", "l1", "l2"]);
  assert.deepEqual(frames.map((f) => f.headers.priority), ["9", "9", "5", "5", "1", "1"]);
  assert.ok(frames.every((f) => f.headers.persistent === "true"));
  await expectNothing(c, 100); // h1 was acked, "volatile" was not persistent
});

Deno.test("restart: scheduled persistent jobs resume — a delay fires once, a repeat continues where it stopped, cron stays", async () => {
  const store = new MemoryPersistenceAdapter();
  let sentAt: number;
  {
    await using b = await startTestBroker({ configure, store });
    await using c = await RawStomp.connect(b.stompPort);
    await subscribe(c, "ticks", "/queue/ticks", { ack: "client" });
    await using p = await RawStomp.connect(b.stompPort);
    sentAt = performance.now();
    await sendAll(p, "/queue/later", ["once"], { AMQ_SCHEDULED_DELAY: "500", persistent: "true" });
    await sendAll(p, "/queue/cron.q", ["hourly"], { AMQ_SCHEDULED_CRON: "0 * * * *", persistent: "true" });
    await sendAll(p, "/queue/ticks", ["tick"], {
      AMQ_SCHEDULED_DELAY: "150",
      AMQ_SCHEDULED_PERIOD: "150",
      AMQ_SCHEDULED_REPEAT: "2",
      persistent: "true",
    });
    // The first of three deliveries, not acknowledged: it stays in the queue's store.
    await expectMessage(c, "tick", 3000);
  }
  await using b = await startTestBroker({ configure, store });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "ticks", "/queue/ticks");
  const ticks = await nextMessages(c, 3, 3000);
  assert.deepEqual(ticks.map((f) => f.body), ["tick", "tick", "tick"]);
  assert.equal(new Set(ticks.map((f) => f.headers["message-id"])).size, 3);
  assert.equal(new Set(ticks.map((f) => f.headers.scheduledJobId)).size, 1, "one job across both brokers");
  await expectNothing(c, 300); // the repeat count carried over: no fourth tick

  await subscribe(c, "later", "/queue/later");
  const once = await expectMessage(c, "once", 3000);
  assertWaited(performance.now() - sentAt, 500, "the recovered delay (counted from the original send)");
  assert.equal(once.headers.persistent, "true");

  await subscribe(c, "jobs", "/temp-queue/jobs");
  await c.send("SEND", {
    destination: "/topic/ActiveMQ.Scheduler.Management",
    AMQ_SCHEDULER_ACTION: "BROWSE",
    "reply-to": "/temp-queue/jobs",
  });
  const job = await expectMessage(c, "hourly");
  assert.equal(job.headers.subscription, "jobs");
  assert.equal(job.headers.AMQ_SCHEDULED_CRON, "0 * * * *");
  await expectNothing(c, 100);
});
