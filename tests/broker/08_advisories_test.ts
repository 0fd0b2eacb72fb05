import assert from "node:assert/strict";
import { startVmBroker } from "../support/vm_broker.ts";

Deno.test("advisories: connections come and go on ActiveMQ.Advisory.Connection, existing ones replayed", async () => {
  await using broker = await startVmBroker();
  await using existing = await broker.connect({ clientId: "already-here" });
  await using watcher = await broker.connect();
  const sub = await watcher.subscribe("topic://ActiveMQ.Advisory.Connection");
  const replay = [(await sub.receive(1000))?.message.advisory, (await sub.receive(1000))?.message.advisory];
  assert.ok(replay.some((a) => a?.type === "ConnectionInfo" && a.clientId === "already-here"));
  const newcomer = await broker.connect({ clientId: "newcomer", password: "secret" });
  const added = await sub.receive(1000);
  assert.equal(added?.message.type, "Advisory");
  assert.equal(added?.message.persistent, false);
  assert.equal(added?.message.advisory?.clientId, "newcomer");
  assert.equal(added?.message.advisory?.password, undefined, "passwords never appear in advisories");
  assert.equal(added?.message.properties.originBrokerName, "localhost");
  await newcomer.close();
  const removed = await sub.receive(1000);
  assert.equal(removed?.message.advisory?.type, "RemoveInfo");
  assert.equal(removed?.message.advisory?.objectId, newcomer.connectionId);
  void existing;
});

Deno.test("advisories: consumers on a queue, with consumerCount", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const watch = await conn.subscribe("topic://ActiveMQ.Advisory.Consumer.Queue.orders");
  const c1 = await conn.subscribe("queue://orders");
  const added = await watch.receive(1000);
  assert.equal(added?.message.advisory?.type, "ConsumerInfo");
  assert.equal(added?.message.advisory?.destination, "queue://orders");
  assert.equal(added?.message.properties.consumerCount, 1);
  await c1.close();
  const removed = await watch.receive(1000);
  assert.equal(removed?.message.advisory?.type, "RemoveInfo");
  assert.equal(removed?.message.properties.consumerCount, 0);
});

Deno.test("advisories: new queues and temporary queues, created and destroyed", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const queues = await conn.subscribe("topic://ActiveMQ.Advisory.Queue");
  const temps = await conn.subscribe("topic://ActiveMQ.Advisory.TempQueue");
  await conn.send("queue://brand.new", "x");
  assert.equal((await queues.receive(1000))?.message.advisory?.destination, "queue://brand.new");
  const owner = await broker.connect();
  const tq = await owner.createTemporaryQueue();
  const created = await temps.receive(1000);
  assert.equal(created?.message.advisory?.operationType, 0);
  assert.equal(created?.message.advisory?.destination, `temp-queue://${tq.name}`);
  await owner.close();
  const destroyed = await temps.receive(1000);
  assert.equal(destroyed?.message.advisory?.operationType, 1);
});

Deno.test("advisories: expired and dead-lettered messages", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const dlqd = await conn.subscribe("topic://ActiveMQ.Advisory.MessageDLQd.Queue.work");
  const sub = await conn.subscribe("queue://work", { ackMode: "individual" });
  const id = await conn.send("queue://work", "bad", { persistent: true });
  await (await sub.receive(1000))!.nack();
  const advisory = await dlqd.receive(1000);
  assert.equal(advisory?.message.properties.orignalMessageId, id);
});

Deno.test("advisories: advisorySupport=false publishes nothing", async () => {
  await using broker = await startVmBroker({ advisorySupport: false });
  await using conn = await broker.connect();
  const sub = await conn.subscribe("topic://ActiveMQ.Advisory.>");
  await conn.subscribe("queue://q");
  await conn.send("queue://q2", "x");
  assert.equal(await sub.receive(50), null);
});
