/**
 * Issue 5, point 4 over STOMP: queue browsing (browser:true), exclusive
 * consumers (activemq.exclusive, consumer priority, failover to the next) and
 * message groups (JMSXGroupID stickiness, JMSXGroupSeq -1 closing a group,
 * reassignment when the owner leaves). semantics.md §2.5 and §11.
 */
import assert from "node:assert/strict";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import {
  expectMessage,
  expectNothing,
  nextBodies,
  nextMessages,
  queuePolicy,
  sendAll,
  sendWithReceipt,
  subscribe,
} from "./_helpers.ts";

// ---- browsing -------------------------------------------------------------------

Deno.test("browser:true with a selector lists matching messages and browser:end, consuming nothing", async () => {
  await using b = await startTestBroker();
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/stock", ["r1"], { color: "red", persistent: "true" });
  await sendAll(p, "/queue/stock", ["g1"], { color: "green" });
  await sendAll(p, "/queue/stock", ["r2"], { color: "red" });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "look", "/queue/stock", { browser: "true", selector: "color = 'red'" });
  const [r1, r2] = await nextMessages(c, 2);
  assert.deepEqual([r1.body, r2.body], ["r1", "r2"]);
  assert.equal(r1.headers.subscription, "look");
  assert.equal(r1.headers.color, "red");
  assert.equal(r1.headers.persistent, "true");
  const end = await c.next();
  assert.deepEqual(
    { command: end.command, headers: end.headers, body: end.body },
    {
      command: "MESSAGE",
      headers: { subscription: "look", destination: "/queue/stock", "message-id": "0", browser: "end" },
      body: "",
    },
  );
  await expectNothing(c, 100);
  assert.equal(b.broker.service.queueSize("stock"), 3, "browsing consumes nothing");

  // A second browse sees the same; then a consumer takes everything, in order.
  await subscribe(c, "again", "/queue/stock", { browser: "true" });
  assert.deepEqual(await nextBodies(c, 3), ["r1", "g1", "r2"]);
  assert.equal((await c.next()).headers.browser, "end");
  await subscribe(c, "take", "/queue/stock");
  assert.deepEqual(await nextBodies(c, 3), ["r1", "g1", "r2"]);
  assert.equal(b.broker.service.queueSize("stock"), 0);
});

Deno.test("browser:true on an empty queue answers browser:end alone", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "look", "/queue/nothing.here", { browser: "true" });
  const end = await c.next();
  assert.equal(end.command, "MESSAGE");
  assert.equal(end.headers.browser, "end");
  assert.equal(end.headers.destination, "/queue/nothing.here");
  await expectNothing(c, 100);
});

// ---- exclusive consumers ------------------------------------------------------------

Deno.test("exclusive: one exclusive consumer gets everything, even when a plain one came first", async () => {
  await using b = await startTestBroker();
  await using plain = await RawStomp.connect(b.stompPort);
  await subscribe(plain, "plain", "/queue/ex.one");
  await using ex = await RawStomp.connect(b.stompPort);
  await subscribe(ex, "ex", "/queue/ex.one", { "activemq.exclusive": "true" });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/ex.one", ["e0", "e1", "e2", "e3"]);
  assert.deepEqual(await nextBodies(ex, 4), ["e0", "e1", "e2", "e3"]);
  await expectNothing(plain, 100);
});

Deno.test("exclusive: when the exclusive consumer leaves, the next takes over with its unacked messages first", async () => {
  await using b = await startTestBroker();
  await using p = await RawStomp.connect(b.stompPort);
  await using second = await RawStomp.connect(b.stompPort);
  await using plain = await RawStomp.connect(b.stompPort);
  {
    await using first = await RawStomp.connect(b.stompPort);
    await subscribe(first, "ex", "/queue/ex.failover", { "activemq.exclusive": "true", ack: "client" });
    await subscribe(second, "ex", "/queue/ex.failover", { "activemq.exclusive": "true", ack: "client" });
    await subscribe(plain, "plain", "/queue/ex.failover");
    await sendAll(p, "/queue/ex.failover", ["f0", "f1", "f2"]);
    const frames = await nextMessages(first, 3);
    assert.deepEqual(frames.map((f) => f.body), ["f0", "f1", "f2"]);
    await sendWithReceipt(first, "ACK", { id: frames[0].headers.ack });
    await expectNothing(second, 100);
  } // the first exclusive consumer's connection drops here
  const taken = await nextMessages(second, 2);
  assert.deepEqual(taken.map((f) => f.body), ["f1", "f2"]);
  assert.deepEqual(taken.map((f) => f.headers.redelivered), ["true", "true"]);
  await sendAll(p, "/queue/ex.failover", ["f3"]);
  const f3 = await expectMessage(second, "f3");
  assert.equal("redelivered" in f3.headers, false);
  await expectNothing(plain, 100);
});

Deno.test("exclusive: a higher activemq.priority exclusive consumer takes over; on UNSUBSCRIBE the lower one resumes", async () => {
  await using b = await startTestBroker();
  await using low = await RawStomp.connect(b.stompPort);
  await subscribe(low, "low", "/queue/ex.prio", { "activemq.exclusive": "true", "activemq.priority": "1" });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/ex.prio", ["before"]);
  await expectMessage(low, "before");
  await using high = await RawStomp.connect(b.stompPort);
  await subscribe(high, "high", "/queue/ex.prio", { "activemq.exclusive": "true", "activemq.priority": "5" });
  await sendAll(p, "/queue/ex.prio", ["h0", "h1"]);
  assert.deepEqual(await nextBodies(high, 2), ["h0", "h1"]);
  await expectNothing(low, 100);
  await sendWithReceipt(high, "UNSUBSCRIBE", { id: "high" });
  await sendAll(p, "/queue/ex.prio", ["after"]);
  await expectMessage(low, "after");
});

Deno.test("exclusive: allConsumersExclusiveByDefault makes every consumer of the queue exclusive", async () => {
  await using b = await startTestBroker({
    configure: (config) =>
      config.policyEntries = [queuePolicy("solo.>", { allConsumersExclusiveByDefault: true })],
  });
  await using first = await RawStomp.connect(b.stompPort);
  await subscribe(first, "a", "/queue/solo.work");
  await using other = await RawStomp.connect(b.stompPort);
  await subscribe(other, "b", "/queue/solo.work");
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/solo.work", ["s0", "s1", "s2", "s3"]);
  assert.deepEqual(await nextBodies(first, 4, 1000), ["s0", "s1", "s2", "s3"]);
  await expectNothing(other, 100);
});

Deno.test("consumer priority without exclusivity: the higher activemq.priority consumer is served while it has room", async () => {
  await using b = await startTestBroker();
  await using low = await RawStomp.connect(b.stompPort);
  await subscribe(low, "low", "/queue/cprio", { "activemq.priority": "1" });
  await using high = await RawStomp.connect(b.stompPort);
  await subscribe(high, "high", "/queue/cprio", {
    "activemq.priority": "5",
    ack: "client",
    "activemq.prefetchSize": "2",
  });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/cprio", ["p0", "p1", "p2", "p3"]);
  assert.deepEqual(await nextBodies(high, 2), ["p0", "p1"]);
  assert.deepEqual(await nextBodies(low, 2), ["p2", "p3"], "the rest overflows to the lower priority");
  await expectNothing(high, 100);
});

// ---- message groups -----------------------------------------------------------------

Deno.test("groups: each JMSXGroupID sticks to one consumer; the group id is not a MESSAGE header", async () => {
  await using b = await startTestBroker();
  await using a = await RawStomp.connect(b.stompPort);
  await subscribe(a, "a", "/queue/grouped", { ack: "client" });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "c", "/queue/grouped", { ack: "client" });
  await using p = await RawStomp.connect(b.stompPort);
  for (let i = 0; i < 4; i++) {
    await sendAll(p, "/queue/grouped", [`red-${i}`], { JMSXGroupID: "red" });
    await sendAll(p, "/queue/grouped", [`blue-${i}`], { JMSXGroupID: "blue" });
  }
  const got = [await nextMessages(a, 4), await nextMessages(c, 4)];
  const groups = got.map((frames) => [...new Set(frames.map((f) => f.body.split("-")[0]))]);
  assert.deepEqual(groups.map((g) => g.length), [1, 1], "each consumer has exactly one group");
  assert.notEqual(groups[0][0], groups[1][0]);
  for (const frames of got) {
    assert.deepEqual(frames.map((f) => f.body.split("-")[1]), ["0", "1", "2", "3"], "in order");
    assert.equal("JMSXGroupID" in frames[0].headers, false);
  }
  await expectNothing(a, 100);
  await expectNothing(c, 0);
});

Deno.test("groups: a group waits for its owner even when another consumer is free; JMSXGroupSeq -1 closes it", async () => {
  await using b = await startTestBroker();
  await using owner = await RawStomp.connect(b.stompPort);
  await subscribe(owner, "o", "/queue/sticky", { ack: "client-individual", "activemq.prefetchSize": "1" });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/sticky", ["g:1"], { JMSXGroupID: "g" });
  const g1 = await expectMessage(owner, "g:1");
  await using free = await RawStomp.connect(b.stompPort);
  await subscribe(free, "f", "/queue/sticky");
  // The owner's prefetch is full: g:2 waits for it rather than going to the free consumer.
  await sendAll(p, "/queue/sticky", ["g:2"], { JMSXGroupID: "g" });
  await expectNothing(free, 150);
  await owner.send("ACK", { id: g1.headers.ack });
  const g2 = await expectMessage(owner, "g:2");
  await owner.send("ACK", { id: g2.headers.ack });
  await sendAll(p, "/queue/sticky", ["g:last"], { JMSXGroupID: "g", JMSXGroupSeq: "-1" });
  await expectMessage(owner, "g:last"); // not acked: the owner has no room left
  // The group is closed: its next message starts a new group on whoever can take it.
  await sendAll(p, "/queue/sticky", ["g:new"], { JMSXGroupID: "g" });
  await expectMessage(free, "g:new");
  await expectNothing(owner, 100);
});

Deno.test("groups: when the owner leaves, its group moves to another consumer, unacked messages first", async () => {
  await using b = await startTestBroker();
  await using p = await RawStomp.connect(b.stompPort);
  await using heir = await RawStomp.connect(b.stompPort);
  {
    await using owner = await RawStomp.connect(b.stompPort);
    await subscribe(owner, "o", "/queue/regroup", { ack: "client", "activemq.prefetchSize": "1" });
    await sendAll(p, "/queue/regroup", ["1"], { JMSXGroupID: "g" });
    await expectMessage(owner, "1");
    await subscribe(heir, "h", "/queue/regroup", { ack: "client" });
    await sendAll(p, "/queue/regroup", ["2", "3"], { JMSXGroupID: "g" });
    await sendAll(p, "/queue/regroup", ["other"], { JMSXGroupID: "other" });
    // "other" is a new group and may go to the heir; "2" and "3" wait for the owner.
    await expectMessage(heir, "other");
    await expectNothing(heir, 100);
  }
  const moved = await nextMessages(heir, 3);
  assert.deepEqual(moved.map((f) => f.body), ["1", "2", "3"]);
  assert.deepEqual(moved.map((f) => f.headers.redelivered), ["true", undefined, undefined]);
  await sendAll(p, "/queue/regroup", ["4"], { JMSXGroupID: "g" });
  await expectMessage(heir, "4");
});
