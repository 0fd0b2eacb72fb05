/**
 * MQTT over WebSocket (`ws://`, sub-protocol `mqtt` or `mqttv3.1`): MQTT.js with a ws://
 * URL (3.1.1 and 5.0) exchanging with TCP MQTT and STOMP clients, binary framing, takeover
 * between WebSocket connections, and the frame size limit.
 */
import assert from "node:assert/strict";
import { encodePacket, MqttParser } from "../../src/protocol/mqtt/codec.ts";
import { startMqttBroker } from "../support/mqtt_broker.ts";
import { connectMqttJs, once } from "../support/mqttjs.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import { WsClient } from "../support/ws_client.ts";
import { expectMessage, subscribe } from "../stomp/_helpers.ts";

const wsUrl = (port: number) => `ws://127.0.0.1:${port}`;

Deno.test("MQTT.js over ws:// (3.1.1 and 5.0) exchanges with TCP MQTT and STOMP clients", async () => {
  await using b = await startMqttBroker({ ws: true });
  await using stomp = await RawStomp.connect(b.stompPort);
  await subscribe(stomp, "s", "/topic/wsmqtt.>");
  await using tcp = await connectMqttJs(`mqtt://127.0.0.1:${b.mqttPort}`, { clientId: "tcp-side" });
  await tcp.client.subscribeAsync("wsmqtt/#", { qos: 1 });
  for (const protocolVersion of [4, 5] as const) {
    await using ws = await connectMqttJs(wsUrl(b.wsPort), {
      clientId: `ws-side-${protocolVersion}`,
      protocolVersion,
    });
    await ws.client.subscribeAsync("reply/#", { qos: 2 });
    await ws.client.publishAsync(`wsmqtt/v${protocolVersion}`, "over websocket", { qos: 1, retain: false });
    const got = await tcp.inbox.next();
    assert.deepEqual([got.topic, got.text, got.packet.qos], [
      `wsmqtt/v${protocolVersion}`,
      "over websocket",
      1,
    ]);
    await expectMessage(stomp, "over websocket");
    await tcp.client.publishAsync(`reply/v${protocolVersion}`, "over tcp", { qos: 2 });
    const back = await ws.inbox.next();
    assert.deepEqual([back.topic, back.text, back.packet.qos], [`reply/v${protocolVersion}`, "over tcp", 2]);
  }
});

Deno.test("MQTT over WebSocket: mqttv3.1 is chosen and packets go as binary messages", async () => {
  await using b = await startMqttBroker({ ws: true });
  await using ws = await WsClient.open(wsUrl(b.wsPort), ["mqttv3.1"]);
  assert.equal(ws.ws.protocol, "mqttv3.1");
  ws.sendBytes(encodePacket({ type: "connect", clientId: "raw-ws", clean: true, keepAlive: 0 }, 4));
  await ws.waitMessages(1);
  assert.equal(ws.messages[0].text, false, "MQTT needs binary messages [MQTT-6.0.0-1]");
  const parser = new MqttParser({ side: "client" });
  const [event] = parser.push(ws.messages[0].bytes);
  assert.deepEqual(event, {
    kind: "packet",
    packet: { type: "connack", sessionPresent: false, reasonCode: 0 },
  });
});

Deno.test("MQTT over WebSocket: takeover between WebSocket connections; maxFrameSize → DISCONNECT 0x95", async () => {
  await using b = await startMqttBroker({ ws: true, wsOptions: "wireFormat.maxFrameSize=512" });
  await using first = await connectMqttJs(wsUrl(b.wsPort), { clientId: "ws-twin", protocolVersion: 5 });
  const kicked = once<{ reasonCode: number }>(first.client, "disconnect");
  await using _second = await connectMqttJs(wsUrl(b.wsPort), { clientId: "ws-twin", protocolVersion: 5 });
  assert.equal((await kicked).reasonCode, 0x8e);

  // MQTT.js honours the broker's Maximum Packet Size itself: a raw client oversteps it.
  await using raw = await WsClient.open(wsUrl(b.wsPort), "mqtt");
  raw.sendBytes(encodePacket({ type: "connect", clientId: "ws-big", clean: true, keepAlive: 0 }, 5));
  await raw.waitMessages(1);
  raw.sendBytes(
    encodePacket({
      type: "publish",
      topic: "big",
      payload: new Uint8Array(2000),
      qos: 0,
      retain: false,
      dup: false,
    }, 5),
  );
  await raw.waitMessages(2);
  const parser = new MqttParser({ side: "client" });
  parser.version = 5;
  const packets = raw.messages.flatMap((m) => parser.push(m.bytes));
  assert.equal(packets[0].kind === "packet" && packets[0].packet.type, "connack");
  const last = packets[1];
  assert.ok(last.kind === "packet" && last.packet.type === "disconnect", JSON.stringify(last));
  assert.equal(last.packet.reasonCode, 0x95);
  assert.equal(await raw.waitClosed(), true);
});
