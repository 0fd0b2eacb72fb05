import assert from "node:assert/strict";
import { MemoryPersistenceAdapter } from "../../src/store/mod.ts";
import { startVmBroker } from "../support/vm_broker.ts";

Deno.test("restart: persistent queue messages come back in order; acked and non-persistent ones do not", async () => {
  const store = new MemoryPersistenceAdapter();
  {
    await using broker = await startVmBroker({}, store);
    await using conn = await broker.connect();
    for (const t of ["p1", "p2", "p3"]) await conn.send("queue://jobs", t, { persistent: true });
    await conn.send("queue://jobs", "np", { persistent: false });
    const sub = await conn.subscribe("queue://jobs", { ackMode: "individual" });
    await (await sub.receive(1000))!.ack(); // p1 consumed
    assert.equal((await sub.receive(1000))?.text(), "p2"); // delivered, never acked
  }
  await using broker = await startVmBroker({}, store);
  await using conn = await broker.connect();
  const sub = await conn.subscribe("queue://jobs");
  assert.equal((await sub.receive(1000))?.text(), "p2");
  assert.equal((await sub.receive(1000))?.text(), "p3");
  assert.equal(await sub.receive(50), null);
});

Deno.test("restart: durable subscriptions and their offline messages come back", async () => {
  const store = new MemoryPersistenceAdapter();
  {
    await using broker = await startVmBroker({}, store);
    const sub = await broker.connect({ clientId: "reporting" });
    await sub.subscribe("topic://sales", { subscriptionName: "daily", selector: "region = 'EU'" });
    await sub.close();
    await using producer = await broker.connect();
    await producer.send("topic://sales", "eu-1", { properties: { region: "EU" } });
    await producer.send("topic://sales", "us-1", { properties: { region: "US" } });
  }
  await using broker = await startVmBroker({}, store);
  await using again = await broker.connect({ clientId: "reporting" });
  const sub = await again.subscribe("topic://sales", {
    subscriptionName: "daily",
    selector: "region = 'EU'",
  });
  assert.equal((await sub.receive(1000))?.text(), "eu-1");
  assert.equal(await sub.receive(50), null);
});

Deno.test("restart: a committed transaction is all there, a rolled back one is not", async () => {
  const store = new MemoryPersistenceAdapter();
  {
    await using broker = await startVmBroker({}, store);
    await using conn = await broker.connect();
    const tx = await conn.begin();
    await conn.send("queue://tx-store", "a", { transaction: tx });
    await conn.send("queue://tx-store", "b", { transaction: tx });
    await tx.commit();
    const tx2 = await conn.begin();
    await conn.send("queue://tx-store", "never", { transaction: tx2 });
    await tx2.rollback();
  }
  await using broker = await startVmBroker({}, store);
  assert.equal(broker.service.queueSize("tx-store"), 2);
});

Deno.test("restart: a dead-lettered message is in the DLQ, not in its queue", async () => {
  const store = new MemoryPersistenceAdapter();
  {
    await using broker = await startVmBroker({}, store);
    await using conn = await broker.connect();
    await conn.send("queue://work", "bad", { persistent: true });
    const sub = await conn.subscribe("queue://work", { ackMode: "client" });
    await (await sub.receive(1000))!.nack();
  }
  await using broker = await startVmBroker({}, store);
  assert.equal(broker.service.queueSize("work"), 0);
  assert.equal(broker.service.queueSize("ActiveMQ.DLQ"), 1);
});
