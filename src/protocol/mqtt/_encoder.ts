/**
 * Packet → bytes, for a given protocol version: one byte array ready for the connection's
 * writer.
 *
 * @module
 */

import {
  isValidReasonCode,
  MAX_REMAINING_LENGTH,
  type MqttConnect,
  type MqttPacket,
  type MqttPacketType,
  type MqttProperties,
  type MqttVersion,
  PACKET_TYPE_CODES,
} from "./_packets.ts";
import {
  ACK_PROPS,
  AUTH_PROPS,
  CONNACK_PROPS,
  CONNECT_PROPS,
  DISCONNECT_PROPS,
  hasProperties,
  integer,
  PUBLISH_PROPS,
  SUBSCRIBE_PROPS,
  UNSUBSCRIBE_PROPS,
  WILL_PROPS,
  writeProperties,
} from "./_properties.ts";
import { varintSize, Writer } from "./_writer.ts";

const EMPTY: Uint8Array = new Uint8Array(0);
const body = new Writer();

/**
 * Encodes `packet` for a connection speaking `version`.
 *
 * What only MQTT 5 has is left out for 3.1 and 3.1.1: properties, the reason codes of
 * acknowledgements, UNSUBACK and DISCONNECT, and the subscription options beyond QoS. A
 * value 3.x has a field for but cannot express (a CONNACK return code above 5, a SUBACK
 * code other than 0, 1, 2 and 0x80) throws, as do AUTH below 5.0, out-of-range numbers,
 * strings longer than 65,535 UTF-8 bytes, a missing or 0 packet identifier where one is
 * needed, an empty subscription list and a reason code the packet type does not define:
 * those are bugs of the caller, and a peer would reject the packet anyway.
 *
 * Optional parts are written in their shortest form: an acknowledgement with reason code 0
 * and no properties is 2 bytes long; MQTT 5 properties are written in ascending identifier
 * order.
 *
 * @example
 * ```ts
 * encodePacket({ type: "puback", packetId: 10, reasonCode: 0 }, 4); // 40 02 00 0a
 * encodePacket({ type: "pingresp" }, 5); // d0 00
 * ```
 */
export function encodePacket(packet: MqttPacket, version: MqttVersion): Uint8Array {
  if (version !== 3 && version !== 4 && version !== 5) {
    throw new RangeError(`Unknown MQTT protocol version ${String(version)}`);
  }
  const v5 = version === 5;
  let flags = 0;
  let payload: Uint8Array = EMPTY;
  const w = body;
  w.reset();
  switch (packet.type) {
    case "connect":
      writeConnect(w, packet, version);
      break;
    case "connack": {
      code(packet.type, packet.reasonCode, version);
      if (packet.sessionPresent && packet.reasonCode !== 0) {
        // 3.1.1 [MQTT-3.2.2-4], 5.0 [MQTT-3.2.2-6]
        throw new RangeError("A refusing CONNACK cannot have Session Present");
      }
      // 3.1 has no Session Present flag.
      w.u8(version >= 4 && packet.sessionPresent ? 1 : 0);
      w.u8(packet.reasonCode);
      if (v5) writeProperties(w, packet.properties, CONNACK_PROPS);
      break;
    }
    case "publish": {
      const qos = integer(packet.qos, 0, 2, "PUBLISH QoS");
      flags = (packet.dup ? 0x08 : 0) | (qos << 1) | (packet.retain ? 0x01 : 0);
      w.string(packet.topic, "PUBLISH topic name");
      if (qos > 0) w.u16(packetId(packet.packetId, "PUBLISH"));
      if (v5) writeProperties(w, packet.properties, PUBLISH_PROPS);
      if (!(packet.payload instanceof Uint8Array)) {
        throw new TypeError("The PUBLISH payload must be a Uint8Array");
      }
      payload = packet.payload;
      break;
    }
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp": {
      if (packet.type === "pubrel") flags = 0x02;
      w.u16(packetId(packet.packetId, packet.type.toUpperCase()));
      if (v5) {
        code(packet.type, packet.reasonCode, version);
        // 5.0 3.4.2.1: reason code 0 without properties may be left out, and so may an
        // empty Property Length.
        const props = hasProperties(packet.properties, ACK_PROPS);
        if (packet.reasonCode !== 0 || props) w.u8(packet.reasonCode);
        if (props) writeProperties(w, packet.properties, ACK_PROPS);
      }
      break;
    }
    case "subscribe": {
      flags = 0x02;
      w.u16(packetId(packet.packetId, "SUBSCRIBE"));
      if (v5) writeProperties(w, packet.properties, SUBSCRIBE_PROPS);
      if (!Array.isArray(packet.subscriptions) || packet.subscriptions.length === 0) {
        throw new RangeError("A SUBSCRIBE needs at least one subscription");
      }
      for (const s of packet.subscriptions) {
        w.string(s.topicFilter, "SUBSCRIBE topic filter");
        let options = integer(s.qos, 0, 2, "requested QoS");
        if (v5) {
          options |= (s.noLocal ? 0x04 : 0) | (s.retainAsPublished ? 0x08 : 0) |
            (integer(s.retainHandling, 0, 2, "Retain Handling") << 4);
        }
        w.u8(options);
      }
      break;
    }
    case "suback":
      w.u16(packetId(packet.packetId, "SUBACK"));
      if (v5) writeProperties(w, packet.properties, ACK_PROPS);
      writeCodes(w, packet.type, packet.reasonCodes, version);
      break;
    case "unsubscribe": {
      flags = 0x02;
      w.u16(packetId(packet.packetId, "UNSUBSCRIBE"));
      if (v5) writeProperties(w, packet.properties, UNSUBSCRIBE_PROPS);
      if (!Array.isArray(packet.topicFilters) || packet.topicFilters.length === 0) {
        throw new RangeError("An UNSUBSCRIBE needs at least one topic filter");
      }
      for (const filter of packet.topicFilters) w.string(filter, "UNSUBSCRIBE topic filter");
      break;
    }
    case "unsuback":
      w.u16(packetId(packet.packetId, "UNSUBACK"));
      if (v5) {
        writeProperties(w, packet.properties, ACK_PROPS);
        writeCodes(w, packet.type, packet.reasonCodes, version);
      }
      break;
    case "pingreq":
    case "pingresp":
      break;
    case "disconnect":
      // 5.0 3.14.2.2.1: a DISCONNECT may end after its reason code.
      if (v5) writeShortReason(w, packet.type, packet.reasonCode, packet.properties, DISCONNECT_PROPS, false);
      break;
    case "auth":
      if (!v5) throw new RangeError(`AUTH does not exist in MQTT ${versionName(version)}`);
      // 5.0 3.15.2.1 only lets AUTH drop both the reason code and the Property Length together.
      writeShortReason(w, packet.type, packet.reasonCode, packet.properties, AUTH_PROPS, true);
      break;
    default:
      throw new TypeError(`Unknown packet type ${String((packet as { type: unknown }).type)}`);
  }

  const remaining = w.pos + payload.length;
  if (remaining > MAX_REMAINING_LENGTH) {
    throw new RangeError(
      `${packet.type.toUpperCase()} of ${remaining} bytes exceeds MQTT's limit of ${MAX_REMAINING_LENGTH}`,
    );
  }
  const headerSize = 1 + varintSize(remaining);
  const out = new Uint8Array(headerSize + remaining);
  out[0] = (PACKET_TYPE_CODES[packet.type] << 4) | flags;
  let at = 1;
  let left = remaining;
  do {
    let b = left % 128;
    left = Math.floor(left / 128);
    if (left > 0) b |= 0x80;
    out[at++] = b;
  } while (left > 0);
  out.set(w.buf.subarray(0, w.pos), headerSize);
  if (payload.length > 0) out.set(payload, headerSize + w.pos);
  return out;
}

function writeConnect(w: Writer, packet: MqttConnect, version: MqttVersion): void {
  const v5 = version === 5;
  w.string(version === 3 ? "MQIsdp" : "MQTT", "protocol name");
  w.u8(version);
  const will = packet.will;
  const hasUsername = packet.username !== undefined;
  const hasPassword = packet.password !== undefined;
  if (hasPassword && !hasUsername && !v5) {
    // 3.1.1 [MQTT-3.1.2-22]
    throw new RangeError(
      `A CONNECT for MQTT ${versionName(version)} cannot carry a password without a user name`,
    );
  }
  let connectFlags = packet.clean ? 0x02 : 0;
  if (will !== undefined) {
    connectFlags |= 0x04 | (integer(will.qos, 0, 2, "Will QoS") << 3) | (will.retain ? 0x20 : 0);
  }
  if (hasPassword) connectFlags |= 0x40;
  if (hasUsername) connectFlags |= 0x80;
  w.u8(connectFlags);
  w.u16(integer(packet.keepAlive, 0, 0xffff, "keep alive"));
  if (v5) writeProperties(w, packet.properties, CONNECT_PROPS);
  w.string(packet.clientId, "client identifier");
  if (will !== undefined) {
    if (v5) writeProperties(w, will.properties, WILL_PROPS);
    w.string(will.topic, "will topic");
    w.binary(will.payload, "will payload");
  }
  if (hasUsername) w.string(packet.username!, "user name");
  if (hasPassword) w.binary(packet.password!, "password");
}

/**
 * DISCONNECT and AUTH: nothing for reason 0 without properties; otherwise the reason code,
 * then the property block if there are properties or `lengthAlways`.
 */
function writeShortReason(
  w: Writer,
  type: MqttPacketType,
  reasonCode: number,
  properties: MqttProperties | undefined,
  ctx: typeof AUTH_PROPS,
  lengthAlways: boolean,
): void {
  code(type, reasonCode, 5);
  const props = hasProperties(properties, ctx);
  if (reasonCode === 0 && !props) return;
  w.u8(reasonCode);
  if (props || lengthAlways) writeProperties(w, props ? properties : undefined, ctx);
}

function writeCodes(w: Writer, type: MqttPacketType, codes: number[], version: MqttVersion): void {
  if (!Array.isArray(codes) || codes.length === 0) {
    throw new RangeError(`A ${type.toUpperCase()} needs at least one reason code`);
  }
  for (const c of codes) {
    code(type, c, version);
    w.u8(c);
  }
}

function code(type: MqttPacketType, value: number, version: MqttVersion): void {
  if (!isValidReasonCode(type, value, version)) {
    const what = version === 5 ? "reason code" : "return code";
    throw new RangeError(
      `${String(value)} is not a ${type.toUpperCase()} ${what} in MQTT ${versionName(version)}`,
    );
  }
}

function packetId(id: number | undefined, packet: string): number {
  return integer(id, 1, 0xffff, `${packet} packet identifier`);
}

function versionName(version: MqttVersion): string {
  return version === 3 ? "3.1" : version === 4 ? "3.1.1" : "5.0";
}
