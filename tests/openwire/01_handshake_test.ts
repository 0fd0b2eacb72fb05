/**
 * The WireFormatInfo handshake over a raw socket: what the broker advertises, BrokerInfo
 * first, negotiation of every protocol version 1-12 with tight/loose encoding, the value
 * cache on and off and the size prefix on and off, KeepAliveInfo both ways, the
 * inactivity monitor, the connect-attempt timeout and maximumConnections.
 */
import assert from "node:assert/strict";
import {
  AckType,
  createCommand,
  decodePrimitiveMap,
  type WireFormatOptions,
} from "../../src/protocol/openwire/codec.ts";
import { parseTransportUri } from "../../src/config/mod.ts";
import { startOpenWireBroker } from "../support/openwire_broker.ts";
import { RawOpenWire } from "../support/raw_openwire.ts";
import { ack, expectResponse, Ids, nextDispatch, queue, subscribe, textOf } from "./_helpers.ts";

Deno.test("the broker advertises ActiveMQ's wire format and sends BrokerInfo first", async () => {
  await using b = await startOpenWireBroker({ openWireOptions: "wireFormat.maxFrameSize=104857600" });
  await using c = await RawOpenWire.open(b.port);
  const wf = c.brokerWireFormat!;
  assert.equal(wf.version, 12);
  assert.equal(new TextDecoder().decode(wf.magic), "ActiveMQ");
  const options = decodePrimitiveMap(wf.marshalledProperties!);
  const plain = Object.fromEntries(
    [...options!].map(([k, v]) => [k, "value" in v ? String(v.value) : "null"]),
  );
  assert.deepEqual(plain, {
    StackTraceEnabled: "true",
    PlatformDetails: "Java",
    CacheEnabled: "true",
    TcpNoDelayEnabled: "true",
    SizePrefixDisabled: "false",
    CacheSize: "1024",
    ProviderName: "ActiveMQ",
    TightEncodingEnabled: "true",
    MaxFrameSize: "104857600",
    MaxInactivityDuration: "30000",
    MaxInactivityDurationInitalDelay: "10000",
    MaxFrameSizeEnabled: "true",
    ProviderVersion: "5.17.2",
  });
  assert.equal(c.format?.maxFrameSize, 104857600, "the smaller frame limit wins");
  // RawOpenWire.open waited for the BrokerInfo; nothing came before it but the WireFormatInfo.
  assert.deepEqual(c.drain(), []);
});

Deno.test("BrokerInfo names the broker and the connector's URL", async () => {
  await using b = await startOpenWireBroker();
  await using c = await RawOpenWire.open(b.port);
  const info = c.brokerInfo!;
  assert.equal(info.brokerName, "localhost");
  assert.equal(info.brokerURL, `tcp://127.0.0.1:${b.port}`);
  assert.match(info.brokerId?.value ?? "", /^ID:/);
  assert.equal(info.responseRequired, false);
});

/** Send, dispatch and ack a text message with this client's wire format options. */
async function roundTrip(port: number, wireFormat: Partial<WireFormatOptions>, label: string): Promise<void> {
  const ids = new Ids();
  await using c = await RawOpenWire.connect(port, { connectionId: ids.connectionId }, { wireFormat });
  const f = c.format!;
  assert.equal(f.version, wireFormat.version ?? 12, `${label}: negotiated version`);
  assert.equal(f.tightEncodingEnabled, wireFormat.tightEncodingEnabled ?? true, `${label}: tight`);
  assert.equal(f.cacheEnabled, wireFormat.cacheEnabled ?? true, `${label}: cache`);
  assert.equal(f.sizePrefixDisabled, wireFormat.sizePrefixDisabled ?? false, `${label}: size prefix`);
  const consumer = ids.consumer();
  const dest = queue(`versions.${label}`);
  await subscribe(c, consumer, dest);
  for (const text of ["one", "two ✓"]) expectResponse(await c.request(ids.text(dest, text)));
  const first = await nextDispatch(c, consumer);
  const second = await nextDispatch(c, consumer);
  assert.equal(textOf(first), "one", label);
  assert.equal(textOf(second), "two ✓", label);
  assert.equal(first.message!.messageId!.brokerSequenceId, 1, `${label}: broker sequence`);
  await c.send(ack(second, AckType.Standard, { firstMessageId: first.message!.messageId, messageCount: 2 }));
  // The removal of the connection answers only after everything before it was handled.
  expectResponse(await c.request(createCommand(12, { objectId: { type: 120, value: ids.connectionId } })));
  assert.deepEqual(c.errors, [], `${label}: what the broker sent decodes`);
}

Deno.test("every protocol version 1-12 negotiates, in tight and loose encoding, with and without cache", async () => {
  await using b = await startOpenWireBroker();
  for (let version = 1; version <= 12; version++) {
    await roundTrip(b.port, { version }, `v${version}-tight-cache`);
    await roundTrip(
      b.port,
      { version, tightEncodingEnabled: false, cacheEnabled: false },
      `v${version}-loose`,
    );
  }
  await roundTrip(b.port, { tightEncodingEnabled: false }, "loose-cache");
  await roundTrip(b.port, { cacheEnabled: false }, "tight-nocache");
  await roundTrip(b.port, { cacheSize: 16 }, "small-cache");
  assert.equal(b.broker.service.queueSize("versions.v1-tight-cache"), 0, "acked messages are gone");
});

Deno.test("sizePrefixDisabled needs both sides (AND): frames without a size prefix", async () => {
  await using plain = await startOpenWireBroker();
  await using c = await RawOpenWire.connect(plain.port, {}, { wireFormat: { sizePrefixDisabled: true } });
  assert.equal(c.format?.sizePrefixDisabled, false, "the default broker keeps the prefix");
  await using b = await startOpenWireBroker({ openWireOptions: "wireFormat.sizePrefixDisabled=true" });
  await roundTrip(b.port, { sizePrefixDisabled: true }, "no-size-prefix");
  await roundTrip(b.port, { sizePrefixDisabled: true, tightEncodingEnabled: false }, "no-size-prefix-loose");
});

Deno.test("the connector's wireFormat options shape the negotiation", async () => {
  await using b = await startOpenWireBroker({
    openWireOptions:
      "wireFormat.tightEncodingEnabled=false&wireFormat.cacheEnabled=false&wireFormat.version=9",
  });
  await roundTrip(b.port, { version: 9, tightEncodingEnabled: false, cacheEnabled: false }, "server-loose");
});

Deno.test("KeepAliveInfo with responseRequired is echoed one-way, never answered with a Response", async () => {
  await using b = await startOpenWireBroker();
  await using c = await RawOpenWire.connect(b.port);
  await c.send(createCommand(10, { commandId: 77, responseRequired: true }));
  const echo = await c.next(10);
  assert.deepEqual(echo, { type: 10, commandId: 77, responseRequired: false });
  // A plain one-way KeepAliveInfo gets nothing back.
  await c.send(createCommand(10, { commandId: 78 }));
  expectResponse(await c.request(createCommand(15, {})));
  assert.deepEqual(c.drain(), []);
});

Deno.test("inactivity: keep-alives flow while the client talks; a silent client is cut off", async () => {
  await using b = await startOpenWireBroker();
  const wireFormat = { maxInactivityDuration: 600, maxInactivityDurationInitialDelay: 200 };
  await using talker = await RawOpenWire.connect(b.port, {}, { wireFormat });
  await using silent = await RawOpenWire.connect(b.port, {}, { wireFormat });
  assert.equal(talker.format?.maxInactivityDuration, 600);
  // The talker sends a KeepAliveInfo every 100 ms (well within 600); the broker, with nothing
  // else to say, sends its own every 200 ms.
  const started = Date.now();
  let keepAlives = 0;
  while (Date.now() - started < 1500) {
    await talker.send(createCommand(10, {}));
    try {
      await talker.next(10, 100);
      keepAlives++;
    } catch { /* none in this slice */ }
  }
  assert.ok(keepAlives >= 3, `the broker sent ${keepAlives} KeepAliveInfo while idle`);
  assert.equal(talker.closed, false, "a talking client stays connected");
  assert.equal(await silent.waitClosed(4000), true, "a silent client is disconnected");
});

Deno.test("transport.useInactivityMonitor=false: the broker asks for no keep-alives", async () => {
  await using b = await startOpenWireBroker({ openWireOptions: "transport.useInactivityMonitor=false" });
  await using c = await RawOpenWire.connect(b.port);
  assert.equal(c.format?.maxInactivityDuration, 0);
});

Deno.test("a socket that never sends its WireFormatInfo is closed after transport.connectAttemptTimeout", async () => {
  await using b = await startOpenWireBroker({ openWireOptions: "transport.connectAttemptTimeout=200" });
  await using c = await RawOpenWire.open(b.port, { skipHandshake: true });
  assert.equal(await c.waitClosed(3000), true);
});

Deno.test("maximumConnections: connections beyond the limit are closed at once; the others carry on", async () => {
  await using b = await startOpenWireBroker({ openWireOptions: "maximumConnections=2" });
  await using one = await RawOpenWire.connect(b.port);
  await using two = await RawOpenWire.connect(b.port);
  await using three = await RawOpenWire.open(b.port, { skipHandshake: true });
  assert.equal(await three.waitClosed(3000), true);
  expectResponse(await one.request(createCommand(15, {})));
  expectResponse(await two.request(createCommand(15, {})));
});

Deno.test("nio:// is the same connector; trace=true logs every command without changing them", async () => {
  await using b = await startOpenWireBroker({
    configure: (config) => {
      config.transportConnectors[0] = {
        name: "openwire",
        uri: parseTransportUri("nio://127.0.0.1:0?trace=true"),
      };
    },
  });
  await roundTrip(b.port, {}, "nio-trace");
});

Deno.test("the default port of tcp:// and nio:// is 61616", () => {
  assert.equal(parseTransportUri("tcp://0.0.0.0").port, 61616);
  assert.equal(parseTransportUri("nio://0.0.0.0").port, 61616);
  assert.equal(parseTransportUri("nio://0.0.0.0").protocol, "openwire");
});
