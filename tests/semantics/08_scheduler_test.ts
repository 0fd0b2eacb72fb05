/**
 * Issue 5, point 8 over STOMP: the scheduler (schedulerSupport) —
 * AMQ_SCHEDULED_DELAY, _PERIOD + _REPEAT, _CRON, the management destination,
 * validation, and persistent jobs surviving a restart. semantics.md §12.
 */
import assert from "node:assert/strict";
import { MemoryPersistenceAdapter } from "../../src/store/mod.ts";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import {
  assertWaited,
  expectMessage,
  expectNothing,
  nextMessages,
  sendAll,
  sendWithReceipt,
  subscribe,
} from "./_helpers.ts";

const withScheduler = {
  configure: (config: { schedulerSupport: boolean }) => config.schedulerSupport = true,
};

Deno.test("AMQ_SCHEDULED_DELAY holds a message back; it arrives with scheduledJobId and without the scheduling header", async () => {
  await using b = await startTestBroker(withScheduler);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/later");
  await using p = await RawStomp.connect(b.stompPort);
  const at = performance.now();
  await sendAll(p, "/queue/later", ["delayed"], { AMQ_SCHEDULED_DELAY: "300", persistent: "true", k: "v" });
  await sendAll(p, "/queue/later", ["now"]);
  await expectMessage(c, "now");
  const delayed = await expectMessage(c, "delayed", 3000);
  const waited = performance.now() - at;
  assertWaited(waited, 300, "the delayed message");
  assert.equal("AMQ_SCHEDULED_DELAY" in delayed.headers, false, "scheduling properties are removed");
  assert.ok(delayed.headers.scheduledJobId, "the broker names the job");
  assert.equal(delayed.headers.k, "v");
  assert.equal(delayed.headers.persistent, "true");
  await expectNothing(c, 100);
});

Deno.test("AMQ_SCHEDULED_PERIOD + AMQ_SCHEDULED_REPEAT: repeat + 1 deliveries of one job, each its own message", async () => {
  await using b = await startTestBroker(withScheduler);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/repeat");
  await using p = await RawStomp.connect(b.stompPort);
  const at = performance.now();
  await sendAll(p, "/queue/repeat", ["tick"], {
    AMQ_SCHEDULED_DELAY: "50",
    AMQ_SCHEDULED_PERIOD: "100",
    AMQ_SCHEDULED_REPEAT: "2",
  });
  const ticks = await nextMessages(c, 3, 3000);
  const waited = performance.now() - at;
  assert.deepEqual(ticks.map((f) => f.body), ["tick", "tick", "tick"]);
  assertWaited(waited, 250, "the third tick (50 + 2 × 100)");
  assert.equal(new Set(ticks.map((f) => f.headers["message-id"])).size, 3, "each delivery has its own id");
  assert.equal(new Set(ticks.map((f) => f.headers.scheduledJobId)).size, 1, "all from one job");
  for (const f of ticks) {
    for (const h of ["AMQ_SCHEDULED_DELAY", "AMQ_SCHEDULED_PERIOD", "AMQ_SCHEDULED_REPEAT"]) {
      assert.equal(h in f.headers, false, `${h} is removed`);
    }
  }
  await expectNothing(c, 250);
});

Deno.test("AMQ_SCHEDULED_CRON is accepted and held as a job; BROWSE lists it, REMOVE deletes it", async () => {
  await using b = await startTestBroker(withScheduler);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/cron");
  await subscribe(c, "jobs", "/temp-queue/jobs");
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/cron", ["every minute"], { AMQ_SCHEDULED_CRON: "* * * * *" });
  await sendAll(p, "/queue/cron", ["in a minute"], { AMQ_SCHEDULED_DELAY: "60000" });
  await c.send("SEND", {
    destination: "/topic/ActiveMQ.Scheduler.Management",
    AMQ_SCHEDULER_ACTION: "BROWSE",
    "reply-to": "/temp-queue/jobs",
  });
  const jobs = await nextMessages(c, 2);
  assert.deepEqual(jobs.map((f) => f.body).sort(), ["every minute", "in a minute"]);
  const cron = jobs.find((f) => f.body === "every minute")!;
  assert.equal(cron.headers.subscription, "jobs");
  assert.equal(cron.headers.AMQ_SCHEDULED_CRON, "* * * * *");
  assert.ok(cron.headers.scheduledJobId);
  assert.equal("persistent" in cron.headers, false);
  const listing = { type: cron.headers.type, original: cron.headers["original-destination"] };

  await sendWithReceipt(c, "SEND", {
    destination: "/topic/ActiveMQ.Scheduler.Management",
    AMQ_SCHEDULER_ACTION: "REMOVE",
    scheduledJobId: cron.headers.scheduledJobId,
  });
  await c.send("SEND", {
    destination: "/topic/ActiveMQ.Scheduler.Management",
    AMQ_SCHEDULER_ACTION: "BROWSE",
    "reply-to": "/temp-queue/jobs",
  });
  assert.equal((await expectMessage(c, "in a minute")).headers.subscription, "jobs");
  await expectNothing(c, 150);
  // SchedulerBroker.sendScheduledJob: a listed job is typed Advisory and keeps its destination
  // as the original destination.
  assert.deepEqual(listing, { type: "Advisory", original: "/queue/cron" });
});

Deno.test("invalid scheduling headers are refused with an ERROR; the connection stays usable", async () => {
  await using b = await startTestBroker(withScheduler);
  await using p = await RawStomp.connect(b.stompPort);
  await p.send("SEND", { destination: "/queue/bad", AMQ_SCHEDULED_DELAY: "-5", receipt: "neg" }, "x");
  const neg = await p.next();
  assert.equal(neg.command, "ERROR");
  assert.equal(neg.headers["receipt-id"], "neg");
  assert.match(neg.headers.message, /AMQ_SCHEDULED_DELAY/);
  await p.send("SEND", { destination: "/queue/bad", AMQ_SCHEDULED_CRON: "not a cron", receipt: "cron" }, "y");
  const cron = await p.next();
  assert.equal(cron.command, "ERROR");
  assert.equal(cron.headers["receipt-id"], "cron");
  assert.match(cron.headers.message, /AMQ_SCHEDULED_CRON/);
  await sendAll(p, "/queue/good", ["fine"]);
  assert.equal(b.broker.service.queueSize("bad"), 0);
});

Deno.test("without schedulerSupport the scheduling headers are plain properties and delivery is immediate", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/unscheduled");
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/unscheduled", ["right away"], { AMQ_SCHEDULED_DELAY: "60000" });
  const m = await expectMessage(c, "right away", 1000);
  assert.equal(m.headers.AMQ_SCHEDULED_DELAY, "60000");
  assert.equal("scheduledJobId" in m.headers, false);
});

Deno.test("a persistent scheduled message survives a restart, its delay counted from the original send", async () => {
  const store = new MemoryPersistenceAdapter();
  let sentAt: number;
  {
    await using b = await startTestBroker({ ...withScheduler, store });
    await using p = await RawStomp.connect(b.stompPort);
    sentAt = performance.now();
    await sendAll(p, "/queue/durable.later", ["kept"], { AMQ_SCHEDULED_DELAY: "400", persistent: "true" });
  }
  await using b = await startTestBroker({ ...withScheduler, store });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/durable.later");
  await expectNothing(c, 50);
  const m = await expectMessage(c, "kept", 3000);
  assertWaited(performance.now() - sentAt, 400, "the recovered job");
  assert.equal(m.headers.persistent, "true");
  assert.ok(m.headers.scheduledJobId);
  await expectNothing(c, 100);
  assert.equal(b.broker.service.queueSize("ActiveMQ.Scheduler.Store"), 0, "the job store is not a queue");
});

Deno.test("the job store keeps every scheduled message: a non-persistent one survives a restart too", async () => {
  // SchedulerBroker.doSchedule marshals every scheduled message into the job scheduler store
  // whatever its delivery mode; the copy is delivered non-persistent, as it was sent.
  const store = new MemoryPersistenceAdapter();
  {
    await using b = await startTestBroker({ ...withScheduler, store });
    await using p = await RawStomp.connect(b.stompPort);
    await sendAll(p, "/queue/volatile.later", ["scheduled"], { AMQ_SCHEDULED_DELAY: "200" });
  }
  await using b = await startTestBroker({ ...withScheduler, store });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/volatile.later");
  const m = await expectMessage(c, "scheduled", 1500);
  assert.equal("persistent" in m.headers, false);
});
