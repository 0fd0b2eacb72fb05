/**
 * MQTT 5 details with raw packets: Receive Maximum, the client's Maximum Packet Size, Topic
 * Alias errors, Subscription Identifiers, SUBACK/UNSUBACK reason codes, PUBREL resent to a
 * resumed session, the delayed Will, and the enhanced authentication hook (in memory).
 */
import assert from "node:assert/strict";
import { parseTransportUri } from "../../src/config/mod.ts";
import { logger } from "../../src/log.ts";
import { type MqttAuthenticator, MqttConnection, MqttSessionRegistry } from "../../src/protocol/mqtt/mod.ts";
import { memoryStreamPair } from "../support/memory_stream.ts";
import { startMqttBroker } from "../support/mqtt_broker.ts";
import { RawMqtt } from "../support/raw_mqtt.ts";
import { startVmBroker } from "../support/vm_broker.ts";
import { expectNothing, publish, subscribe, td, te } from "./_helpers.ts";

Deno.test("Receive Maximum: no more unacknowledged QoS 1 PUBLISHes than the client allows", async () => {
  await using b = await startMqttBroker();
  await using sub = await RawMqtt.connect(b.mqttPort, 5, {
    clientId: "rm",
    properties: { receiveMaximum: 2 },
  });
  await subscribe(sub, "rm/t", 1);
  await using pub = await RawMqtt.connect(b.mqttPort, 5, { clientId: "rm-pub" });
  for (let i = 1; i <= 5; i++) await publish(pub, "rm/t", `m${i}`, 1);
  const first = await sub.expect("publish");
  const second = await sub.expect("publish");
  assert.deepEqual([td.decode(first.payload), td.decode(second.payload)], ["m1", "m2"]);
  await expectNothing(sub, 150);
  await sub.send({ type: "puback", packetId: first.packetId!, reasonCode: 0 });
  const third = await sub.expect("publish");
  assert.equal(td.decode(third.payload), "m3");
  await expectNothing(sub, 100);
  for (const p of [second, third]) await sub.send({ type: "puback", packetId: p.packetId!, reasonCode: 0 });
  const rest = [await sub.expect("publish"), await sub.expect("publish")].map((p) => td.decode(p.payload));
  assert.deepEqual(rest, ["m4", "m5"]);
});

Deno.test("the client's Maximum Packet Size: larger messages are not sent to it", async () => {
  await using b = await startMqttBroker();
  await using sub = await RawMqtt.connect(b.mqttPort, 5, {
    clientId: "mps",
    properties: { maximumPacketSize: 128 },
  });
  await subscribe(sub, "mps", 1);
  await using pub = await RawMqtt.connect(b.mqttPort, 5, { clientId: "mps-pub" });
  await publish(pub, "mps", "x".repeat(500), 1);
  await publish(pub, "mps", "small", 1);
  const p = await sub.expect("publish");
  assert.equal(td.decode(p.payload), "small");
});

Deno.test("Topic Alias: above the maximum → DISCONNECT 0x94; an unknown alias → 0x82", async () => {
  await using b = await startMqttBroker();
  {
    await using c = await RawMqtt.connect(b.mqttPort, 5, { clientId: "alias-big" });
    await c.send({
      type: "publish",
      topic: "t",
      payload: te.encode("x"),
      qos: 0,
      retain: false,
      dup: false,
      properties: { topicAlias: 11 },
    });
    assert.equal((await c.expect("disconnect")).reasonCode, 0x94);
    assert.equal(await c.waitClosed(), true);
  }
  await using c = await RawMqtt.connect(b.mqttPort, 5, { clientId: "alias-unknown" });
  await c.send({
    type: "publish",
    topic: "",
    payload: te.encode("x"),
    qos: 0,
    retain: false,
    dup: false,
    properties: { topicAlias: 3 },
  });
  assert.equal((await c.expect("disconnect")).reasonCode, 0x82);
  assert.equal(await c.waitClosed(), true);
});

Deno.test("Subscription Identifiers come back on PUBLISH; SUBACK and UNSUBACK reason codes", async () => {
  await using b = await startMqttBroker();
  await using c = await RawMqtt.connect(b.mqttPort, 5, { clientId: "subid" });
  await c.send({
    type: "subscribe",
    packetId: 1,
    properties: { subscriptionIdentifier: 42 },
    subscriptions: [
      { topicFilter: "sid/+", qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      { topicFilter: "$share//x", qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
    ],
  });
  assert.deepEqual((await c.expect("suback")).reasonCodes, [1, 0x8f]);
  await publish(c, "sid/a", "tagged", 0);
  const p = await c.expect("publish");
  assert.deepEqual(p.properties?.subscriptionIdentifiers, [42]);
  await c.send({ type: "unsubscribe", packetId: 2, topicFilters: ["sid/+", "never/subscribed"] });
  assert.deepEqual((await c.expect("unsuback")).reasonCodes, [0x00, 0x11]);
});

Deno.test("ActiveMQ/MQTT/… holds the session records: MQTT clients may not publish or subscribe there", async () => {
  await using b = await startMqttBroker();
  await using c = await RawMqtt.connect(b.mqttPort, 5, {
    clientId: "nosy",
    clean: false,
    properties: { sessionExpiryInterval: 60 },
  });
  assert.deepEqual(await subscribe(c, "ActiveMQ/MQTT/Session/#", 1), [0x87]);
  assert.deepEqual(await subscribe(c, "ActiveMQ/+/Session/+", 1), [1]);
  await c.send({
    type: "publish",
    topic: "ActiveMQ/MQTT/Session/victim",
    payload: te.encode("{}"),
    qos: 1,
    packetId: 9,
    retain: true,
    dup: false,
  });
  assert.deepEqual(await c.next(), { type: "puback", packetId: 9, reasonCode: 0x87 });
  // Its own record is written (it subscribed in a persistent session) but never delivered to it.
  await expectNothing(c, 150);
});

Deno.test("QoS 2 outbound: PUBREL is sent again when a persistent session resumes before PUBCOMP", async () => {
  await using b = await startMqttBroker();
  let packetId: number;
  {
    await using sub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "pubrel", clean: false });
    await subscribe(sub, "pubrel/t", 2);
    await using pub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "pubrel-pub" });
    await publish(pub, "pubrel/t", "exactly once", 2);
    const p = await sub.expect("publish");
    packetId = p.packetId!;
    await sub.send({ type: "pubrec", packetId, reasonCode: 0 });
    assert.equal((await sub.expect("pubrel")).packetId, packetId);
    // Gone before PUBCOMP.
  }
  await using sub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "pubrel", clean: false });
  assert.equal(sub.connack!.sessionPresent, true);
  assert.deepEqual(await sub.next(), { type: "pubrel", packetId, reasonCode: 0 });
  await sub.send({ type: "pubcomp", packetId, reasonCode: 0 });
  await expectNothing(sub, 150);
});

Deno.test("Will Delay Interval: the Will waits, and a reconnect in time cancels it", async () => {
  await using b = await startMqttBroker();
  await using watcher = await RawMqtt.connect(b.mqttPort, 5, { clientId: "will-delay-watch" });
  await subscribe(watcher, "delayed/#", 1);
  const will = (name: string) => ({
    clientId: name,
    clean: false,
    properties: { sessionExpiryInterval: 60 },
    will: {
      topic: `delayed/${name}`,
      payload: te.encode(name),
      qos: 1 as const,
      retain: false,
      properties: { willDelayInterval: 1 },
    },
  });
  const gone = await RawMqtt.connect(b.mqttPort, 5, will("gone"));
  const back = await RawMqtt.connect(b.mqttPort, 5, will("back"));
  const crashedAt = Date.now();
  await gone.close();
  await back.close();
  await using returned = await RawMqtt.connect(b.mqttPort, 5, {
    clientId: "back",
    clean: false,
    properties: { sessionExpiryInterval: 60 },
  });
  assert.equal(returned.connack!.sessionPresent, true);
  const p = await watcher.expect("publish", 4000);
  assert.equal(p.topic, "delayed/gone");
  assert.ok(Date.now() - crashedAt >= 900, "published after the delay");
  await watcher.send({ type: "puback", packetId: p.packetId!, reasonCode: 0 });
  await expectNothing(watcher, 300);
});

Deno.test("enhanced authentication: the hook drives AUTH rounds and decides the CONNACK", async () => {
  await using broker = await startVmBroker();
  const challenges: MqttAuthenticator = {
    authenticate(req) {
      if (req.method !== "CHALLENGE") return { kind: "failure", reasonCode: 0x8c };
      if (req.step === 1) return { kind: "continue", data: te.encode("what is 6x7?") };
      return td.decode(req.data) === "42"
        ? { kind: "success", data: te.encode("welcome") }
        : { kind: "failure", reasonCode: 0x87, reason: "Wrong answer" };
    },
  };
  const stopping = Promise.withResolvers<void>();
  const open = (name: string) => {
    const [client, server] = memoryStreamPair();
    const run = new MqttConnection(server, {
      gateway: broker.service,
      connector: { name: "mqtt-memory", uri: parseTransportUri("mqtt://127.0.0.1:0") },
      connectionId: `ID:memory-${name}`,
      remoteAddress: "memory",
      log: logger(`test:${name}`),
      stopping: stopping.promise,
    }, { authenticator: challenges, registry: new MqttSessionRegistry() }).run();
    return { c: RawMqtt.over(client, 5), run };
  };
  for (const [answer, code] of [["42", 0], ["41", 0x87]] as const) {
    const { c, run } = open(answer);
    await c.send({
      type: "connect",
      clientId: `auth-${answer}`,
      clean: true,
      keepAlive: 0,
      properties: { authenticationMethod: "CHALLENGE" },
    });
    const challenge = await c.expect("auth");
    assert.equal(challenge.reasonCode, 0x18);
    assert.equal(td.decode(challenge.properties?.authenticationData), "what is 6x7?");
    await c.send({
      type: "auth",
      reasonCode: 0x18,
      properties: { authenticationMethod: "CHALLENGE", authenticationData: te.encode(answer) },
    });
    const ack = await c.expect("connack");
    assert.equal(ack.reasonCode, code);
    if (code === 0) {
      assert.equal(ack.properties?.authenticationMethod, "CHALLENGE");
      assert.equal(td.decode(ack.properties?.authenticationData), "welcome");
      await c.send({ type: "disconnect", reasonCode: 0 });
    }
    assert.equal(await c.waitClosed(), true);
    await run;
    await c.close();
  }
  stopping.resolve();
});
