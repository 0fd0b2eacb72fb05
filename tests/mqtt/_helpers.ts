/** Small steps the numbered MQTT tests share. */
import assert from "node:assert/strict";
import type { MqttPublish, MqttQoS, MqttSubscription } from "../../src/protocol/mqtt/codec.ts";
import type { RawMqtt } from "../support/raw_mqtt.ts";

export const te = new TextEncoder();
export const td = new TextDecoder();

let packetSeq = 0;

/** SUBSCRIBE and wait for the SUBACK; returns its codes. */
export async function subscribe(
  c: RawMqtt,
  topicFilter: string,
  qos: MqttQoS,
  options: Partial<MqttSubscription> = {},
): Promise<number[]> {
  const packetId = ++packetSeq % 65535 + 1;
  await c.send({
    type: "subscribe",
    packetId,
    subscriptions: [{
      topicFilter,
      qos,
      noLocal: false,
      retainAsPublished: false,
      retainHandling: 0,
      ...options,
    }],
  });
  const ack = await c.expect("suback");
  assert.equal(ack.packetId, packetId);
  return ack.reasonCodes;
}

/** PUBLISH with the whole exchange of its QoS done (PUBACK, or PUBREC/PUBREL/PUBCOMP). */
export async function publish(
  c: RawMqtt,
  topic: string,
  payload: string | Uint8Array,
  qos: MqttQoS = 0,
  extra: Partial<MqttPublish> = {},
): Promise<void> {
  const packetId = qos > 0 ? ++packetSeq % 65535 + 1 : undefined;
  await c.send({
    type: "publish",
    topic,
    payload: typeof payload === "string" ? te.encode(payload) : payload,
    qos,
    retain: false,
    dup: false,
    packetId,
    ...extra,
  });
  if (qos === 1) assert.equal((await c.expect("puback")).packetId, packetId);
  if (qos === 2) {
    assert.equal((await c.expect("pubrec")).packetId, packetId);
    await c.send({ type: "pubrel", packetId: packetId!, reasonCode: 0 });
    assert.equal((await c.expect("pubcomp")).packetId, packetId);
  }
}

/** The next PUBLISH, acknowledged as its QoS asks (QoS 2: PUBREC, PUBREL, PUBCOMP). */
export async function receive(c: RawMqtt, timeoutMs = 5000): Promise<MqttPublish> {
  const p = await c.expect("publish", timeoutMs);
  if (p.qos === 1) await c.send({ type: "puback", packetId: p.packetId!, reasonCode: 0 });
  if (p.qos === 2) {
    await c.send({ type: "pubrec", packetId: p.packetId!, reasonCode: 0 });
    assert.equal((await c.expect("pubrel")).packetId, p.packetId);
    await c.send({ type: "pubcomp", packetId: p.packetId!, reasonCode: 0 });
  }
  return p;
}

/** Asserts that no packet arrives within `ms` (short windows only). */
export async function expectNothing(c: RawMqtt, ms = 200): Promise<void> {
  const packets = await c.collectFor(ms);
  assert.deepEqual(
    packets.map((p) => p.type === "publish" ? `PUBLISH ${p.topic} ${td.decode(p.payload)}` : p.type),
    [],
  );
}
