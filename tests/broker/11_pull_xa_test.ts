import assert from "node:assert/strict";
import type { XaTransactionId } from "../../src/store/persistence_adapter.ts";
import { MemoryPersistenceAdapter } from "../../src/store/mod.ts";
import { startVmBroker } from "../support/vm_broker.ts";

const xid = (n: number): XaTransactionId => ({
  formatId: 0x1234,
  globalTransactionId: new Uint8Array([n, 1, 2]),
  branchQualifier: new Uint8Array([n]),
});

Deno.test("pull: a prefetch-0 consumer gets exactly what it asks for", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const sub = await conn.subscribe("queue://pulled", { prefetch: 0, ackMode: "client" });
  await conn.send("queue://pulled", "a");
  await conn.send("queue://pulled", "b");
  assert.equal(broker.service.queueSize("pulled"), 2, "nothing is pushed");
  assert.equal((await sub.receive(1000))?.text(), "a");
  assert.equal(broker.service.queueSize("pulled"), 1);
  assert.equal(
    (await sub.receive(1000))?.text(),
    "b",
    "a second pull while 'a' is unacked still gets a message",
  );
  assert.equal(await sub.receive(0), null, "receiveNoWait on an empty queue answers at once");
  const later = sub.receive(2000);
  await conn.send("queue://pulled", "c");
  assert.equal((await later)?.text(), "c", "a waiting pull is served when a message arrives");
});

Deno.test("XA: prepared work is invisible until commit; recover lists it; another connection can commit", async () => {
  await using broker = await startVmBroker();
  await using app = await broker.connect();
  await app.send("queue://xa.in", "input", { persistent: true });
  const sub = await app.subscribe("queue://xa.in", { ackMode: "client" });
  const tx = await app.beginXa(xid(1));
  const m = await sub.receive(1000);
  await m!.ack(tx);
  await app.send("queue://xa.out", "output", { persistent: true, transaction: tx });
  await tx.prepare();
  assert.equal(broker.service.queueSize("xa.out"), 0);
  await using tm = await broker.connect();
  const inDoubt = await tm.recover();
  assert.equal(inDoubt.length, 1);
  assert.deepEqual(inDoubt[0].globalTransactionId, new Uint8Array([1, 1, 2]));
  await tm.commitXa(inDoubt[0]);
  assert.equal(broker.service.queueSize("xa.out"), 1);
  assert.deepEqual(await tm.recover(), []);
  await sub.close();
  const again = await app.subscribe("queue://xa.in");
  assert.equal(await again.receive(50), null, "the committed ack consumed the input");
});

Deno.test("XA: a prepared branch survives a restart and can then be rolled back or committed", async () => {
  const store = new MemoryPersistenceAdapter();
  {
    await using broker = await startVmBroker({}, store);
    await using app = await broker.connect();
    await app.send("queue://xa.work", "held", { persistent: true });
    const sub = await app.subscribe("queue://xa.work", { ackMode: "client" });
    const t1 = await app.beginXa(xid(1));
    await (await sub.receive(1000))!.ack(t1);
    await t1.prepare();
    const t2 = await app.beginXa(xid(2));
    await app.send("queue://xa.new", "new", { persistent: true, transaction: t2 });
    await t2.prepare();
  }
  await using broker = await startVmBroker({}, store);
  await using tm = await broker.connect();
  assert.equal((await tm.recover()).length, 2);
  assert.equal(broker.service.queueSize("xa.work"), 0, "a message acked by a prepared branch is held back");
  await tm.rollbackXa(xid(1));
  assert.equal(broker.service.queueSize("xa.work"), 1, "rollback returns it");
  await tm.commitXa(xid(2));
  assert.equal(broker.service.queueSize("xa.new"), 1);
  await assert.rejects(tm.commitXa(xid(2)), /Invalid transaction id/);
});

Deno.test("XA: one-phase commit and rollback of an unprepared branch", async () => {
  await using broker = await startVmBroker();
  await using app = await broker.connect();
  const t1 = await app.beginXa(xid(7));
  await app.send("queue://xa.1pc", "one", { transaction: t1 });
  await t1.commit();
  assert.equal(broker.service.queueSize("xa.1pc"), 1);
  const t2 = await app.beginXa(xid(8));
  await app.send("queue://xa.1pc", "two", { transaction: t2 });
  await t2.rollback();
  assert.equal(broker.service.queueSize("xa.1pc"), 1);
});

Deno.test("acks: DELIVERED frees prefetch credit without consuming; EXPIRED dead-letters like expiry", async () => {
  await using broker = await startVmBroker();
  const delivered: string[] = [];
  const session = await broker.service.connect({ connectionId: "ID:raw-1", connector: "test" }, {
    deliver: (d) => delivered.push(d.message.messageId),
    browseEnd: () => {},
    closed: () => {},
  });
  await using producer = await broker.connect();
  const ids = [];
  for (let i = 0; i < 3; i++) {
    ids.push(await producer.send("queue://credit.ext", String(i), { persistent: true }));
  }
  await session.addConsumer({
    consumerId: "c1",
    destination: { type: "queue", name: "credit.ext" },
    ackMode: "client",
    prefetch: 1,
  });
  assert.deepEqual(delivered, [ids[0]]);
  await session.ack({ consumerId: "c1", messageId: ids[0], kind: "delivered" });
  assert.deepEqual(delivered, [ids[0], ids[1]], "a DELIVERED ack makes room for one more");
  await session.ack({ consumerId: "c1", messageId: ids[1], kind: "expired" });
  const dlq = await producer.subscribe("queue://ActiveMQ.DLQ");
  assert.equal((await dlq.receive(1000))?.text(), "1");
  await session.close();
  const again = await producer.subscribe("queue://credit.ext");
  const back = [(await again.receive(1000))?.text(), (await again.receive(1000))?.text()];
  assert.deepEqual(back, ["0", "2"], "delivered-but-unconsumed messages come back when the consumer goes");
});

Deno.test("connections: the same connection id again takes over the previous connection", async () => {
  await using broker = await startVmBroker();
  const closed: string[] = [];
  const listener = (name: string) => ({
    deliver: () => {},
    browseEnd: () => {},
    closed: () => closed.push(name),
  });
  const first = await broker.service.connect(
    { connectionId: "ID:same", clientId: "c", connector: "test" },
    listener("first"),
  );
  await first.addConsumer({ consumerId: "x", destination: { type: "queue", name: "q" }, ackMode: "auto" });
  const second = await broker.service.connect(
    { connectionId: "ID:same", clientId: "c", connector: "test" },
    listener("second"),
  );
  assert.deepEqual(closed, ["first"]);
  await assert.rejects(first.send(storeMessage("q")), /already closed/);
  await second.close();
});

Deno.test("consumers: messages after lastDeliveredMessageId return without counting as redelivered", async () => {
  await using broker = await startVmBroker();
  await using producer = await broker.connect();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(await producer.send("queue://prefetched", String(i)));
  const session = await broker.service.connect({ connectionId: "ID:pf", connector: "test" }, {
    deliver: () => {},
    browseEnd: () => {},
    closed: () => {},
  });
  await session.addConsumer({
    consumerId: "c",
    destination: { type: "queue", name: "prefetched" },
    ackMode: "client",
  });
  await session.removeConsumer("c", { lastDeliveredMessageId: ids[0] }); // the application saw only the first
  const sub = await producer.subscribe("queue://prefetched");
  const counters = [];
  for (let i = 0; i < 3; i++) counters.push((await sub.receive(1000))!.message.redeliveryCounter);
  assert.deepEqual(counters, [1, 0, 0]);
  await session.close();
});

Deno.test("temporary destinations: a client may name its own, once", async () => {
  await using broker = await startVmBroker();
  const a = await broker.service.connect({ connectionId: "ID:a", connector: "test" }, {
    deliver: () => {},
    browseEnd: () => {},
    closed: () => {},
  });
  const b = await broker.service.connect({ connectionId: "ID:b", connector: "test" }, {
    deliver: () => {},
    browseEnd: () => {},
    closed: () => {},
  });
  const d = await a.createTemporaryDestination("temp-queue", { name: "ID:a:7" });
  assert.deepEqual(d, { type: "temp-queue", name: "ID:a:7" });
  assert.deepEqual(
    await a.createTemporaryDestination("temp-queue", { name: "ID:a:7" }),
    d,
    "idempotent for its owner",
  );
  await assert.rejects(b.createTemporaryDestination("temp-queue", { name: "ID:a:7" }), /already exists/);
  await a.close();
  await b.close();
});

function storeMessage(queue: string) {
  return {
    messageId: `ID:test:1:1:${crypto.randomUUID()}`,
    destination: { type: "queue" as const, name: queue },
    priority: 4,
    expiration: 0,
    timestamp: Date.now(),
    persistent: false,
    redeliveryCounter: 0,
    properties: {},
    bodyKind: "text" as const,
    body: new TextEncoder().encode("x"),
  };
}
