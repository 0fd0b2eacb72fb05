/**
 * Issue 5, point 3 over STOMP: the broker-side redelivery policy
 * (`<redeliveryPlugin>`: delays, exponential back-off and its cap, the limit,
 * then the DLQ with the cause in a property) and the dead-letter strategies
 * (shared, individual with useQueueForTopicMessages, discarding,
 * processNonPersistent). semantics.md §6.1 and §6.2.
 */
import assert from "node:assert/strict";
import type { BrokerConfig, RedeliveryPolicyConfig } from "../../src/config/mod.ts";
import { startTestBroker } from "../support/broker.ts";
import { type RawFrame, RawStomp } from "../support/raw_stomp.ts";
import {
  assertWaited,
  expectMessage,
  expectNothing,
  queuePolicy,
  sendWithReceipt,
  subscribe,
  topicPolicy,
} from "./_helpers.ts";

function redelivery(
  config: BrokerConfig,
  policy: Partial<RedeliveryPolicyConfig>,
  plugin = { fallbackToDeadLetter: true, sendToDlqIfMaxRetriesExceeded: true },
): void {
  // ActiveMQ: "RedeliveryPlugin requires schedulerSupport=true on the broker".
  config.schedulerSupport = true;
  config.redeliveryPlugin = plugin;
  config.redeliveryPolicies = [{
    queue: "retry.>",
    maximumRedeliveries: 6,
    initialRedeliveryDelay: 1000,
    redeliveryDelay: 1000,
    backOffMultiplier: 5,
    useExponentialBackOff: false,
    maximumRedeliveryDelay: -1,
    ...policy,
  }];
}

/** NACKs `m` and returns the next MESSAGE with how long after the NACK it came. */
async function nackAndWait(c: RawStomp, m: RawFrame, body: string): Promise<{ f: RawFrame; ms: number }> {
  const at = performance.now();
  await c.send("NACK", { id: m.headers.ack });
  const f = await expectMessage(c, body, 3000);
  return { f, ms: performance.now() - at };
}

Deno.test("redeliveryPlugin: exponential back-off (100, 200 ms), then ActiveMQ.DLQ with the cause", async () => {
  await using b = await startTestBroker({
    configure: (config) =>
      redelivery(config, {
        maximumRedeliveries: 2,
        initialRedeliveryDelay: 100,
        redeliveryDelay: 100,
        backOffMultiplier: 2,
        useExponentialBackOff: true,
      }),
  });
  await using dlq = await RawStomp.connect(b.stompPort);
  await subscribe(dlq, "dlq", "/queue/ActiveMQ.DLQ");
  await using c = await RawStomp.connect(b.stompPort);
  await using p = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/retry.orders", { ack: "client-individual" });
  await sendWithReceipt(
    p,
    "SEND",
    { destination: "/queue/retry.orders", persistent: "true", color: "red" },
    "flaky",
  );

  const m0 = await expectMessage(c, "flaky");
  assert.equal("redelivered" in m0.headers, false);
  const first = await nackAndWait(c, m0, "flaky");
  assertWaited(first.ms, 100, "first redelivery");
  assert.equal(first.f.headers.redelivered, "true");
  assert.equal(first.f.headers["message-id"], m0.headers["message-id"]);
  assert.equal(first.f.headers.color, "red");
  const second = await nackAndWait(c, first.f, "flaky");
  assertWaited(second.ms, 200, "second redelivery (100 × 2)");
  assert.equal(second.f.headers.redelivered, "true");
  await expectNothing(dlq, 0);

  await sendWithReceipt(c, "NACK", { id: second.f.headers.ack });
  const dead = await expectMessage(dlq, "flaky");
  assert.equal(dead.headers["original-destination"], "/queue/retry.orders");
  assert.equal(dead.headers.persistent, "true");
  assert.equal(dead.headers.color, "red");
  assert.match(dead.headers.dlqDeliveryFailureCause, /maximumRedeliveries 2/);
  await expectNothing(c, 100);
  assert.equal(b.broker.service.queueSize("retry.orders"), 0);
  // RedeliveryPlugin.scheduleRedelivery sets the delay it used as the property redeliveryDelay.
  assert.deepEqual([first.f.headers.redeliveryDelay, second.f.headers.redeliveryDelay], ["100", "200"]);
});

Deno.test("redeliveryPlugin: maximumRedeliveryDelay caps the exponential back-off", async () => {
  await using b = await startTestBroker({
    configure: (config) =>
      redelivery(config, {
        maximumRedeliveries: 3,
        initialRedeliveryDelay: 50,
        redeliveryDelay: 50,
        backOffMultiplier: 10,
        useExponentialBackOff: true,
        maximumRedeliveryDelay: 150,
      }),
  });
  await using c = await RawStomp.connect(b.stompPort);
  await using p = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/retry.capped", { ack: "client-individual" });
  await sendWithReceipt(p, "SEND", { destination: "/queue/retry.capped", persistent: "true" }, "again");
  let m = await expectMessage(c, "again");
  const delays: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { f, ms } = await nackAndWait(c, m, "again");
    // Uncapped the third would wait 5 s (50 × 10²); the cap makes it 150 ms.
    assert.ok(ms < 2500, `redelivery ${i + 1} took ${ms} ms`);
    delays.push(f.headers.redeliveryDelay);
    m = f;
  }
  assert.deepEqual(delays, ["50", "150", "150"]);
});

Deno.test("redeliveryPlugin: no matching policy falls back to the DLQ at once; a matching one redelivers", async () => {
  await using b = await startTestBroker({
    configure: (config) => redelivery(config, { maximumRedeliveries: 1, initialRedeliveryDelay: 50 }),
  });
  await using dlq = await RawStomp.connect(b.stompPort);
  await subscribe(dlq, "dlq", "/queue/ActiveMQ.DLQ");
  await using c = await RawStomp.connect(b.stompPort);
  await using p = await RawStomp.connect(b.stompPort);
  await subscribe(c, "other", "/queue/other.orders", { ack: "client-individual" });
  await sendWithReceipt(p, "SEND", { destination: "/queue/other.orders", persistent: "true" }, "no policy");
  const m = await expectMessage(c, "no policy");
  await sendWithReceipt(c, "NACK", { id: m.headers.ack });
  const dead = await expectMessage(dlq, "no policy");
  assert.equal(dead.headers["original-destination"], "/queue/other.orders");
  assert.equal("redelivered" in dead.headers, false, "it was never redelivered");
  await expectNothing(c, 100);
});

Deno.test("redeliveryPlugin: sendToDlqIfMaxRetriesExceeded=false and fallbackToDeadLetter=false drop the message", async () => {
  await using b = await startTestBroker({
    configure: (config) =>
      redelivery(config, { maximumRedeliveries: 1, initialRedeliveryDelay: 50 }, {
        fallbackToDeadLetter: false,
        sendToDlqIfMaxRetriesExceeded: false,
      }),
  });
  await using dlq = await RawStomp.connect(b.stompPort);
  await subscribe(dlq, "dlq", "/queue/ActiveMQ.DLQ");
  await using c = await RawStomp.connect(b.stompPort);
  await using p = await RawStomp.connect(b.stompPort);
  await subscribe(c, "retry", "/queue/retry.drop", { ack: "client-individual" });
  await subscribe(c, "other", "/queue/other.drop", { ack: "client-individual" });
  await sendWithReceipt(p, "SEND", { destination: "/queue/retry.drop", persistent: "true" }, "limited");
  const m = await expectMessage(c, "limited");
  const again = await nackAndWait(c, m, "limited");
  await sendWithReceipt(c, "NACK", { id: again.f.headers.ack });
  await sendWithReceipt(p, "SEND", { destination: "/queue/other.drop", persistent: "true" }, "unmatched");
  await sendWithReceipt(c, "NACK", { id: (await expectMessage(c, "unmatched")).headers.ack });
  await expectNothing(c, 150);
  await expectNothing(dlq, 0);
  assert.equal(b.broker.service.queueSize("retry.drop"), 0);
  assert.equal(b.broker.service.queueSize("other.drop"), 0);
  assert.equal(b.broker.service.queueSize("ActiveMQ.DLQ"), 0);
});

Deno.test("shared strategy: a non-expiring dead message records originalExpiration 0 (RegionBroker.stampAsExpired)", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await using p = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/stamp", { ack: "client-individual" });
  await sendWithReceipt(p, "SEND", { destination: "/queue/stamp", persistent: "true" }, "never expires");
  await sendWithReceipt(c, "NACK", { id: (await expectMessage(c, "never expires")).headers.ack });
  await subscribe(c, "dlq", "/queue/ActiveMQ.DLQ");
  const dead = await expectMessage(c, "never expires");
  assert.equal(dead.headers.expires, "0");
  assert.equal(dead.headers.originalExpiration, "0");
});

Deno.test("shared strategy with its own deadLetterQueue name", async () => {
  await using b = await startTestBroker({
    configure: (config) =>
      config.policyEntries = [
        queuePolicy(">", { deadLetterStrategy: { kind: "shared", deadLetterQueue: "ALL.DEAD" } }),
      ],
  });
  await using d = await RawStomp.connect(b.stompPort);
  await subscribe(d, "dead", "/queue/ALL.DEAD");
  await using c = await RawStomp.connect(b.stompPort);
  await using p = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/named", { ack: "client-individual" });
  await sendWithReceipt(p, "SEND", { destination: "/queue/named", persistent: "true" }, "to ALL.DEAD");
  await sendWithReceipt(c, "NACK", { id: (await expectMessage(c, "to ALL.DEAD")).headers.ack });
  const dead = await expectMessage(d, "to ALL.DEAD");
  assert.equal(dead.headers.destination, "/queue/ALL.DEAD");
  assert.equal(dead.headers.subscription, "dead");
  assert.equal(b.broker.service.queueSize("ActiveMQ.DLQ"), 0);
});

Deno.test("individual strategy: one DLQ per destination; a topic's DLQ is a queue by default", async () => {
  await using b = await startTestBroker({
    configure: (config) =>
      config.policyEntries = [
        queuePolicy(">", { deadLetterStrategy: { kind: "individual" } }),
        topicPolicy(">", { deadLetterStrategy: { kind: "individual" } }),
        queuePolicy("custom.>", {
          deadLetterStrategy: { kind: "individual", queuePrefix: "DLQ.", queueSuffix: ".dead" },
        }),
      ],
  });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "q", "/queue/orders", { ack: "client-individual" });
  await subscribe(c, "t", "/topic/news", { ack: "client-individual" });
  await subscribe(c, "x", "/queue/custom.jobs", { ack: "client-individual" });
  await using p = await RawStomp.connect(b.stompPort);
  await sendWithReceipt(p, "SEND", { destination: "/queue/orders", persistent: "true" }, "bad order");
  await sendWithReceipt(c, "NACK", { id: (await expectMessage(c, "bad order")).headers.ack });
  await sendWithReceipt(p, "SEND", { destination: "/topic/news", persistent: "true" }, "bad news");
  await sendWithReceipt(c, "NACK", { id: (await expectMessage(c, "bad news")).headers.ack });
  await sendWithReceipt(p, "SEND", { destination: "/queue/custom.jobs", persistent: "true" }, "bad job");
  await sendWithReceipt(c, "NACK", { id: (await expectMessage(c, "bad job")).headers.ack });

  await using d = await RawStomp.connect(b.stompPort);
  await subscribe(d, "q", "/queue/ActiveMQ.DLQ.Queue.orders");
  const q = await expectMessage(d, "bad order");
  assert.equal(q.headers.destination, "/queue/ActiveMQ.DLQ.Queue.orders");
  assert.equal(q.headers["original-destination"], "/queue/orders");
  await subscribe(d, "t", "/queue/ActiveMQ.DLQ.Topic.news");
  const t = await expectMessage(d, "bad news");
  assert.equal(t.headers.destination, "/queue/ActiveMQ.DLQ.Topic.news");
  assert.equal(t.headers["original-destination"], "/topic/news");
  await subscribe(d, "x", "/queue/DLQ.custom.jobs.dead");
  assert.equal((await expectMessage(d, "bad job")).headers["original-destination"], "/queue/custom.jobs");
  assert.equal(b.broker.service.queueSize("ActiveMQ.DLQ"), 0, "nothing went to the shared DLQ");
});

Deno.test("individual strategy: useQueueForTopicMessages=false / useQueueForQueueMessages=false dead-letter to topics", async () => {
  const strategy = {
    kind: "individual" as const,
    useQueueForTopicMessages: false,
    useQueueForQueueMessages: false,
  };
  await using b = await startTestBroker({
    configure: (config) =>
      config.policyEntries = [
        queuePolicy(">", { deadLetterStrategy: strategy }),
        topicPolicy(">", { deadLetterStrategy: strategy }),
      ],
  });
  await using d = await RawStomp.connect(b.stompPort);
  await subscribe(d, "t", "/topic/ActiveMQ.DLQ.Topic.alerts");
  await subscribe(d, "q", "/topic/ActiveMQ.DLQ.Queue.tasks");
  await using c = await RawStomp.connect(b.stompPort);
  await using p = await RawStomp.connect(b.stompPort);
  await subscribe(c, "t", "/topic/alerts", { ack: "client-individual" });
  await subscribe(c, "q", "/queue/tasks", { ack: "client-individual" });
  await sendWithReceipt(p, "SEND", { destination: "/topic/alerts", persistent: "true" }, "bad alert");
  await sendWithReceipt(c, "NACK", { id: (await expectMessage(c, "bad alert")).headers.ack });
  const t = await expectMessage(d, "bad alert");
  assert.equal(t.headers.destination, "/topic/ActiveMQ.DLQ.Topic.alerts");
  assert.equal(t.headers["original-destination"], "/topic/alerts");
  await sendWithReceipt(p, "SEND", { destination: "/queue/tasks", persistent: "true" }, "bad task");
  await sendWithReceipt(c, "NACK", { id: (await expectMessage(c, "bad task")).headers.ack });
  assert.equal((await expectMessage(d, "bad task")).headers.destination, "/topic/ActiveMQ.DLQ.Queue.tasks");
});

Deno.test("processNonPersistent=true: a non-persistent dead message is kept, made persistent, and says so", async () => {
  await using b = await startTestBroker({
    configure: (config) =>
      config.policyEntries = [
        queuePolicy(">", { deadLetterStrategy: { kind: "shared", processNonPersistent: true } }),
      ],
  });
  await using c = await RawStomp.connect(b.stompPort);
  await using p = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/np", { ack: "client-individual" });
  await sendWithReceipt(p, "SEND", { destination: "/queue/np" }, "volatile");
  const m = await expectMessage(c, "volatile");
  assert.equal("persistent" in m.headers, false);
  await sendWithReceipt(c, "NACK", { id: m.headers.ack });
  await subscribe(c, "dlq", "/queue/ActiveMQ.DLQ");
  const dead = await expectMessage(c, "volatile");
  assert.equal(dead.headers.persistent, "true");
  assert.equal(dead.headers.originalDeliveryMode, "NON_PERSISTENT");
});

Deno.test("discarding strategy drops dead messages; a message refused from a DLQ is not put back into it", async () => {
  await using b = await startTestBroker({
    configure: (config) =>
      config.policyEntries = [queuePolicy("trash.>", { deadLetterStrategy: { kind: "discarding" } })],
  });
  await using c = await RawStomp.connect(b.stompPort);
  await using p = await RawStomp.connect(b.stompPort);
  await subscribe(c, "trash", "/queue/trash.bin", { ack: "client-individual" });
  await subscribe(c, "work", "/queue/work", { ack: "client-individual" });
  await sendWithReceipt(p, "SEND", { destination: "/queue/trash.bin", persistent: "true" }, "discarded");
  await sendWithReceipt(c, "NACK", { id: (await expectMessage(c, "discarded")).headers.ack });
  await sendWithReceipt(p, "SEND", { destination: "/queue/work", persistent: "true" }, "dead once");
  await sendWithReceipt(c, "NACK", { id: (await expectMessage(c, "dead once")).headers.ack });
  assert.equal(b.broker.service.queueSize("ActiveMQ.DLQ"), 1, "only the second one was dead-lettered");

  await subscribe(c, "dlq", "/queue/ActiveMQ.DLQ", { ack: "client-individual" });
  const dead = await expectMessage(c, "dead once");
  // RegionBroker: "Not re-adding to DLQ" — the refused copy is simply gone.
  await sendWithReceipt(c, "NACK", { id: dead.headers.ack });
  await expectNothing(c, 150);
  assert.equal(b.broker.service.queueSize("ActiveMQ.DLQ"), 0);
});
