/**
 * The Java JMS client with XA (ActiveMQXAConnectionFactory: prepare, recover, one- and
 * two-phase commit, rollback, a read-only branch), 10,000 asynchronous sends with a
 * producer window (ProducerAck), a 5 MB message, and the settings Spring Boot's ActiveMQ
 * auto-configuration applies (broker-url, admin/admin, closeTimeout 15 s, sendTimeout 0,
 * pub-sub off and on, persistent delivery).
 */
import assert from "node:assert/strict";
import { startOpenWireBroker } from "../support/openwire_broker.ts";
import { requireJavaClient, runScenarios, scenarioData } from "../support/java_client.ts";

Deno.test("Java JMS client: XA, async sends, large messages, Spring-style settings", async (t) => {
  const client = await requireJavaClient("the OpenWire Java client tests");
  if (!client) return;
  await using b = await startOpenWireBroker({ openWireOptions: "wireFormat.maxFrameSize=104857600" });
  const results = await runScenarios(client, b.url, ["xa", "asyncSend", "largeMessage", "spring"]);

  await t.step("XA: prepare votes, recover, commit one- and two-phase, rollback", () => {
    assert.deepEqual(scenarioData(results, "xa"), {
      prepare: 0, // XA_OK
      recovered: true,
      visibleBeforeCommit: null,
      afterTwoPhaseCommit: "xa-1",
      readOnlyPrepare: 3, // XA_RDONLY
      afterRollback: null,
      afterOnePhaseCommit: "xa-4",
      consumedInBranch: "xa-consume",
      consumePrepare: 0,
      leftAfterConsume: null,
      inDoubtAtEnd: 0,
    });
  });

  await t.step("useAsyncSend: 10,000 messages through a producer window, in order", () => {
    const d = scenarioData(results, "asyncSend");
    assert.equal(d.received, 10_000);
    assert.equal(d.inOrder, true);
  });

  await t.step("a 5 MB bytes message and a 2 MB text message arrive intact", () => {
    assert.deepEqual(scenarioData(results, "largeMessage"), {
      length: 5 * 1024 * 1024,
      same: true,
      textSame: true,
    });
  });

  await t.step("Spring-Boot-style settings on plain JMS code", () => {
    const d = scenarioData(results, "spring");
    assert.deepEqual(d.pointToPoint, {
      body: '{"order":1}',
      persistent: true,
      typeProperty: "com.example.Order",
      destination: "queue://spring.orders",
    });
    assert.deepEqual(d.pubSub, {
      body: '{"order":2}',
      persistent: true,
      typeProperty: "com.example.Order",
      destination: "topic://spring.events",
    });
    assert.equal(d.closeTimeout, 15000);
    assert.equal(d.sendTimeout, 0);
    assert.ok(
      Number(d.pointToPointCloseMs) < 5000 && Number(d.pubSubCloseMs) < 5000,
      "close is answered at once",
    );
  });

  assert.equal(b.broker.service.connectionCount, 0);
});

Deno.test("Java JMS client with loose encoding, no value cache and an older wire version", async (t) => {
  const client = await requireJavaClient("the OpenWire Java client tests");
  if (!client) return;
  await using b = await startOpenWireBroker();
  for (
    const options of [
      "wireFormat.tightEncodingEnabled=false&wireFormat.cacheEnabled=false",
      "wireFormat.version=9",
    ]
  ) {
    await t.step(options, async () => {
      const results = await runScenarios(client, `${b.url}?${options}`, [
        "messageKinds",
        "localTx",
        "browser",
      ]);
      const kinds = scenarioData(results, "messageKinds");
      assert.equal(kinds.text, "héllo wörld ✓ \u0000 \u{1D11E}");
      assert.equal((kinds.types as string[]).length, 9);
      assert.equal(scenarioData(results, "localTx").againDeliveryCount, 2);
      assert.deepEqual(scenarioData(results, "browser").browsed, ["x", "y", "z"]);
    });
  }
});
