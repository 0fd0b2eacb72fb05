/**
 * OpenWire codec (ActiveMQ Classic's native protocol, versions 1-12): bytes in, commands
 * out, and back. Pure: no sockets, timers or broker state. Commands are typed plain
 * objects whose `type` is the OpenWire data-structure code.
 *
 * A connection keeps one `OpenWireReader` (incoming frames and the incoming value cache)
 * and one `OpenWireEncodeCache` (outgoing), both switched to the negotiated format after
 * the WireFormatInfo exchange.
 *
 * @example
 * ```ts
 * import {
 *   createCommand, createWireFormatInfo, encodeCommand, negotiateWireFormat,
 *   OpenWireEncodeCache, OpenWireReader, PRE_NEGOTIATION_FORMAT,
 * } from "./codec.ts";
 *
 * const ours = createWireFormatInfo({ maxFrameSize: 104857600 });
 * const hello = encodeCommand(ours, PRE_NEGOTIATION_FORMAT); // send first
 * const reader = new OpenWireReader({ maxFrameSize: 104857600 });
 * let cache: OpenWireEncodeCache | undefined;
 * for (const event of reader.push(encodeCommand(createWireFormatInfo(), PRE_NEGOTIATION_FORMAT))) {
 *   if (event.kind === "command" && event.command.type === 1) {
 *     const format = negotiateWireFormat(ours, event.command);
 *     reader.setFormat(format); // returns commands that followed in the same chunk
 *     cache = new OpenWireEncodeCache(format.cacheSize);
 *     const brokerInfo = createCommand(2, { brokerName: "anchor" });
 *     encodeCommand(brokerInfo, format, cache);
 *   }
 * }
 * ```
 *
 * @module
 */

export * from "./commands.ts";
export { createCommand } from "./create_command.ts";
export { decodeCommand, encodeCommand, type WireFormat } from "./_frame.ts";
export { DEFAULT_CACHE_SIZE, OpenWireDecodeCache, OpenWireEncodeCache } from "./_cache.ts";
export { DecodeError, type DecodeFailure } from "./_input.ts";
export { type OpenWireEvent, OpenWireReader, type OpenWireReaderOptions } from "./reader.ts";
export {
  createWireFormatInfo,
  DEFAULT_WIRE_FORMAT_OPTIONS,
  isValidMagic,
  type NegotiatedWireFormat,
  negotiateWireFormat,
  NO_FRAME_SIZE_LIMIT,
  PRE_NEGOTIATION_FORMAT,
  readWireFormatOptions,
  STORE_WIRE_FORMAT,
  type WireFormatOptions,
} from "./wire_format.ts";
export {
  decodePrimitiveMap,
  decodeStreamBody,
  encodePrimitiveMap,
  encodeStreamBody,
  type PrimitiveMap,
  type PrimitiveMapLimits,
  type PrimitiveValue,
} from "./primitive_map.ts";
export {
  formatConsumerId,
  formatMessageId,
  formatProducerId,
  formatSessionId,
  formatTransactionId,
  jmsMessageId,
  parseMessageId,
  parseProducerId,
} from "./message_id.ts";
export {
  fromOpenWireDestination,
  type FromOpenWireOptions,
  messageToOpenWireMessage,
  openWireMessageToMessage,
  toOpenWireDestination,
  type ToOpenWireOptions,
} from "./message_mapping.ts";
export { decodeTextContent, encodeTextContent } from "./_message_body.ts";
export { decodeMessageProperties, encodeMessageProperties } from "./_message_properties.ts";
