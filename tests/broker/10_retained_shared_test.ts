import assert from "node:assert/strict";
import { MemoryPersistenceAdapter } from "../../src/store/mod.ts";
import { startVmBroker } from "../support/vm_broker.ts";

Deno.test("retained: a retroactive subscriber first gets the topic's retained message, flagged", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  await conn.send("topic://sensors.temp", "21C", { properties: { "ActiveMQ.Retain": true } });
  await conn.send("topic://sensors.temp", "22C", { properties: { "ActiveMQ.Retain": true } });
  await conn.send("topic://sensors.humidity", "40%", { properties: { "ActiveMQ.Retain": true } });
  const late = await conn.subscribe("topic://sensors.temp", { retroactive: true });
  const m = await late.receive(1000);
  assert.equal(m?.text(), "22C", "only the last retained message is kept");
  assert.equal(m?.message.properties["ActiveMQ.Retained"], true);
  const wildcard = await conn.subscribe("topic://sensors.>", { retroactive: true });
  const got = [(await wildcard.receive(1000))?.text(), (await wildcard.receive(1000))?.text()].sort();
  assert.deepEqual(got, ["22C", "40%"]);
  const plain = await conn.subscribe("topic://sensors.temp");
  assert.equal(await plain.receive(50), null, "non-retroactive subscribers get no retained message");
});

Deno.test("retained: an empty retained message clears it; retained messages survive a restart", async () => {
  const store = new MemoryPersistenceAdapter();
  {
    await using broker = await startVmBroker({}, store);
    await using conn = await broker.connect();
    await conn.send("topic://status.a", "up", { persistent: false, properties: { "ActiveMQ.Retain": true } });
    await conn.send("topic://status.b", "up", { properties: { "ActiveMQ.Retain": true } });
    await conn.send("topic://status.b", "", { properties: { "ActiveMQ.Retain": true } });
  }
  await using broker = await startVmBroker({}, store);
  await using conn = await broker.connect();
  const sub = await conn.subscribe("topic://status.>", { retroactive: true });
  const m = await sub.receive(1000);
  assert.equal(m?.text(), "up");
  assert.equal(m?.message.destination.name, "status.a");
  assert.equal(await sub.receive(50), null, "status.b was cleared");
  assert.equal(broker.service.queueSize("ActiveMQ.Retained.Store"), 0, "the retained store is not a queue");
});

Deno.test("shared subscriptions: consumers of one group share a topic's messages; groups each get all", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const g1a = await conn.subscribe("topic://jobs", { shareGroup: "g1", prefetch: 1, ackMode: "client" });
  const g1b = await conn.subscribe("topic://jobs", { shareGroup: "g1", prefetch: 1, ackMode: "client" });
  const g2 = await conn.subscribe("topic://jobs", { shareGroup: "g2" });
  await conn.send("topic://jobs", "1");
  await conn.send("topic://jobs", "2");
  const x = await g1a.receive(1000);
  const y = await g1b.receive(1000);
  assert.deepEqual([x?.text(), y?.text()].sort(), ["1", "2"], "each message to one member of the group");
  assert.deepEqual([(await g2.receive(1000))?.text(), (await g2.receive(1000))?.text()], ["1", "2"]);

  await y!.ack();
  await g1a.close(); // its unacked message goes back to the group
  await conn.send("topic://jobs", "3");
  const back = await g1b.receive(1000);
  assert.equal(back?.text(), x?.text());
  assert.equal(back?.message.redeliveryCounter, 1);
  await back!.ack();
  assert.equal((await g1b.receive(1000))?.text(), "3");
});
