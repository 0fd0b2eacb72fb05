/**
 * Robustness over raw sockets: a malformed, truncated, unknown or oversized frame (or a
 * stream that is not OpenWire at all) closes that one connection; the broker and the
 * other clients carry on.
 */
import assert from "node:assert/strict";
import {
  createCommand,
  createWireFormatInfo,
  encodeCommand,
  PRE_NEGOTIATION_FORMAT,
} from "../../src/protocol/openwire/codec.ts";
import { type OpenWireTestBroker, startOpenWireBroker } from "../support/openwire_broker.ts";
import { RawOpenWire } from "../support/raw_openwire.ts";
import { expectResponse, Ids, nextDispatch, queue, subscribe, textOf } from "./_helpers.ts";

/** A well-behaved client still exchanges a message. */
async function brokerCarriesOn(b: OpenWireTestBroker): Promise<void> {
  const ids = new Ids();
  await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId });
  const consumer = ids.consumer();
  await subscribe(c, consumer, queue("still.alive"));
  expectResponse(await c.request(ids.text(queue("still.alive"), "fine")));
  assert.equal(textOf(await nextDispatch(c, consumer)), "fine");
}

const frame = (...bytes: number[]) => new Uint8Array(bytes);

/** [name, bytes written after a completed handshake (or instead of it)]. */
const BROKEN: [name: string, handshake: boolean, bytes: () => Uint8Array][] = [
  ["an unknown data type (77)", true, () => frame(0, 0, 0, 2, 77, 0)],
  // SessionInfo whose fields run past its declared length of 3 bytes.
  ["a truncated frame (fields past its length)", true, () => frame(0, 0, 0, 3, 4, 1, 0, 0, 0, 0, 0, 0, 0)],
  ["a negative frame length", true, () => frame(0xff, 0xff, 0xff, 0xf0, 4)],
  ["a frame larger than wireFormat.maxFrameSize", true, () => frame(0, 1, 0, 1, 28, 0, 0, 0)],
  ["a data structure that is no command (ActiveMQQueue)", true, () => {
    return encodeCommand({ type: 100, physicalName: "Q" }, {
      ...PRE_NEGOTIATION_FORMAT,
      tightEncodingEnabled: true,
    });
  }],
  [
    "an HTTP request instead of a WireFormatInfo",
    false,
    () => new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"),
  ],
  ["a TLS ClientHello", false, () => frame(0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03)],
  [
    "a command before the WireFormatInfo",
    false,
    () => encodeCommand(createCommand(4, {}), PRE_NEGOTIATION_FORMAT),
  ],
  ["a WireFormatInfo with the wrong magic", false, () => {
    const info = createWireFormatInfo();
    info.magic = new TextEncoder().encode("ActiveMX");
    return encodeCommand(info, PRE_NEGOTIATION_FORMAT);
  }],
  ["a WireFormatInfo below wireFormat.minmumWireFormatVersion", false, () => {
    return encodeCommand(createWireFormatInfo({ version: 1 }), PRE_NEGOTIATION_FORMAT);
  }],
];

for (const [name, handshake, bytes] of BROKEN) {
  Deno.test(`${name} closes that connection; the broker carries on`, async () => {
    await using b = await startOpenWireBroker({
      openWireOptions: "wireFormat.maxFrameSize=65536&wireFormat.minmumWireFormatVersion=2",
    });
    await using bystander = await RawOpenWire.connect(b.port);
    await using c = handshake
      ? await RawOpenWire.connect(b.port, {}, { wireFormat: { cacheEnabled: false } })
      : await RawOpenWire.open(b.port, { skipHandshake: true });
    await c.write(bytes()).catch(() => {/* the broker may close before every byte is in */});
    assert.equal(await c.waitClosed(5000), true, "the broken connection is closed");
    assert.equal(bystander.closed, false);
    expectResponse(await bystander.request(createCommand(15, {})));
    await brokerCarriesOn(b);
  });
}

Deno.test("a frame cut off by the client's disconnect leaves nothing behind", async () => {
  await using b = await startOpenWireBroker();
  {
    const ids = new Ids();
    await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId, clientId: "cut" });
    const whole = encodeCommand(ids.text(queue("cut"), "x".repeat(1000)), {
      ...c.format!,
      cacheEnabled: false,
    });
    await c.write(whole.subarray(0, 500));
  }
  await brokerCarriesOn(b);
  assert.equal(b.broker.service.queueSize("cut"), 0);
  // The client id was released with the connection.
  await using again = await RawOpenWire.connect(b.port, { clientId: "cut" });
  assert.equal(again.closed, false);
});

Deno.test("a frame split into single bytes is still one frame", async () => {
  await using b = await startOpenWireBroker();
  const ids = new Ids();
  await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId }, {
    wireFormat: { cacheEnabled: false },
  });
  const consumer = ids.consumer();
  await subscribe(c, consumer, queue("trickle"));
  const bytes = encodeCommand(ids.text(queue("trickle"), "one byte at a time"), c.format!);
  for (const byte of bytes) await c.write(new Uint8Array([byte]));
  assert.equal(textOf(await nextDispatch(c, consumer)), "one byte at a time");
});

Deno.test("fifty connections sending garbage at once do not disturb a working client", async () => {
  await using b = await startOpenWireBroker();
  const ids = new Ids();
  await using good = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId });
  const consumer = ids.consumer();
  await subscribe(good, consumer, queue("busy"));
  // Half of them fail the handshake, half send an unknown command after it.
  const garbage = await Promise.all(
    Array.from({ length: 50 }, (_, i) => RawOpenWire.open(b.port, { skipHandshake: i % 2 === 0 })),
  );
  try {
    await Promise.all(
      garbage.map((g, i) => g.write(frame(0, 0, 0, 5, 200 + (i % 50), 1, 2, 3, 4)).catch(() => {})),
    );
    for (let i = 0; i < 20; i++) expectResponse(await good.request(ids.text(queue("busy"), `m${i}`)));
    for (let i = 0; i < 20; i++) assert.equal(textOf(await nextDispatch(good, consumer)), `m${i}`);
    for (const g of garbage) assert.equal(await g.waitClosed(5000), true);
  } finally {
    await Promise.all(garbage.map((g) => g.close()));
  }
});
