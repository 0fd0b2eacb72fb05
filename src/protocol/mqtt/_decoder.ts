/**
 * Packet bodies → packets, one function per packet type. The parser has already framed the
 * packet and checked its fixed header (type, flags, direction); these functions read the
 * variable header and payload and apply the rules of 3.1 / 3.1.1 / 5.0 to them.
 *
 * Failures are thrown as MqttDecodeError and become the parser's error event.
 *
 * @module
 */

import {
  isValidReasonCode,
  type MqttAuth,
  type MqttConnack,
  type MqttConnect,
  type MqttDisconnect,
  type MqttPacket,
  type MqttPacketType,
  type MqttPubAck,
  type MqttPublish,
  type MqttQoS,
  type MqttSuback,
  type MqttSubscribe,
  type MqttSubscription,
  type MqttUnsuback,
  type MqttUnsubscribe,
  type MqttVersion,
  type MqttWill,
} from "./_packets.ts";
import {
  ACK_PROPS,
  AUTH_PROPS,
  CONNACK_PROPS,
  CONNECT_PROPS,
  DISCONNECT_PROPS,
  PUBLISH_PROPS,
  readProperties,
  SUBSCRIBE_PROPS,
  UNSUBSCRIBE_PROPS,
  WILL_PROPS,
} from "./_properties.ts";
import {
  MALFORMED,
  MqttDecodeError,
  PROTOCOL_ERROR,
  quote,
  Reader,
  topicFilterError,
  topicNameError,
} from "./_reader.ts";

/** Which end of the connection the parser sits at: it decides which packets may arrive. */
export type MqttSide = "server" | "client";

/** What decoding needs to know and may change: CONNECT sets the version. */
export interface DecodeState {
  version: MqttVersion;
  side: MqttSide;
}

const UNSUPPORTED_PROTOCOL_VERSION = 0x84;
const CLIENT_IDENTIFIER_NOT_VALID = 0x85;
const RETURN_CODE_UNACCEPTABLE_PROTOCOL_VERSION = 1;
const RETURN_CODE_IDENTIFIER_REJECTED = 2;

const TYPE_NAMES: readonly (MqttPacketType | undefined)[] = [
  undefined,
  "connect",
  "connack",
  "publish",
  "puback",
  "pubrec",
  "pubrel",
  "pubcomp",
  "subscribe",
  "suback",
  "unsubscribe",
  "unsuback",
  "pingreq",
  "pingresp",
  "disconnect",
  "auth",
];

/** The packet type name of a 4-bit type code; undefined for the reserved 0. */
export function packetTypeName(code: number): MqttPacketType | undefined {
  return TYPE_NAMES[code];
}

/**
 * Decodes the body `buf[start, end)` of a packet whose fixed header's first byte is
 * `header`. `owned`: whether `buf` may be kept (then binary fields are views into it).
 */
export function decodePacket(
  header: number,
  buf: Uint8Array,
  start: number,
  end: number,
  owned: boolean,
  state: DecodeState,
): MqttPacket {
  const r = new Reader(buf, start, end, owned);
  const version = state.version;
  const type = TYPE_NAMES[header >> 4];
  switch (type) {
    case "connect":
      return decodeConnect(header & 0x0f, r, state);
    case "connack":
      return decodeConnack(r, version);
    case "publish":
      return decodePublish(header & 0x0f, r, state);
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
      return decodePubAck(type, r, version);
    case "subscribe":
      return decodeSubscribe(r, version);
    case "suback":
      return decodeSuback(r, version);
    case "unsubscribe":
      return decodeUnsubscribe(r, version);
    case "unsuback":
      return decodeUnsuback(r, version);
    case "pingreq":
    case "pingresp":
      r.done(type.toUpperCase());
      return { type };
    case "disconnect":
      return decodeDisconnect(r, version);
    case "auth":
      return decodeAuth(r);
    default:
      // The parser rejects type 0 with the fixed header; kept for the type checker.
      throw new MqttDecodeError("Reserved packet type 0", MALFORMED);
  }
}

function decodeConnect(flags: number, r: Reader, state: DecodeState): MqttConnect {
  // The protocol name and level decide how the rest is read.
  const name = r.string("protocol name");
  const level = r.u8("protocol level");
  let version: MqttVersion;
  if (name === "MQTT" && (level === 4 || level === 5)) {
    version = level;
  } else if (name === "MQIsdp" && level === 3) {
    version = 3;
  } else if (name === "MQTT" || name === "MQIsdp") {
    // 3.1.1 [MQTT-3.1.2-2]: answer CONNACK return code 1, then close. 5.0 [MQTT-3.1.2-2]: MAY
    // answer 0x84; the 3.1.1 form is the one an unknown-level client can read.
    throw new MqttDecodeError(
      `Unsupported protocol level ${level} for protocol name ${quote(name)}`,
      UNSUPPORTED_PROTOCOL_VERSION,
      RETURN_CODE_UNACCEPTABLE_PROTOCOL_VERSION,
    );
  } else {
    // 3.1.1 [MQTT-3.1.2-1]: MAY just disconnect (so no return code); 5.0 [MQTT-3.1.2-1]: MAY answer 0x84.
    throw new MqttDecodeError(`Unknown protocol name ${quote(name)}`, UNSUPPORTED_PROTOCOL_VERSION);
  }
  state.version = version;

  // 3.1.1 [MQTT-2.2.2-1], 5.0 [MQTT-2.1.3-1]: CONNECT's fixed header flags are 0. 3.1 has
  // no such rule (its DUP/QoS/RETAIN bits are ignored where unused), like mosquitto's 3.1 path.
  if (version >= 4 && flags !== 0) {
    throw new MqttDecodeError(`Invalid fixed header flags 0x${hex(flags)} on CONNECT`, MALFORMED);
  }
  const connectFlags = r.u8("connect flags");
  // 3.1.1 and 5.0 [MQTT-3.1.2-3]: the reserved flag is 0.
  if (version >= 4 && (connectFlags & 0x01) !== 0) {
    throw new MqttDecodeError("The reserved connect flag is set", MALFORMED);
  }
  const hasUsername = (connectFlags & 0x80) !== 0;
  const hasPassword = (connectFlags & 0x40) !== 0;
  const willRetain = (connectFlags & 0x20) !== 0;
  const willQos = (connectFlags >> 3) & 0x03;
  const hasWill = (connectFlags & 0x04) !== 0;
  const clean = (connectFlags & 0x02) !== 0;
  // [MQTT-3.1.2-11], [MQTT-3.1.2-13], [MQTT-3.1.2-15]: without a Will, Will QoS and Will Retain are 0.
  if (!hasWill && (willQos !== 0 || willRetain)) {
    throw new MqttDecodeError("Will QoS or Will Retain set without the Will flag", MALFORMED);
  }
  // 3.1.1 [MQTT-3.1.2-14], 5.0 3.1.2.6: Will QoS 3 is malformed.
  if (willQos === 3) throw new MqttDecodeError("Will QoS 3", MALFORMED);
  // 3.1.1 [MQTT-3.1.2-22] (and 3.1): no password without a user name. 5.0 allows it.
  if (version < 5 && hasPassword && !hasUsername) {
    throw new MqttDecodeError("Password flag set without the user name flag", MALFORMED);
  }
  const keepAlive = r.u16("keep alive");
  const properties = version === 5 ? readProperties(r, CONNECT_PROPS, "CONNECT") : undefined;

  // 3.1.1 [MQTT-3.1.3-1], 5.0 [MQTT-3.1.3-1]: client id, will properties, will topic, will payload, user name, password.
  const clientId = r.string("client identifier"); // [MQTT-3.1.3-3], [MQTT-3.1.3-4]
  let will: MqttWill | undefined;
  if (hasWill) {
    const willProperties = version === 5
      ? readProperties(r, WILL_PROPS, "CONNECT Will properties")
      : undefined;
    const topic = r.string("will topic"); // 5.0 [MQTT-3.1.3-9]
    checkTopicName(topic, "Will topic", version, false);
    const payload = r.binary("will payload");
    will = { topic, payload, qos: willQos as MqttQoS, retain: willRetain };
    if (willProperties !== undefined) will.properties = willProperties;
  }
  const username = hasUsername ? r.string("user name") : undefined; // 5.0 [MQTT-3.1.3-10]
  const password = hasPassword ? r.binary("password") : undefined;
  r.done("CONNECT");

  // 3.1.1 [MQTT-3.1.3-8]: a zero-byte client id needs Clean Session 1, else CONNACK return
  // code 2. 3.1 is treated alike, as ActiveMQ does, though the 3.1 text asks for 1..23
  // characters: ActiveMQ accepts longer ids and assigns one when it is empty. MQTT 5 lets
  // the server assign an id whatever Clean Start says ([MQTT-3.1.3-6]).
  if (version < 5 && clientId.length === 0 && !clean) {
    throw new MqttDecodeError(
      "Empty client identifier without clean session",
      CLIENT_IDENTIFIER_NOT_VALID,
      RETURN_CODE_IDENTIFIER_REJECTED,
    );
  }

  const packet: MqttConnect = { type: "connect", clientId, clean, keepAlive };
  if (will !== undefined) packet.will = will;
  if (username !== undefined) packet.username = username;
  if (password !== undefined) packet.password = password;
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function decodeConnack(r: Reader, version: MqttVersion): MqttConnack {
  const ackFlags = r.u8("connect acknowledge flags");
  const reasonCode = r.u8(version === 5 ? "reason code" : "return code");
  // 3.1 has no Session Present flag: the whole byte is reserved and ignored.
  if (version >= 4 && (ackFlags & 0xfe) !== 0) {
    // 3.1.1 3.2.2.1, 5.0 [MQTT-3.2.2-1]: bits 7-1 are reserved.
    throw new MqttDecodeError(`Reserved connect acknowledge flags 0x${hex(ackFlags)} are set`, MALFORMED);
  }
  const sessionPresent = version >= 4 && (ackFlags & 0x01) !== 0;
  const properties = version === 5 ? readProperties(r, CONNACK_PROPS, "CONNACK") : undefined;
  r.done("CONNACK");
  // 3.1.1 3.2.2.3 (6-255 reserved), 5.0 [MQTT-3.2.2-8].
  checkReasonCode("connack", reasonCode, version);
  // 3.1.1 [MQTT-3.2.2-4], 5.0 [MQTT-3.2.2-6]: a refusal never has a session.
  if (sessionPresent && reasonCode !== 0) {
    throw new MqttDecodeError(`CONNACK with code 0x${hex(reasonCode)} and Session Present`, PROTOCOL_ERROR);
  }
  const packet: MqttConnack = { type: "connack", sessionPresent, reasonCode };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function decodePublish(flags: number, r: Reader, state: DecodeState): MqttPublish {
  const version = state.version;
  // QoS 3 was rejected with the fixed header ([MQTT-3.3.1-4]).
  const qos = ((flags >> 1) & 0x03) as MqttQoS;
  const topic = r.string("topic name"); // [MQTT-3.3.2-1]
  const packetId = qos > 0 ? r.packetId("PUBLISH") : undefined; // 5.0 [MQTT-2.2.1-2]: none at QoS 0
  const properties = version === 5 ? readProperties(r, PUBLISH_PROPS, "PUBLISH") : undefined;
  checkTopicName(topic, "Topic name", version, properties?.topicAlias !== undefined);
  // 5.0 [MQTT-3.3.4-6]: a client never sends a Subscription Identifier.
  if (state.side === "server" && properties?.subscriptionIdentifiers !== undefined) {
    throw new MqttDecodeError("PUBLISH from a client with a Subscription Identifier", PROTOCOL_ERROR);
  }
  // [MQTT-3.3.1-2] (no DUP at QoS 0) binds the sender; ActiveMQ and mosquitto accept it, so do we.
  const packet: MqttPublish = {
    type: "publish",
    topic,
    payload: r.rest(),
    qos,
    retain: (flags & 0x01) !== 0,
    dup: (flags & 0x08) !== 0,
  };
  if (packetId !== undefined) packet.packetId = packetId;
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function decodePubAck(type: MqttPubAck["type"], r: Reader, version: MqttVersion): MqttPubAck {
  const name = type.toUpperCase();
  const packetId = r.packetId(name);
  let reasonCode = 0;
  let properties;
  // 5.0 3.4.2.1: the reason code may be left out when it is 0 and there are no properties,
  // and the Property Length when there are none (Remaining Length 2 or 3).
  if (version === 5 && r.remaining > 0) {
    reasonCode = r.u8("reason code");
    if (r.remaining > 0) properties = readProperties(r, ACK_PROPS, name);
  }
  r.done(name);
  // [MQTT-3.4.2-1], [MQTT-3.5.2-1], [MQTT-3.6.2-1], [MQTT-3.7.2-1]
  checkReasonCode(type, reasonCode, version);
  const packet: MqttPubAck = { type, packetId, reasonCode };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function decodeSubscribe(r: Reader, version: MqttVersion): MqttSubscribe {
  const packetId = r.packetId("SUBSCRIBE");
  const properties = version === 5 ? readProperties(r, SUBSCRIBE_PROPS, "SUBSCRIBE") : undefined;
  const subscriptions: MqttSubscription[] = [];
  while (r.remaining > 0) {
    const topicFilter = r.string("topic filter"); // [MQTT-3.8.3-1]
    const options = r.u8("subscription options");
    if (version === 5) {
      // 5.0 [MQTT-3.8.3-5]: bits 7-6 reserved.
      if ((options & 0xc0) !== 0) {
        throw new MqttDecodeError(
          `Reserved subscription option bits are set in 0x${hex(options)}`,
          MALFORMED,
        );
      }
    } else if (version === 4 && (options & 0xfc) !== 0) {
      // 3.1.1 [MQTT-3-8.3-4]: bits 7-2 reserved. 3.1 only defines the QoS bits and the
      // others were never checked (mosquitto's 3.1 path ignores them too).
      throw new MqttDecodeError(`Reserved requested QoS bits are set in 0x${hex(options)}`, MALFORMED);
    }
    const qos = options & 0x03;
    // 3.1.1 [MQTT-3-8.3-4], 5.0 3.8.3.1: QoS 3 is malformed.
    if (qos === 3) throw new MqttDecodeError(`Requested QoS 3 for ${quote(topicFilter)}`, MALFORMED);
    const retainHandling = version === 5 ? (options >> 4) & 0x03 : 0;
    // 5.0 3.8.3.1: "It is a Protocol Error to send a Retain Handling value of 3".
    if (retainHandling === 3) {
      throw new MqttDecodeError(`Retain Handling 3 for ${quote(topicFilter)}`, PROTOCOL_ERROR);
    }
    checkTopicFilter(topicFilter);
    subscriptions.push({
      topicFilter,
      qos: qos as MqttQoS,
      noLocal: version === 5 && (options & 0x04) !== 0,
      retainAsPublished: version === 5 && (options & 0x08) !== 0,
      retainHandling: retainHandling as 0 | 1 | 2,
    });
  }
  // 3.1.1 [MQTT-3.8.3-3], 5.0 [MQTT-3.8.3-2]: at least one subscription.
  if (subscriptions.length === 0) {
    throw new MqttDecodeError("SUBSCRIBE without topic filters", PROTOCOL_ERROR);
  }
  const packet: MqttSubscribe = { type: "subscribe", packetId, subscriptions };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function decodeSuback(r: Reader, version: MqttVersion): MqttSuback {
  const packetId = r.packetId("SUBACK");
  const properties = version === 5 ? readProperties(r, ACK_PROPS, "SUBACK") : undefined;
  const reasonCodes = readReasonCodes(r, "suback", version);
  const packet: MqttSuback = { type: "suback", packetId, reasonCodes };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function decodeUnsubscribe(r: Reader, version: MqttVersion): MqttUnsubscribe {
  const packetId = r.packetId("UNSUBSCRIBE");
  const properties = version === 5 ? readProperties(r, UNSUBSCRIBE_PROPS, "UNSUBSCRIBE") : undefined;
  const topicFilters: string[] = [];
  while (r.remaining > 0) {
    const filter = r.string("topic filter"); // [MQTT-3.10.3-1]
    checkTopicFilter(filter);
    topicFilters.push(filter);
  }
  // 3.1.1 and 5.0 [MQTT-3.10.3-2]: at least one topic filter.
  if (topicFilters.length === 0) {
    throw new MqttDecodeError("UNSUBSCRIBE without topic filters", PROTOCOL_ERROR);
  }
  const packet: MqttUnsubscribe = { type: "unsubscribe", packetId, topicFilters };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function decodeUnsuback(r: Reader, version: MqttVersion): MqttUnsuback {
  const packetId = r.packetId("UNSUBACK");
  if (version < 5) {
    r.done("UNSUBACK");
    return { type: "unsuback", packetId, reasonCodes: [] };
  }
  const properties = readProperties(r, ACK_PROPS, "UNSUBACK");
  const reasonCodes = readReasonCodes(r, "unsuback", version);
  const packet: MqttUnsuback = { type: "unsuback", packetId, reasonCodes };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function decodeDisconnect(r: Reader, version: MqttVersion): MqttDisconnect {
  let reasonCode = 0;
  let properties;
  // 5.0 3.14.2.1: no reason code means 0x00, no Property Length means no properties.
  if (version === 5 && r.remaining > 0) {
    reasonCode = r.u8("reason code");
    if (r.remaining > 0) properties = readProperties(r, DISCONNECT_PROPS, "DISCONNECT");
  }
  r.done("DISCONNECT");
  checkReasonCode("disconnect", reasonCode, version); // [MQTT-3.14.2-1]
  const packet: MqttDisconnect = { type: "disconnect", reasonCode };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function decodeAuth(r: Reader): MqttAuth {
  let reasonCode = 0;
  let properties;
  // 5.0 3.15.2.1: Remaining Length 0 means reason code 0x00 and no properties. A missing
  // Property Length after a reason code is read as none, like DISCONNECT's (and mosquitto).
  if (r.remaining > 0) {
    reasonCode = r.u8("reason code");
    if (r.remaining > 0) properties = readProperties(r, AUTH_PROPS, "AUTH");
  }
  r.done("AUTH");
  checkReasonCode("auth", reasonCode, 5); // [MQTT-3.15.2-1]
  const packet: MqttAuth = { type: "auth", reasonCode };
  if (properties !== undefined) packet.properties = properties;
  return packet;
}

function readReasonCodes(r: Reader, type: "suback" | "unsuback", version: MqttVersion): number[] {
  const codes: number[] = [];
  while (r.remaining > 0) {
    const code = r.u8("reason code");
    // 3.1.1 [MQTT-3.9.3-2]; 5.0 [MQTT-3.9.3-2], [MQTT-3.11.3-2].
    checkReasonCode(type, code, version);
    codes.push(code);
  }
  // 5.0 [MQTT-3.8.4-6], [MQTT-3.11.3-1]: one per topic filter, and there is at least one.
  if (codes.length === 0) {
    throw new MqttDecodeError(`${type.toUpperCase()} without reason codes`, PROTOCOL_ERROR);
  }
  return codes;
}

function checkReasonCode(type: MqttPacketType, code: number, version: MqttVersion): void {
  if (!isValidReasonCode(type, code, version)) {
    const what = version === 5 ? "reason code" : "return code";
    throw new MqttDecodeError(`Invalid ${type.toUpperCase()} ${what} 0x${hex(code)}`, PROTOCOL_ERROR);
  }
}

function checkTopicName(topic: string, what: string, version: MqttVersion, hasAlias: boolean): void {
  if (topic.length === 0) {
    // 5.0 3.3.2.3.4: an empty topic name needs a Topic Alias, otherwise a Protocol Error.
    if (version === 5 && hasAlias) return;
    // 3.1.1 [MQTT-4.7.3-1]: at least one character.
    throw new MqttDecodeError(`Empty ${what.toLowerCase()}`, version === 5 ? PROTOCOL_ERROR : MALFORMED);
  }
  const problem = topicNameError(topic, what); // [MQTT-3.3.2-2]
  if (problem !== undefined) throw new MqttDecodeError(problem, MALFORMED);
}

function checkTopicFilter(filter: string): void {
  const problem = topicFilterError(filter);
  if (problem !== undefined) throw new MqttDecodeError(problem, MALFORMED);
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}
