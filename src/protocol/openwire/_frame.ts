/**
 * One frame: `[int32 length] int8 type body` (openwire.md 1), body loose or tight.
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { DataStructure } from "./commands.ts";
import { BitReader, BitWriter } from "./_boolean_stream.ts";
import type { OpenWireDecodeCache, OpenWireEncodeCache } from "./_cache.ts";
import type { DecodeContext, EncodeContext } from "./_context.ts";
import { Input, malformed } from "./_input.ts";
import { readLooseBody, writeLooseBody } from "./_marshal_loose.ts";
import { readTightBody, writeTightBody } from "./_marshal_tight.ts";
import { Output } from "./_output.ts";
import { clampVersion, specFor, specOfValue } from "./_schema.ts";

/** The settings that shape the bytes of a frame (a negotiated wire format satisfies it). */
export interface WireFormat {
  /** Protocol version 1-12 (field layouts). */
  version: number;
  tightEncodingEnabled: boolean;
  cacheEnabled: boolean;
  /** Slots of the value cache (0 = 16383). */
  cacheSize: number;
  sizePrefixDisabled: boolean;
  stackTraceEnabled: boolean;
  /** Largest frame (type byte + body) either way. */
  maxFrameSize: number;
  /** Local switch for the size check (openwire.md 3.2: not negotiated). */
  maxFrameSizeEnabled: boolean;
}

const looseOut = new Output(64 * 1024);
const tightData = new Output(64 * 1024);
const bits = new BitWriter();

/**
 * Encodes one command as a frame in `format`. With caching on, `cache` is the sender
 * cache of this connection (it is updated; on failure it is left as before the call).
 * Throws for a frame larger than `maxFrameSize`, a string too long for its form, or an
 * object that is no data structure of `format.version`.
 */
export function encodeCommand(
  command: DataStructure,
  format: WireFormat,
  cache?: OpenWireEncodeCache,
): Uint8Array {
  const version = clampVersion(format.version);
  const spec = specOfValue(command, version);
  let encodeCache: OpenWireEncodeCache | null = null;
  if (format.cacheEnabled) {
    if (cache === undefined) throw new TypeError("encodeCommand: caching is enabled but no cache was given");
    encodeCache = cache;
    cache.beginFrame();
  }
  const prefix = format.sizePrefixDisabled ? 0 : 4;
  try {
    let frame: Uint8Array;
    if (format.tightEncodingEnabled) {
      bits.reset();
      tightData.reset();
      const ctx: EncodeContext = {
        version,
        cache: encodeCache,
        stackTraceEnabled: format.stackTraceEnabled,
        out: tightData,
        bits,
      };
      writeTightBody(ctx, command, spec);
      const dataLength = tightData.pos;
      frame = new Uint8Array(prefix + 1 + bits.encodedSize + dataLength);
      frame[prefix] = spec.type;
      const at = bits.writeInto(frame, prefix + 1);
      frame.set(tightData.buf.subarray(0, dataLength), at);
      tightData.reset();
    } else {
      looseOut.reset();
      looseOut.pos = prefix;
      looseOut.u8(spec.type);
      const ctx: EncodeContext = {
        version,
        cache: encodeCache,
        stackTraceEnabled: format.stackTraceEnabled,
        out: looseOut,
        bits,
      };
      writeLooseBody(ctx, command, spec);
      frame = looseOut.take();
      looseOut.reset();
    }
    const size = frame.length - prefix;
    if (format.maxFrameSizeEnabled && size > format.maxFrameSize) {
      throw new BrokerError(
        "resource-limit",
        `Frame size of ${size} bytes larger than max allowed ${format.maxFrameSize} bytes`,
      );
    }
    if (prefix) new DataView(frame.buffer).setInt32(0, size);
    encodeCache?.commitFrame();
    return frame;
  } catch (e) {
    encodeCache?.rollbackFrame();
    looseOut.reset();
    tightData.reset();
    throw e;
  }
}

/** Decoder state of one direction: switches, value cache, reusable boolean stream. */
export function createDecodeContext(format: WireFormat, cache: OpenWireDecodeCache | null): DecodeContext {
  return {
    version: clampVersion(format.version),
    cache: format.cacheEnabled ? cache : null,
    stackTraceEnabled: format.stackTraceEnabled,
    bits: new BitReader(),
  };
}

/**
 * Decodes `type + body` at `input.pos` (the size prefix, if any, was consumed by the
 * caller). Returns null for the NULL frame (type 0). Throws DecodeError.
 */
export function decodeFrameBody(ctx: DecodeContext, input: Input, tight: boolean): DataStructure | null {
  const type = input.u8();
  if (type === 0) return null;
  const spec = specFor(type, ctx.version);
  if (spec === undefined) throw malformed(`Unknown data type: ${type}`);
  if (tight) {
    ctx.bits.readFrom(input);
    return readTightBody(ctx, input, spec, 0);
  }
  return readLooseBody(ctx, input, spec, 0);
}

/**
 * Decodes one whole frame held in `bytes` (with its size prefix unless the format
 * disables it) and requires it to end exactly at the end of `bytes`. Throws on anything
 * else. Meant for stored records and tests; connections use `OpenWireReader`.
 */
export function decodeCommand(
  bytes: Uint8Array,
  format: WireFormat,
  cache?: OpenWireDecodeCache,
): DataStructure | null {
  const input = new Input(bytes);
  if (!format.sizePrefixDisabled) {
    const size = input.i32();
    if (size !== bytes.length - 4) {
      throw malformed(`Frame length ${size} does not match the ${bytes.length - 4} bytes present`);
    }
  }
  const ctx = createDecodeContext(format, cache ?? null);
  const command = decodeFrameBody(ctx, input, format.tightEncodingEnabled);
  if (input.pos !== input.end) {
    throw malformed(`Frame decoded in ${input.pos} of ${input.end} bytes`);
  }
  return command;
}
