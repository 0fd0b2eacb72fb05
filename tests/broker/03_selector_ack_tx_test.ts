import assert from "node:assert/strict";
import { BrokerError } from "../../src/broker/errors.ts";
import { startVmBroker } from "../support/vm_broker.ts";

Deno.test("selectors filter what a consumer receives; others stay for other consumers", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const red = await conn.subscribe("queue://paint", { selector: "color = 'red' AND size > 2" });
  await conn.send("queue://paint", "small red", { properties: { color: "red", size: 1 } });
  await conn.send("queue://paint", "big red", { properties: { color: "red", size: 5 } });
  await conn.send("queue://paint", "blue", { properties: { color: "blue", size: 5 } });
  assert.equal((await red.receive(1000))?.text(), "big red");
  assert.equal(await red.receive(50), null);
  const any = await conn.subscribe("queue://paint");
  assert.deepEqual([(await any.receive(1000))?.text(), (await any.receive(1000))?.text()], [
    "small red",
    "blue",
  ]);
});

Deno.test("selectors see JMS headers", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const sub = await conn.subscribe("topic://h", {
    selector: "JMSPriority > 6 AND JMSType = 'alert' AND JMSDeliveryMode = 'PERSISTENT'",
  });
  await conn.send("topic://h", "no", { priority: 9, type: "info" });
  await conn.send("topic://h", "yes", { priority: 9, type: "alert" });
  assert.equal((await sub.receive(1000))?.text(), "yes");
});

Deno.test("an invalid selector is a clear error to that client only", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  await assert.rejects(
    conn.subscribe("queue://x", { selector: "color = " }),
    (e: unknown) =>
      e instanceof BrokerError && e.code === "invalid-selector" && e.message.includes("'color ='"),
  );
  const ok = await conn.subscribe("queue://x");
  await conn.send("queue://x", "still works");
  assert.equal((await ok.receive(1000))?.text(), "still works");
});

Deno.test("NACK sends a persistent message to ActiveMQ.DLQ with the cause; non-persistent is dropped", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const sub = await conn.subscribe("queue://poison", { ackMode: "individual" });
  await conn.send("queue://poison", "p", { persistent: true });
  await conn.send("queue://poison", "np", { persistent: false });
  await (await sub.receive(1000))!.nack();
  await (await sub.receive(1000))!.nack();
  const dlq = await conn.subscribe("queue://ActiveMQ.DLQ");
  const dead = await dlq.receive(1000);
  assert.equal(dead?.text(), "p");
  assert.equal(dead?.message.originalDestination?.name, "poison");
  assert.equal(typeof dead?.message.properties.dlqDeliveryFailureCause, "string");
  assert.equal(await dlq.receive(50), null, "non-persistent dead messages are dropped by default");
});

Deno.test("transaction: sends are invisible until commit; rollback discards them", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const sub = await conn.subscribe("queue://tx");
  const tx = await conn.begin();
  await conn.send("queue://tx", "committed", { transaction: tx });
  assert.equal(await sub.receive(50), null);
  await tx.commit();
  assert.equal((await sub.receive(1000))?.text(), "committed");
  const tx2 = await conn.begin();
  await conn.send("queue://tx", "rolled back", { transaction: tx2 });
  await tx2.rollback();
  assert.equal(await sub.receive(50), null);
});

Deno.test("transaction: rolled-back acks redeliver with the redelivered flag and a higher delivery count", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  await conn.send("queue://txack", "work");
  const sub = await conn.subscribe("queue://txack", { ackMode: "client" });
  const tx = await conn.begin();
  const m = await sub.receive(1000);
  await m!.ack(tx);
  await tx.rollback();
  const again = await sub.receive(1000);
  assert.equal(again?.text(), "work");
  assert.equal(again?.message.redeliveryCounter, 1);
  const tx2 = await conn.begin();
  await again!.ack(tx2);
  await tx2.commit();
  assert.equal(broker.service.queueSize("txack"), 0);
  await sub.close();
  const after = await conn.subscribe("queue://txack");
  assert.equal(await after.receive(50), null, "a committed ack is final");
});

Deno.test("transaction: unknown or duplicate transaction ids are refused", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const tx = await conn.begin();
  await tx.commit();
  await assert.rejects(tx.commit(), (e: unknown) => e instanceof BrokerError && e.code === "transaction");
});

Deno.test("an open transaction is rolled back when its connection closes", async () => {
  await using broker = await startVmBroker();
  const conn = await broker.connect();
  const tx = await conn.begin();
  await conn.send("queue://orphan", "never", { transaction: tx });
  await conn.close();
  assert.equal(broker.service.queueSize("orphan"), 0);
});
