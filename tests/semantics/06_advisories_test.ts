/**
 * Issue 5, point 6 over STOMP: advisory topics a STOMP client can subscribe
 * to (Connection, Consumer.Queue.<name>, Queue, Topic, TempQueue, Expired,
 * MessageDLQd), their replay of what already exists, `type:Advisory`, the
 * jms-advisory-json body, and advisorySupport=false. semantics.md §9.
 */
import assert from "node:assert/strict";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import {
  advisoryOf,
  expectMessage,
  expectNothing,
  nextMessages,
  sendAll,
  sendWithReceipt,
  subscribe,
  TestClock,
} from "./_helpers.ts";

const JSON_ADVISORIES = { transformation: "jms-advisory-json" };

Deno.test("Connection advisories: existing connections replayed, then added (no password) and removed", async () => {
  await using b = await startTestBroker();
  await using existing = await RawStomp.connect(b.stompPort, { "client-id": "already-here" });
  await using watcher = await RawStomp.connect(b.stompPort, { "client-id": "watcher" });
  await subscribe(watcher, "w", "/topic/ActiveMQ.Advisory.Connection", JSON_ADVISORIES);
  const replay = (await nextMessages(watcher, 2)).map(advisoryOf);
  assert.deepEqual(replay.map((a) => a.type), ["ConnectionInfo", "ConnectionInfo"]);
  assert.deepEqual(replay.map((a) => a.fields.clientId).sort(), ["already-here", "watcher"]);
  await expectNothing(watcher, 100);

  let connectionId: unknown;
  {
    await using _newcomer = await RawStomp.connect(b.stompPort, {
      "client-id": "newcomer",
      login: "bob",
      passcode: "secret",
    });
    const f = await watcher.next();
    assert.equal(f.headers.destination, "/topic/ActiveMQ.Advisory.Connection");
    assert.equal(f.headers.subscription, "w");
    assert.equal(f.headers.originBrokerName, "localhost");
    assert.equal("persistent" in f.headers, false, "advisories are non-persistent");
    const added = advisoryOf(f);
    assert.equal(added.type, "ConnectionInfo");
    assert.equal(added.fields.clientId, "newcomer");
    assert.equal(added.fields.userName, "bob");
    assert.equal("password" in added.fields, false, "passwords never appear in advisories");
    assert.doesNotMatch(f.body, /secret/);
    connectionId = added.fields.connectionId;
  }
  const removed = advisoryOf(await watcher.next());
  assert.equal(removed.type, "RemoveInfo");
  assert.equal(removed.fields.objectId, connectionId);
  void existing;
});

Deno.test("Consumer.Queue.<name> advisories: added and removed with consumerCount; late watchers get a replay", async () => {
  await using b = await startTestBroker();
  await using watcher = await RawStomp.connect(b.stompPort);
  await subscribe(watcher, "w", "/topic/ActiveMQ.Advisory.Consumer.Queue.orders", JSON_ADVISORIES);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "c1", "/queue/orders", { selector: "region = 'EU'", "activemq.prefetchSize": "10" });
  const f1 = await watcher.next();
  assert.equal(f1.headers.consumerCount, "1");
  const added = advisoryOf(f1);
  assert.equal(added.type, "ConsumerInfo");
  assert.equal(added.fields.destination, "queue://orders");
  assert.equal(added.fields.consumerId, "c1");
  assert.equal(added.fields.selector, "region = 'EU'");
  assert.equal(added.fields.prefetchSize, 10);
  await subscribe(c, "c2", "/queue/orders");
  assert.equal((await watcher.next()).headers.consumerCount, "2");
  await subscribe(c, "elsewhere", "/queue/other");
  await expectNothing(watcher, 100);

  await sendWithReceipt(c, "UNSUBSCRIBE", { id: "c1" });
  const f3 = await watcher.next();
  assert.equal(advisoryOf(f3).type, "RemoveInfo");
  assert.equal(f3.headers.consumerCount, "1");

  await using late = await RawStomp.connect(b.stompPort);
  await subscribe(late, "l", "/topic/ActiveMQ.Advisory.Consumer.Queue.orders", JSON_ADVISORIES);
  const replay = advisoryOf(await late.next());
  assert.equal(replay.type, "ConsumerInfo");
  assert.equal(replay.fields.consumerId, "c2");
  await expectNothing(late, 100);
});

Deno.test("Queue, Topic and TempQueue advisories announce new destinations; without a transformation the body is empty", async () => {
  await using b = await startTestBroker();
  await using watcher = await RawStomp.connect(b.stompPort);
  await subscribe(watcher, "q", "/topic/ActiveMQ.Advisory.Queue", JSON_ADVISORIES);
  await subscribe(watcher, "t", "/topic/ActiveMQ.Advisory.Topic");
  await subscribe(watcher, "tmp", "/topic/ActiveMQ.Advisory.TempQueue", JSON_ADVISORIES);
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/brand.new", ["x"]);
  const q = await watcher.next();
  assert.equal(q.headers.subscription, "q");
  assert.deepEqual(advisoryOf(q).fields, {
    destination: "queue://brand.new",
    operationType: 0,
    temporary: false,
  });

  await sendAll(p, "/topic/brand.topic", ["y"]);
  const t = await watcher.next();
  assert.equal(t.command, "MESSAGE");
  assert.equal(t.headers.subscription, "t");
  assert.equal(t.headers.type, "Advisory");
  assert.equal(t.headers.destination, "/topic/ActiveMQ.Advisory.Topic");
  assert.equal(t.body, "", "an advisory has no STOMP body without a transformation");

  await subscribe(p, "tq", "/temp-queue/replies");
  const tmp = advisoryOf(await watcher.next());
  assert.equal(tmp.fields.operationType, 0);
  assert.equal(tmp.fields.temporary, true);
  assert.match(String(tmp.fields.destination), /^temp-queue:\/\/ID:/);
  await expectNothing(watcher, 100);
});

Deno.test("Expired advisory: ActiveMQ.Advisory.Expired.Queue.<name> names the expired message", async () => {
  const clock = new TestClock();
  await using b = await startTestBroker({ now: clock.now });
  await using watcher = await RawStomp.connect(b.stompPort);
  await subscribe(watcher, "w", "/topic/ActiveMQ.Advisory.Expired.Queue.perishable");
  await using p = await RawStomp.connect(b.stompPort);
  const expires = String(Date.now() + 60_000);
  await sendAll(p, "/queue/perishable", ["milk"], { expires, persistent: "true" });
  // A browse tells us the broker's message id without consuming the message.
  await subscribe(p, "look", "/queue/perishable", { browser: "true" });
  const id = (await expectMessage(p, "milk")).headers["message-id"];
  assert.equal((await p.next()).headers.browser, "end");
  clock.advance(120_000);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/perishable");
  const f = await watcher.next();
  assert.equal(f.headers.destination, "/topic/ActiveMQ.Advisory.Expired.Queue.perishable");
  assert.equal(f.headers.type, "Advisory");
  assert.equal(f.headers.orignalMessageId, id, "ActiveMQ's property name, misspelling included");
  await expectNothing(c, 100);
});

Deno.test("MessageDLQd advisory: ActiveMQ.Advisory.MessageDLQd.Queue.<name> names the message and the cause", async () => {
  await using b = await startTestBroker();
  await using watcher = await RawStomp.connect(b.stompPort);
  await subscribe(watcher, "w", "/topic/ActiveMQ.Advisory.MessageDLQd.Queue.work");
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/work", { ack: "client-individual" });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/work", ["bad"], { persistent: "true" });
  const m = await expectMessage(c, "bad");
  await sendWithReceipt(c, "NACK", { id: m.headers.ack });
  const f = await watcher.next();
  assert.equal(f.headers.destination, "/topic/ActiveMQ.Advisory.MessageDLQd.Queue.work");
  assert.equal(f.headers.type, "Advisory");
  assert.equal(f.headers.orignalMessageId, m.headers["message-id"]);
  assert.ok(f.headers.dlqDeliveryFailureCause, "the cause travels with the advisory");
  await expectNothing(watcher, 100);
});

Deno.test("advisorySupport=false: advisory subscriptions are accepted and stay silent", async () => {
  await using b = await startTestBroker({ configure: (config) => config.advisorySupport = false });
  await using watcher = await RawStomp.connect(b.stompPort);
  await subscribe(watcher, "all", "/topic/ActiveMQ.Advisory.>");
  // What the Java client subscribes to at connect, even against a broker without advisories.
  await subscribe(watcher, "temps", "/topic/ActiveMQ.Advisory.TempQueue,/topic/ActiveMQ.Advisory.TempTopic");
  await subscribe(watcher, "conn", "/topic/ActiveMQ.Advisory.Connection");
  await using c = await RawStomp.connect(b.stompPort, { "client-id": "quiet" });
  await subscribe(c, "s", "/queue/silent", { ack: "client-individual" });
  await subscribe(c, "tmp", "/temp-queue/t");
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/silent", ["x"], { persistent: "true" });
  await sendWithReceipt(c, "NACK", { id: (await expectMessage(c, "x")).headers.ack });
  await expectNothing(watcher, 150);
});

Deno.test("Expired advisory: also for a message that is already expired when it arrives", async () => {
  // Queue.send → broker.getRoot().messageExpired(…) → AdvisoryBroker.messageExpired fires the advisory.
  await using b = await startTestBroker();
  await using watcher = await RawStomp.connect(b.stompPort);
  await subscribe(watcher, "w", "/topic/ActiveMQ.Advisory.Expired.Queue.stale");
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/stale", ["too late"], { expires: String(Date.now() - 60_000) });
  const f = await watcher.next(1000);
  assert.equal(f.headers.destination, "/topic/ActiveMQ.Advisory.Expired.Queue.stale");
  assert.equal(f.headers.type, "Advisory");
  assert.match(f.headers.orignalMessageId ?? "", /^ID:/);
});

Deno.test("Topic advisory: a SUBSCRIBE to a new topic creates it and announces it, as a send does", async () => {
  // AbstractRegion.addConsumer looks the destination up with create=true; AdvisoryBroker.addDestination
  // then fires ActiveMQ.Advisory.Topic (wildcard subscriptions create nothing).
  await using b = await startTestBroker();
  await using watcher = await RawStomp.connect(b.stompPort);
  await subscribe(watcher, "w", "/topic/ActiveMQ.Advisory.Topic", JSON_ADVISORIES);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "all", "/topic/fresh.>");
  await subscribe(c, "one", "/topic/fresh.news");
  const f = await watcher.next(1000);
  assert.deepEqual(advisoryOf(f).fields, {
    destination: "topic://fresh.news",
    operationType: 0,
    temporary: false,
  });
  await expectNothing(watcher, 100);
});
