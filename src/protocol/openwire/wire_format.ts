/**
 * The WireFormatInfo handshake (openwire.md 3): the options each side advertises, the
 * negotiation of the settings both then use, and the fixed formats used before the
 * negotiation and by the stores.
 *
 * @example
 * ```ts
 * import { createWireFormatInfo, negotiateWireFormat } from "./wire_format.ts";
 *
 * const ours = createWireFormatInfo({ maxFrameSize: 104857600 });
 * const theirs = createWireFormatInfo({ tightEncodingEnabled: false, version: 10 });
 * const format = negotiateWireFormat(ours, theirs);
 * format.version; // 10
 * format.tightEncodingEnabled; // false
 * ```
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { WireFormatInfo } from "./commands.ts";
import type { WireFormat } from "./_frame.ts";
import {
  decodePrimitiveMap,
  encodePrimitiveMap,
  type PrimitiveMap,
  type PrimitiveValue,
} from "./primitive_map.ts";
import { activeMqMagic, MAX_VERSION } from "./_schema.ts";

/** Java's Long.MAX_VALUE as a number (the default "no limit"). */
export const NO_FRAME_SIZE_LIMIT = 9223372036854775807;

/** The options of a WireFormatInfo, typed (openwire.md 3.2). */
export interface WireFormatOptions {
  version: number;
  tightEncodingEnabled: boolean;
  cacheEnabled: boolean;
  cacheSize: number;
  sizePrefixDisabled: boolean;
  stackTraceEnabled: boolean;
  tcpNoDelayEnabled: boolean;
  /** Milliseconds; 0 disables inactivity checking. */
  maxInactivityDuration: number;
  /** Milliseconds (the wire key is spelled `MaxInactivityDurationInitalDelay`). */
  maxInactivityDurationInitialDelay: number;
  maxFrameSize: number;
  /** Local only: never negotiated. */
  maxFrameSizeEnabled: boolean;
  host?: string;
  providerName?: string;
  providerVersion?: string;
  platformDetails?: string;
}

/** The Java broker's defaults (openwire.md 3.2). */
export const DEFAULT_WIRE_FORMAT_OPTIONS: Readonly<WireFormatOptions> = Object.freeze({
  version: MAX_VERSION,
  tightEncodingEnabled: true,
  cacheEnabled: true,
  cacheSize: 1024,
  sizePrefixDisabled: false,
  stackTraceEnabled: true,
  tcpNoDelayEnabled: true,
  maxInactivityDuration: 30000,
  maxInactivityDurationInitialDelay: 10000,
  maxFrameSize: NO_FRAME_SIZE_LIMIT,
  maxFrameSizeEnabled: true,
  providerName: "ActiveMQ",
  providerVersion: "5.17.2",
  platformDetails: "Java",
});

/** What both sides use after the handshake. */
export interface NegotiatedWireFormat extends WireFormat {
  tcpNoDelayEnabled: boolean;
  maxInactivityDuration: number;
  maxInactivityDurationInitialDelay: number;
}

/**
 * The format of the first frame in each direction (always a WireFormatInfo): loose,
 * size-prefixed, no cache. `maxFrameSize` is the local limit until negotiation.
 */
export const PRE_NEGOTIATION_FORMAT: Readonly<WireFormat> = Object.freeze({
  version: MAX_VERSION,
  tightEncodingEnabled: false,
  cacheEnabled: false,
  cacheSize: 0,
  sizePrefixDisabled: false,
  stackTraceEnabled: false,
  maxFrameSize: NO_FRAME_SIZE_LIMIT,
  maxFrameSizeEnabled: true,
});

/**
 * The stores' private format (openwire.md 15, kahadb.md 3.4): version 11, loose, no
 * cache, no stack traces, size prefix.
 */
export const STORE_WIRE_FORMAT: Readonly<WireFormat> = Object.freeze({
  version: 11,
  tightEncodingEnabled: false,
  cacheEnabled: false,
  cacheSize: 0,
  sizePrefixDisabled: false,
  stackTraceEnabled: false,
  maxFrameSize: NO_FRAME_SIZE_LIMIT,
  maxFrameSizeEnabled: false,
});

/** WireFormatInfo options are limited to this many entries (openwire.md 3.2). */
const MAX_OPTION_ENTRIES = 4096;

const bool = (value: boolean): PrimitiveValue => ({ type: "boolean", value });
const long = (value: number): PrimitiveValue => ({
  type: "long",
  value: value >= NO_FRAME_SIZE_LIMIT ? 9223372036854775807n : BigInt(Math.trunc(value)),
});
const str = (value: string): PrimitiveValue => ({ type: "string", value });

/**
 * A WireFormatInfo advertising `options` (missing ones take the Java defaults). Keys
 * are written in the order the Java broker writes them.
 */
export function createWireFormatInfo(options: Partial<WireFormatOptions> = {}): WireFormatInfo {
  const o = { ...DEFAULT_WIRE_FORMAT_OPTIONS, ...options };
  const map: PrimitiveMap = new Map();
  map.set("StackTraceEnabled", bool(o.stackTraceEnabled));
  if (o.platformDetails !== undefined) map.set("PlatformDetails", str(o.platformDetails));
  map.set("CacheEnabled", bool(o.cacheEnabled));
  if (o.host !== undefined) map.set("Host", str(o.host));
  map.set("TcpNoDelayEnabled", bool(o.tcpNoDelayEnabled));
  map.set("SizePrefixDisabled", bool(o.sizePrefixDisabled));
  map.set("CacheSize", { type: "int", value: o.cacheSize | 0 });
  if (o.providerName !== undefined) map.set("ProviderName", str(o.providerName));
  map.set("TightEncodingEnabled", bool(o.tightEncodingEnabled));
  map.set("MaxFrameSize", long(o.maxFrameSize));
  map.set("MaxInactivityDuration", long(o.maxInactivityDuration));
  map.set("MaxInactivityDurationInitalDelay", long(o.maxInactivityDurationInitialDelay));
  map.set("MaxFrameSizeEnabled", bool(o.maxFrameSizeEnabled));
  if (o.providerVersion !== undefined) map.set("ProviderVersion", str(o.providerVersion));
  return {
    type: 1,
    magic: activeMqMagic(),
    version: o.version,
    marshalledProperties: encodePrimitiveMap(map),
  };
}

function numberOf(v: PrimitiveValue | undefined): number {
  if (v === undefined) return 0;
  switch (v.type) {
    case "long":
      return Number(v.value);
    case "byte":
    case "short":
    case "int":
    case "float":
    case "double":
      return v.value;
    case "string":
      return Number(v.value) || 0;
    default:
      return 0;
  }
}

function boolOf(v: PrimitiveValue | undefined): boolean {
  if (v === undefined) return false;
  if (v.type === "boolean") return v.value;
  return v.type === "string" && v.value.toLowerCase() === "true";
}

function strOf(v: PrimitiveValue | undefined): string | undefined {
  return v !== undefined && v.type === "string" ? v.value : undefined;
}

/**
 * The typed options of a received WireFormatInfo. Absent booleans are false and absent
 * numbers 0 (openwire.md 3.2); unknown keys are ignored. Throws a BrokerError for
 * unreadable or oversized options.
 */
export function readWireFormatOptions(info: WireFormatInfo): WireFormatOptions {
  let map: PrimitiveMap | null = null;
  if (info.marshalledProperties !== null) {
    try {
      map = decodePrimitiveMap(info.marshalledProperties, { maxEntries: MAX_OPTION_ENTRIES });
    } catch (e) {
      throw new BrokerError("protocol", `Invalid wire format options: ${(e as Error).message}`);
    }
  }
  const get = (key: string) => map?.get(key);
  return {
    version: info.version,
    tightEncodingEnabled: boolOf(get("TightEncodingEnabled")),
    cacheEnabled: boolOf(get("CacheEnabled")),
    cacheSize: numberOf(get("CacheSize")),
    sizePrefixDisabled: boolOf(get("SizePrefixDisabled")),
    stackTraceEnabled: boolOf(get("StackTraceEnabled")),
    tcpNoDelayEnabled: boolOf(get("TcpNoDelayEnabled")),
    maxInactivityDuration: numberOf(get("MaxInactivityDuration")),
    maxInactivityDurationInitialDelay: numberOf(get("MaxInactivityDurationInitalDelay")),
    maxFrameSize: numberOf(get("MaxFrameSize")),
    maxFrameSizeEnabled: boolOf(get("MaxFrameSizeEnabled")),
    host: strOf(get("Host")),
    providerName: strOf(get("ProviderName")),
    providerVersion: strOf(get("ProviderVersion")),
    platformDetails: strOf(get("PlatformDetails")),
  };
}

/** True when the magic is `ActiveMQ`. */
export function isValidMagic(info: WireFormatInfo): boolean {
  const expected = activeMqMagic();
  if (info.magic == null || info.magic.length !== expected.length) return false;
  return expected.every((b, i) => info.magic[i] === b);
}

/** min(a, b) where a value <= 0 means "unset" and yields the other (openwire.md 3.3). */
function minSet(a: number, b: number): number {
  if (a <= 0) return b;
  if (b <= 0) return a;
  return Math.min(a, b);
}

/**
 * The settings both sides use after exchanging WireFormatInfos (openwire.md 3.3):
 * version = min (<= 0 unset), tight/cache/size-prefix-disabled/stack-trace/tcp-no-delay
 * = AND, cache size = min (0 → 16383 at use), max frame size = min (<= 0 unset),
 * inactivity durations = plain min, maxFrameSizeEnabled = ours.
 * Throws a BrokerError when the peer's magic is wrong.
 */
export function negotiateWireFormat(ours: WireFormatInfo, theirs: WireFormatInfo): NegotiatedWireFormat {
  if (!isValidMagic(theirs)) throw new BrokerError("protocol", "Remote wire format magic is invalid");
  const l = readWireFormatOptions(ours);
  const r = readWireFormatOptions(theirs);
  let version = minSet(l.version, r.version);
  if (version <= 0) version = MAX_VERSION;
  const cacheEnabled = l.cacheEnabled && r.cacheEnabled;
  const frameSize = minSet(l.maxFrameSize, r.maxFrameSize);
  return {
    version: Math.min(version, MAX_VERSION),
    tightEncodingEnabled: l.tightEncodingEnabled && r.tightEncodingEnabled,
    cacheEnabled,
    cacheSize: cacheEnabled ? Math.min(l.cacheSize, r.cacheSize) : 0,
    sizePrefixDisabled: l.sizePrefixDisabled && r.sizePrefixDisabled,
    stackTraceEnabled: l.stackTraceEnabled && r.stackTraceEnabled,
    tcpNoDelayEnabled: l.tcpNoDelayEnabled && r.tcpNoDelayEnabled,
    maxInactivityDuration: Math.min(l.maxInactivityDuration, r.maxInactivityDuration),
    maxInactivityDurationInitialDelay: Math.min(
      l.maxInactivityDurationInitialDelay,
      r.maxInactivityDurationInitialDelay,
    ),
    maxFrameSize: frameSize > 0 ? frameSize : NO_FRAME_SIZE_LIMIT,
    maxFrameSizeEnabled: l.maxFrameSizeEnabled,
  };
}
