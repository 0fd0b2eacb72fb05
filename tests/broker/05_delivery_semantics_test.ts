import assert from "node:assert/strict";
import type { PolicyEntryConfig } from "../../src/config/mod.ts";
import { MemoryPersistenceAdapter } from "../../src/store/mod.ts";
import { startVmBroker, TestClock } from "../support/vm_broker.ts";

function policy(entry: Partial<PolicyEntryConfig>): PolicyEntryConfig {
  return { destinationType: "queue", pattern: ">", attributes: {}, ...entry };
}

Deno.test("priority: by default a queue keeps send order whatever the priority", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  for (const [t, p] of [["low", 1], ["high", 9], ["mid", 5]] as const) {
    await conn.send("queue://fifo", t, { priority: p });
  }
  const sub = await conn.subscribe("queue://fifo");
  const got = [];
  for (let i = 0; i < 3; i++) got.push((await sub.receive(1000))?.text());
  assert.deepEqual(got, ["low", "high", "mid"]);
});

Deno.test("priority: prioritizedMessages dispatches highest first, FIFO within a priority, also after a restart", async () => {
  const store = new MemoryPersistenceAdapter();
  const config = { policyEntries: [policy({ prioritizedMessages: true })] };
  {
    await using broker = await startVmBroker(config, store);
    await using conn = await broker.connect();
    for (const [t, p] of [["l1", 1], ["h1", 9], ["m1", 5], ["h2", 9], ["l2", 1]] as const) {
      await conn.send("queue://prio", t, { priority: p, persistent: true });
    }
    const sub = await conn.subscribe("queue://prio");
    assert.deepEqual([(await sub.receive(1000))?.text(), (await sub.receive(1000))?.text()], ["h1", "h2"]);
  }
  await using broker = await startVmBroker(config, store);
  await using conn = await broker.connect();
  const sub = await conn.subscribe("queue://prio");
  const got = [];
  for (let i = 0; i < 3; i++) got.push((await sub.receive(1000))?.text());
  assert.deepEqual(got, ["m1", "l1", "l2"]);
});

Deno.test("message groups: one group sticks to one consumer; the first is flagged", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const a = await conn.subscribe("queue://grouped", { prefetch: 100, ackMode: "client" });
  const b = await conn.subscribe("queue://grouped", { prefetch: 100, ackMode: "client" });
  for (let i = 0; i < 4; i++) {
    await conn.send("queue://grouped", "red", { group: { id: "red" } });
    await conn.send("queue://grouped", "blue", { group: { id: "blue" } });
  }
  const groupsOf: string[][] = [];
  for (const sub of [a, b]) {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const m = await sub.receive(1000);
      assert.ok(m);
      seen.push(m.text());
      assert.equal(m.message.groupFirstForConsumer === true, i === 0, "only the first of a group is flagged");
    }
    groupsOf.push([...new Set(seen)]);
  }
  assert.deepEqual(groupsOf.map((g) => g.length), [1, 1], "each consumer has exactly one group");
  assert.notEqual(groupsOf[0][0], groupsOf[1][0]);
});

Deno.test("message groups: JMSXGroupSeq -1 closes a group so its next message may go elsewhere", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const a = await conn.subscribe("queue://closing", { ackMode: "client" });
  await conn.send("queue://closing", "1", { group: { id: "g" } });
  await conn.send("queue://closing", "last", { group: { id: "g", seq: -1 } });
  assert.equal((await a.receive(1000))?.message.groupFirstForConsumer, true);
  assert.equal((await a.receive(1000))?.text(), "last");
  await conn.send("queue://closing", "reopened", { group: { id: "g" } });
  assert.equal((await a.receive(1000))?.message.groupFirstForConsumer, true, "a new group starts");
});

Deno.test("message groups: when the owner leaves, its group moves to another consumer", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const owner = await conn.subscribe("queue://regroup", { ackMode: "client" });
  await conn.send("queue://regroup", "1", { group: { id: "g" } });
  assert.equal((await owner.receive(1000))?.message.groupFirstForConsumer, true);
  const other = await conn.subscribe("queue://regroup");
  await conn.send("queue://regroup", "2", { group: { id: "g" } });
  await owner.close(); // "1" was not acked and "2" may be waiting for the owner: both move
  const got = [(await other.receive(1000))?.text(), (await other.receive(1000))?.text()];
  assert.deepEqual(got.sort(), ["1", "2"]);
});

Deno.test("expiry: an expired persistent message goes to ActiveMQ.DLQ on dispatch; non-persistent is dropped", async () => {
  const clock = new TestClock();
  await using broker = await startVmBroker({}, undefined, clock.now);
  await using conn = await broker.connect();
  await conn.send("queue://exp", "p", { expiration: Date.now() - 1, persistent: true });
  assert.equal(broker.service.queueSize("exp"), 0, "already expired on arrival: never enqueued");
  const expiration = Date.now() + 1000;
  await conn.send("queue://exp", "persistent", { expiration, persistent: true });
  await conn.send("queue://exp", "non-persistent", { expiration, persistent: false });
  clock.advance(2000);
  const sub = await conn.subscribe("queue://exp"); // dispatch finds both expired
  const dlq = await conn.subscribe("queue://ActiveMQ.DLQ");
  const onArrival = await dlq.receive(1000);
  assert.equal(onArrival?.text(), "p", "expired on arrival: dead-lettered without ever being queued");
  const dead = await dlq.receive(1000);
  assert.equal(dead?.text(), "persistent");
  assert.equal(dead?.message.expiration, 0);
  assert.equal(dead?.message.properties.originalExpiration, expiration);
  assert.equal(await sub.receive(50), null);
  assert.equal(await dlq.receive(50), null, "the non-persistent one was dropped");
});

Deno.test("expiry: the periodic sweep moves expired messages nobody consumes (expireMessagesPeriod)", async () => {
  const clock = new TestClock();
  await using broker = await startVmBroker(
    { policyEntries: [policy({ expireMessagesPeriod: 25 })] },
    undefined,
    clock.now,
  );
  await using conn = await broker.connect();
  const dlq = await conn.subscribe("queue://ActiveMQ.DLQ");
  await conn.send("queue://idle", "stale", { timeToLive: 1000, persistent: true });
  clock.advance(2000);
  const dead = await dlq.receive(2000); // the next sweep finds it
  assert.equal(dead?.text(), "stale");
  assert.equal(dead?.message.originalDestination?.name, "idle");
  assert.equal(broker.service.queueSize("idle"), 0);
});

Deno.test("expiry: processExpired=false drops expired messages instead of dead-lettering them", async () => {
  const clock = new TestClock();
  await using broker = await startVmBroker(
    {
      policyEntries: [policy({ deadLetterStrategy: { kind: "shared", processExpired: false } })],
    },
    undefined,
    clock.now,
  );
  await using conn = await broker.connect();
  await conn.send("queue://idle2", "stale", { timeToLive: 1000, persistent: true });
  clock.advance(2000);
  const sub = await conn.subscribe("queue://idle2");
  assert.equal(await sub.receive(50), null);
  assert.equal(broker.service.queueSize("idle2"), 0);
  assert.equal(broker.service.queueSize("ActiveMQ.DLQ"), 0);
});

Deno.test("redeliveryPlugin: a refused message comes back after the policy's delays, then goes to the DLQ", async () => {
  await using broker = await startVmBroker({
    redeliveryPlugin: { fallbackToDeadLetter: true, sendToDlqIfMaxRetriesExceeded: true },
    redeliveryPolicies: [{
      queue: "retry.>",
      maximumRedeliveries: 2,
      initialRedeliveryDelay: 10,
      redeliveryDelay: 10,
      backOffMultiplier: 2,
      useExponentialBackOff: true,
      maximumRedeliveryDelay: -1,
    }],
  });
  await using conn = await broker.connect();
  const sub = await conn.subscribe("queue://retry.orders", { ackMode: "individual" });
  await conn.send("queue://retry.orders", "flaky", { persistent: true });
  const counters: number[] = [];
  for (let i = 0; i < 3; i++) {
    const m = await sub.receive(2000);
    assert.equal(m?.text(), "flaky");
    counters.push(m!.message.redeliveryCounter);
    await m!.nack();
  }
  assert.deepEqual(counters, [0, 1, 2]);
  const dlq = await conn.subscribe("queue://ActiveMQ.DLQ");
  const dead = await dlq.receive(2000);
  assert.equal(dead?.text(), "flaky");
  assert.match(String(dead?.message.properties.dlqDeliveryFailureCause), /maximumRedeliveries 2/);
  assert.equal(await sub.receive(50), null);
});

Deno.test("redelivery delays: initial, fixed, exponential and capped", async () => {
  const { redeliveryDelay } = await import("../../src/broker/redelivery.ts");
  const base = {
    maximumRedeliveries: 6,
    initialRedeliveryDelay: 1000,
    redeliveryDelay: 500,
    backOffMultiplier: 5,
    useExponentialBackOff: false,
    maximumRedeliveryDelay: -1,
  };
  assert.deepEqual([0, 1, 2].map((n) => redeliveryDelay(base, n)), [1000, 500, 500]);
  const exp = { ...base, useExponentialBackOff: true };
  assert.deepEqual([0, 1, 2].map((n) => redeliveryDelay(exp, n)), [1000, 5000, 25000]);
  assert.equal(redeliveryDelay({ ...exp, maximumRedeliveryDelay: 7000 }, 2), 7000);
});

Deno.test("gcInactiveDestinations: an idle queue is removed after inactiveTimoutBeforeGC; a busy one stays", async () => {
  const clock = new TestClock();
  await using broker = await startVmBroker(
    {
      attributes: { schedulePeriodForDestinationPurge: "20" },
      policyEntries: [policy({ gcInactiveDestinations: true, inactiveTimoutBeforeGC: 1000 })],
    },
    undefined,
    clock.now,
  );
  await using conn = await broker.connect();
  const watch = await conn.subscribe("topic://ActiveMQ.Advisory.Queue");
  await conn.send("queue://busy", "kept");
  const idle = await conn.subscribe("queue://idle.one");
  await idle.close();
  const created = [
    (await watch.receive(1000))?.message.advisory?.destination,
    (await watch.receive(1000))?.message.advisory?.destination,
  ];
  assert.deepEqual(created, ["queue://busy", "queue://idle.one"]);
  clock.advance(5000);
  const removed = await watch.receive(2000); // the next purge run removes idle.one
  assert.equal(removed?.message.advisory?.destination, "queue://idle.one");
  assert.equal(removed?.message.advisory?.operationType, 1);
  assert.ok(broker.service.destinationNames().includes("queue://busy"));
  assert.ok(!broker.service.destinationNames().includes("queue://idle.one"));
});
