/**
 * MQTT 5 with MQTT.js: shared subscriptions, topic aliases both ways, user properties,
 * response topic and correlation data, No Local, Retain As Published and Retain Handling,
 * message expiry, session expiry, takeover with reason codes.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { startMqttBroker } from "../support/mqtt_broker.ts";
import { connectMqttJs, end, type IPublishPacket, once } from "../support/mqttjs.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import { TestClock } from "../support/vm_broker.ts";

const url = (port: number) => `mqtt://127.0.0.1:${port}`;
const v5 = { protocolVersion: 5 as const };

Deno.test("MQTT 5: shared subscriptions split a topic's messages inside a group; other subscribers get all", async () => {
  await using b = await startMqttBroker();
  await using w1 = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "worker-1" });
  await using w2 = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "worker-2" });
  await using all = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "audit" });
  await w1.client.subscribeAsync("$share/workers/jobs/+", { qos: 1 });
  await w2.client.subscribeAsync("$share/workers/jobs/+", { qos: 1 });
  await all.client.subscribeAsync("jobs/+", { qos: 1 });
  for (let i = 0; i < 6; i++) await all.client.publishAsync(`jobs/${i}`, `job ${i}`, { qos: 1 });
  const audit = [];
  for (let i = 0; i < 6; i++) audit.push((await all.inbox.next()).text);
  assert.equal(audit.length, 6);
  const w1got = await w1.inbox.collectFor(150);
  const w2got = await w2.inbox.collectFor(0);
  assert.equal(w1got.length + w2got.length, 6, "each job to one worker");
  assert.ok(w1got.length > 0 && w2got.length > 0, `both workers got jobs (${w1got.length}/${w2got.length})`);
  assert.deepEqual(
    [...w1got, ...w2got].map((m) => m.topic).sort(),
    audit.map((t) => t.replace("job ", "jobs/")).sort(),
  );
});

Deno.test("MQTT 5: topic aliases from the client and to the client, within the negotiated maximum", async () => {
  await using b = await startMqttBroker();
  // The subscriber accepts up to 2 aliases from the broker.
  await using sub = await connectMqttJs(url(b.mqttPort), {
    ...v5,
    clientId: "alias-sub",
    properties: { topicAliasMaximum: 2 },
  });
  const raw: { topic: string; alias?: number }[] = [];
  sub.client.on("packetreceive", (p) => {
    if (p.cmd === "publish") raw.push({ topic: String(p.topic), alias: p.properties?.topicAlias });
  });
  await sub.client.subscribeAsync("alias/#", { qos: 1 });
  // The publisher assigns aliases itself, up to the broker's maximum (10).
  await using pub = await connectMqttJs(url(b.mqttPort), {
    ...v5,
    clientId: "alias-pub",
    autoAssignTopicAlias: true,
  });
  const sent: { topic: string; alias?: number }[] = [];
  pub.client.on("packetsend", (p) => {
    if (p.cmd === "publish") sent.push({ topic: String(p.topic), alias: p.properties?.topicAlias });
  });
  const topics = ["alias/a", "alias/a", "alias/b", "alias/c", "alias/a"];
  for (const [i, t] of topics.entries()) await pub.client.publishAsync(t, `m${i}`, { qos: 1 });
  const got = [];
  for (const _ of topics) got.push(await sub.inbox.next());
  assert.deepEqual(got.map((m) => `${m.topic} ${m.text}`), topics.map((t, i) => `${t} m${i}`));
  assert.deepEqual(sent[1], { topic: "", alias: 1 }, "the client's second publish used its alias");
  // Broker → client: a: alias 1 (new), a: "" + 1, b: alias 2, c: evicts a (least recent), a: again.
  assert.deepEqual(raw, [
    { topic: "alias/a", alias: 1 },
    { topic: "", alias: 1 },
    { topic: "alias/b", alias: 2 },
    { topic: "alias/c", alias: 1 },
    { topic: "alias/a", alias: 2 },
  ]);
});

Deno.test("MQTT 5: user properties, content type, response topic and correlation data (binary too) round trip", async () => {
  await using b = await startMqttBroker();
  await using responder = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "responder" });
  await responder.client.subscribeAsync("rpc/request", { qos: 1 });
  await using stomp = await RawStomp.connect(b.stompPort);
  await stomp.send("SUBSCRIBE", { id: "s", destination: "/topic/rpc.request", receipt: "r" });
  assert.equal((await stomp.next()).command, "RECEIPT");
  await using requester = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "requester" });
  await requester.client.subscribeAsync("rpc/reply/requester", { qos: 1 });

  const binary = Buffer.from([0xff, 0x00, 0xc3, 0x28]); // not UTF-8
  for (const correlationData of [Buffer.from("req-1"), binary]) {
    await requester.client.publishAsync("rpc/request", "ping", {
      qos: 1,
      properties: {
        responseTopic: "rpc/reply/requester",
        correlationData,
        contentType: "text/plain",
        userProperties: { region: "eu", tier: "gold" },
      },
    });
    const req = await responder.inbox.next();
    const p = req.packet.properties!;
    assert.equal(p.responseTopic, "rpc/reply/requester");
    assert.deepEqual(new Uint8Array(p.correlationData!), new Uint8Array(correlationData));
    assert.equal(p.contentType, "text/plain");
    assert.deepEqual({ ...p.userProperties }, { region: "eu", tier: "gold" });
    await responder.client.publishAsync(p.responseTopic!, "pong", {
      qos: 1,
      properties: { correlationData: p.correlationData },
    });
    const reply = await requester.inbox.next();
    assert.equal(reply.text, "pong");
    assert.deepEqual(
      new Uint8Array(reply.packet.properties!.correlationData!),
      new Uint8Array(correlationData),
    );
  }
  // The same request as STOMP sees it.
  const f = await stomp.next();
  assert.equal(f.headers["reply-to"], "/topic/rpc.reply.requester");
  assert.equal(f.headers["correlation-id"], "req-1");
  assert.equal(f.headers.region, "eu");
  assert.equal(f.headers["content-type"], "text/plain");
  assert.equal(f.headers["ActiveMQ.MQTT.QoS"], "1");
  const g = await stomp.next();
  assert.equal(g.headers["ActiveMQ.MQTT.CorrelationEncoding"], "base64");
  assert.equal(g.headers["correlation-id"], binary.toString("base64"));
});

Deno.test("MQTT 5: No Local keeps a client's own publications from it", async () => {
  await using b = await startMqttBroker();
  await using me = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "me" });
  await me.client.subscribeAsync("chat", { qos: 1, nl: true });
  await using other = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "other" });
  await me.client.publishAsync("chat", "from me", { qos: 1 });
  await other.client.publishAsync("chat", "from other", { qos: 1 });
  assert.equal((await me.inbox.next()).text, "from other");
  assert.deepEqual(await me.inbox.collectFor(150), []);
});

Deno.test("MQTT 5: Retain Handling 0/1/2 and Retain As Published", async () => {
  await using b = await startMqttBroker();
  await using pub = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "rh-pub" });
  await pub.client.publishAsync("rh/t", "kept", { qos: 1, retain: true });
  await using c = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "rh-sub" });
  await c.client.subscribeAsync("rh/t", { qos: 1, rh: 2 });
  assert.deepEqual(await c.inbox.collectFor(150), [], "2: never");
  await c.client.subscribeAsync("rh/+", { qos: 1, rh: 1 });
  assert.equal((await c.inbox.next()).packet.retain, true, "1: for a new subscription");
  await c.client.subscribeAsync("rh/+", { qos: 1, rh: 1 });
  assert.deepEqual(await c.inbox.collectFor(150), [], "1: not for an existing one");
  await c.client.subscribeAsync("rh/#", { qos: 1, rh: 0 });
  assert.equal((await c.inbox.next()).packet.retain, true, "0: always");
  await c.client.unsubscribeAsync(["rh/t", "rh/+"]);

  // Live retained publications: retain 0 normally, 1 with Retain As Published.
  await using rap = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "rap" });
  await rap.client.subscribeAsync("rap/t", { qos: 1, rap: true });
  await pub.client.publishAsync("rap/t", "live", { qos: 1, retain: true });
  await pub.client.publishAsync("rh/t", "live", { qos: 1, retain: true });
  assert.equal((await rap.inbox.next()).packet.retain, true);
  assert.equal((await c.inbox.next()).packet.retain, false);
});

Deno.test("MQTT 5: message expiry: expired messages are not delivered, the rest carry the time left", async () => {
  const clock = new TestClock();
  await using b = await startMqttBroker({ now: clock.now });
  const away = await connectMqttJs(url(b.mqttPort), {
    ...v5,
    clientId: "expiring",
    clean: false,
    properties: { sessionExpiryInterval: 300 },
  });
  await away.client.subscribeAsync("exp/#", { qos: 1 });
  await end(away.client);
  await using pub = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "exp-pub" });
  await pub.client.publishAsync("exp/short", "gone", { qos: 1, properties: { messageExpiryInterval: 1 } });
  await pub.client.publishAsync("exp/long", "kept", { qos: 1, properties: { messageExpiryInterval: 3600 } });
  clock.advance(5000); // the broker's clock: 5 s later
  await using back = await connectMqttJs(url(b.mqttPort), {
    ...v5,
    clientId: "expiring",
    clean: false,
    properties: { sessionExpiryInterval: 300 },
  });
  assert.equal(back.sessionPresent, true);
  const m = await back.inbox.next();
  assert.equal(m.text, "kept");
  const left = m.packet.properties?.messageExpiryInterval ?? 0;
  assert.ok(left > 3500 && left <= 3600, `expiry interval left: ${left}`);
  assert.deepEqual(await back.inbox.collectFor(150), []);
});

Deno.test("MQTT 5: a session with Session Expiry 0 ends at disconnect; one with an expiry outlives it until then", async () => {
  await using b = await startMqttBroker();
  const durables = () => b.broker.service.stats().filter((s) => s.destination.name === "sess.>").length;
  {
    const c = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "short", clean: false });
    await c.client.subscribeAsync("sess/#", { qos: 1 });
    await end(c.client);
    await using again = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "short", clean: false });
    assert.equal(again.sessionPresent, false, "Session Expiry 0: nothing to resume");
  }
  const c = await connectMqttJs(url(b.mqttPort), {
    ...v5,
    clientId: "one-second",
    clean: false,
    properties: { sessionExpiryInterval: 1 },
  });
  await c.client.subscribeAsync("sess/#", { qos: 1 });
  await end(c.client);
  assert.equal(durables(), 1, "kept while the client is away");
  const deadline = Date.now() + 4000;
  while (durables() > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50)); // polling the broker's state, bounded
  }
  assert.equal(durables(), 0, "removed once the session expired");
  await using back = await connectMqttJs(url(b.mqttPort), {
    ...v5,
    clientId: "one-second",
    clean: false,
    properties: { sessionExpiryInterval: 1 },
  });
  assert.equal(back.sessionPresent, false);
});

Deno.test("MQTT 5: takeover sends DISCONNECT 0x8E to the first connection", async () => {
  await using b = await startMqttBroker();
  await using first = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "dup5" });
  const disconnected = once<{ reasonCode: number }>(first.client, "disconnect");
  await using _second = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "dup5" });
  assert.equal((await disconnected).reasonCode, 0x8e);
});

Deno.test("MQTT 5: a wildcard subscription of a persistent session keeps collecting while the client is away", async () => {
  await using b = await startMqttBroker();
  const opts = { ...v5, clientId: "wild", clean: false, properties: { sessionExpiryInterval: 60 } };
  const c = await connectMqttJs(url(b.mqttPort), opts);
  await c.client.subscribeAsync("wild/#", { qos: 2 });
  await end(c.client);
  await using pub = await connectMqttJs(url(b.mqttPort), { ...v5, clientId: "wild-pub" });
  await pub.client.publishAsync("wild/1", "one", { qos: 1 });
  await pub.client.publishAsync("wild/2/deep", "two", { qos: 2 });
  await using back = await connectMqttJs(url(b.mqttPort), opts);
  assert.equal(back.sessionPresent, true);
  const got: IPublishPacket[] = [(await back.inbox.next()).packet, (await back.inbox.next()).packet];
  assert.deepEqual(got.map((p) => [p.topic, p.qos]), [["wild/1", 1], ["wild/2/deep", 2]]);
});
