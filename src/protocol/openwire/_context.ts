/**
 * State shared by one encode or decode walk: the negotiated switches that change field
 * layouts, the value cache of the direction, and (tight mode) the boolean stream.
 *
 * @module
 */

import type { BitReader, BitWriter } from "./_boolean_stream.ts";
import type { OpenWireDecodeCache, OpenWireEncodeCache } from "./_cache.ts";
import type { Output } from "./_output.ts";

/** Deepest nesting of structures (and of primitive maps) a decoder accepts. */
export const MAX_DEPTH = 32;

export interface EncodeContext {
  version: number;
  /** Null when caching is off. */
  cache: OpenWireEncodeCache | null;
  stackTraceEnabled: boolean;
  out: Output;
  /** Tight mode only. */
  bits: BitWriter;
}

export interface DecodeContext {
  version: number;
  /** Null when caching is off. */
  cache: OpenWireDecodeCache | null;
  stackTraceEnabled: boolean;
  /** Tight mode only; swapped for the rare pre-marshalled nested message. */
  bits: BitReader;
}

/** The v1 and v10 marshallers cut exception messages to 1024 characters (openwire.md 11). */
export function throwableMessage(message: string | null, version: number): string | null {
  if (message !== null && (version === 1 || version === 10) && message.length > 1024) {
    return message.slice(0, 1021) + "...";
  }
  return message;
}
