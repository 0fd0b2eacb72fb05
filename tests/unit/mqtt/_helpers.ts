import assert from "node:assert/strict";
import {
  encodePacket,
  type MqttPacket,
  type MqttParseEvent,
  MqttParser,
  type MqttParserOptions,
  type MqttVersion,
} from "../../../src/protocol/mqtt/codec.ts";

export const te = new TextEncoder();
export const VERSIONS: readonly MqttVersion[] = [3, 4, 5];

/** Bytes from hex text ("10 0d 00 04"), strings (as UTF-8), number arrays or byte arrays. */
export function bytes(...parts: (string | number[] | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((p) =>
    typeof p === "string" ? te.encode(p) : p instanceof Uint8Array ? p : new Uint8Array(p)
  );
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** Bytes from hex text with optional spaces: `hex("10 0d 00")`. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  assert.equal(clean.length % 2, 0, `odd hex ${text}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}

/** A packet of a type byte and a body, with the Remaining Length computed. */
export function raw(first: number, ...body: (string | number[] | Uint8Array)[]): Uint8Array {
  const b = bytes(...body);
  const length: number[] = [];
  let left = b.length;
  do {
    length.push((left % 128) | (left >= 128 ? 0x80 : 0));
    left = Math.floor(left / 128);
  } while (left > 0);
  return bytes([first], length, b);
}

/** A length-prefixed UTF-8 string as MQTT writes it. */
export function str(text: string | Uint8Array): Uint8Array {
  const b = typeof text === "string" ? te.encode(text) : text;
  return bytes([b.length >> 8, b.length & 0xff], b);
}

/** A CONNECT in the normal form of each version. */
export function connectBytes(version: MqttVersion, clientId = "c"): Uint8Array {
  return encodePacket({ type: "connect", clientId, clean: true, keepAlive: 0 }, version);
}

/** A server-side parser that has accepted a CONNECT of `version`. */
export function connected(version: MqttVersion, options: MqttParserOptions = {}): MqttParser {
  const p = new MqttParser(options);
  const events = p.push(connectBytes(version));
  assert.equal(events.length, 1);
  assert.equal(events[0].kind, "packet");
  assert.equal(p.version, version);
  return p;
}

/** A client-side parser reading `version`. */
export function clientParser(version: MqttVersion, options: MqttParserOptions = {}): MqttParser {
  const p = new MqttParser({ ...options, side: "client" });
  p.version = version;
  return p;
}

/** A parser of the side that receives `packet`, ready for it. */
export function receiverFor(packet: MqttPacket, version: MqttVersion): MqttParser {
  switch (packet.type) {
    case "connect":
      return new MqttParser();
    case "connack":
    case "suback":
    case "unsuback":
    case "pingresp":
      return clientParser(version);
    case "disconnect":
      return version === 5 && packet.properties?.serverReference !== undefined
        ? clientParser(version)
        : connected(version);
    case "publish":
      return packet.properties?.subscriptionIdentifiers !== undefined
        ? clientParser(version)
        : connected(version);
    default:
      return connected(version);
  }
}

/** Encodes, parses back, and returns the only packet. */
export function roundTrip(packet: MqttPacket, version: MqttVersion): MqttPacket {
  const wire = encodePacket(packet, version);
  const events = receiverFor(packet, version).push(wire);
  assert.equal(events.length, 1, `one event for ${toHex(wire)}: ${JSON.stringify(events)}`);
  const event = events[0];
  if (event.kind !== "packet") assert.fail(`error for ${toHex(wire)}: ${event.message}`);
  return event.packet;
}

export function packets(events: MqttParseEvent[]): MqttPacket[] {
  return events.flatMap((e) => e.kind === "packet" ? [e.packet] : []);
}

export interface ErrorInfo {
  message: string;
  reasonCode: number;
  returnCode?: number;
}

/** The one error of `events`, which must be the last event. */
export function onlyError(events: MqttParseEvent[]): ErrorInfo {
  const errors = events.filter((e) => e.kind === "error");
  assert.equal(errors.length, 1, `expected one error, got ${JSON.stringify(events)}`);
  const last = events[events.length - 1];
  if (last.kind !== "error") assert.fail("the error is the last event");
  return last;
}

/** Pushes `input` into `p` and asserts the one error's reason code (and return code). */
export function expectError(
  p: MqttParser,
  input: Uint8Array,
  reasonCode: number,
  pattern?: RegExp,
  returnCode?: number,
): ErrorInfo {
  const error = onlyError(p.push(input));
  assert.equal(
    error.reasonCode,
    reasonCode,
    `reason 0x${error.reasonCode.toString(16)} (${error.message}) for ${toHex(input)}`,
  );
  assert.equal(error.returnCode, returnCode, `return code for ${error.message}`);
  if (pattern) assert.match(error.message, pattern);
  assert.deepEqual(p.push(input), [], "a dead parser stays silent");
  return error;
}

/** Pushes `input` and asserts exactly one packet came out; returns it. */
export function expectPacket(p: MqttParser, input: Uint8Array): MqttPacket {
  const events = p.push(input);
  assert.equal(events.length, 1, JSON.stringify(events));
  const event = events[0];
  if (event.kind !== "packet") assert.fail(`unexpected error: ${event.message} for ${toHex(input)}`);
  return event.packet;
}

// ---------------------------------------------------------------------------------------
// Randomness, for the split and fuzz tests.

export { pick, randomSplits, rng } from "../../support/random.ts";

/** Feeds `chunks` one by one and collects every event. */
export function pushAll(p: MqttParser, chunks: Uint8Array[]): MqttParseEvent[] {
  const all: MqttParseEvent[] = [];
  for (const c of chunks) all.push(...p.push(c));
  return all;
}
