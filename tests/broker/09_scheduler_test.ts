import assert from "node:assert/strict";
import { MemoryPersistenceAdapter } from "../../src/store/mod.ts";
import { startVmBroker } from "../support/vm_broker.ts";

Deno.test("scheduler: AMQ_SCHEDULED_DELAY holds a message back", async () => {
  await using broker = await startVmBroker({ schedulerSupport: true });
  await using conn = await broker.connect();
  const sub = await conn.subscribe("queue://later");
  const sentAt = Date.now();
  await conn.send("queue://later", "delayed", { properties: { AMQ_SCHEDULED_DELAY: 150 } });
  await conn.send("queue://later", "now");
  assert.equal((await sub.receive(1000))?.text(), "now", "the undelayed message overtakes");
  const delayed = await sub.receive(2000);
  assert.equal(delayed?.text(), "delayed");
  assert.ok(Date.now() - sentAt >= 150, "not before the delay");
  assert.equal(
    delayed?.message.properties.AMQ_SCHEDULED_DELAY,
    undefined,
    "scheduling properties are removed",
  );
  assert.equal(typeof delayed?.message.properties.scheduledJobId, "string");
});

Deno.test("scheduler: PERIOD and REPEAT give repeat + 1 deliveries with their own ids", async () => {
  await using broker = await startVmBroker({ schedulerSupport: true });
  await using conn = await broker.connect();
  const sub = await conn.subscribe("queue://repeat");
  await conn.send("queue://repeat", "tick", {
    properties: { AMQ_SCHEDULED_DELAY: 10, AMQ_SCHEDULED_PERIOD: 20, AMQ_SCHEDULED_REPEAT: 2 },
  });
  const ids = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const m = await sub.receive(2000);
    assert.equal(m?.text(), "tick");
    ids.add(m!.message.messageId);
  }
  assert.equal(ids.size, 3);
  assert.equal(await sub.receive(100), null, "no fourth delivery");
});

Deno.test("scheduler: without schedulerSupport the properties are ignored", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const sub = await conn.subscribe("queue://plain");
  await conn.send("queue://plain", "x", { properties: { AMQ_SCHEDULED_DELAY: 60_000 } });
  assert.equal((await sub.receive(1000))?.text(), "x");
});

Deno.test("scheduler: a persistent scheduled message survives a restart", async () => {
  const store = new MemoryPersistenceAdapter();
  {
    await using broker = await startVmBroker({ schedulerSupport: true }, store);
    await using conn = await broker.connect();
    await conn.send("queue://durable.later", "kept", {
      persistent: true,
      properties: { AMQ_SCHEDULED_DELAY: 300 },
    });
  }
  await using broker = await startVmBroker({ schedulerSupport: true }, store);
  await using conn = await broker.connect();
  const sub = await conn.subscribe("queue://durable.later");
  assert.equal((await sub.receive(3000))?.text(), "kept");
  assert.equal(broker.service.queueSize("ActiveMQ.Scheduler.Store"), 0, "the job store is not a queue");
});

Deno.test("scheduler: cron jobs and the management destination (BROWSE, REMOVE)", async () => {
  await using broker = await startVmBroker({ schedulerSupport: true });
  await using conn = await broker.connect();
  const jobId = await conn.send("queue://cron", "every minute", {
    properties: { AMQ_SCHEDULED_CRON: "* * * * *" },
  });
  const replies = await conn.createTemporaryQueue();
  const browse = await conn.subscribe(replies);
  await conn.send("topic://ActiveMQ.Scheduler.Management", "", {
    replyTo: replies,
    properties: { AMQ_SCHEDULER_ACTION: "BROWSE" },
  });
  const job = await browse.receive(1000);
  assert.equal(job?.message.properties.scheduledJobId, jobId);
  await conn.send("topic://ActiveMQ.Scheduler.Management", "", {
    properties: { AMQ_SCHEDULER_ACTION: "REMOVE", scheduledJobId: jobId },
  });
  await conn.send("topic://ActiveMQ.Scheduler.Management", "", {
    replyTo: replies,
    properties: { AMQ_SCHEDULER_ACTION: "BROWSE" },
  });
  assert.equal(await browse.receive(100), null, "the job is gone");
});
