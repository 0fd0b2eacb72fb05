/** Random valid packets, in the form the decoder produces for a version, for the split and fuzz tests. */
import type {
  MqttPacket,
  MqttProperties,
  MqttQoS,
  MqttSide,
  MqttSubscription,
  MqttVersion,
} from "../../../src/protocol/mqtt/codec.ts";
import { pick } from "./_helpers.ts";

type R = () => number;

const TEXT_CHARS = [
  "a",
  "b",
  "z",
  "0",
  "-",
  "_",
  ".",
  " ",
  "é",
  "✓",
  "😀",
  "\ufeff",
  "$",
  "/",
  "\u0001",
  "\uffff",
];
const LEVEL_CHARS = ["a", "b", "z", "0", "-", "é", "😀", " ", "$"];

function int(r: R, min: number, max: number): number {
  return min + Math.floor(r() * (max - min + 1));
}

function text(r: R, max: number): string {
  let s = "";
  const n = int(r, 0, max);
  for (let i = 0; i < n; i++) s += pick(r, TEXT_CHARS);
  return s;
}

function level(r: R): string {
  let s = "";
  const n = int(r, 0, 4);
  for (let i = 0; i < n; i++) s += pick(r, LEVEL_CHARS);
  return s;
}

/** A non-empty topic name without wildcards. */
export function randomTopic(r: R): string {
  const levels = Array.from({ length: int(r, 1, 4) }, () => level(r));
  const topic = levels.join("/");
  return topic.length === 0 ? "t" : topic;
}

/** A valid topic filter. */
export function randomFilter(r: R): string {
  const n = int(r, 1, 4);
  const levels: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    if (i === n - 1 && x < 0.2) levels.push("#");
    else if (x < 0.4) levels.push("+");
    else levels.push(level(r));
  }
  if (r() < 0.1) levels.unshift("$share", "g" + int(r, 0, 9));
  const filter = levels.join("/");
  return filter.length === 0 ? "/" : filter;
}

function randomBytes(r: R, max: number): Uint8Array {
  return new Uint8Array(int(r, 0, max)).map(() => int(r, 0, 255));
}

const VALUES: Record<keyof MqttProperties, (r: R) => unknown> = {
  payloadFormatIndicator: (r) => int(r, 0, 1),
  messageExpiryInterval: (r) => int(r, 0, 0xffffffff),
  contentType: (r) => text(r, 8),
  responseTopic: randomTopic,
  correlationData: (r) => randomBytes(r, 8),
  subscriptionIdentifier: (r) => int(r, 1, 268_435_455),
  subscriptionIdentifiers: (r) => Array.from({ length: int(r, 1, 3) }, () => int(r, 1, 268_435_455)),
  sessionExpiryInterval: (r) => int(r, 0, 0xffffffff),
  assignedClientIdentifier: (r) => text(r, 8),
  serverKeepAlive: (r) => int(r, 0, 0xffff),
  authenticationMethod: (r) => text(r, 8),
  authenticationData: (r) => randomBytes(r, 8),
  requestProblemInformation: (r) => r() < 0.5,
  willDelayInterval: (r) => int(r, 0, 0xffffffff),
  requestResponseInformation: (r) => r() < 0.5,
  responseInformation: (r) => text(r, 8),
  serverReference: (r) => text(r, 8),
  reasonString: (r) => text(r, 8),
  receiveMaximum: (r) => int(r, 1, 0xffff),
  topicAliasMaximum: (r) => int(r, 0, 0xffff),
  topicAlias: (r) => int(r, 1, 0xffff),
  maximumQoS: (r) => int(r, 0, 1),
  retainAvailable: (r) => r() < 0.5,
  userProperties: (r) => Array.from({ length: int(r, 1, 3) }, () => [text(r, 5), text(r, 5)]),
  maximumPacketSize: (r) => int(r, 1, 0xffffffff),
  wildcardSubscriptionAvailable: (r) => r() < 0.5,
  subscriptionIdentifiersAvailable: (r) => r() < 0.5,
  sharedSubscriptionAvailable: (r) => r() < 0.5,
};

const CONNECT_KEYS: (keyof MqttProperties)[] = [
  "sessionExpiryInterval",
  "receiveMaximum",
  "maximumPacketSize",
  "topicAliasMaximum",
  "requestResponseInformation",
  "requestProblemInformation",
  "userProperties",
  "authenticationMethod",
  "authenticationData",
];
const WILL_KEYS: (keyof MqttProperties)[] = [
  "willDelayInterval",
  "payloadFormatIndicator",
  "messageExpiryInterval",
  "contentType",
  "responseTopic",
  "correlationData",
  "userProperties",
];
const CONNACK_KEYS: (keyof MqttProperties)[] = [
  "sessionExpiryInterval",
  "receiveMaximum",
  "maximumQoS",
  "retainAvailable",
  "maximumPacketSize",
  "assignedClientIdentifier",
  "topicAliasMaximum",
  "reasonString",
  "userProperties",
  "wildcardSubscriptionAvailable",
  "subscriptionIdentifiersAvailable",
  "sharedSubscriptionAvailable",
  "serverKeepAlive",
  "responseInformation",
  "serverReference",
  "authenticationMethod",
  "authenticationData",
];
const PUBLISH_KEYS: (keyof MqttProperties)[] = [
  "payloadFormatIndicator",
  "messageExpiryInterval",
  "topicAlias",
  "responseTopic",
  "correlationData",
  "userProperties",
  "contentType",
];
const ACK_KEYS: (keyof MqttProperties)[] = ["reasonString", "userProperties"];
const DISCONNECT_KEYS: (keyof MqttProperties)[] = [
  "sessionExpiryInterval",
  "reasonString",
  "userProperties",
  "serverReference",
];
const AUTH_KEYS: (keyof MqttProperties)[] = [
  "authenticationMethod",
  "authenticationData",
  "reasonString",
  "userProperties",
];

/** Random properties among `keys`; undefined (no properties) about half the time. */
function props(r: R, version: MqttVersion, keys: (keyof MqttProperties)[]): MqttProperties | undefined {
  if (version !== 5 || r() < 0.5) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of keys) if (r() < 0.3) out[key] = VALUES[key](r);
  if (out.authenticationData !== undefined && out.authenticationMethod === undefined) {
    out.authenticationMethod = "m";
  }
  return Object.keys(out).length === 0 ? undefined : out as MqttProperties;
}

function withProps<T extends MqttPacket>(packet: T, properties: MqttProperties | undefined): T {
  if (properties !== undefined) (packet as { properties?: MqttProperties }).properties = properties;
  return packet;
}

function qos(r: R): MqttQoS {
  return int(r, 0, 2) as MqttQoS;
}

function code(r: R, codes: number[]): number {
  return pick(r, codes);
}

export function randomConnect(r: R, version: MqttVersion): MqttPacket {
  const clean = r() < 0.7;
  let clientId = r() < 0.2 ? "" : text(r, 12);
  // 3.x refuses an empty client id without clean session.
  if (version < 5 && clientId === "" && !clean) clientId = "id";
  const packet: MqttPacket = {
    type: "connect",
    clientId,
    clean,
    keepAlive: int(r, 0, 0xffff),
  };
  if (r() < 0.4) {
    packet.will = { topic: randomTopic(r), payload: randomBytes(r, 20), qos: qos(r), retain: r() < 0.5 };
    const willProps = props(r, version, WILL_KEYS);
    if (willProps !== undefined) packet.will.properties = willProps;
  }
  if (r() < 0.5) packet.username = text(r, 8);
  if (r() < 0.5 && (packet.username !== undefined || version === 5)) packet.password = randomBytes(r, 8);
  return withProps(packet, props(r, version, CONNECT_KEYS));
}

const PUBACK_CODES_5 = [0, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
const SUBACK_CODES_5 = [0, 1, 2, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2];

function randomPublish(r: R, version: MqttVersion, side: MqttSide): MqttPacket {
  const q = qos(r);
  let properties = props(r, version, PUBLISH_KEYS);
  if (side === "client" && version === 5 && r() < 0.3) {
    properties = { ...properties, subscriptionIdentifiers: VALUES.subscriptionIdentifiers(r) as number[] };
  }
  const topic = properties?.topicAlias !== undefined && r() < 0.5 ? "" : randomTopic(r);
  const packet: MqttPacket = {
    type: "publish",
    topic,
    payload: randomBytes(r, r() < 0.05 ? 2000 : 30),
    qos: q,
    retain: r() < 0.3,
    dup: r() < 0.2,
  };
  if (q > 0) packet.packetId = int(r, 1, 0xffff);
  return withProps(packet, properties);
}

function randomPubAck(r: R, version: MqttVersion): MqttPacket {
  const type = pick(r, ["puback", "pubrec", "pubrel", "pubcomp"] as const);
  const codes = version < 5 ? [0] : type === "pubrel" || type === "pubcomp" ? [0, 0x92] : PUBACK_CODES_5;
  return withProps(
    { type, packetId: int(r, 1, 0xffff), reasonCode: code(r, codes) },
    props(r, version, ACK_KEYS),
  );
}

/** A packet that a client may send (what a server-side parser reads), other than CONNECT. */
export function randomFromClient(r: R, version: MqttVersion): MqttPacket {
  const kinds = ["publish", "publish", "ack", "subscribe", "unsubscribe", "pingreq", "disconnect"];
  if (version === 5) kinds.push("auth");
  switch (pick(r, kinds)) {
    case "publish":
      return randomPublish(r, version, "server");
    case "ack":
      return randomPubAck(r, version);
    case "subscribe": {
      const subscriptions: MqttSubscription[] = Array.from({ length: int(r, 1, 3) }, () => ({
        topicFilter: randomFilter(r),
        qos: qos(r),
        noLocal: version === 5 && r() < 0.3,
        retainAsPublished: version === 5 && r() < 0.3,
        retainHandling: (version === 5 ? int(r, 0, 2) : 0) as 0 | 1 | 2,
      }));
      const properties = props(r, version, ["userProperties"]) ?? {};
      if (version === 5 && r() < 0.3) properties.subscriptionIdentifier = int(r, 1, 268_435_455);
      return withProps(
        { type: "subscribe", packetId: int(r, 1, 0xffff), subscriptions },
        Object.keys(properties).length > 0 ? properties : undefined,
      );
    }
    case "unsubscribe":
      return withProps(
        {
          type: "unsubscribe",
          packetId: int(r, 1, 0xffff),
          topicFilters: Array.from({ length: int(r, 1, 3) }, () => randomFilter(r)),
        },
        props(r, version, ["userProperties"]),
      );
    case "pingreq":
      return { type: "pingreq" };
    case "disconnect":
      return withProps(
        { type: "disconnect", reasonCode: version === 5 ? code(r, [0, 0x04, 0x80, 0x81, 0x82, 0x8e]) : 0 },
        props(r, version, DISCONNECT_KEYS),
      );
    default:
      return withProps({ type: "auth", reasonCode: code(r, [0, 0x18, 0x19]) }, props(r, version, AUTH_KEYS));
  }
}

/** A packet that a server may send (what a client-side parser reads). */
export function randomFromServer(r: R, version: MqttVersion): MqttPacket {
  const kinds = ["connack", "publish", "publish", "ack", "suback", "unsuback", "pingresp"];
  if (version === 5) kinds.push("disconnect", "auth");
  switch (pick(r, kinds)) {
    case "connack": {
      const reasonCode = version === 5 ? code(r, [0, 0, 0x80, 0x85, 0x87, 0x9c]) : int(r, 0, 5);
      return withProps(
        { type: "connack", sessionPresent: version >= 4 && reasonCode === 0 && r() < 0.5, reasonCode },
        props(r, version, CONNACK_KEYS),
      );
    }
    case "publish":
      return randomPublish(r, version, "client");
    case "ack":
      return randomPubAck(r, version);
    case "suback":
      return withProps(
        {
          type: "suback",
          packetId: int(r, 1, 0xffff),
          reasonCodes: Array.from(
            { length: int(r, 1, 4) },
            () => code(r, version === 5 ? SUBACK_CODES_5 : [0, 1, 2, 0x80]),
          ),
        },
        props(r, version, ACK_KEYS),
      );
    case "unsuback":
      return withProps(
        {
          type: "unsuback",
          packetId: int(r, 1, 0xffff),
          reasonCodes: version === 5
            ? Array.from({ length: int(r, 1, 3) }, () => code(r, [0, 0x11, 0x80, 0x87]))
            : [],
        },
        props(r, version, ACK_KEYS),
      );
    case "pingresp":
      return { type: "pingresp" };
    case "disconnect":
      return withProps(
        { type: "disconnect", reasonCode: code(r, [0, 0x8b, 0x8e, 0x9c]) },
        props(r, version, DISCONNECT_KEYS),
      );
    default:
      return withProps({ type: "auth", reasonCode: code(r, [0, 0x18]) }, props(r, version, AUTH_KEYS));
  }
}

/** A conversation as one side reads it: a CONNECT then client packets, or server packets. */
export function randomConversation(r: R, version: MqttVersion, side: MqttSide, max = 4): MqttPacket[] {
  if (side === "server") {
    return [
      randomConnect(r, version),
      ...Array.from({ length: int(r, 0, max - 1) }, () => randomFromClient(r, version)),
    ];
  }
  return Array.from({ length: int(r, 1, max) }, () => randomFromServer(r, version));
}
