/**
 * Issue 5, points 1 and 2 over STOMP: priority (send order by default,
 * highest first with prioritizedMessages) and expiry (never dispatched;
 * persistent ones dead-lettered, non-persistent ones dropped; found at
 * dispatch and by the periodic sweep). semantics.md §6.3 and §7.
 */
import assert from "node:assert/strict";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import {
  expectMessage,
  expectNothing,
  nextMessages,
  queuePolicy,
  sendAll,
  sendWithReceipt,
  subscribe,
  TestClock,
} from "./_helpers.ts";

const BATCH: [string, string | undefined][] = [
  ["l1", "1"],
  ["h1", "9"],
  ["m1", "5"],
  ["d1", undefined],
  ["h2", "9"],
  ["l2", "1"],
  ["m2", "5"],
];

async function sendBatch(p: RawStomp, destination: string): Promise<void> {
  for (const [body, priority] of BATCH) {
    await sendWithReceipt(p, "SEND", { destination, ...(priority ? { priority } : {}) }, body);
  }
}

Deno.test("priority: by default a queue dispatches in send order whatever the priority", async () => {
  await using b = await startTestBroker();
  await using p = await RawStomp.connect(b.stompPort);
  await sendBatch(p, "/queue/fifo");
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/fifo");
  const frames = await nextMessages(c, BATCH.length);
  assert.deepEqual(frames.map((f) => f.body), ["l1", "h1", "m1", "d1", "h2", "l2", "m2"]);
  assert.deepEqual(frames.map((f) => f.headers.priority), ["1", "9", "5", "4", "9", "1", "5"]);
  await expectNothing(c, 100);
});

Deno.test("priority: prioritizedMessages dispatches 9 first, FIFO within a priority; other queues keep send order", async () => {
  await using b = await startTestBroker({
    configure: (config) => config.policyEntries = [queuePolicy("prio.>", { prioritizedMessages: true })],
  });
  await using p = await RawStomp.connect(b.stompPort);
  await sendBatch(p, "/queue/prio.orders");
  await sendBatch(p, "/queue/plain.orders");
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "prio", "/queue/prio.orders");
  const frames = await nextMessages(c, BATCH.length);
  assert.deepEqual(frames.map((f) => f.body), ["h1", "h2", "m1", "m2", "d1", "l1", "l2"]);
  assert.deepEqual(frames.map((f) => f.headers.priority), ["9", "9", "5", "5", "4", "1", "1"]);
  await subscribe(c, "plain", "/queue/plain.orders");
  const plain = await nextMessages(c, BATCH.length);
  assert.deepEqual(plain.map((f) => f.body), ["l1", "h1", "m1", "d1", "h2", "l2", "m2"]);
});

Deno.test("priority: on a prioritized queue a later high-priority message overtakes the waiting ones", async () => {
  await using b = await startTestBroker({
    configure: (config) => config.policyEntries = [queuePolicy(">", { prioritizedMessages: true })],
  });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/overtake", { ack: "client", "activemq.prefetchSize": "1" });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/overtake", ["low-a", "low-b", "low-c"], { priority: "2" });
  const first = await expectMessage(c, "low-a");
  await sendWithReceipt(p, "SEND", { destination: "/queue/overtake", priority: "8" }, "urgent");
  await c.send("ACK", { id: first.headers.ack });
  const next = await expectMessage(c, "urgent");
  assert.equal(next.headers.priority, "8");
  await c.send("ACK", { id: next.headers.ack });
  await c.send("ACK", { id: (await expectMessage(c, "low-b")).headers.ack });
  await expectMessage(c, "low-c");
});

Deno.test("expiry: found at dispatch — persistent goes to ActiveMQ.DLQ with originalExpiration, non-persistent is dropped", async () => {
  const clock = new TestClock();
  await using b = await startTestBroker({ now: clock.now });
  await using p = await RawStomp.connect(b.stompPort);
  const expires = String(Date.now() + 60_000);
  await sendWithReceipt(p, "SEND", { destination: "/queue/exp", expires, persistent: "true" }, "kept dead");
  await sendWithReceipt(p, "SEND", { destination: "/queue/exp", expires }, "dropped");
  await sendWithReceipt(p, "SEND", { destination: "/queue/exp" }, "no expiry");
  assert.equal(b.broker.service.queueSize("exp"), 3);
  clock.advance(120_000);

  await using dlq = await RawStomp.connect(b.stompPort);
  await subscribe(dlq, "dlq", "/queue/ActiveMQ.DLQ");
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/exp");
  const live = await expectMessage(c, "no expiry");
  assert.equal(live.headers.expires, "0");
  await expectNothing(c, 100);

  const dead = await expectMessage(dlq, "kept dead");
  assert.equal(dead.headers.destination, "/queue/ActiveMQ.DLQ");
  assert.equal(dead.headers["original-destination"], "/queue/exp");
  assert.equal(dead.headers.persistent, "true");
  assert.equal(dead.headers.expires, "0", "a dead message does not expire again");
  assert.equal(dead.headers.originalExpiration, expires);
  // RegionBroker.messageExpired: new Throwable("Message Expired. Expiration:" + expiration).
  assert.match(dead.headers.dlqDeliveryFailureCause, new RegExp(`Message Expired\\. Expiration:${expires}`));
  await expectNothing(dlq, 100);
  assert.equal(b.broker.service.queueSize("exp"), 0);
});

Deno.test("expiry: the periodic sweep (expireMessagesPeriod) dead-letters messages nobody consumes", async () => {
  const clock = new TestClock();
  await using b = await startTestBroker({
    now: clock.now,
    configure: (config) => config.policyEntries = [queuePolicy(">", { expireMessagesPeriod: 25 })],
  });
  await using dlq = await RawStomp.connect(b.stompPort);
  await subscribe(dlq, "dlq", "/queue/ActiveMQ.DLQ");
  await using p = await RawStomp.connect(b.stompPort);
  const expires = String(Date.now() + 60_000);
  await sendWithReceipt(p, "SEND", { destination: "/queue/unread", expires, persistent: "true" }, "stale");
  await sendWithReceipt(p, "SEND", { destination: "/queue/unread", expires }, "stale, non-persistent");
  await sendWithReceipt(p, "SEND", { destination: "/queue/unread", persistent: "true" }, "fresh");
  await expectNothing(dlq, 100);
  clock.advance(120_000);
  // No consumer: only the sweep can find it.
  const dead = await expectMessage(dlq, "stale", 3000);
  assert.equal(dead.headers["original-destination"], "/queue/unread");
  assert.equal(dead.headers.originalExpiration, expires);
  await expectNothing(dlq, 100);
  assert.equal(b.broker.service.queueSize("unread"), 1, "only the message without expiry is left");
});

Deno.test("expiry: expireMessagesPeriod=0 turns the sweep off; dispatch still never delivers an expired message", async () => {
  const clock = new TestClock();
  await using b = await startTestBroker({
    now: clock.now,
    configure: (config) => config.policyEntries = [queuePolicy(">", { expireMessagesPeriod: 0 })],
  });
  await using p = await RawStomp.connect(b.stompPort);
  const expires = String(Date.now() + 60_000);
  await sendWithReceipt(p, "SEND", { destination: "/queue/nosweep", expires, persistent: "true" }, "stale");
  clock.advance(120_000);
  await using dlq = await RawStomp.connect(b.stompPort);
  await subscribe(dlq, "dlq", "/queue/ActiveMQ.DLQ");
  await expectNothing(dlq, 150);
  assert.equal(b.broker.service.queueSize("nosweep"), 1, "nobody looked at it yet");
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/nosweep");
  await expectMessage(dlq, "stale");
  await expectNothing(c, 100);
});

Deno.test("expiry: a persistent message already expired on arrival goes to the DLQ; a non-persistent one is dropped", async () => {
  // ActiveMQ's Queue.send: `if (message.isExpired()) broker.getRoot().messageExpired(...)`, which is
  // RegionBroker.sendToDeadLetterQueue — the same path as an expiry found later.
  await using b = await startTestBroker();
  await using dlq = await RawStomp.connect(b.stompPort);
  await subscribe(dlq, "dlq", "/queue/ActiveMQ.DLQ");
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/late");
  await using p = await RawStomp.connect(b.stompPort);
  const past = String(Date.now() - 60_000);
  await sendWithReceipt(
    p,
    "SEND",
    { destination: "/queue/late", expires: past, persistent: "true" },
    "too late",
  );
  await sendWithReceipt(p, "SEND", { destination: "/queue/late", expires: past }, "too late, non-persistent");
  await expectNothing(c, 100);
  const dead = await expectMessage(dlq, "too late", 1000);
  assert.equal(dead.headers["original-destination"], "/queue/late");
  assert.equal(dead.headers.originalExpiration, past);
  await expectNothing(dlq, 100);
});
