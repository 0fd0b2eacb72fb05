import assert from "node:assert/strict";
import { BrokerError } from "../../src/broker/errors.ts";
import { startVmBroker } from "../support/vm_broker.ts";

Deno.test("topic: every subscriber gets every message", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const subs = await Promise.all([1, 2, 3].map(() => conn.subscribe("topic://news")));
  await conn.send("topic://news", "hello");
  for (const s of subs) assert.equal((await s.receive(1000))?.text(), "hello");
});

Deno.test("topic: a non-durable subscriber misses what was sent before it subscribed", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  await conn.send("topic://late", "early");
  const sub = await conn.subscribe("topic://late");
  await conn.send("topic://late", "on time");
  assert.equal((await sub.receive(1000))?.text(), "on time");
});

Deno.test("wildcards: * matches one element, > matches the rest, on topics and queues", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const star = await conn.subscribe("topic://PRICE.*");
  const deep = await conn.subscribe("topic://PRICE.>");
  await conn.send("topic://PRICE.STOCK", "one");
  await conn.send("topic://PRICE.STOCK.NASDAQ", "two");
  assert.equal((await star.receive(1000))?.text(), "one");
  assert.equal(await star.receive(50), null, "* must not match two elements");
  assert.equal((await deep.receive(1000))?.text(), "one");
  assert.equal((await deep.receive(1000))?.text(), "two");

  await conn.send("queue://ORDERS.EU", "eu");
  const q = await conn.subscribe("queue://ORDERS.>");
  await conn.send("queue://ORDERS.US", "us");
  const got = [(await q.receive(1000))?.text(), (await q.receive(1000))?.text()].sort();
  assert.deepEqual(got, ["eu", "us"]);
});

Deno.test("wildcards: sending to a wildcard name is not a fan-out", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const exact = await conn.subscribe("topic://W.A");
  await conn.send("topic://W.*", "literal");
  assert.equal(await exact.receive(50), null);
});

Deno.test("composite destinations: one send reaches every member", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const t = await conn.subscribe("topic://C");
  await conn.send("queue://A,B,topic://C", "all");
  assert.equal(broker.service.queueSize("A"), 1);
  assert.equal(broker.service.queueSize("B"), 1);
  assert.equal((await t.receive(1000))?.text(), "all");
});

Deno.test("durable subscription: messages are kept while offline", async () => {
  await using broker = await startVmBroker();
  const first = await broker.connect({ clientId: "app" });
  const sub = await first.subscribe("topic://events", { subscriptionName: "audit" });
  await first.send("topic://events", "online");
  assert.equal((await sub.receive(1000))?.text(), "online");
  await first.close();

  await using producer = await broker.connect();
  await producer.send("topic://events", "while away 1");
  await producer.send("topic://events", "while away 2");

  await using back = await broker.connect({ clientId: "app" });
  const again = await back.subscribe("topic://events", { subscriptionName: "audit" });
  assert.equal((await again.receive(1000))?.text(), "while away 1");
  assert.equal((await again.receive(1000))?.text(), "while away 2");
});

Deno.test("durable subscription: needs a client id, is exclusive, and unsubscribe removes it", async () => {
  await using broker = await startVmBroker();
  await using anonymous = await broker.connect();
  await assert.rejects(
    anonymous.subscribe("topic://t", { subscriptionName: "s" }),
    (e: unknown) => e instanceof BrokerError && /clientID/.test(e.message),
  );
  await using conn = await broker.connect({ clientId: "c1" });
  const sub = await conn.subscribe("topic://t", { subscriptionName: "s" });
  await assert.rejects(conn.subscribe("topic://t", { subscriptionName: "s" }), /in use/);
  await assert.rejects(conn.unsubscribe("s"), /in use/);
  await sub.close();
  await conn.unsubscribe("s");
  await conn.send("topic://t", "gone");
  const fresh = await conn.subscribe("topic://t", { subscriptionName: "s" });
  assert.equal(await fresh.receive(50), null, "a removed subscription kept nothing");
  await assert.rejects(conn.unsubscribe("nope"), /No durable subscription/);
});

Deno.test("noLocal: a subscriber does not get its own connection's messages", async () => {
  await using broker = await startVmBroker();
  await using me = await broker.connect();
  await using other = await broker.connect();
  const sub = await me.subscribe("topic://chat", { noLocal: true });
  await me.send("topic://chat", "mine");
  await other.send("topic://chat", "theirs");
  assert.equal((await sub.receive(1000))?.text(), "theirs");
});

Deno.test("client ids are unique among connections", async () => {
  await using broker = await startVmBroker();
  await using first = await broker.connect({ clientId: "same" });
  await assert.rejects(
    broker.connect({ clientId: "same" }),
    (e: unknown) => e instanceof BrokerError && e.code === "invalid-client-id",
  );
  await first.close();
  await using second = await broker.connect({ clientId: "same" });
  assert.ok(second.connectionId);
});

Deno.test("temporary destinations die with their connection", async () => {
  await using broker = await startVmBroker();
  const owner = await broker.connect();
  const tq = await owner.createTemporaryQueue();
  assert.equal(tq.type, "temp-queue");
  await using other = await broker.connect();
  await other.send(tq, "reply");
  const sub = await owner.subscribe(tq);
  assert.equal((await sub.receive(1000))?.text(), "reply");
  await owner.close();
  await assert.rejects(other.send(tq, "too late"), /does not exist/);
});
