/**
 * STOMP over WebSocket (`ws://`): sub-protocol negotiation, the same semantics as STOMP over
 * TCP, exchanges with TCP clients, `maximumConnections`, frame size limits, plain HTTP, wss.
 */
import assert from "node:assert/strict";
import { Broker } from "../../src/runtime/broker.ts";
import { defaultBrokerConfig, parseTransportUri } from "../../src/config/mod.ts";
import { startMqttBroker } from "../support/mqtt_broker.ts";
import { RawMqtt } from "../support/raw_mqtt.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import { WsClient } from "../support/ws_client.ts";
import { subscribe as mqttSubscribe } from "../mqtt/_helpers.ts";

const wsUrl = (port: number) => `ws://127.0.0.1:${port}/`;

Deno.test("STOMP over WebSocket: v12.stomp is chosen, frames are text messages, a TCP MQTT client takes part", async () => {
  await using b = await startMqttBroker({ ws: true });
  await using ws = await WsClient.stomp(wsUrl(b.wsPort), ["foo", "v12.stomp", "mqtt"]);
  assert.equal(ws.ws.protocol, "v12.stomp", "the first sub-protocol we speak");
  ws.send("SUBSCRIBE", { id: "1", destination: "/topic/ws.t", receipt: "s1" });
  assert.equal((await ws.next()).command, "RECEIPT");
  await using mqtt = await RawMqtt.connect(b.mqttPort, 4, { clientId: "tcp-mqtt" });
  await mqttSubscribe(mqtt, "ws/back", 1);
  await mqtt.send({
    type: "publish",
    topic: "ws/t",
    payload: new TextEncoder().encode("to ws"),
    qos: 0,
    retain: false,
    dup: false,
  });
  const m = await ws.next();
  assert.equal(m.command, "MESSAGE");
  assert.equal(m.headers.destination, "/topic/ws.t");
  assert.equal(m.body, "to ws");
  assert.ok(ws.messages.every((x) => x.text), "STOMP goes out as text messages");
  ws.send("SEND", { destination: "/topic/ws.back" }, "from ws");
  const p = await mqtt.expect("publish");
  assert.equal(new TextDecoder().decode(p.payload), "from ws");
});

Deno.test("STOMP over WebSocket: no sub-protocol means STOMP; queues work with TCP STOMP clients", async () => {
  await using b = await startMqttBroker({ ws: true });
  await using ws = await WsClient.stomp(wsUrl(b.wsPort), null);
  assert.equal(ws.ws.protocol, "");
  await using tcp = await RawStomp.connect(b.stompPort);
  ws.send("SEND", { destination: "/queue/ws.q", receipt: "r" }, "queued over ws");
  assert.equal((await ws.next()).command, "RECEIPT");
  tcp.send("SUBSCRIBE", { id: "q", destination: "/queue/ws.q" });
  const f = await tcp.next();
  assert.deepEqual([f.command, f.body], ["MESSAGE", "queued over ws"]);
  for (const protocol of ["v10.stomp", "v11.stomp", "stomp"]) {
    await using c = await WsClient.stomp(wsUrl(b.wsPort), protocol);
    assert.equal(c.ws.protocol, protocol);
  }
});

Deno.test("WebSocket: maximumConnections refuses the upgrade beyond the limit", async () => {
  await using b = await startMqttBroker({ ws: true, wsOptions: "maximumConnections=1" });
  await using first = await WsClient.stomp(wsUrl(b.wsPort));
  await assert.rejects(WsClient.open(wsUrl(b.wsPort), "v12.stomp"));
  await first.close();
  // The slot is free again once the first connection has gone.
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await using _again = await WsClient.stomp(wsUrl(b.wsPort));
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
});

Deno.test("WebSocket: wireFormat.maxFrameSize applies to STOMP frames; the broker carries on", async () => {
  await using b = await startMqttBroker({ ws: true, wsOptions: "wireFormat.maxFrameSize=1024" });
  {
    await using ws = await WsClient.stomp(wsUrl(b.wsPort));
    ws.send("SEND", { destination: "/queue/big" }, "x".repeat(2000));
    const f = await ws.next();
    assert.equal(f.command, "ERROR");
    assert.match(f.headers.message, /maxFrameSize 1024/);
    assert.equal(await ws.waitClosed(), true);
  }
  await using ws = await WsClient.stomp(wsUrl(b.wsPort));
  ws.send("SEND", { destination: "/queue/small", receipt: "ok" }, "fits");
  assert.equal((await ws.next()).command, "RECEIPT");
});

Deno.test("WebSocket: a plain HTTP request gets 426 Upgrade Required", async () => {
  await using b = await startMqttBroker({ ws: true });
  const res = await fetch(`http://127.0.0.1:${b.wsPort}/`);
  assert.equal(res.status, 426);
  assert.match(await res.text(), /WebSocket/);
});

Deno.test("wss:// refuses to start, naming what is missing", async () => {
  const config = defaultBrokerConfig();
  config.persistent = false;
  config.persistenceAdapter = { kind: "memory" };
  config.transportConnectors = [{ name: "secure-ws", uri: parseTransportUri("wss://127.0.0.1:0") }];
  await assert.rejects(
    Broker.start(config, { logLevel: "silent" }),
    /secure-ws.*wss:\/\/ needs a certificate and private key: set transport\.certFile and transport\.keyFile/,
  );
});
