/**
 * Pieces of the OpenWire converter on their own, without sockets: advisory commands
 * built from the core's plain advisory data, the connector URI options, and the
 * inactivity monitor's timing.
 */
import assert from "node:assert/strict";
import { advisoryDataStructure } from "../../src/protocol/openwire/advisory_data_structure.ts";
import { connectorOptions } from "../../src/protocol/openwire/_connector_options.ts";
import { InactivityMonitor } from "../../src/protocol/openwire/_inactivity_monitor.ts";
import { parseTransportUri } from "../../src/config/mod.ts";
import type { ConsumerInfo, DestinationInfo, RemoveInfo } from "../../src/protocol/openwire/codec.ts";

const advisoryTopic = (name: string) => ({ type: "topic" as const, name: `ActiveMQ.Advisory.${name}` });

Deno.test("advisories: DestinationInfo, ConsumerInfo, RemoveInfo and MessageId as OpenWire commands", () => {
  const temp = advisoryDataStructure(
    { type: "DestinationInfo", destination: "temp-queue://ID:host-1:1:3", operationType: 0 },
    advisoryTopic("TempQueue"),
  ) as DestinationInfo;
  assert.deepEqual(temp.destination, { type: 102, physicalName: "ID:host-1:1:3" });
  assert.equal(temp.operationType, 0);

  const consumer = advisoryDataStructure({
    type: "ConsumerInfo",
    consumerId: "ID:host-1:1:2:5",
    connectionId: "ID:host-1:1",
    destination: "queue://orders",
    selector: "a > 1",
    prefetchSize: 1000,
    noLocal: false,
    exclusive: true,
    priority: 3,
  }, advisoryTopic("Consumer.Queue.orders")) as ConsumerInfo;
  assert.deepEqual(consumer.consumerId, { type: 122, connectionId: "ID:host-1:1", sessionId: 2, value: 5 });
  assert.deepEqual(consumer.destination, { type: 100, physicalName: "orders" });
  assert.equal(consumer.selector, "a > 1");
  assert.equal(consumer.exclusive, true);
  assert.equal(consumer.priority, 3);

  // A STOMP subscription id is no OpenWire consumer id: it keeps its connection.
  const stomp = advisoryDataStructure(
    { type: "ConsumerInfo", consumerId: "sub-1", connectionId: "ID:stomp-1:1", destination: "queue://q" },
    advisoryTopic("Consumer.Queue.q"),
  ) as ConsumerInfo;
  assert.equal(stomp.consumerId?.connectionId, "ID:stomp-1:1");

  const removedConsumer = advisoryDataStructure(
    { type: "RemoveInfo", objectId: "ID:host-1:1:2:5" },
    advisoryTopic("Consumer.Queue.orders"),
  ) as RemoveInfo;
  assert.deepEqual(removedConsumer.objectId, {
    type: 122,
    connectionId: "ID:host-1:1",
    sessionId: 2,
    value: 5,
  });
  const removedConnection = advisoryDataStructure(
    { type: "RemoveInfo", objectId: "ID:host-1:1" },
    advisoryTopic("Connection"),
  ) as RemoveInfo;
  assert.deepEqual(removedConnection.objectId, { type: 120, value: "ID:host-1:1" });

  const expired = advisoryDataStructure(
    { type: "MessageId", value: "ID:host-1:1:1:1:9" },
    advisoryTopic("Expired.Queue.q"),
  );
  assert.equal(expired?.type, 110);
  assert.equal(advisoryDataStructure({ type: "SomethingElse" }, advisoryTopic("X")), null);
});

Deno.test("connector options: ActiveMQ's defaults and the wireFormat./transport. options", () => {
  const defaults = connectorOptions(parseTransportUri("tcp://0.0.0.0:61616"));
  assert.equal(defaults.maxFrameSize, undefined);
  assert.equal(defaults.minimumVersion, 1);
  assert.equal(defaults.useInactivityMonitor, true);
  assert.equal(defaults.connectAttemptTimeout, 30_000);
  assert.equal(defaults.wireFormat.maxInactivityDuration, 30_000);
  assert.equal(defaults.wireFormat.maxInactivityDurationInitialDelay, 10_000);
  assert.equal(defaults.wireFormat.version, 12);

  const tuned = connectorOptions(parseTransportUri(
    "nio://0.0.0.0:61616?wireFormat.maxFrameSize=1048576&wireFormat.maxInactivityDuration=5000" +
      "&wireFormat.maxInactivityDurationInitalDelay=1000&wireFormat.tightEncodingEnabled=false" +
      "&wireFormat.cacheSize=64&wireFormat.version=10&transport.connectAttemptTimeout=500",
  ));
  assert.equal(tuned.maxFrameSize, 1048576);
  assert.equal(tuned.wireFormat.maxFrameSize, 1048576);
  assert.equal(tuned.wireFormat.maxInactivityDuration, 5000);
  assert.equal(tuned.wireFormat.maxInactivityDurationInitialDelay, 1000);
  assert.equal(tuned.wireFormat.tightEncodingEnabled, false);
  assert.equal(tuned.wireFormat.cacheSize, 64);
  assert.equal(tuned.wireFormat.version, 10);
  assert.equal(tuned.connectAttemptTimeout, 500);

  const off = connectorOptions(parseTransportUri("tcp://0.0.0.0:61616?transport.useInactivityMonitor=false"));
  assert.equal(off.useInactivityMonitor, false);
  assert.equal(off.wireFormat.maxInactivityDuration, 0, "the client is asked for no keep-alives either");
});

Deno.test("inactivity monitor: keep-alives when nothing was written, failure after a silent period", async () => {
  let keepAlives = 0;
  let lastWrite = 0;
  let inactive: string | undefined;
  let paused = false;
  const { promise: failed, resolve } = Promise.withResolvers<void>();
  const monitor = new InactivityMonitor({
    maxInactivityDuration: 90,
    initialDelay: 0,
    lastWrite: () => lastWrite,
    sendKeepAlive: () => {
      keepAlives++;
      lastWrite = Date.now() + 1;
    },
    readPaused: () => paused,
    onInactive: (message) => {
      inactive = message;
      resolve();
    },
  });
  monitor.start();
  try {
    // A paused reader counts as busy, not silent.
    paused = true;
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(inactive, undefined);
    paused = false;
    await failed;
    assert.match(inactive!, /Channel was inactive for too long/);
    assert.ok(keepAlives >= 2, `${keepAlives} keep-alives`);
  } finally {
    monitor.stop();
  }
});
