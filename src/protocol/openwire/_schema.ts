/**
 * The layout of every data structure: its fields in wire order with their kind and the
 * protocol version that introduced (and, once, removed) them — openwire.md sections 7-11.
 * The marshallers walk these tables; `fieldsFor(spec, version)` is precomputed so the hot
 * loop never tests versions.
 *
 * @module
 */

import type { DataStructure } from "./commands.ts";

/** Field kinds (openwire.md 4.1). */
export const K_BOOL = 0;
export const K_BYTE = 1;
export const K_INT = 2;
export const K_LONG = 3;
export const K_STRING = 4;
/** Exactly 8 raw bytes (WireFormatInfo.magic). */
export const K_FIXED8 = 5;
/** byte-array and byte-sequence share one wire form. */
export const K_BYTES = 6;
export const K_NESTED = 7;
export const K_CACHED = 8;
export const K_ARRAY = 9;
export const K_THROWABLE = 10;

export const MIN_VERSION = 1;
export const MAX_VERSION = 12;

/** Categories a nested field accepts (checked on decode; a mismatch fails the frame like Java's cast). */
export const C_ANY = 0;
export const C_DEST = 1 << 0;
export const C_TXID = 1 << 1;
export const C_MESSAGE = 1 << 2;
export const C_CONNECTION_ID = 1 << 3;
export const C_SESSION_ID = 1 << 4;
export const C_CONSUMER_ID = 1 << 5;
export const C_PRODUCER_ID = 1 << 6;
export const C_BROKER_ID = 1 << 7;
export const C_MESSAGE_ID = 1 << 8;
export const C_BROKER_INFO = 1 << 9;
export const C_SUBSCRIPTION_INFO = 1 << 10;
export const C_MESSAGE_ACK = 1 << 11;

/** Category bits of each type code. */
export const CATEGORY_OF: Uint16Array = new Uint16Array(256);
for (let t = 100; t <= 103; t++) CATEGORY_OF[t] = C_DEST;
CATEGORY_OF[111] = C_TXID;
CATEGORY_OF[112] = C_TXID;
for (let t = 23; t <= 29; t++) CATEGORY_OF[t] = C_MESSAGE;
CATEGORY_OF[120] = C_CONNECTION_ID;
CATEGORY_OF[121] = C_SESSION_ID;
CATEGORY_OF[122] = C_CONSUMER_ID;
CATEGORY_OF[123] = C_PRODUCER_ID;
CATEGORY_OF[124] = C_BROKER_ID;
CATEGORY_OF[110] = C_MESSAGE_ID;
CATEGORY_OF[2] = C_BROKER_INFO;
CATEGORY_OF[55] = C_SUBSCRIPTION_INFO;
CATEGORY_OF[22] = C_MESSAGE_ACK;

export interface FieldSpec {
  readonly name: string;
  readonly kind: number;
  readonly since: number;
  /** Last version that has the field (NetworkBridgeFilter.networkTTL only). */
  readonly until: number;
  /** Accepted categories of nested/cached/array elements; C_ANY accepts everything. */
  readonly accept: number;
}

export interface StructSpec {
  readonly type: number;
  readonly name: string;
  /** First protocol version that knows the structure. */
  readonly since: number;
  /** Messages and WireFormatInfo carry an extra bit when nested in tight mode (openwire.md 4.4). */
  readonly marshalAware: boolean;
  /** Every field of any version, in wire order. */
  readonly fields: readonly FieldSpec[];
  /** Field lists indexed by version (1..12). */
  readonly byVersion: readonly (readonly FieldSpec[])[];
  /** Default value of every field. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** A new object with every field at its default. */
  create(): Record<string, unknown>;
}

function f(name: string, kind: number, since = 1, accept = C_ANY, until = MAX_VERSION): FieldSpec {
  return { name, kind, since, until, accept };
}

const BASE: FieldSpec[] = [f("commandId", K_INT), f("responseRequired", K_BOOL)];

const BROKER_PATH = (name: string, since = 1) => f(name, K_ARRAY, since, C_BROKER_ID);

const MESSAGE_FIELDS: FieldSpec[] = [
  ...BASE,
  f("producerId", K_CACHED, 1, C_PRODUCER_ID),
  f("destination", K_CACHED, 1, C_DEST),
  f("transactionId", K_CACHED, 1, C_TXID),
  f("originalDestination", K_CACHED, 1, C_DEST),
  f("messageId", K_NESTED, 1, C_MESSAGE_ID),
  f("originalTransactionId", K_CACHED, 1, C_TXID),
  f("groupID", K_STRING),
  f("groupSequence", K_INT),
  f("correlationId", K_STRING),
  f("persistent", K_BOOL),
  f("expiration", K_LONG),
  f("priority", K_BYTE),
  f("replyTo", K_NESTED, 1, C_DEST),
  f("timestamp", K_LONG),
  f("jmsType", K_STRING),
  f("content", K_BYTES),
  f("marshalledProperties", K_BYTES),
  f("dataStructure", K_NESTED),
  f("targetConsumerId", K_CACHED, 1, C_CONSUMER_ID),
  f("compressed", K_BOOL),
  f("redeliveryCounter", K_INT),
  BROKER_PATH("brokerPath"),
  f("arrival", K_LONG),
  f("userID", K_STRING),
  f("receivedByDFBridge", K_BOOL),
  f("droppable", K_BOOL, 2),
  f("cluster", K_ARRAY, 3, C_BROKER_ID),
  f("brokerInTime", K_LONG, 3),
  f("brokerOutTime", K_LONG, 3),
  f("jmsxGroupFirstForConsumer", K_BOOL, 10),
];

interface Def {
  type: number;
  name: string;
  since?: number;
  fields: FieldSpec[];
  /** Defaults that differ from the kind's zero value. */
  defaults?: Record<string, unknown>;
}

const DEFS: Def[] = [
  {
    type: 1,
    name: "WireFormatInfo",
    fields: [f("magic", K_FIXED8), f("version", K_INT), f("marshalledProperties", K_BYTES)],
  },
  {
    type: 2,
    name: "BrokerInfo",
    fields: [
      ...BASE,
      f("brokerId", K_CACHED, 1, C_BROKER_ID),
      f("brokerURL", K_STRING),
      f("peerBrokerInfos", K_ARRAY, 1, C_BROKER_INFO),
      f("brokerName", K_STRING),
      f("slaveBroker", K_BOOL),
      f("masterBroker", K_BOOL),
      f("faultTolerantConfiguration", K_BOOL),
      f("duplexConnection", K_BOOL, 2),
      f("networkConnection", K_BOOL, 2),
      f("connectionId", K_LONG, 2),
      f("brokerUploadUrl", K_STRING, 3),
      f("networkProperties", K_STRING, 3),
    ],
  },
  {
    type: 3,
    name: "ConnectionInfo",
    fields: [
      ...BASE,
      f("connectionId", K_CACHED, 1, C_CONNECTION_ID),
      f("clientId", K_STRING),
      f("password", K_STRING),
      f("userName", K_STRING),
      BROKER_PATH("brokerPath"),
      f("brokerMasterConnector", K_BOOL),
      f("manageable", K_BOOL),
      f("clientMaster", K_BOOL, 2),
      f("faultTolerant", K_BOOL, 6),
      f("failoverReconnect", K_BOOL, 6),
      f("clientIp", K_STRING, 8),
    ],
  },
  { type: 4, name: "SessionInfo", fields: [...BASE, f("sessionId", K_CACHED, 1, C_SESSION_ID)] },
  {
    type: 5,
    name: "ConsumerInfo",
    fields: [
      ...BASE,
      f("consumerId", K_CACHED, 1, C_CONSUMER_ID),
      f("browser", K_BOOL),
      f("destination", K_CACHED, 1, C_DEST),
      f("prefetchSize", K_INT),
      f("maximumPendingMessageLimit", K_INT),
      f("dispatchAsync", K_BOOL),
      f("selector", K_STRING),
      f("clientId", K_STRING, 10),
      f("subscriptionName", K_STRING),
      f("noLocal", K_BOOL),
      f("exclusive", K_BOOL),
      f("retroactive", K_BOOL),
      f("priority", K_BYTE),
      BROKER_PATH("brokerPath"),
      f("additionalPredicate", K_NESTED),
      f("networkSubscription", K_BOOL),
      f("optimizedAcknowledge", K_BOOL),
      f("noRangeAcks", K_BOOL),
      f("networkConsumerPath", K_ARRAY, 4, C_CONSUMER_ID),
    ],
  },
  {
    type: 6,
    name: "ProducerInfo",
    fields: [
      ...BASE,
      f("producerId", K_CACHED, 1, C_PRODUCER_ID),
      f("destination", K_CACHED, 1, C_DEST),
      BROKER_PATH("brokerPath"),
      f("dispatchAsync", K_BOOL, 2),
      f("windowSize", K_INT, 3),
    ],
  },
  {
    type: 7,
    name: "TransactionInfo",
    fields: [
      ...BASE,
      f("connectionId", K_CACHED, 1, C_CONNECTION_ID),
      f("transactionId", K_CACHED, 1, C_TXID),
      f("transactionType", K_BYTE),
    ],
  },
  {
    type: 8,
    name: "DestinationInfo",
    fields: [
      ...BASE,
      f("connectionId", K_CACHED, 1, C_CONNECTION_ID),
      f("destination", K_CACHED, 1, C_DEST),
      f("operationType", K_BYTE),
      f("timeout", K_LONG),
      BROKER_PATH("brokerPath"),
    ],
  },
  {
    type: 9,
    name: "RemoveSubscriptionInfo",
    fields: [
      ...BASE,
      f("connectionId", K_CACHED, 1, C_CONNECTION_ID),
      f("subscriptionName", K_STRING),
      f("clientId", K_STRING),
    ],
  },
  { type: 10, name: "KeepAliveInfo", fields: [...BASE] },
  { type: 11, name: "ShutdownInfo", fields: [...BASE] },
  {
    type: 12,
    name: "RemoveInfo",
    fields: [...BASE, f("objectId", K_CACHED), f("lastDeliveredSequenceId", K_LONG, 5)],
  },
  { type: 14, name: "ControlCommand", fields: [...BASE, f("command", K_STRING)] },
  { type: 15, name: "FlushCommand", fields: [...BASE] },
  {
    type: 16,
    name: "ConnectionError",
    fields: [...BASE, f("exception", K_THROWABLE), f("connectionId", K_NESTED, 1, C_CONNECTION_ID)],
  },
  {
    type: 17,
    name: "ConsumerControl",
    fields: [
      ...BASE,
      // v6 inserted the destination first (openwire.md 11).
      f("destination", K_NESTED, 6, C_DEST),
      f("close", K_BOOL),
      f("consumerId", K_NESTED, 1, C_CONSUMER_ID),
      f("prefetch", K_INT),
      f("flush", K_BOOL, 2),
      f("start", K_BOOL, 2),
      f("stop", K_BOOL, 2),
    ],
  },
  {
    type: 18,
    name: "ConnectionControl",
    fields: [
      ...BASE,
      f("close", K_BOOL),
      f("exit", K_BOOL),
      f("faultTolerant", K_BOOL),
      f("resume", K_BOOL),
      f("suspend", K_BOOL),
      f("connectedBrokers", K_STRING, 6),
      f("reconnectTo", K_STRING, 6),
      f("rebalanceConnection", K_BOOL, 6),
      f("token", K_BYTES, 8),
    ],
  },
  {
    type: 19,
    name: "ProducerAck",
    since: 3,
    fields: [...BASE, f("producerId", K_NESTED, 3, C_PRODUCER_ID), f("size", K_INT, 3)],
  },
  {
    type: 20,
    name: "MessagePull",
    since: 2,
    fields: [
      ...BASE,
      f("consumerId", K_CACHED, 2, C_CONSUMER_ID),
      f("destination", K_CACHED, 2, C_DEST),
      f("timeout", K_LONG, 2),
      f("correlationId", K_STRING, 3),
      f("messageId", K_NESTED, 3, C_MESSAGE_ID),
    ],
  },
  {
    type: 21,
    name: "MessageDispatch",
    fields: [
      ...BASE,
      f("consumerId", K_CACHED, 1, C_CONSUMER_ID),
      f("destination", K_CACHED, 1, C_DEST),
      f("message", K_NESTED, 1, C_MESSAGE),
      f("redeliveryCounter", K_INT),
    ],
  },
  {
    type: 22,
    name: "MessageAck",
    fields: [
      ...BASE,
      f("destination", K_CACHED, 1, C_DEST),
      f("transactionId", K_CACHED, 1, C_TXID),
      f("consumerId", K_CACHED, 1, C_CONSUMER_ID),
      f("ackType", K_BYTE),
      f("firstMessageId", K_NESTED, 1, C_MESSAGE_ID),
      f("lastMessageId", K_NESTED, 1, C_MESSAGE_ID),
      f("messageCount", K_INT),
      f("poisonCause", K_THROWABLE, 7),
    ],
  },
  { type: 23, name: "ActiveMQMessage", fields: MESSAGE_FIELDS, defaults: { priority: 4 } },
  { type: 24, name: "ActiveMQBytesMessage", fields: MESSAGE_FIELDS, defaults: { priority: 4 } },
  { type: 25, name: "ActiveMQMapMessage", fields: MESSAGE_FIELDS, defaults: { priority: 4 } },
  { type: 26, name: "ActiveMQObjectMessage", fields: MESSAGE_FIELDS, defaults: { priority: 4 } },
  { type: 27, name: "ActiveMQStreamMessage", fields: MESSAGE_FIELDS, defaults: { priority: 4 } },
  { type: 28, name: "ActiveMQTextMessage", fields: MESSAGE_FIELDS, defaults: { priority: 4 } },
  {
    type: 29,
    name: "ActiveMQBlobMessage",
    since: 3,
    fields: [
      ...MESSAGE_FIELDS,
      f("remoteBlobUrl", K_STRING, 3),
      f("mimeType", K_STRING, 3),
      f("deletedByBroker", K_BOOL, 3),
    ],
    defaults: { priority: 4 },
  },
  { type: 30, name: "Response", fields: [...BASE, f("correlationId", K_INT)] },
  {
    type: 31,
    name: "ExceptionResponse",
    fields: [...BASE, f("correlationId", K_INT), f("exception", K_THROWABLE)],
  },
  { type: 32, name: "DataResponse", fields: [...BASE, f("correlationId", K_INT), f("data", K_NESTED)] },
  {
    type: 33,
    name: "DataArrayResponse",
    fields: [...BASE, f("correlationId", K_INT), f("data", K_ARRAY)],
  },
  { type: 34, name: "IntegerResponse", fields: [...BASE, f("correlationId", K_INT), f("result", K_INT)] },
  { type: 40, name: "DiscoveryEvent", fields: [f("serviceName", K_STRING), f("brokerName", K_STRING)] },
  {
    type: 50,
    name: "JournalTopicAck",
    fields: [
      f("destination", K_NESTED, 1, C_DEST),
      f("messageId", K_NESTED, 1, C_MESSAGE_ID),
      f("messageSequenceId", K_LONG),
      f("subscriptionName", K_STRING),
      f("clientId", K_STRING),
      f("transactionId", K_NESTED, 1, C_TXID),
    ],
  },
  {
    type: 52,
    name: "JournalQueueAck",
    fields: [f("destination", K_NESTED, 1, C_DEST), f("messageAck", K_NESTED, 1, C_MESSAGE_ACK)],
  },
  { type: 53, name: "JournalTrace", fields: [f("message", K_STRING)] },
  {
    type: 54,
    name: "JournalTransaction",
    fields: [f("transactionId", K_NESTED, 1, C_TXID), f("transactionType", K_BYTE), f("wasPrepared", K_BOOL)],
  },
  {
    type: 55,
    name: "SubscriptionInfo",
    fields: [
      f("clientId", K_STRING),
      f("destination", K_CACHED, 1, C_DEST),
      f("selector", K_STRING),
      f("subscriptionName", K_STRING),
      f("subscribedDestination", K_NESTED, 3, C_DEST),
      f("noLocal", K_BOOL, 11),
    ],
  },
  { type: 60, name: "PartialCommand", fields: [f("commandId", K_INT), f("data", K_BYTES)] },
  { type: 61, name: "LastPartialCommand", fields: [f("commandId", K_INT), f("data", K_BYTES)] },
  {
    type: 65,
    name: "ReplayCommand",
    fields: [...BASE, f("firstNakNumber", K_INT), f("lastNakNumber", K_INT)],
  },
  {
    type: 90,
    name: "MessageDispatchNotification",
    fields: [
      ...BASE,
      f("consumerId", K_CACHED, 1, C_CONSUMER_ID),
      f("destination", K_CACHED, 1, C_DEST),
      f("deliverySequenceId", K_LONG),
      f("messageId", K_NESTED, 1, C_MESSAGE_ID),
    ],
  },
  {
    type: 91,
    name: "NetworkBridgeFilter",
    fields: [
      // v1-v9: networkTTL first; v10 replaced it by messageTTL/consumerTTL after the broker id.
      f("networkTTL", K_INT, 1, C_ANY, 9),
      f("networkBrokerId", K_CACHED, 1, C_BROKER_ID),
      f("messageTTL", K_INT, 10),
      f("consumerTTL", K_INT, 10),
    ],
  },
  {
    type: 92,
    name: "BrokerSubscriptionInfo",
    since: 12,
    fields: [
      ...BASE,
      f("brokerId", K_NESTED, 12, C_BROKER_ID),
      f("brokerName", K_STRING, 12),
      f("subscriptionInfos", K_ARRAY, 12, C_SUBSCRIPTION_INFO),
    ],
  },
  { type: 100, name: "ActiveMQQueue", fields: [f("physicalName", K_STRING)] },
  { type: 101, name: "ActiveMQTopic", fields: [f("physicalName", K_STRING)] },
  { type: 102, name: "ActiveMQTempQueue", fields: [f("physicalName", K_STRING)] },
  { type: 103, name: "ActiveMQTempTopic", fields: [f("physicalName", K_STRING)] },
  {
    type: 110,
    name: "MessageId",
    fields: [
      f("textView", K_STRING, 10),
      f("producerId", K_CACHED, 1, C_PRODUCER_ID),
      f("producerSequenceId", K_LONG),
      f("brokerSequenceId", K_LONG),
    ],
  },
  {
    type: 111,
    name: "LocalTransactionId",
    fields: [f("value", K_LONG), f("connectionId", K_CACHED, 1, C_CONNECTION_ID)],
  },
  {
    type: 112,
    name: "XATransactionId",
    fields: [f("formatId", K_INT), f("globalTransactionId", K_BYTES), f("branchQualifier", K_BYTES)],
  },
  { type: 120, name: "ConnectionId", fields: [f("value", K_STRING)] },
  { type: 121, name: "SessionId", fields: [f("connectionId", K_STRING), f("value", K_LONG)] },
  {
    type: 122,
    name: "ConsumerId",
    fields: [f("connectionId", K_STRING), f("sessionId", K_LONG), f("value", K_LONG)],
  },
  {
    type: 123,
    name: "ProducerId",
    fields: [f("connectionId", K_STRING), f("value", K_LONG), f("sessionId", K_LONG)],
  },
  { type: 124, name: "BrokerId", fields: [f("value", K_STRING)] },
];

const MAGIC = new Uint8Array([0x41, 0x63, 0x74, 0x69, 0x76, 0x65, 0x4d, 0x51]);

/** The 8 magic bytes `ActiveMQ` (a fresh copy). */
export function activeMqMagic(): Uint8Array {
  return MAGIC.slice();
}

function zeroOf(kind: number): unknown {
  switch (kind) {
    case K_BOOL:
      return false;
    case K_BYTE:
    case K_INT:
    case K_LONG:
      return 0;
    default:
      return null;
  }
}

/**
 * A factory returning a fresh object literal with every field at its default. It is
 * generated code because a literal is the only form V8 builds in one step with a stable
 * shape: one shared spread/assign of a template per type goes megamorphic and costs 20x
 * more, which dominated decoding. The source is built from the static tables above only.
 */
function factory(template: Record<string, unknown>): () => Record<string, unknown> {
  const props = Object.entries(template).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return new Function(`return () => ({ ${props.join(", ")} });`)() as () => Record<string, unknown>;
}

function compile(def: Def): StructSpec {
  const template: Record<string, unknown> = { type: def.type };
  for (const field of def.fields) template[field.name] = zeroOf(field.kind);
  Object.assign(template, def.defaults);
  const byVersion: FieldSpec[][] = [];
  for (let v = 0; v <= MAX_VERSION; v++) {
    byVersion.push(def.fields.filter((x) => x.since <= v && v <= x.until));
  }
  const make = factory(template);
  return {
    type: def.type,
    name: def.name,
    since: def.since ?? 1,
    marshalAware: def.type === 1 || (def.type >= 23 && def.type <= 29),
    fields: def.fields,
    byVersion,
    defaults: template,
    create: def.type === 1
      ? () => {
        const o = make();
        o.magic = activeMqMagic();
        return o;
      }
      : make,
  };
}

/** Specs by type code; `undefined` for unassigned codes. */
export const STRUCTS: readonly (StructSpec | undefined)[] = (() => {
  const table: (StructSpec | undefined)[] = new Array(256).fill(undefined);
  for (const def of DEFS) table[def.type] = compile(def);
  return table;
})();

/** The spec of `type` if the structure exists in `version`. */
export function specFor(type: number, version: number): StructSpec | undefined {
  const spec = STRUCTS[type & 0xff];
  return spec !== undefined && spec.since <= version ? spec : undefined;
}

/** Clamps a negotiated version to the layouts this codec knows. */
export function clampVersion(version: number): number {
  return version < MIN_VERSION ? MIN_VERSION : version > MAX_VERSION ? MAX_VERSION : version | 0;
}

/** The spec of a value about to be encoded; throws for an object that is no data structure. */
export function specOfValue(value: DataStructure, version: number): StructSpec {
  const type = (value as { type?: unknown }).type;
  const spec = typeof type === "number" ? specFor(type, version) : undefined;
  if (spec === undefined) {
    throw new TypeError(`Cannot encode data structure type ${String(type)} with OpenWire version ${version}`);
  }
  return spec;
}
