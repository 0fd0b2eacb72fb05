/**
 * The one message model every protocol maps to and from (ActiveMQ does the same
 * with its OpenWire message). It is a plain object so it crosses worker
 * boundaries by structured clone; `body` buffers are transferred where possible.
 */
import type { Destination } from "./destination.ts";
import type { DataStructure } from "../protocol/openwire/commands.ts";

/**
 * Property values keep JMS typing where JavaScript can: `bigint` is a JMS long,
 * a `number` is an int when integral and a double otherwise unless
 * `propertyTypes` says otherwise (OpenWire needs byte/short/float exactly).
 */
export type PropertyValue = string | number | bigint | boolean | null;
export type PropertyType = "boolean" | "byte" | "short" | "int" | "long" | "float" | "double" | "string";

/** The command an advisory message describes: its OpenWire type name and fields. */
export interface AdvisoryData {
  type: string;
  [field: string]: string | number | boolean | null | undefined;
}

export type BodyKind = "none" | "text" | "bytes" | "map" | "object" | "stream";

export interface Message {
  messageId: string;
  destination: Destination;
  /** Where the message was first sent (kept when it moves, e.g. to a DLQ). */
  originalDestination?: Destination;
  replyTo?: Destination;
  correlationId?: string;
  type?: string;
  /** 0-9, default 4. */
  priority: number;
  /** Absolute epoch milliseconds; 0 = never expires. */
  expiration: number;
  timestamp: number;
  persistent: boolean;
  /** Times the message was delivered before; JMSXDeliveryCount = this + 1. */
  redeliveryCounter: number;
  groupId?: string;
  groupSeq?: number;
  /**
   * Core only: the body of a pending non-persistent message was moved to
   * temporary storage (memory full, producer flow control off); it is read
   * back before the message is dispatched or browsed.
   */
  spilled?: { offset: number; length: number };
  /** Set on the delivery that assigned its group to the receiving consumer (JMSXGroupFirstForConsumer). */
  groupFirstForConsumer?: boolean;
  userId?: string;
  /**
   * Advisory messages from the core: the event they describe (ActiveMQ carries
   * the command itself, e.g. a ConsumerInfo) as plain data, so the core stays
   * protocol-neutral; the OpenWire converter turns it into `dataStructure`.
   */
  advisory?: AdvisoryData;
  /** The connection that produced it, for noLocal consumers. */
  producerConnectionId?: string;
  properties: Record<string, PropertyValue>;
  propertyTypes?: Record<string, PropertyType>;
  bodyKind: BodyKind;
  /** Text bodies are UTF-8 bytes; bytes bodies are raw; others are their stored encoding. */
  body: Uint8Array | null;
  /**
   * Map, object and stream bodies are kept as the producer's OpenWire bytes; when the
   * producer compressed them (`useCompression`), this says `body` is still zlib data so
   * an OpenWire consumer gets it back byte-exact with the compressed flag. Text and bytes
   * bodies are always held inflated (other protocols read them).
   */
  bodyCompressed?: boolean;
  /**
   * Broker arrival and dispatch stamps (OpenWire brokerInTime/brokerOutTime, epoch ms):
   * ActiveMQ stores and dispatches them and clients expose them; absent means 0.
   */
  brokerInTime?: number;
  brokerOutTime?: number;
  /**
   * The command an advisory message describes (OpenWire Message.dataStructure, e.g. the
   * DestinationInfo of a temp-queue advisory); the Java client's advisory watcher reads it.
   */
  dataStructure?: DataStructure;
}

export const DEFAULT_PRIORITY = 4;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function textBody(text: string): Uint8Array {
  return encoder.encode(text);
}

export function bodyAsText(message: Message): string {
  return message.body ? decoder.decode(message.body) : "";
}

export function isExpired(message: Message, now: number): boolean {
  return message.expiration > 0 && message.expiration <= now;
}

/** Approximate memory footprint, for usage accounting. */
export function messageSize(message: Message): number {
  return 256 + (message.body?.byteLength ?? 0);
}
