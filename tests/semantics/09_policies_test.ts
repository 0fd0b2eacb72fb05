/**
 * Issue 5, point 9 over STOMP: destination policies — queuePrefetch /
 * topicPrefetch for subscribers that did not ask for a prefetch, a
 * per-destination memoryLimit, the dead-letter strategy chosen per
 * destination, gcInactiveDestinations, and `<destinations>` created at
 * start-up. semantics.md §8 and §15.2.
 */
import assert from "node:assert/strict";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import {
  advisoryOf,
  expectMessage,
  expectNothing,
  nextBodies,
  nextMessages,
  queuePolicy,
  sendAll,
  sendWithReceipt,
  subscribe,
  TestClock,
  topicPolicy,
} from "./_helpers.ts";

const FIVE = ["m0", "m1", "m2", "m3", "m4"];

Deno.test("queuePrefetch from a policyEntry applies to a subscriber without activemq.prefetchSize (or with the default 1000)", async () => {
  await using b = await startTestBroker({
    configure: (config) => config.policyEntries = [queuePolicy("pf.>", { queuePrefetch: 2 })],
  });
  await using p = await RawStomp.connect(b.stompPort);
  for (const q of ["pf.plain", "pf.asked", "pf.default", "other"]) await sendAll(p, `/queue/${q}`, FIVE);

  await using plain = await RawStomp.connect(b.stompPort);
  await subscribe(plain, "s", "/queue/pf.plain", { ack: "client" });
  assert.deepEqual(await nextBodies(plain, 2), ["m0", "m1"]);
  await expectNothing(plain, 150);

  await using asked = await RawStomp.connect(b.stompPort);
  await subscribe(asked, "s", "/queue/pf.asked", { ack: "client", "activemq.prefetchSize": "3" });
  assert.deepEqual(
    await nextBodies(asked, 3),
    ["m0", "m1", "m2"],
    "an explicit prefetch wins over the policy",
  );

  await using dflt = await RawStomp.connect(b.stompPort);
  await subscribe(dflt, "s", "/queue/pf.default", { ack: "client", "activemq.prefetchSize": "1000" });
  assert.deepEqual(await nextBodies(dflt, 2), ["m0", "m1"], "the client default counts as not asking");

  await using other = await RawStomp.connect(b.stompPort);
  await subscribe(other, "s", "/queue/other", { ack: "client" });
  assert.deepEqual(await nextBodies(other, 5), FIVE, "no policy: STOMP's default 1000");
  await expectNothing(asked, 100);
  await expectNothing(dflt, 0);
});

Deno.test("queuePrefetch from a policy is a sliding window: each ACK lets as many more through", async () => {
  await using b = await startTestBroker({
    configure: (config) => config.policyEntries = [queuePolicy(">", { queuePrefetch: 2 })],
  });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/window", FIVE);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/window", { ack: "client-individual" });
  const [m0] = await nextMessages(c, 2);
  await expectNothing(c, 100);
  await c.send("ACK", { id: m0.headers.ack });
  assert.equal((await c.next()).body, "m2");
  await expectNothing(c, 100);
});

Deno.test("topicPrefetch from a policyEntry applies to a client-ack topic subscriber", async () => {
  await using b = await startTestBroker({
    configure: (config) => config.policyEntries = [topicPolicy("ticks.>", { topicPrefetch: 2 })],
  });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/topic/ticks.fast", { ack: "client" });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/topic/ticks.fast", FIVE);
  const [, m1] = await nextMessages(c, 2);
  await expectNothing(c, 150);
  await c.send("ACK", { id: m1.headers.ack });
  assert.deepEqual(await nextBodies(c, 2), ["m2", "m3"]);
});

Deno.test("memoryLimit is per destination: one queue holds its producer while another keeps accepting", async () => {
  const KiB = 1024;
  await using b = await startTestBroker({
    configure: (config) => config.policyEntries = [queuePolicy("small.>", { memoryLimit: 2 * KiB })],
  });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/small.q", ["s0", "s1"]);
  await p.send("SEND", { destination: "/queue/small.q", receipt: "held" }, "s2");
  await expectNothing(p, 150);
  await using other = await RawStomp.connect(b.stompPort);
  await sendAll(other, "/queue/big.q", Array.from({ length: 10 }, (_, i) => `b${i}`));
  assert.equal(b.broker.service.queueSize("big.q"), 10);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/small.q");
  assert.deepEqual(await nextBodies(c, 3), ["s0", "s1", "s2"]);
  const f = await p.next();
  assert.equal(f.command, "RECEIPT");
  assert.equal(f.headers["receipt-id"], "held");
});

Deno.test("the dead-letter strategy is chosen per destination (individual, discarding, processExpired=false, shared)", async () => {
  const clock = new TestClock();
  await using b = await startTestBroker({
    now: clock.now,
    configure: (config) =>
      config.policyEntries = [
        queuePolicy(">", {}),
        queuePolicy("ind.>", { deadLetterStrategy: { kind: "individual" } }),
        queuePolicy("drop.>", { deadLetterStrategy: { kind: "discarding" } }),
        queuePolicy("quiet.>", { deadLetterStrategy: { kind: "shared", processExpired: false } }),
      ],
  });
  await using dlq = await RawStomp.connect(b.stompPort);
  await subscribe(dlq, "shared", "/queue/ActiveMQ.DLQ");
  await subscribe(dlq, "ind", "/queue/ActiveMQ.DLQ.Queue.ind.a");
  await using c = await RawStomp.connect(b.stompPort);
  await using p = await RawStomp.connect(b.stompPort);
  for (const q of ["ind.a", "drop.a", "plain.a"]) {
    await subscribe(c, q, `/queue/${q}`, { ack: "client-individual" });
    await sendAll(p, `/queue/${q}`, [`refused from ${q}`], { persistent: "true" });
    await sendWithReceipt(c, "NACK", { id: (await expectMessage(c, `refused from ${q}`)).headers.ack });
  }
  const dead = await nextMessages(dlq, 2);
  assert.deepEqual(dead.map((f) => `${f.headers.subscription} ${f.body}`), [
    "ind refused from ind.a",
    "shared refused from plain.a",
  ]);
  await expectNothing(dlq, 100);

  // Expiry: quiet.> drops expired messages, the default dead-letters them.
  const expires = String(Date.now() + 60_000);
  await sendAll(p, "/queue/quiet.a", ["expired quietly"], { expires, persistent: "true" });
  await sendAll(p, "/queue/plain.b", ["expired loudly"], { expires, persistent: "true" });
  clock.advance(120_000);
  await subscribe(c, "quiet", "/queue/quiet.a");
  await subscribe(c, "plain.b", "/queue/plain.b");
  assert.equal(
    (await expectMessage(dlq, "expired loudly")).headers["original-destination"],
    "/queue/plain.b",
  );
  await expectNothing(dlq, 100);
  await expectNothing(c, 0);
  assert.equal(b.broker.service.queueSize("quiet.a"), 0);
});

Deno.test("gcInactiveDestinations: an idle queue is removed (advisory operationType 1); busy, used or unpoliced ones stay", async () => {
  const clock = new TestClock();
  await using b = await startTestBroker({
    now: clock.now,
    configure: (config) => {
      config.attributes.schedulePeriodForDestinationPurge = "25";
      config.policyEntries = [
        queuePolicy("gc.>", { gcInactiveDestinations: true, inactiveTimoutBeforeGC: 1000 }),
      ];
    },
  });
  await using watcher = await RawStomp.connect(b.stompPort);
  await subscribe(watcher, "w", "/topic/ActiveMQ.Advisory.Queue", { transformation: "jms-advisory-json" });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "idle", "/queue/gc.idle");
  await sendWithReceipt(c, "UNSUBSCRIBE", { id: "idle" });
  await subscribe(c, "used", "/queue/gc.used");
  await sendAll(c, "/queue/gc.busy", ["waiting"]);
  await subscribe(c, "keep", "/queue/keep.idle");
  await sendWithReceipt(c, "UNSUBSCRIBE", { id: "keep" });
  const created = (await nextMessages(watcher, 4)).map((f) => advisoryOf(f).fields.destination);
  assert.deepEqual(created, ["queue://gc.idle", "queue://gc.used", "queue://gc.busy", "queue://keep.idle"]);

  clock.advance(5000);
  const removed = advisoryOf(await watcher.next(3000));
  assert.deepEqual(removed.fields, { destination: "queue://gc.idle", operationType: 1, temporary: false });
  await expectNothing(watcher, 150);
  const names = b.broker.service.destinationNames();
  assert.ok(!names.includes("queue://gc.idle"));
  for (const kept of ["queue://gc.used", "queue://gc.busy", "queue://keep.idle"]) {
    assert.ok(names.includes(kept), `${kept} stays`);
  }
  await subscribe(c, "again", "/queue/gc.idle");
  assert.equal(advisoryOf(await watcher.next()).fields.operationType, 0, "a new consumer creates it again");
});

Deno.test("gcInactiveDestinations applies to topics too: a topic nobody uses is removed", async () => {
  // RegionBroker.purgeInactiveDestinations walks every region's destinations, topics included.
  const clock = new TestClock();
  await using b = await startTestBroker({
    now: clock.now,
    configure: (config) => {
      config.attributes.schedulePeriodForDestinationPurge = "25";
      config.policyEntries = [
        topicPolicy("gc.>", { gcInactiveDestinations: true, inactiveTimoutBeforeGC: 1000 }),
      ];
    },
  });
  await using watcher = await RawStomp.connect(b.stompPort);
  await subscribe(watcher, "w", "/topic/ActiveMQ.Advisory.Topic", { transformation: "jms-advisory-json" });
  await using c = await RawStomp.connect(b.stompPort);
  await sendAll(c, "/topic/gc.news", ["nobody listens"]);
  assert.equal(advisoryOf(await watcher.next()).fields.destination, "topic://gc.news");
  clock.advance(5000);
  const removed = advisoryOf(await watcher.next(1500));
  assert.deepEqual(removed.fields, { destination: "topic://gc.news", operationType: 1, temporary: false });
});

Deno.test("<destinations> are created at start-up: the Queue and Topic advisories replay them", async () => {
  await using b = await startTestBroker({
    configure: (config) =>
      config.destinations = [{ type: "queue", name: "pre.made" }, { type: "topic", name: "pre.topic" }],
  });
  await using watcher = await RawStomp.connect(b.stompPort);
  await subscribe(watcher, "q", "/topic/ActiveMQ.Advisory.Queue", { transformation: "jms-advisory-json" });
  assert.deepEqual(advisoryOf(await watcher.next()).fields, {
    destination: "queue://pre.made",
    operationType: 0,
    temporary: false,
  });
  await expectNothing(watcher, 100);
  await subscribe(watcher, "t", "/topic/ActiveMQ.Advisory.Topic", { transformation: "jms-advisory-json" });
  assert.equal(advisoryOf(await watcher.next()).fields.destination, "topic://pre.topic");
  await expectNothing(watcher, 100);
  assert.equal(b.broker.service.queueSize("pre.made"), 0);
  // A wildcard consumer created later finds the pre-made queue.
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/pre.made", ["into the pre-made queue"]);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "all", "/queue/pre.>");
  assert.equal((await expectMessage(c, "into the pre-made queue")).headers.destination, "/queue/pre.made");
});
