import assert from "node:assert/strict";
import { startVmBroker } from "../support/vm_broker.ts";

Deno.test("queue: competing consumers share messages round-robin, each message once", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const a = await conn.subscribe("queue://work", { prefetch: 1, ackMode: "client" });
  const b = await conn.subscribe("queue://work", { prefetch: 1, ackMode: "client" });
  for (let i = 0; i < 4; i++) await conn.send("queue://work", `m${i}`);
  const seen: string[] = [];
  for (let i = 0; i < 2; i++) {
    for (const sub of [a, b]) {
      const m = await sub.receive(1000);
      assert.ok(m, "each consumer gets its share");
      seen.push(m.text());
      await m.ack();
    }
  }
  assert.deepEqual(seen.sort(), ["m0", "m1", "m2", "m3"]);
  assert.equal(broker.service.queueSize("work"), 0);
});

Deno.test("queue: prefetch credit limits unacknowledged deliveries", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  for (let i = 0; i < 5; i++) await conn.send("queue://credit", `m${i}`);
  const sub = await conn.subscribe("queue://credit", { prefetch: 2, ackMode: "client" });
  const first = await sub.receive(1000);
  const second = await sub.receive(1000);
  assert.equal(first?.text(), "m0");
  assert.equal(second?.text(), "m1");
  assert.equal(broker.service.queueSize("credit"), 3, "only two were dispatched");
  await second!.ack(); // cumulative: covers m0 too
  assert.equal((await sub.receive(1000))?.text(), "m2");
  assert.equal((await sub.receive(1000))?.text(), "m3");
  assert.equal(broker.service.queueSize("credit"), 1);
});

Deno.test("queue: messages wait for a consumer and keep FIFO order", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  for (let i = 0; i < 100; i++) await conn.send("queue://fifo", String(i));
  const sub = await conn.subscribe("queue://fifo");
  for (let i = 0; i < 100; i++) assert.equal((await sub.receive(1000))?.text(), String(i));
});

Deno.test("queue: unacknowledged messages return redelivered when their consumer closes", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  await conn.send("queue://redeliver", "x");
  const first = await conn.subscribe("queue://redeliver", { ackMode: "client" });
  const m = await first.receive(1000);
  assert.equal(m?.message.redeliveryCounter, 0);
  await first.close();
  const second = await conn.subscribe("queue://redeliver", { ackMode: "client" });
  const again = await second.receive(1000);
  assert.equal(again?.text(), "x");
  assert.equal(again?.message.redeliveryCounter, 1);
});

Deno.test("queue: unacknowledged messages return when the connection goes away", async () => {
  await using broker = await startVmBroker();
  const dying = await broker.connect();
  await dying.send("queue://conn-close", "x");
  const sub = await dying.subscribe("queue://conn-close", { ackMode: "individual" });
  assert.ok(await sub.receive(1000));
  await dying.close();
  await using other = await broker.connect();
  const again = await (await other.subscribe("queue://conn-close")).receive(1000);
  assert.equal(again?.message.redeliveryCounter, 1);
});

Deno.test("queue: individual ack acknowledges only that message", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  for (const t of ["a", "b", "c"]) await conn.send("queue://ind", t);
  const sub = await conn.subscribe("queue://ind", { ackMode: "individual" });
  const a = await sub.receive(1000);
  const b = await sub.receive(1000);
  await (await sub.receive(1000))!.ack();
  await b!.ack();
  await sub.close(); // a was never acked
  const again = await (await conn.subscribe("queue://ind")).receive(1000);
  assert.equal(again?.text(), a?.text());
  assert.equal(broker.service.queueSize("ind"), 0);
});

Deno.test("queue: exclusive consumer gets everything, the next takes over when it leaves", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const shared = await conn.subscribe("queue://excl");
  const exclusive = await conn.subscribe("queue://excl", { exclusive: true });
  for (let i = 0; i < 3; i++) await conn.send("queue://excl", String(i));
  for (let i = 0; i < 3; i++) assert.equal((await exclusive.receive(1000))?.text(), String(i));
  await exclusive.close();
  await conn.send("queue://excl", "after");
  assert.equal((await shared.receive(1000))?.text(), "after");
});

Deno.test("queue: browsing shows messages without consuming them", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  for (const t of ["a", "b"]) await conn.send("queue://browse", t);
  const seen = await conn.browse("queue://browse");
  assert.deepEqual(seen.map((m) => new TextDecoder().decode(m.body!)), ["a", "b"]);
  assert.equal(broker.service.queueSize("browse"), 2);
});

Deno.test("queue: an expired message is never dispatched", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  await conn.send("queue://ttl", "stale", { expiration: Date.now() - 1000 });
  await conn.send("queue://ttl", "long", { timeToLive: 60_000 });
  const sub = await conn.subscribe("queue://ttl");
  assert.equal((await sub.receive(1000))?.text(), "long");
});

Deno.test("queue: higher-priority consumers are served first", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const low = await conn.subscribe("queue://prio", { priority: 1, prefetch: 10 });
  const high = await conn.subscribe("queue://prio", { priority: 9, prefetch: 10 });
  for (let i = 0; i < 5; i++) await conn.send("queue://prio", String(i));
  for (let i = 0; i < 5; i++) assert.equal((await high.receive(1000))?.text(), String(i));
  assert.equal(await low.receive(50), null);
});
