/**
 * Interop with the mosquitto command-line clients (Debian package `mosquitto-clients`):
 * mosquitto_pub and mosquitto_sub, MQTT 3.1.1 and 5.0, QoS 1 and 2, retained messages and
 * MQTT 5 user properties.
 */
import assert from "node:assert/strict";
import { startMqttBroker } from "../support/mqtt_broker.ts";
import { connectMqttJs } from "../support/mqttjs.ts";
import { requireTool, runTool, ToolProcess } from "../support/tools.ts";

const PACKAGE = "mosquitto-clients";

Deno.test("mosquitto_pub (3.1.1 and 5.0) publishes to MQTT.js; MQTT 5 user properties come through", async () => {
  const pub = requireTool("mosquitto_pub", PACKAGE, "mosquitto_pub publishes");
  if (!pub) return;
  await using b = await startMqttBroker();
  await using m = await connectMqttJs(`mqtt://127.0.0.1:${b.mqttPort}`, {
    clientId: "mosq-watch",
    protocolVersion: 5,
  });
  await m.client.subscribeAsync("mosq/#", { qos: 2 });
  const base = ["-h", "127.0.0.1", "-p", String(b.mqttPort)];
  const v311 = await runTool(pub, [...base, "-V", "mqttv311", "-q", "1", "-t", "mosq/a", "-m", "from 3.1.1"]);
  assert.equal(v311.code, 0, v311.output);
  const got = await m.inbox.next();
  assert.deepEqual([got.topic, got.text, got.packet.qos], ["mosq/a", "from 3.1.1", 1]);
  const v5 = await runTool(pub, [
    ...base,
    "-V",
    "mqttv5",
    "-q",
    "2",
    "-t",
    "mosq/b",
    "-m",
    "from 5.0",
    "-D",
    "publish",
    "user-property",
    "origin",
    "mosquitto",
  ]);
  assert.equal(v5.code, 0, v5.output);
  const five = await m.inbox.next();
  assert.deepEqual([five.topic, five.text, five.packet.qos], ["mosq/b", "from 5.0", 2]);
  assert.deepEqual({ ...five.packet.properties?.userProperties }, { origin: "mosquitto" });
});

Deno.test("mosquitto_sub gets a retained message with its flags, and live messages (3.1.1 and 5.0)", async () => {
  const pub = requireTool("mosquitto_pub", PACKAGE, "mosquitto_sub receives");
  const sub = requireTool("mosquitto_sub", PACKAGE, "mosquitto_sub receives");
  if (!pub || !sub) return;
  await using b = await startMqttBroker();
  const base = ["-h", "127.0.0.1", "-p", String(b.mqttPort)];
  const retained = await runTool(pub, [...base, "-q", "1", "-r", "-t", "mosq/retained", "-m", "kept"]);
  assert.equal(retained.code, 0, retained.output);
  // -C 1: exit after one message; -W: give up after 5 s; %r retain flag, %q QoS.
  const once = await runTool(sub, [
    ...base,
    "-q",
    "1",
    "-C",
    "1",
    "-W",
    "5",
    "-t",
    "mosq/#",
    "-F",
    "%r %q %t %p",
  ]);
  assert.equal(once.code, 0, once.output);
  assert.equal(once.output.trim(), "1 1 mosq/retained kept");

  // mosquitto_sub's output is block-buffered on a pipe; the consumer advisory says when it
  // has subscribed.
  await using vm = await b.broker.connect();
  const subscribed = await vm.subscribe("topic://ActiveMQ.Advisory.Consumer.Topic.live.>");
  for (const version of ["mqttv311", "mqttv5"]) {
    await using live: ToolProcess = new ToolProcess(sub, [
      ...base,
      "-V",
      version,
      "-q",
      "2",
      "-C",
      "2",
      "-W",
      "5",
      "-t",
      "live/#",
      "-F",
      "%r %q %t %p",
    ]);
    // The advisory of its consumer (the removal of the previous one is an advisory too).
    for (;;) {
      const advisory = await subscribed.receive(5000);
      assert.ok(advisory, "mosquitto_sub subscribed");
      if (advisory.message.advisory?.type === "ConsumerInfo") break;
    }
    await using m = await connectMqttJs(`mqtt://127.0.0.1:${b.mqttPort}`, {
      clientId: `mosq-pub-${version}`,
    });
    await m.client.publishAsync("live/one", "first", { qos: 2 });
    await m.client.publishAsync("live/two", "second", { qos: 0 });
    const status = await live.status();
    assert.equal(status.code, 0, live.output);
    const lines = live.output.split("\n").filter((l) => /^[01] [012] /.test(l));
    assert.deepEqual(lines, ["0 2 live/one first", "0 0 live/two second"], live.output);
  }
});
