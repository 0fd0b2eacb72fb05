/**
 * MQTT ↔ STOMP through the same broker: topic names converted both ways (`a/b` ↔
 * `/topic/a.b`), wildcards, payloads, and retained messages seen from STOMP.
 */
import assert from "node:assert/strict";
import { startMqttBroker } from "../support/mqtt_broker.ts";
import { connectMqttJs } from "../support/mqttjs.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import { expectMessage, subscribe } from "../stomp/_helpers.ts";

const url = (port: number) => `mqtt://127.0.0.1:${port}`;

Deno.test("MQTT publish on a/b reaches a STOMP subscriber of /topic/a.b, and /topic/sport.> sees sport/#", async () => {
  await using b = await startMqttBroker();
  await using stomp = await RawStomp.connect(b.stompPort);
  await subscribe(stomp, "ab", "/topic/a.b");
  await subscribe(stomp, "sport", "/topic/sport.>");
  await using m = await connectMqttJs(url(b.mqttPort), { clientId: "to-stomp" });
  await m.client.publishAsync("a/b", "hello stomp", { qos: 1 });
  const f = await expectMessage(stomp, "hello stomp");
  assert.equal(f.headers.destination, "/topic/a.b");
  assert.equal(f.headers.subscription, "ab");
  assert.equal(f.headers["content-length"], "11", "MQTT payloads are BytesMessages");
  assert.equal(f.headers.persistent, "true", "QoS > 0 is persistent");
  assert.equal(f.headers["ActiveMQ.MQTT.QoS"], "1");
  await m.client.publishAsync("sport/tennis/results", "6-4", { qos: 0 });
  const s = await expectMessage(stomp, "6-4");
  assert.equal(s.headers.destination, "/topic/sport.tennis.results");
  assert.equal(s.headers.persistent, undefined);
});

Deno.test("STOMP SEND to /topic/a.b reaches an MQTT subscriber of a/+ as a/b", async () => {
  await using b = await startMqttBroker();
  await using m = await connectMqttJs(url(b.mqttPort), { clientId: "from-stomp" });
  await m.client.subscribeAsync("a/+", { qos: 1 });
  await using stomp = await RawStomp.connect(b.stompPort);
  await stomp.send("SEND", { destination: "/topic/a.b", receipt: "1" }, "hello mqtt");
  assert.equal((await stomp.next()).command, "RECEIPT");
  const got = await m.inbox.next();
  assert.deepEqual([got.topic, got.text, got.packet.qos], ["a/b", "hello mqtt", 1]);
  // An ActiveMQ name with an MQTT special character round trips through the swap.
  await m.client.subscribeAsync("odd/+", { qos: 0 });
  await stomp.send("SEND", { destination: "/topic/odd.a/b", receipt: "2" }, "slash");
  assert.equal((await stomp.next()).command, "RECEIPT");
  assert.equal((await m.inbox.next()).topic, "odd/a.b");
});

Deno.test("a retained MQTT message reaches a retroactive STOMP subscriber flagged ActiveMQ.Retained", async () => {
  await using b = await startMqttBroker();
  await using m = await connectMqttJs(url(b.mqttPort), { clientId: "retain-for-stomp" });
  await m.client.publishAsync("status/door", "open", { qos: 1, retain: true });
  await using stomp = await RawStomp.connect(b.stompPort);
  await subscribe(stomp, "r", "/topic/status.>", { "activemq.retroactive": "true" });
  const f = await expectMessage(stomp, "open");
  assert.equal(f.headers.destination, "/topic/status.door");
  assert.equal(f.headers["ActiveMQ.Retained"], "true");
});
