/**
 * MQTT 3.1 / 3.1.1 / 5.0 codec: bytes in, packets out, and back. Pure: no sockets, timers
 * or broker state. The converter decides what the packets mean.
 *
 * @example
 * ```ts
 * import { encodePacket, MqttParser } from "./codec.ts";
 *
 * const server = new MqttParser(); // reads what clients send
 * server.push(encodePacket({ type: "connect", clientId: "c1", clean: true, keepAlive: 30 }, 5));
 * server.version; // 5, learnt from the CONNECT
 * const wire = encodePacket(
 *   { type: "publish", topic: "a/b", payload: new TextEncoder().encode("hi"), qos: 1, packetId: 7, retain: false, dup: false },
 *   server.version,
 * );
 * for (const event of server.push(wire)) {
 *   if (event.kind === "packet" && event.packet.type === "publish") console.log(event.packet.topic); // "a/b"
 *   if (event.kind === "error") console.log(event.message, event.reasonCode); // then close the connection
 * }
 * ```
 *
 * @module
 */

export { MqttParser } from "./_parser.ts";
export type { MqttParseEvent, MqttParserOptions, MqttSide } from "./_parser.ts";
export { encodePacket } from "./_encoder.ts";
export {
  isValidReasonCode,
  MAX_PACKET_SIZE,
  MAX_REMAINING_LENGTH,
  MqttConnackReturnCode,
  MqttReasonCode,
} from "./_packets.ts";
export type {
  MqttAckProperties,
  MqttAuth,
  MqttAuthProperties,
  MqttConnack,
  MqttConnackProperties,
  MqttConnect,
  MqttConnectProperties,
  MqttDisconnect,
  MqttDisconnectProperties,
  MqttPacket,
  MqttPacketType,
  MqttPing,
  MqttProperties,
  MqttPubAck,
  MqttPublish,
  MqttPublishProperties,
  MqttQoS,
  MqttSuback,
  MqttSubscribe,
  MqttSubscribeProperties,
  MqttSubscription,
  MqttUnsuback,
  MqttUnsubscribe,
  MqttUnsubscribeProperties,
  MqttUserProperty,
  MqttVersion,
  MqttWill,
  MqttWillProperties,
} from "./_packets.ts";
