import assert from "node:assert/strict";
import { BrokerError } from "../../src/broker/errors.ts";
import type { PolicyEntryConfig } from "../../src/config/mod.ts";
import { startVmBroker } from "../support/vm_broker.ts";
import type { VmMessage } from "../../src/vm/vm_client.ts";

function policy(entry: Partial<PolicyEntryConfig>): PolicyEntryConfig {
  return { destinationType: "queue", pattern: ">", attributes: {}, ...entry };
}

/** Lets every already-runnable promise job and timer run, then says whether `p` settled. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(() => done = true, () => done = true);
  await new Promise((r) => setTimeout(r, 0));
  return done;
}

Deno.test("flow control: a full destination holds producers until a consumer frees space, in order", async () => {
  await using broker = await startVmBroker({ policyEntries: [policy({ memoryLimit: 4 * 1024 })] });
  await using producer = await broker.connect();
  const sends = Array.from({ length: 10 }, (_, i) => producer.send("queue://limited", String(i)));
  await Promise.all(sends.slice(0, 4));
  assert.equal(broker.service.queueSize("limited"), 4);
  assert.equal(await settled(sends[4]), false, "the fifth send is held");
  assert.ok(broker.service.blockedSends >= 1);

  await using consumer = await broker.connect();
  const sub = await consumer.subscribe("queue://limited");
  for (let i = 0; i < 10; i++) assert.equal((await sub.receive(2000))?.text(), String(i));
  await Promise.all(sends);
  assert.equal(broker.service.systemUsage.used, 0, "usage returns to zero once everything is consumed");
});

Deno.test("flow control: the system memoryUsage limit applies across destinations", async () => {
  await using broker = await startVmBroker({ systemUsage: { memoryLimit: 3 * 1024 } });
  await using conn = await broker.connect();
  await conn.send("queue://a", "1");
  await conn.send("queue://b", "2");
  await conn.send("queue://c", "3");
  const held = conn.send("queue://d", "4");
  assert.equal(await settled(held), false);
  // A held send blocks its own connection (as ActiveMQ blocks its reader): consume on another.
  await using consumer = await broker.connect();
  const sub = await consumer.subscribe("queue://a");
  assert.ok(await sub.receive(1000));
  await held;
  assert.equal(broker.service.queueSize("d"), 1);
});

Deno.test("flow control: sendFailIfNoSpace fails the send with a clear error naming the destination", async () => {
  await using broker = await startVmBroker({
    policyEntries: [policy({ memoryLimit: 1024, sendFailIfNoSpace: true })],
  });
  await using conn = await broker.connect();
  await conn.send("queue://strict", "fits");
  await assert.rejects(
    conn.send("queue://strict", "too much"),
    (e: unknown) =>
      e instanceof BrokerError && e.code === "resource-limit" &&
      /Usage Manager Memory Limit reached on queue:\/\/strict/.test(e.message),
  );
});

Deno.test("flow control: sendFailIfNoSpaceAfterTimeout fails a held send after the timeout", async () => {
  await using broker = await startVmBroker({
    policyEntries: [policy({ memoryLimit: 1024, sendFailIfNoSpaceAfterTimeout: 30 })],
  });
  await using conn = await broker.connect();
  await conn.send("queue://patient", "fits");
  await assert.rejects(conn.send("queue://patient", "waits then fails"), /Usage Manager Memory Limit/);
});

Deno.test("flow control: producerFlowControl=false accepts past the limit", async () => {
  await using broker = await startVmBroker({
    policyEntries: [policy({ memoryLimit: 1024, producerFlowControl: false })],
  });
  await using conn = await broker.connect();
  for (let i = 0; i < 5; i++) await conn.send("queue://unlimited", String(i));
  assert.equal(broker.service.queueSize("unlimited"), 5);
});

Deno.test("slow consumers: a non-durable topic subscriber keeps at most pendingMessageLimit undelivered messages", async () => {
  await using broker = await startVmBroker({
    policyEntries: [{ destinationType: "topic", pattern: ">", attributes: {}, pendingMessageLimit: 3 }],
  });
  await using conn = await broker.connect();
  const slow = await conn.subscribe("topic://ticks", { prefetch: 1, ackMode: "client" });
  for (let i = 0; i < 10; i++) await conn.send("topic://ticks", String(i));
  // One is prefetched; of the nine waiting, only the newest three are kept.
  const first = await slow.receive(1000);
  assert.equal(first?.text(), "0");
  const rest: string[] = [];
  let m: VmMessage | null = first;
  for (let i = 0; i < 3; i++) {
    await m!.ack();
    m = await slow.receive(1000);
    rest.push(m!.text());
  }
  assert.deepEqual(rest, ["7", "8", "9"]);
  await m!.ack();
  assert.equal(await slow.receive(50), null);
  assert.equal(broker.service.systemUsage.used, 0, "discarded messages no longer count");
});

Deno.test("temp storage: without flow control, non-persistent overflow spills to disk and comes back intact", async () => {
  const dataDirectory = await Deno.makeTempDir({ prefix: "amq-tmp-" });
  try {
    await using broker = await startVmBroker({
      dataDirectory,
      policyEntries: [policy({ memoryLimit: 64 * 1024, producerFlowControl: false })],
    });
    await using conn = await broker.connect();
    const body = (i: number) => new Uint8Array(16 * 1024).fill(i);
    for (let i = 0; i < 40; i++) await conn.send("queue://spill", body(i), { persistent: false });
    assert.equal(broker.service.queueSize("spill"), 40, "nothing refused, nothing dropped");
    // 40 x 16 KiB in memory would be 640 KiB; spilled ones only count their headers (1 KiB minimum).
    assert.ok(
      broker.service.systemUsage.used < 128 * 1024,
      `memory used: ${broker.service.systemUsage.used}`,
    );
    const browsed = await conn.browse("queue://spill");
    assert.deepEqual(browsed[39].body, body(39), "browsing reads spilled bodies back");
    const sub = await conn.subscribe("queue://spill");
    for (let i = 0; i < 40; i++) {
      const m = await sub.receive(1000);
      assert.deepEqual(m?.message.body, body(i), `message ${i} intact and in order`);
    }
    assert.equal(broker.service.systemUsage.used, 0);
  } finally {
    await Deno.remove(dataDirectory, { recursive: true });
  }
});

Deno.test("temp storage: persistent messages are never spilled (they are in the store already)", async () => {
  const dataDirectory = await Deno.makeTempDir({ prefix: "amq-tmp-" });
  try {
    await using broker = await startVmBroker({
      dataDirectory,
      policyEntries: [policy({ memoryLimit: 16 * 1024, producerFlowControl: false })],
    });
    await using conn = await broker.connect();
    for (let i = 0; i < 4; i++) {
      await conn.send("queue://kept", new Uint8Array(8 * 1024), { persistent: true });
    }
    assert.ok(broker.service.systemUsage.used >= 4 * 8 * 1024, "all four bodies are in memory");
  } finally {
    await Deno.remove(dataDirectory, { recursive: true });
  }
});
