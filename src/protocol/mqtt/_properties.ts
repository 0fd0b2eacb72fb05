/**
 * MQTT 5 properties (MQTT 5.0 2.2.2): the identifier table, which packet allows which
 * property, and reading and writing a property block (Property Length + properties).
 *
 * @module
 */

import type { MqttProperties } from "./_packets.ts";
import { MALFORMED, MqttDecodeError, PROTOCOL_ERROR, quote, type Reader, topicNameError } from "./_reader.ts";
import { Writer } from "./_writer.ts";

/**
 * How a value is stored. `bool` and `byte01` are bytes that may only be 0 or 1; `u16nz`,
 * `u32nz` and `varint` (Subscription Identifier) may not be 0; `topic` is a string that must
 * be a topic name.
 */
type ValueType =
  | "bool"
  | "byte01"
  | "u16"
  | "u16nz"
  | "u32"
  | "u32nz"
  | "varint"
  | "string"
  | "topic"
  | "binary"
  | "pair";

interface PropertySpec {
  id: number;
  key: keyof MqttProperties;
  name: string;
  type: ValueType;
  /** User Property everywhere, Subscription Identifier in PUBLISH; every other one at most once. */
  repeatable: boolean;
}

function spec(id: number, key: keyof MqttProperties, name: string, type: ValueType): PropertySpec {
  return { id, key, name, type, repeatable: false };
}

// MQTT 5.0 2.2.2.2, Table 2-4.
const PAYLOAD_FORMAT = spec(0x01, "payloadFormatIndicator", "Payload Format Indicator", "byte01");
const MESSAGE_EXPIRY = spec(0x02, "messageExpiryInterval", "Message Expiry Interval", "u32");
const CONTENT_TYPE = spec(0x03, "contentType", "Content Type", "string");
// [MQTT-3.3.2-14]: the Response Topic is a topic name, without wildcards.
const RESPONSE_TOPIC = spec(0x08, "responseTopic", "Response Topic", "topic");
const CORRELATION_DATA = spec(0x09, "correlationData", "Correlation Data", "binary");
// 5.0 3.8.2.1.2: once per SUBSCRIBE; 3.3.4: a PUBLISH carries one per matching subscription.
const SUBSCRIPTION_ID = spec(0x0b, "subscriptionIdentifier", "Subscription Identifier", "varint");
const SUBSCRIPTION_IDS: PropertySpec = {
  ...spec(0x0b, "subscriptionIdentifiers", "Subscription Identifier", "varint"),
  repeatable: true,
};
const SESSION_EXPIRY = spec(0x11, "sessionExpiryInterval", "Session Expiry Interval", "u32");
const ASSIGNED_CLIENT_ID = spec(0x12, "assignedClientIdentifier", "Assigned Client Identifier", "string");
const SERVER_KEEP_ALIVE = spec(0x13, "serverKeepAlive", "Server Keep Alive", "u16");
const AUTH_METHOD = spec(0x15, "authenticationMethod", "Authentication Method", "string");
const AUTH_DATA = spec(0x16, "authenticationData", "Authentication Data", "binary");
const REQUEST_PROBLEM = spec(0x17, "requestProblemInformation", "Request Problem Information", "bool");
const WILL_DELAY = spec(0x18, "willDelayInterval", "Will Delay Interval", "u32");
const REQUEST_RESPONSE = spec(0x19, "requestResponseInformation", "Request Response Information", "bool");
const RESPONSE_INFO = spec(0x1a, "responseInformation", "Response Information", "string");
const SERVER_REFERENCE = spec(0x1c, "serverReference", "Server Reference", "string");
const REASON_STRING = spec(0x1f, "reasonString", "Reason String", "string");
const RECEIVE_MAXIMUM = spec(0x21, "receiveMaximum", "Receive Maximum", "u16nz");
const TOPIC_ALIAS_MAXIMUM = spec(0x22, "topicAliasMaximum", "Topic Alias Maximum", "u16");
// [MQTT-3.3.2-8]: a Topic Alias is never 0.
const TOPIC_ALIAS = spec(0x23, "topicAlias", "Topic Alias", "u16nz");
const MAXIMUM_QOS = spec(0x24, "maximumQoS", "Maximum QoS", "byte01");
const RETAIN_AVAILABLE = spec(0x25, "retainAvailable", "Retain Available", "bool");
const USER_PROPERTY: PropertySpec = {
  ...spec(0x26, "userProperties", "User Property", "pair"),
  repeatable: true,
};
const MAXIMUM_PACKET_SIZE = spec(0x27, "maximumPacketSize", "Maximum Packet Size", "u32nz");
const WILDCARD_AVAILABLE = spec(
  0x28,
  "wildcardSubscriptionAvailable",
  "Wildcard Subscription Available",
  "bool",
);
const SUBSCRIPTION_IDS_AVAILABLE = spec(
  0x29,
  "subscriptionIdentifiersAvailable",
  "Subscription Identifier Available",
  "bool",
);
const SHARED_AVAILABLE = spec(0x2a, "sharedSubscriptionAvailable", "Shared Subscription Available", "bool");

/** Names of every identifier the spec defines: an unknown one cannot even be skipped (its type is unknown). */
const KNOWN_NAMES = new Map([
  PAYLOAD_FORMAT,
  MESSAGE_EXPIRY,
  CONTENT_TYPE,
  RESPONSE_TOPIC,
  CORRELATION_DATA,
  SUBSCRIPTION_ID,
  SESSION_EXPIRY,
  ASSIGNED_CLIENT_ID,
  SERVER_KEEP_ALIVE,
  AUTH_METHOD,
  AUTH_DATA,
  REQUEST_PROBLEM,
  WILL_DELAY,
  REQUEST_RESPONSE,
  RESPONSE_INFO,
  SERVER_REFERENCE,
  REASON_STRING,
  RECEIVE_MAXIMUM,
  TOPIC_ALIAS_MAXIMUM,
  TOPIC_ALIAS,
  MAXIMUM_QOS,
  RETAIN_AVAILABLE,
  USER_PROPERTY,
  MAXIMUM_PACKET_SIZE,
  WILDCARD_AVAILABLE,
  SUBSCRIPTION_IDS_AVAILABLE,
  SHARED_AVAILABLE,
].map((s) => [s.id, s.name]));

/** The properties one packet (or the Will) allows, in ascending identifier order: the order they are written in. */
export class PropertyContext {
  readonly name: string;
  readonly specs: readonly PropertySpec[];
  readonly #byId: (PropertySpec | undefined)[] = [];

  constructor(name: string, specs: PropertySpec[]) {
    this.name = name;
    this.specs = [...specs].sort((a, b) => a.id - b.id);
    for (const s of this.specs) this.#byId[s.id] = s;
  }

  spec(id: number): PropertySpec | undefined {
    return this.#byId[id];
  }
}

export const CONNECT_PROPS = new PropertyContext("CONNECT", [
  SESSION_EXPIRY,
  RECEIVE_MAXIMUM,
  MAXIMUM_PACKET_SIZE,
  TOPIC_ALIAS_MAXIMUM,
  REQUEST_RESPONSE,
  REQUEST_PROBLEM,
  USER_PROPERTY,
  AUTH_METHOD,
  AUTH_DATA,
]);
export const WILL_PROPS = new PropertyContext("Will properties", [
  WILL_DELAY,
  PAYLOAD_FORMAT,
  MESSAGE_EXPIRY,
  CONTENT_TYPE,
  RESPONSE_TOPIC,
  CORRELATION_DATA,
  USER_PROPERTY,
]);
export const CONNACK_PROPS = new PropertyContext("CONNACK", [
  SESSION_EXPIRY,
  RECEIVE_MAXIMUM,
  MAXIMUM_QOS,
  RETAIN_AVAILABLE,
  MAXIMUM_PACKET_SIZE,
  ASSIGNED_CLIENT_ID,
  TOPIC_ALIAS_MAXIMUM,
  REASON_STRING,
  USER_PROPERTY,
  WILDCARD_AVAILABLE,
  SUBSCRIPTION_IDS_AVAILABLE,
  SHARED_AVAILABLE,
  SERVER_KEEP_ALIVE,
  RESPONSE_INFO,
  SERVER_REFERENCE,
  AUTH_METHOD,
  AUTH_DATA,
]);
export const PUBLISH_PROPS = new PropertyContext("PUBLISH", [
  PAYLOAD_FORMAT,
  MESSAGE_EXPIRY,
  TOPIC_ALIAS,
  RESPONSE_TOPIC,
  CORRELATION_DATA,
  USER_PROPERTY,
  SUBSCRIPTION_IDS,
  CONTENT_TYPE,
]);
/** PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK. */
export const ACK_PROPS = new PropertyContext("acknowledgement", [REASON_STRING, USER_PROPERTY]);
export const SUBSCRIBE_PROPS = new PropertyContext("SUBSCRIBE", [SUBSCRIPTION_ID, USER_PROPERTY]);
export const UNSUBSCRIBE_PROPS = new PropertyContext("UNSUBSCRIBE", [USER_PROPERTY]);
export const DISCONNECT_PROPS = new PropertyContext("DISCONNECT", [
  SESSION_EXPIRY,
  REASON_STRING,
  USER_PROPERTY,
  SERVER_REFERENCE,
]);
export const AUTH_PROPS = new PropertyContext("AUTH", [AUTH_METHOD, AUTH_DATA, REASON_STRING, USER_PROPERTY]);

/**
 * Reads a Property Length and the properties it covers. Returns undefined when there are
 * none, so that decoded packets carry `properties` only when the peer sent some.
 */
export function readProperties(r: Reader, ctx: PropertyContext, packet: string): MqttProperties | undefined {
  const length = r.varint("property length");
  if (length > r.remaining) {
    throw new MqttDecodeError(
      `${packet} property length ${length} exceeds the ${r.remaining} bytes left in the packet`,
      MALFORMED,
    );
  }
  if (length === 0) return undefined;
  const outerEnd = r.end;
  const end = r.pos + length;
  // Reads of property values must not run past the property block into the payload.
  r.end = end;
  const props: Record<string, unknown> = {};
  // Ids are below 64 (checked before use), so two 32-bit masks record which were seen.
  let seenLow = 0;
  let seenHigh = 0;
  while (r.pos < end) {
    const id = r.varint("property identifier");
    const s = ctx.spec(id);
    if (s === undefined) {
      const known = KNOWN_NAMES.get(id);
      if (known !== undefined) {
        throw new MqttDecodeError(`${known} (0x${hex(id)}) is not allowed in ${packet}`, PROTOCOL_ERROR);
      }
      throw new MqttDecodeError(`Unknown property identifier 0x${hex(id)} in ${packet}`, MALFORMED);
    }
    if (!s.repeatable) {
      const bit = 1 << (id & 31);
      const seen = id < 32 ? seenLow : seenHigh;
      if ((seen & bit) !== 0) {
        // 5.0 2.2.2.2: "It is a Protocol Error to include the <property> more than once".
        throw new MqttDecodeError(`${s.name} appears more than once in ${packet}`, PROTOCOL_ERROR);
      }
      if (id < 32) seenLow |= bit;
      else seenHigh |= bit;
    }
    const value = readValue(r, s, packet);
    if (s.repeatable) {
      const list = props[s.key] as unknown[] | undefined;
      if (list === undefined) props[s.key] = [value];
      else list.push(value);
    } else {
      props[s.key] = value;
    }
  }
  r.end = outerEnd;
  // 5.0 3.1.2.11.10: Authentication Data without an Authentication Method is a Protocol
  // Error in CONNECT; CONNACK and AUTH are held to the same rule (the data means nothing alone).
  if (props.authenticationData !== undefined && props.authenticationMethod === undefined) {
    throw new MqttDecodeError(
      `${packet} has Authentication Data without an Authentication Method`,
      PROTOCOL_ERROR,
    );
  }
  return props as MqttProperties;
}

function readValue(r: Reader, s: PropertySpec, packet: string): unknown {
  switch (s.type) {
    case "bool":
    case "byte01": {
      const b = r.u8(s.name);
      if (b > 1) {
        // e.g. 5.0 3.1.2.11.6, 3.2.2.3.4: "a Protocol Error ... to have a value other than 0 or 1".
        throw new MqttDecodeError(`${s.name} ${b} in ${packet} is neither 0 nor 1`, PROTOCOL_ERROR);
      }
      return s.type === "bool" ? b === 1 : b;
    }
    case "u16":
      return r.u16(s.name);
    case "u16nz":
    case "u32nz":
    case "varint": {
      const v = s.type === "u16nz" ? r.u16(s.name) : s.type === "u32nz" ? r.u32(s.name) : r.varint(s.name);
      // Receive Maximum (3.1.2.11.3), Maximum Packet Size (3.1.2.11.4), Topic Alias
      // [MQTT-3.3.2-8], Subscription Identifier (3.8.2.1.2): 0 is a Protocol Error.
      if (v === 0) throw new MqttDecodeError(`${s.name} 0 in ${packet}`, PROTOCOL_ERROR);
      return v;
    }
    case "u32":
      return r.u32(s.name);
    case "string":
      return r.string(s.name);
    case "topic": {
      const topic = r.string(s.name);
      const problem = topic.length === 0 ? `Empty ${s.name}` : topicNameError(topic, s.name);
      // [MQTT-3.3.2-14]
      if (problem !== undefined) throw new MqttDecodeError(`${problem} in ${packet}`, PROTOCOL_ERROR);
      return topic;
    }
    case "binary":
      return r.binary(s.name);
    case "pair":
      return r.stringPair(s.name);
  }
}

const scratch = new Writer();

/**
 * Writes a Property Length and the properties of `props` that `ctx` allows, in ascending
 * identifier order (User Properties in their own order). Throws RangeError or TypeError for
 * a value the property cannot carry.
 */
export function writeProperties(w: Writer, props: MqttProperties | undefined, ctx: PropertyContext): void {
  if (props === undefined) {
    w.u8(0);
    return;
  }
  scratch.reset();
  const values = props as Record<string, unknown>;
  for (const s of ctx.specs) {
    const value = values[s.key];
    if (value === undefined) continue;
    if (s.repeatable) {
      if (!Array.isArray(value)) throw new TypeError(`${ctx.name} ${s.name} must be an array`);
      for (const item of value) {
        scratch.varint(s.id);
        writeValue(scratch, s, item, ctx);
      }
    } else {
      scratch.varint(s.id);
      writeValue(scratch, s, value, ctx);
    }
  }
  w.varint(scratch.pos);
  w.raw(scratch.buf.subarray(0, scratch.pos));
}

/** Whether writing `props` for `ctx` would produce at least one property. */
export function hasProperties(props: MqttProperties | undefined, ctx: PropertyContext): boolean {
  if (props === undefined) return false;
  const values = props as Record<string, unknown>;
  for (const s of ctx.specs) {
    const value = values[s.key];
    if (value !== undefined && !(s.repeatable && Array.isArray(value) && value.length === 0)) return true;
  }
  return false;
}

function writeValue(w: Writer, s: PropertySpec, value: unknown, ctx: PropertyContext): void {
  const what = `${ctx.name} ${s.name}`;
  switch (s.type) {
    case "bool":
      if (typeof value !== "boolean") throw new TypeError(`${what} must be a boolean`);
      w.u8(value ? 1 : 0);
      return;
    case "byte01":
      w.u8(integer(value, 0, 1, what));
      return;
    case "u16":
      w.u16(integer(value, 0, 0xffff, what));
      return;
    case "u16nz":
      w.u16(integer(value, 1, 0xffff, what));
      return;
    case "u32":
      w.u32(integer(value, 0, 0xffffffff, what));
      return;
    case "u32nz":
      w.u32(integer(value, 1, 0xffffffff, what));
      return;
    case "varint":
      w.varint(integer(value, 1, 268_435_455, what));
      return;
    case "string":
    case "topic":
      if (typeof value !== "string") throw new TypeError(`${what} must be a string`);
      w.string(value, what);
      return;
    case "binary":
      w.binary(value as Uint8Array, what);
      return;
    case "pair": {
      if (!Array.isArray(value) || typeof value[0] !== "string" || typeof value[1] !== "string") {
        throw new TypeError(`${what} must be a [name, value] pair of strings`);
      }
      w.string(value[0], `${what} name`);
      w.string(value[1], `${what} value`);
      return;
    }
  }
}

/** `value` if it is an integer in [min, max]; otherwise a RangeError naming `what`. */
export function integer(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`The ${what} must be an integer in ${min}..${max}, got ${quote(String(value))}`);
  }
  return value;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}
