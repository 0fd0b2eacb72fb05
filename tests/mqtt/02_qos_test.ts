/**
 * QoS 0, 1 and 2 with raw packets: the whole exchange both ways, the QoS a subscriber gets
 * (min of subscription and message QoS, §3.2's rule for messages from other protocols),
 * duplicates of a QoS 2 PUBLISH, and `$` topics.
 */
import assert from "node:assert/strict";
import { startMqttBroker } from "../support/mqtt_broker.ts";
import { RawMqtt } from "../support/raw_mqtt.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import { expectNothing, publish, receive, subscribe, td, te } from "./_helpers.ts";

Deno.test("QoS 0/1/2: each publication arrives with min(subscription QoS, publication QoS)", async () => {
  await using b = await startMqttBroker();
  await using sub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "q-sub" });
  assert.deepEqual(await subscribe(sub, "q/0", 0), [0]);
  assert.deepEqual(await subscribe(sub, "q/1", 1), [1]);
  assert.deepEqual(await subscribe(sub, "q/2", 2), [2]);
  await using pub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "q-pub" });
  const cases: [string, 0 | 1 | 2, number][] = [
    ["q/0", 2, 0],
    ["q/1", 0, 0],
    ["q/1", 2, 1],
    ["q/2", 1, 1],
    ["q/2", 2, 2],
  ];
  for (const [topic, qos, expected] of cases) {
    await publish(pub, topic, `${topic}@${qos}`, qos);
    const p = await receive(sub);
    assert.equal(p.topic, topic);
    assert.equal(td.decode(p.payload), `${topic}@${qos}`);
    assert.equal(p.qos, expected, `${topic} published at QoS ${qos}`);
    assert.equal(p.retain, false);
    assert.equal(p.dup, false);
    assert.equal(p.packetId !== undefined, expected > 0);
  }
});

Deno.test("QoS 2 inbound: PUBREC, a resent PUBLISH is delivered once, PUBREL gets PUBCOMP", async () => {
  await using b = await startMqttBroker();
  await using sub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "q2-sub" });
  await subscribe(sub, "exactly", 2);
  await using pub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "q2-pub" });
  const p = { type: "publish", topic: "exactly", payload: te.encode("once"), qos: 2, retain: false } as const;
  await pub.send({ ...p, dup: false, packetId: 7 });
  assert.deepEqual(await pub.next(), { type: "pubrec", packetId: 7, reasonCode: 0 });
  await pub.send({ ...p, dup: true, packetId: 7 });
  assert.deepEqual(await pub.next(), { type: "pubrec", packetId: 7, reasonCode: 0 });
  await pub.send({ type: "pubrel", packetId: 7, reasonCode: 0 });
  assert.deepEqual(await pub.next(), { type: "pubcomp", packetId: 7, reasonCode: 0 });
  // An unknown PUBREL is still completed (3.1.1 has no code for it).
  await pub.send({ type: "pubrel", packetId: 8, reasonCode: 0 });
  assert.deepEqual(await pub.next(), { type: "pubcomp", packetId: 8, reasonCode: 0 });

  const got = await sub.expect("publish");
  assert.equal(got.qos, 2);
  assert.equal(td.decode(got.payload), "once");
  await sub.send({ type: "pubrec", packetId: got.packetId!, reasonCode: 0 });
  assert.deepEqual(await sub.next(), { type: "pubrel", packetId: got.packetId, reasonCode: 0 });
  await sub.send({ type: "pubcomp", packetId: got.packetId!, reasonCode: 0 });
  await expectNothing(sub);
});

Deno.test("QoS 1 outbound: an unacknowledged message comes back, flagged DUP, to a persistent session", async () => {
  await using b = await startMqttBroker();
  {
    await using sub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "q1-dup", clean: false });
    await subscribe(sub, "again", 1);
    await using pub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "q1-pub" });
    await publish(pub, "again", "m1", 1);
    const first = await sub.expect("publish");
    assert.equal(first.dup, false);
    // No PUBACK: the connection just goes away.
  }
  await using sub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "q1-dup", clean: false });
  assert.equal(sub.connack!.sessionPresent, true);
  const again = await sub.expect("publish");
  assert.equal(td.decode(again.payload), "m1");
  assert.equal(again.dup, true);
  await sub.send({ type: "puback", packetId: again.packetId!, reasonCode: 0 });
  await expectNothing(sub);
});

Deno.test("messages from STOMP: persistent → QoS 0, non-persistent → QoS 1 (semantics.md §3.2)", async () => {
  await using b = await startMqttBroker();
  await using sub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "from-stomp" });
  await subscribe(sub, "jms/+", 2);
  await using stomp = await RawStomp.connect(b.stompPort);
  await stomp.send("SEND", { destination: "/topic/jms.persistent", persistent: "true", receipt: "1" }, "p");
  assert.equal((await stomp.next()).command, "RECEIPT");
  const p = await receive(sub);
  assert.deepEqual([p.topic, td.decode(p.payload), p.qos], ["jms/persistent", "p", 0]);
  await stomp.send("SEND", { destination: "/topic/jms.transient", receipt: "2" }, "t");
  assert.equal((await stomp.next()).command, "RECEIPT");
  const t = await receive(sub);
  assert.deepEqual([t.topic, td.decode(t.payload), t.qos], ["jms/transient", "t", 1]);
});

Deno.test("$ topics: acknowledged and dropped unless transport.publishDollarTopics=true", async () => {
  {
    await using b = await startMqttBroker();
    await using sub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "dollar-sub" });
    await subscribe(sub, "$SYS/x", 1);
    await using pub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "dollar-pub" });
    await publish(pub, "$SYS/x", "dropped", 1);
    await expectNothing(sub);
  }
  await using b = await startMqttBroker({ mqttOptions: "transport.publishDollarTopics=true" });
  await using sub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "dollar-sub" });
  await subscribe(sub, "$SYS/x", 1);
  await subscribe(sub, "#", 0);
  await using pub = await RawMqtt.connect(b.mqttPort, 4, { clientId: "dollar-pub" });
  await publish(pub, "$SYS/x", "kept", 1);
  const p = await receive(sub);
  assert.deepEqual([p.topic, td.decode(p.payload)], ["$SYS/x", "kept"]);
  // [MQTT-4.7.2-1]: "#" does not match a topic starting with "$".
  await expectNothing(sub);
});
