/**
 * The Java JMS client's acknowledgement modes and transactions against the broker:
 * local transactions (commit, rollback, client-side redelivery), CLIENT_ACKNOWLEDGE with
 * recover(), INDIVIDUAL_ACKNOWLEDGE, the poison ack to ActiveMQ.DLQ after the default
 * six redeliveries, temporary-queue request/reply, QueueBrowser, prefetch 0 (MessagePull),
 * durable subscriptions and the client-id rule.
 */
import assert from "node:assert/strict";
import { startOpenWireBroker } from "../support/openwire_broker.ts";
import { requireJavaClient, runScenarios, scenarioData } from "../support/java_client.ts";

const SCENARIOS = [
  "localTx",
  "clientAck",
  "individualAck",
  "dlq",
  "tempQueue",
  "browser",
  "prefetch0",
  "durable",
  "invalidClientId",
];

Deno.test("Java JMS client: acks, transactions, DLQ, temporary queues, browsers, pulls, durables", async (t) => {
  const client = await requireJavaClient("the OpenWire Java client tests");
  if (!client) return;
  await using b = await startOpenWireBroker();
  const results = await runScenarios(client, b.url, SCENARIOS);

  await t.step("local transactions: rollback discards sends, redelivers receipts", () => {
    assert.deepEqual(scenarioData(results, "localTx"), {
      beforeCommit: null,
      first: "committed",
      firstRedelivered: false,
      again: "committed",
      againRedelivered: true,
      againDeliveryCount: 2,
      afterCommit: null,
    });
  });

  await t.step("CLIENT_ACKNOWLEDGE with recover()", () => {
    assert.deepEqual(scenarioData(results, "clientAck"), {
      first: ["one", "two"],
      recovered: ["one", "two"],
      recoveredRedelivered: true,
      afterAck: null,
    });
  });

  await t.step("INDIVIDUAL_ACKNOWLEDGE acknowledges one message only", () => {
    assert.deepEqual(scenarioData(results, "individualAck"), {
      left: ["a", "c"],
      redelivered: [true, true],
      afterAck: null,
    });
  });

  await t.step("after the default 6 redeliveries the poison ack moves the message to ActiveMQ.DLQ", () => {
    const d = scenarioData(results, "dlq");
    assert.deepEqual(d.deliveryCounts, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(d.maximumRedeliveries, 6);
    assert.equal(d.dlqBody, "poison");
    assert.match(String(d.dlqCause), /^java\.lang\.Throwable: Delivery\[7\] exceeds redelivery policy limit/);
    assert.equal(d.dlqOriginalDestination, "queue://dlq.q");
    assert.equal(d.left, null);
  });

  await t.step("temporary queue request/reply; deletion reaches other connections", () => {
    const d = scenarioData(results, "tempQueue");
    assert.match(String(d.tempName), /^ID:.+:1:1$/, "the client names its temporary queue");
    assert.deepEqual(d.replies, ["reply to req1|true", "reply to req2|true", "reply to req3|true"]);
    assert.equal(d.tempTopic, "on temp topic");
    // The client refuses once the advisory told it; a send racing the advisory is refused by the broker.
    assert.match(
      String(d.sendToDeleted),
      /Cannot publish to a deleted Destination|temp-queue:\/\/.+ does not exist/,
    );
  });

  await t.step("QueueBrowser sees the queue without consuming it", () => {
    assert.deepEqual(scenarioData(results, "browser"), {
      browsed: ["x", "y", "z"],
      browsedAgain: 3,
      consumed: ["x", "y", "z"],
      emptyHasMore: false,
    });
  });

  await t.step("prefetch 0: MessagePull with and without timeout", () => {
    const d = scenarioData(results, "prefetch0");
    assert.equal(d.emptyNoWait, null);
    assert.equal(d.emptyTimed, null);
    assert.ok(Number(d.timedWaitedMs) >= 150, `receive(200) waited ${d.timedWaitedMs} ms`);
    assert.deepEqual(d.received, ["1", "2", "3"]);
    assert.equal(d.after, null);
    assert.equal(d.second, "4");
  });

  await t.step("durable subscriptions: offline delivery, unsubscribe, selectors", () => {
    assert.deepEqual(scenarioData(results, "durable"), {
      offline: ["offline 1", "offline 2"],
      unsubscribeActive: "javax.jms.IllegalStateException",
      afterUnsubscribe: [],
      unsubscribeUnknown: "javax.jms.InvalidDestinationException",
      selective: ["level 2", "level 3"],
    });
  });

  await t.step("a client id in use → javax.jms.InvalidClientIDException", () => {
    const d = scenarioData(results, "invalidClientId");
    assert.equal(d.error, "javax.jms.InvalidClientIDException");
    assert.match(String(d.message), /Client: dup-client already connected from tcp:\/\/127\.0\.0\.1:\d+/);
    assert.equal(d.afterClose, "connected");
  });

  assert.equal(b.broker.service.connectionCount, 0, "every Java connection was closed");
});
