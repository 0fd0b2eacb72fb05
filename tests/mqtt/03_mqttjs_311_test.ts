/**
 * MQTT 3.1.1 (and 3.1) with a real client, MQTT.js: QoS round trips, retained messages,
 * the Will, persistent sessions across a broker restart, and takeover.
 */
import assert from "node:assert/strict";
import { MemoryPersistenceAdapter } from "../../src/store/mod.ts";
import { startMqttBroker } from "../support/mqtt_broker.ts";
import { connectMqttJs, crash, end, once } from "../support/mqttjs.ts";

const url = (port: number) => `mqtt://127.0.0.1:${port}`;

Deno.test("MQTT.js 3.1.1: QoS 0, 1 and 2 round trips", async () => {
  await using b = await startMqttBroker();
  await using c = await connectMqttJs(url(b.mqttPort), { clientId: "js-qos", protocolVersion: 4 });
  await c.client.subscribeAsync("js/qos/#", { qos: 2 });
  for (const qos of [0, 1, 2] as const) {
    await c.client.publishAsync(`js/qos/${qos}`, `at ${qos}`, { qos });
    const m = await c.inbox.next();
    assert.deepEqual([m.topic, m.text, m.packet.qos, m.packet.retain], [
      `js/qos/${qos}`,
      `at ${qos}`,
      qos,
      false,
    ]);
  }
});

Deno.test("MQTT.js 3.1 (MQIsdp): connects and round trips", async () => {
  await using b = await startMqttBroker();
  await using c = await connectMqttJs(url(b.mqttPort), {
    clientId: "js-31",
    protocolVersion: 3,
    protocolId: "MQIsdp",
  });
  await c.client.subscribeAsync("js/31", { qos: 1 });
  await c.client.publishAsync("js/31", "old", { qos: 1 });
  assert.equal((await c.inbox.next()).text, "old");
});

Deno.test("MQTT.js: retained messages are set, replaced and cleared; live copies have retain 0", async () => {
  await using b = await startMqttBroker();
  await using pub = await connectMqttJs(url(b.mqttPort), { clientId: "ret-pub" });
  await pub.client.publishAsync("ret/a", "first", { qos: 1, retain: true });
  {
    await using s = await connectMqttJs(url(b.mqttPort), { clientId: "ret-sub-1" });
    await s.client.subscribeAsync("ret/#", { qos: 1 });
    const m = await s.inbox.next();
    assert.deepEqual([m.topic, m.text, m.packet.retain, m.packet.qos], ["ret/a", "first", true, 1]);
    // A retained publication to a live subscriber arrives with retain 0 ([MQTT-3.3.1-9]).
    await pub.client.publishAsync("ret/a", "second", { qos: 1, retain: true });
    const live = await s.inbox.next();
    assert.deepEqual([live.text, live.packet.retain], ["second", false]);
  }
  {
    await using s = await connectMqttJs(url(b.mqttPort), { clientId: "ret-sub-2" });
    await s.client.subscribeAsync("ret/a", { qos: 0 });
    const m = await s.inbox.next();
    assert.deepEqual([m.text, m.packet.retain, m.packet.qos], ["second", true, 0]);
  }
  await pub.client.publishAsync("ret/a", "", { qos: 1, retain: true });
  await using s = await connectMqttJs(url(b.mqttPort), { clientId: "ret-sub-3" });
  await s.client.subscribeAsync("ret/#", { qos: 1 });
  assert.deepEqual(await s.inbox.collectFor(200), [], "an empty retained message clears it");
});

Deno.test("MQTT.js: the Will goes out on an abnormal disconnect only", async () => {
  await using b = await startMqttBroker();
  await using watcher = await connectMqttJs(url(b.mqttPort), { clientId: "will-watch" });
  await watcher.client.subscribeAsync("will/#", { qos: 1 });
  const will = (name: string) => ({
    topic: `will/${name}`,
    payload: `${name} is gone`,
    qos: 1 as const,
    retain: false,
  });

  const polite = await connectMqttJs(url(b.mqttPort), { clientId: "polite", will: will("polite") });
  await end(polite.client); // DISCONNECT: the Will is discarded
  const rude = await connectMqttJs(url(b.mqttPort), { clientId: "rude", will: will("rude") });
  await crash(rude.client); // the socket just goes away
  const m = await watcher.inbox.next();
  assert.deepEqual([m.topic, m.text, m.packet.qos], ["will/rude", "rude is gone", 1]);
  assert.deepEqual(await watcher.inbox.collectFor(200), []);
});

Deno.test("MQTT.js: a persistent session and retained messages survive a broker restart", async () => {
  const store = new MemoryPersistenceAdapter();
  {
    await using b = await startMqttBroker({ store });
    const sub = await connectMqttJs(url(b.mqttPort), { clientId: "durable-js", clean: false });
    assert.equal(sub.sessionPresent, false);
    // An exact filter: the memory store loses the backlog of wildcard durable subscriptions
    // across a restart (a core store issue, reported); live wildcard sessions are covered above.
    await sub.client.subscribeAsync("persist/a", { qos: 1 });
    await sub.client.subscribeAsync("persist/zero", { qos: 0 });
    await end(sub.client);
    await using pub = await connectMqttJs(url(b.mqttPort), { clientId: "durable-pub" });
    await pub.client.publishAsync("persist/a", "while away 1", { qos: 1 });
    await pub.client.publishAsync("persist/a", "while away 2", { qos: 1 });
    await pub.client.publishAsync("persist/zero", "QoS 0: not kept", { qos: 1 });
    await pub.client.publishAsync("kept/status", "online", { qos: 1, retain: true });
    // The durable subscription is the core's (semantics.md §3.3).
    const durable = b.broker.service.stats().find((s) => s.destination.name === "persist.a");
    assert.equal(durable?.pending, 2);
  }
  await using b = await startMqttBroker({ store });
  await using sub = await connectMqttJs(url(b.mqttPort), { clientId: "durable-js", clean: false });
  assert.equal(sub.sessionPresent, true);
  // No SUBSCRIBE: the session brought its subscriptions back.
  const got = [await sub.inbox.next(), await sub.inbox.next()].map((m) => `${m.topic} ${m.text}`);
  assert.deepEqual(got, ["persist/a while away 1", "persist/a while away 2"]);
  await using pub = await connectMqttJs(url(b.mqttPort), { clientId: "durable-pub" });
  await pub.client.publishAsync("persist/zero", "QoS 0 subscription restored too", { qos: 1 });
  const live = await sub.inbox.next();
  assert.deepEqual([live.topic, live.text, live.packet.qos], [
    "persist/zero",
    "QoS 0 subscription restored too",
    0,
  ]);
  await using late = await connectMqttJs(url(b.mqttPort), { clientId: "late" });
  await late.client.subscribeAsync("kept/#", { qos: 1 });
  const r = await late.inbox.next();
  assert.deepEqual([r.topic, r.text, r.packet.retain], ["kept/status", "online", true]);

  // A clean session removes it for good.
  await end(sub.client);
  await using clean = await connectMqttJs(url(b.mqttPort), { clientId: "durable-js", clean: true });
  assert.equal(clean.sessionPresent, false);
  assert.equal(b.broker.service.stats().some((s) => s.destination.name === "persist.a"), false);
});

Deno.test("MQTT.js: a second connection with the same client id takes over", async () => {
  await using b = await startMqttBroker();
  await using first = await connectMqttJs(url(b.mqttPort), { clientId: "same" });
  const closed = once(first.client, "close");
  await using second = await connectMqttJs(url(b.mqttPort), { clientId: "same" });
  await closed;
  await second.client.subscribeAsync("takeover", { qos: 1 });
  await second.client.publishAsync("takeover", "mine now", { qos: 1 });
  assert.equal((await second.inbox.next()).text, "mine now");
});
