/**
 * CONNECT/CONNACK with raw packets: versions, return and reason codes, refused CONNECTs,
 * packets before CONNECT, malformed and oversized packets, takeover, keep-alive.
 */
import assert from "node:assert/strict";
import { encodePacket } from "../../src/protocol/mqtt/codec.ts";
import { startMqttBroker } from "../support/mqtt_broker.ts";
import { RawMqtt } from "../support/raw_mqtt.ts";

const te = new TextEncoder();

/** Bytes of a packet with the Remaining Length computed. */
function packet(first: number, ...body: (number[] | Uint8Array)[]): Uint8Array {
  const parts = body.map((b) => b instanceof Uint8Array ? b : new Uint8Array(b));
  const length = parts.reduce((n, p) => n + p.length, 0);
  const head: number[] = [first];
  let left = length;
  do {
    head.push((left % 128) | (left >= 128 ? 0x80 : 0));
    left = Math.floor(left / 128);
  } while (left > 0);
  const out = new Uint8Array(head.length + length);
  out.set(head);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function str(text: string): number[] {
  const b = te.encode(text);
  return [b.length >> 8, b.length & 0xff, ...b];
}

/** Proof that the broker carries on: a fresh client still gets its own publication back. */
async function assertBrokerWorks(port: number): Promise<void> {
  await using c = await RawMqtt.connect(port, 4, { clientId: "still-alive" });
  await c.send({
    type: "subscribe",
    packetId: 1,
    subscriptions: [{
      topicFilter: "alive",
      qos: 0,
      noLocal: false,
      retainAsPublished: false,
      retainHandling: 0,
    }],
  });
  await c.expect("suback");
  await c.send({
    type: "publish",
    topic: "alive",
    payload: te.encode("yes"),
    qos: 0,
    retain: false,
    dup: false,
  });
  const p = await c.expect("publish");
  assert.equal(new TextDecoder().decode(p.payload), "yes");
}

Deno.test("CONNECT 3.1, 3.1.1 and 5.0 are accepted with the version's CONNACK", async () => {
  await using b = await startMqttBroker();
  for (const version of [3, 4, 5] as const) {
    await using c = await RawMqtt.open(b.mqttPort, version);
    await c.send({ type: "connect", clientId: `v${version}`, clean: true, keepAlive: 30 });
    const ack = await c.expect("connack");
    assert.equal(ack.reasonCode, 0);
    assert.equal(ack.sessionPresent, false);
    if (version === 5) assert.equal(ack.properties?.topicAliasMaximum, 10);
    await c.send({ type: "pingreq" });
    await c.expect("pingresp");
    await c.send({ type: "disconnect", reasonCode: 0 });
    assert.equal(await c.waitClosed(), true);
  }
});

Deno.test("an empty client id: assigned (MQTT 5 says which); refused without clean session in 3.1.1", async () => {
  await using b = await startMqttBroker();
  {
    await using c = await RawMqtt.connect(b.mqttPort, 5, { clientId: "" });
    assert.match(c.connack!.properties?.assignedClientIdentifier ?? "", /^mqtt-/);
  }
  await using c = await RawMqtt.open(b.mqttPort, 4);
  await c.send({ type: "connect", clientId: "", clean: false, keepAlive: 0 });
  const ack = await c.expect("connack");
  assert.equal(ack.reasonCode, 2, "identifier rejected");
  assert.equal(await c.waitClosed(), true);
});

Deno.test("wrong protocol level: 3.1.1 CONNACK 0x01, MQTT 5 CONNACK 0x84 for a newer level; the broker carries on", async () => {
  await using b = await startMqttBroker();
  {
    // "MQTT" with level 3 (3.1 is "MQIsdp"): a 3.x client, answered in 3.1.1's form.
    await using c = await RawMqtt.open(b.mqttPort);
    await c.write(packet(0x10, str("MQTT"), [3, 0x02, 0, 30], str("old")));
    assert.equal(await c.waitClosed(), true);
    assert.deepEqual(c.received, [0x20, 0x02, 0x00, 0x01]);
  }
  {
    // Level 6: newer than 5, answered in MQTT 5's form with 0x84 Unsupported Protocol Version.
    await using c = await RawMqtt.open(b.mqttPort);
    await c.write(packet(0x10, str("MQTT"), [6, 0x02, 0, 30, 0], str("new")));
    assert.equal(await c.waitClosed(), true);
    assert.deepEqual(c.received, [0x20, 0x03, 0x00, 0x84, 0x00]);
  }
  await assertBrokerWorks(b.mqttPort);
});

Deno.test("a packet before CONNECT closes the connection without an answer", async () => {
  await using b = await startMqttBroker();
  await using c = await RawMqtt.open(b.mqttPort);
  await c.send({ type: "pingreq" });
  assert.equal(await c.waitClosed(), true);
  assert.deepEqual(c.received, []);
  await assertBrokerWorks(b.mqttPort);
});

Deno.test("malformed packets: 3.1.1 closes, MQTT 5 gets DISCONNECT 0x81 / 0x82 first", async () => {
  await using b = await startMqttBroker();
  {
    await using c = await RawMqtt.connect(b.mqttPort, 4, { clientId: "bad-3" });
    await c.write(new Uint8Array([0x36, 0x00])); // PUBLISH with QoS 3
    assert.equal(await c.waitClosed(), true);
    assert.deepEqual(await c.collectFor(0), []);
  }
  {
    await using c = await RawMqtt.connect(b.mqttPort, 5, { clientId: "bad-5" });
    await c.write(packet(0x30, str("a/+"), [0])); // wildcard in a topic name: malformed
    const d = await c.expect("disconnect");
    assert.equal(d.reasonCode, 0x81);
    assert.equal(await c.waitClosed(), true);
  }
  {
    await using c = await RawMqtt.connect(b.mqttPort, 5, { clientId: "bad-5b" });
    await c.write(encodePacket({ type: "connect", clientId: "again", clean: true, keepAlive: 0 }, 5));
    const d = await c.expect("disconnect");
    assert.equal(d.reasonCode, 0x82, "a second CONNECT is a protocol error");
    assert.equal(await c.waitClosed(), true);
  }
  {
    // A malformed MQTT 5 CONNECT (User Property twice is fine, Session Expiry twice is not).
    await using c = await RawMqtt.open(b.mqttPort, 5);
    await c.write(
      packet(0x10, str("MQTT"), [5, 0x02, 0, 30, 10, 0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 2], str("x")),
    );
    const ack = await c.expect("connack");
    assert.equal(ack.reasonCode, 0x82);
    assert.equal(await c.waitClosed(), true);
  }
  await assertBrokerWorks(b.mqttPort);
});

Deno.test("wireFormat.maxFrameSize: an oversized PUBLISH closes the connection (MQTT 5: DISCONNECT 0x95)", async () => {
  await using b = await startMqttBroker({ mqttOptions: "wireFormat.maxFrameSize=1024" });
  {
    await using c = await RawMqtt.connect(b.mqttPort, 5, { clientId: "big-5" });
    assert.equal(c.connack!.properties?.maximumPacketSize, 1024);
    // Only the fixed header: the declared length alone is refused.
    await c.write(new Uint8Array([0x30, 0xff, 0xff, 0x03]));
    const d = await c.expect("disconnect");
    assert.equal(d.reasonCode, 0x95);
    assert.equal(await c.waitClosed(), true);
  }
  {
    await using c = await RawMqtt.connect(b.mqttPort, 4, { clientId: "big-4" });
    await c.send({
      type: "publish",
      topic: "big",
      payload: new Uint8Array(2000),
      qos: 0,
      retain: false,
      dup: false,
    });
    assert.equal(await c.waitClosed(), true);
  }
  await assertBrokerWorks(b.mqttPort);
});

Deno.test("takeover: a second CONNECT with the same client id closes the first (MQTT 5: DISCONNECT 0x8E)", async () => {
  await using b = await startMqttBroker();
  await using first = await RawMqtt.connect(b.mqttPort, 5, { clientId: "twin" });
  await using second = await RawMqtt.connect(b.mqttPort, 5, { clientId: "twin" });
  const d = await first.expect("disconnect");
  assert.equal(d.reasonCode, 0x8e);
  assert.equal(await first.waitClosed(), true);
  await second.send({ type: "pingreq" });
  await second.expect("pingresp");
  // 3.1.1: the first is simply closed.
  await using old = await RawMqtt.connect(b.mqttPort, 4, { clientId: "twin4" });
  await using neu = await RawMqtt.connect(b.mqttPort, 4, { clientId: "twin4" });
  assert.equal(await old.waitClosed(), true);
  await neu.send({ type: "pingreq" });
  await neu.expect("pingresp");
});

Deno.test("keep-alive: a silent client is dropped after 1.5 x keep-alive (MQTT 5: DISCONNECT 0x8D)", async () => {
  await using b = await startMqttBroker();
  await using c = await RawMqtt.connect(b.mqttPort, 5, { clientId: "sleepy", keepAlive: 1 });
  const started = Date.now();
  const d = await c.expect("disconnect", 4000);
  const elapsed = Date.now() - started;
  assert.equal(d.reasonCode, 0x8d);
  assert.ok(elapsed >= 1400 && elapsed < 3500, `dropped after ${elapsed} ms`);
  assert.equal(await c.waitClosed(), true);
});

Deno.test("AUTH: by default an authentication method is refused with CONNACK 0x8C", async () => {
  await using b = await startMqttBroker();
  await using c = await RawMqtt.open(b.mqttPort, 5);
  await c.send({
    type: "connect",
    clientId: "auth",
    clean: true,
    keepAlive: 0,
    properties: { authenticationMethod: "SCRAM-SHA-1", authenticationData: te.encode("client-first") },
  });
  const ack = await c.expect("connack");
  assert.equal(ack.reasonCode, 0x8c);
  assert.equal(await c.waitClosed(), true);
});
