/** Decoding (and re-encoding) the frames captured in openwire.md 14 and kahadb.md 10.4. */
import assert from "node:assert/strict";
import {
  type BrokerInfo,
  type ConnectionControl,
  type ConnectionInfo,
  createWireFormatInfo,
  type DataStructure,
  decodeCommand,
  decodePrimitiveMap,
  decodeTextContent,
  encodeCommand,
  isValidMagic,
  type MessageAck,
  type MessageDispatch,
  negotiateWireFormat,
  OpenWireDecodeCache,
  OpenWireEncodeCache,
  type OpenWireMessage,
  openWireMessageToMessage,
  PRE_NEGOTIATION_FORMAT,
  readWireFormatOptions,
  type Response,
  STORE_WIRE_FORMAT,
  type SubscriptionInfo,
  type WireFormat,
  type WireFormatInfo,
} from "../../../src/protocol/openwire/codec.ts";
import { cacheKey } from "../../../src/protocol/openwire/_cache.ts";
import * as C from "./_captures.ts";

const TIGHT: WireFormat = {
  version: 12,
  tightEncodingEnabled: true,
  cacheEnabled: true,
  cacheSize: 1024,
  sizePrefixDisabled: false,
  stackTraceEnabled: true,
  maxFrameSize: 104857600,
  maxFrameSizeEnabled: true,
};
const LOOSE_NO_CACHE: WireFormat = { ...TIGHT, tightEncodingEnabled: false, cacheEnabled: false };

const CONN = C.CAPTURE_CONNECTION;
const PRODUCER_ID = { type: 123, connectionId: CONN, value: 1, sessionId: 1 } as const;
const CONSUMER_ID = { type: 122, connectionId: CONN, sessionId: 1, value: 1 } as const;
const QUEUE = { type: 100, physicalName: "TEST.Q" } as const;

/** An encoder cache whose slots 0.. hold `values` (as after the earlier frames of the capture). */
function primedEncodeCache(values: (DataStructure | null)[]): OpenWireEncodeCache {
  const cache = new OpenWireEncodeCache(1024);
  cache.beginFrame();
  for (const v of values) cache.add(cacheKey(v));
  cache.commitFrame();
  return cache;
}

function primedDecodeCache(values: (DataStructure | null)[]): OpenWireDecodeCache {
  const cache = new OpenWireDecodeCache(1024);
  values.forEach((v, i) => cache.set(i, v));
  return cache;
}

const FILLER = { type: 124, value: "filler" } as const;

Deno.test("14.1 client WireFormatInfo: decoded, options read, re-encoded byte for byte", () => {
  const info = decodeCommand(C.CLIENT_WIRE_FORMAT_INFO, PRE_NEGOTIATION_FORMAT) as WireFormatInfo;
  assert.equal(info.type, 1);
  assert.ok(isValidMagic(info));
  assert.equal(info.version, 12);
  assert.equal(info.marshalledProperties!.length, 338);
  assert.equal(decodePrimitiveMap(info.marshalledProperties!)!.size, 14);
  const options = readWireFormatOptions(info);
  assert.deepStrictEqual(options, {
    version: 12,
    tightEncodingEnabled: true,
    cacheEnabled: true,
    cacheSize: 1024,
    sizePrefixDisabled: false,
    stackTraceEnabled: true,
    tcpNoDelayEnabled: true,
    maxInactivityDuration: 30000,
    maxInactivityDurationInitialDelay: 10000,
    maxFrameSize: 9223372036854775807,
    maxFrameSizeEnabled: true,
    host: "127.0.0.1",
    providerName: "ActiveMQ",
    providerVersion: "5.17.2",
    platformDetails: "Java",
  });
  assert.deepStrictEqual(encodeCommand(info, PRE_NEGOTIATION_FORMAT), C.CLIENT_WIRE_FORMAT_INFO);
  assert.deepStrictEqual(
    encodeCommand(createWireFormatInfo({ host: "127.0.0.1" }), PRE_NEGOTIATION_FORMAT),
    C.CLIENT_WIRE_FORMAT_INFO,
  );
});

Deno.test("14.2 broker WireFormatInfo: our defaults produce the same bytes", () => {
  const info = decodeCommand(C.BROKER_WIRE_FORMAT_INFO, PRE_NEGOTIATION_FORMAT) as WireFormatInfo;
  assert.equal(readWireFormatOptions(info).host, undefined);
  assert.deepStrictEqual(
    encodeCommand(createWireFormatInfo(), PRE_NEGOTIATION_FORMAT),
    C.BROKER_WIRE_FORMAT_INFO,
  );
});

Deno.test("3.3 negotiation of the captured pair: v12, tight, cache 1024, prefix, stack traces", () => {
  const client = decodeCommand(C.CLIENT_WIRE_FORMAT_INFO, PRE_NEGOTIATION_FORMAT) as WireFormatInfo;
  const broker = createWireFormatInfo({ maxFrameSize: 104857600 });
  assert.deepStrictEqual(negotiateWireFormat(broker, client), {
    version: 12,
    tightEncodingEnabled: true,
    cacheEnabled: true,
    cacheSize: 1024,
    sizePrefixDisabled: false,
    stackTraceEnabled: true,
    tcpNoDelayEnabled: true,
    maxInactivityDuration: 30000,
    maxInactivityDurationInitialDelay: 10000,
    maxFrameSize: 104857600,
    maxFrameSizeEnabled: true,
  });
});

Deno.test("14.3 BrokerInfo (tight + cache)", () => {
  const info = decodeCommand(C.BROKER_INFO, TIGHT, new OpenWireDecodeCache(1024)) as BrokerInfo;
  assert.equal(info.type, 2);
  assert.equal(info.commandId, 0);
  assert.equal(info.responseRequired, false);
  assert.deepStrictEqual(info.brokerId, { type: 124, value: "ID:vm-41023-1795604308179-0:1" });
  assert.equal(info.brokerURL, "tcp://127.0.0.1:53616");
  assert.equal(info.brokerName, "anchor");
  assert.equal(info.peerBrokerInfos, null);
  assert.equal(info.slaveBroker || info.masterBroker || info.faultTolerantConfiguration, false);
  assert.equal(info.duplexConnection || info.networkConnection, false);
  assert.equal(info.connectionId, 0);
  assert.equal(info.brokerUploadUrl, null);
  assert.equal(info.networkProperties, null);
  assert.deepStrictEqual(encodeCommand(info, TIGHT, new OpenWireEncodeCache(1024)), C.BROKER_INFO);
});

Deno.test("14.4 ConnectionInfo tight + cache, its Response and the ConnectionControl", () => {
  const info = decodeCommand(C.CONNECTION_INFO_TIGHT, TIGHT, new OpenWireDecodeCache(1024)) as ConnectionInfo;
  assert.equal(info.type, 3);
  assert.equal(info.commandId, 1);
  assert.equal(info.responseRequired, true);
  assert.deepStrictEqual(info.connectionId, { type: 120, value: CONN });
  assert.equal(info.clientId, "cap-client");
  assert.equal(info.password, null);
  assert.equal(info.userName, null);
  assert.equal(info.brokerPath, null);
  assert.equal(info.brokerMasterConnector, false);
  assert.equal(info.manageable, true);
  assert.equal(info.clientMaster, true);
  assert.equal(info.faultTolerant, false);
  assert.equal(info.failoverReconnect, false);
  assert.equal(info.clientIp, null);
  assert.deepStrictEqual(encodeCommand(info, TIGHT, new OpenWireEncodeCache(1024)), C.CONNECTION_INFO_TIGHT);

  const response: Response = { type: 30, commandId: 0, responseRequired: false, correlationId: 1 };
  assert.deepStrictEqual(
    decodeCommand(C.CONNECTION_INFO_RESPONSE, TIGHT, new OpenWireDecodeCache(1024)),
    response,
  );
  assert.deepStrictEqual(
    encodeCommand(response, TIGHT, new OpenWireEncodeCache(1024)),
    C.CONNECTION_INFO_RESPONSE,
  );

  const control = decodeCommand(
    C.CONNECTION_CONTROL,
    TIGHT,
    new OpenWireDecodeCache(1024),
  ) as ConnectionControl;
  assert.equal(control.type, 18);
  assert.equal(control.connectedBrokers, "");
  assert.equal(control.reconnectTo, "");
  assert.equal(
    control.close || control.exit || control.suspend || control.resume || control.rebalanceConnection,
    false,
  );
  assert.equal(control.token, null);
  assert.deepStrictEqual(encodeCommand(control, TIGHT, new OpenWireEncodeCache(1024)), C.CONNECTION_CONTROL);
});

Deno.test("14.4 ConnectionInfo loose, no cache", () => {
  const info = decodeCommand(C.CONNECTION_INFO_LOOSE, LOOSE_NO_CACHE) as ConnectionInfo;
  assert.deepStrictEqual(info.connectionId, { type: 120, value: "ID:vm-44795-1795604362301-1:1" });
  assert.equal(info.clientId, "cap-client");
  assert.equal(info.manageable, true);
  assert.equal(info.clientMaster, true);
  assert.deepStrictEqual(encodeCommand(info, LOOSE_NO_CACHE), C.CONNECTION_INFO_LOOSE);
});

Deno.test("14.5 TextMessage send with cached producer id and destination", () => {
  const cache = primedDecodeCache([null, null, null, null, PRODUCER_ID, QUEUE]);
  const m = decodeCommand(C.TEXT_MESSAGE_SEND, TIGHT, cache) as OpenWireMessage;
  assert.equal(m.type, 28);
  assert.equal(m.commandId, 5);
  assert.equal(m.responseRequired, true);
  assert.deepStrictEqual(m.producerId, PRODUCER_ID);
  assert.deepStrictEqual(m.destination, QUEUE);
  assert.equal(m.transactionId, null);
  assert.equal(m.originalDestination, null);
  assert.deepStrictEqual(m.messageId, {
    type: 110,
    textView: null,
    producerId: PRODUCER_ID,
    producerSequenceId: 1,
    brokerSequenceId: 0,
  });
  assert.equal(m.groupID, null);
  assert.equal(m.groupSequence, 0);
  assert.equal(m.correlationId, null);
  assert.equal(m.persistent, true);
  assert.equal(m.expiration, 0);
  assert.equal(m.priority, 4);
  assert.equal(m.replyTo, null);
  assert.equal(m.timestamp, 0x000001a2125b8ef9);
  assert.equal(m.jmsType, null);
  assert.equal(decodeTextContent(m.content), "hello");
  assert.deepStrictEqual(
    decodePrimitiveMap(m.marshalledProperties!),
    new Map<string, unknown>([
      ["n", { type: "int", value: 42 }],
      ["k", { type: "string", value: "v" }],
    ]),
  );
  assert.equal(m.compressed, false);
  assert.equal(m.redeliveryCounter, 0);
  // The null transactionId went to slot 6; later null cached fields reference it.
  assert.equal(cache.get(6), null);

  const encoder = primedEncodeCache([
    { type: 120, value: CONN },
    FILLER,
    { ...FILLER, value: "f2" },
    { ...FILLER, value: "f3" },
    PRODUCER_ID,
    QUEUE,
  ]);
  assert.deepStrictEqual(encodeCommand(m, TIGHT, encoder), C.TEXT_MESSAGE_SEND);

  const message = openWireMessageToMessage(m);
  assert.equal(message.messageId, `${CONN}:1:1:1`);
  assert.deepStrictEqual(message.destination, { type: "queue", name: "TEST.Q" });
  assert.equal(message.bodyKind, "text");
  assert.equal(new TextDecoder().decode(message.body!), "hello");
  assert.deepStrictEqual(message.properties, { n: 42, k: "v" });
  assert.deepStrictEqual(message.propertyTypes, { n: "int", k: "string" });
  assert.equal(message.persistent, true);
  assert.equal(message.producerConnectionId, CONN);

  const reply = decodeCommand(C.TEXT_MESSAGE_RESPONSE, TIGHT, new OpenWireDecodeCache(1024)) as Response;
  assert.equal(reply.correlationId, 5);
});

Deno.test("14.6 MessageDispatch with the nested (marshal-aware) message", () => {
  const d = decodeCommand(C.MESSAGE_DISPATCH, TIGHT, new OpenWireDecodeCache(1024)) as MessageDispatch;
  assert.equal(d.type, 21);
  assert.equal(d.commandId, 0);
  assert.deepStrictEqual(d.consumerId, CONSUMER_ID);
  assert.deepStrictEqual(d.destination, QUEUE);
  assert.equal(d.redeliveryCounter, 0);
  const m = d.message!;
  assert.equal(m.type, 28);
  assert.equal(m.commandId, 5);
  assert.equal(m.responseRequired, true);
  assert.deepStrictEqual(m.producerId, PRODUCER_ID);
  assert.equal(m.messageId!.brokerSequenceId, 5);
  assert.equal(m.brokerInTime, 0x1a2125b8efc);
  assert.equal(m.brokerOutTime, 0x1a2125b8f22);
  assert.equal(m.receivedByDFBridge, true);
  assert.equal(decodeTextContent(m.content), "hello");

  // Broker→client cache: slot 0 held the BrokerInfo's broker id.
  const encoder = primedEncodeCache([{ type: 124, value: "ID:vm-41023-1795604308179-0:1" }]);
  assert.deepStrictEqual(encodeCommand(d, TIGHT, encoder), C.MESSAGE_DISPATCH);
});

Deno.test("14.7 the consumer's STANDARD ack", () => {
  const cache = primedDecodeCache([null, null, null, null, PRODUCER_ID, QUEUE, null, CONSUMER_ID]);
  const ack = decodeCommand(C.MESSAGE_ACK, TIGHT, cache) as MessageAck;
  assert.equal(ack.type, 22);
  assert.equal(ack.commandId, 7);
  assert.equal(ack.responseRequired, false);
  assert.deepStrictEqual(ack.destination, QUEUE);
  assert.equal(ack.transactionId, null);
  assert.deepStrictEqual(ack.consumerId, CONSUMER_ID);
  assert.equal(ack.ackType, 2);
  const id = {
    type: 110,
    textView: null,
    producerId: PRODUCER_ID,
    producerSequenceId: 1,
    brokerSequenceId: 5,
  };
  assert.deepStrictEqual(ack.firstMessageId, id);
  assert.deepStrictEqual(ack.lastMessageId, id);
  assert.equal(ack.messageCount, 1);
  assert.equal(ack.poisonCause, null);

  const encoder = primedEncodeCache([
    { type: 120, value: CONN },
    FILLER,
    { ...FILLER, value: "f2" },
    { ...FILLER, value: "f3" },
    PRODUCER_ID,
    QUEUE,
    null,
    CONSUMER_ID,
  ]);
  assert.deepStrictEqual(encodeCommand(ack, TIGHT, encoder), C.MESSAGE_ACK);
});

Deno.test("kahadb 10.4 stored SubscriptionInfo (loose v11, no cache)", () => {
  const info = decodeCommand(C.STORED_SUBSCRIPTION_INFO, STORE_WIRE_FORMAT) as SubscriptionInfo;
  assert.deepStrictEqual(info, {
    type: 55,
    clientId: "pend",
    destination: { type: 101, physicalName: "PEND.T" },
    selector: null,
    subscriptionName: "dsub",
    subscribedDestination: { type: 101, physicalName: "PEND.T" },
    noLocal: false,
  });
  assert.deepStrictEqual(encodeCommand(info, STORE_WIRE_FORMAT), C.STORED_SUBSCRIPTION_INFO);
});
