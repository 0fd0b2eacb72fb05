/**
 * Resumable OpenWire frame reader: bytes in (any split), commands out. No I/O, no timers.
 *
 * With the size prefix (the default) the 4-byte length is read first and compared with
 * the frame-size limit before a byte of the frame is buffered; a frame that arrives whole
 * inside one chunk is decoded in place, a split one is gathered into one buffer of exactly
 * its length. Without the prefix the frame's end is only known by parsing it: bytes are
 * buffered and the decode is retried once the bytes the last attempt ran short of have
 * arrived (so a large body costs one retry, not one per chunk).
 *
 * @example
 * ```ts
 * import { OpenWireReader } from "./reader.ts";
 * import { createWireFormatInfo, negotiateWireFormat } from "./wire_format.ts";
 * import { encodeCommand } from "./_frame.ts";
 * import { PRE_NEGOTIATION_FORMAT } from "./wire_format.ts";
 *
 * const ours = createWireFormatInfo();
 * const reader = new OpenWireReader({ maxFrameSize: 104857600 });
 * for (const event of reader.push(encodeCommand(createWireFormatInfo(), PRE_NEGOTIATION_FORMAT))) {
 *   if (event.kind === "command" && event.command.type === 1) {
 *     const later = reader.setFormat(negotiateWireFormat(ours, event.command)); // handle these too
 *   }
 * }
 * ```
 *
 * @module
 */

import type { DataStructure } from "./commands.ts";
import { OpenWireDecodeCache } from "./_cache.ts";
import type { DecodeContext } from "./_context.ts";
import { createDecodeContext, decodeFrameBody, type WireFormat } from "./_frame.ts";
import { DecodeError, Input } from "./_input.ts";
import { NO_FRAME_SIZE_LIMIT, PRE_NEGOTIATION_FORMAT } from "./wire_format.ts";

/** What `OpenWireReader.push` reports, in input order. */
export type OpenWireEvent =
  | { kind: "command"; command: DataStructure }
  /** The connection must be failed; the reader is dead and later pushes return `[]`. */
  | { kind: "error"; message: string; tooLarge: boolean };

export interface OpenWireReaderOptions {
  /**
   * The connector's frame-size limit (default: none). It always applies; after
   * `setFormat` the negotiated limit applies as well when its `maxFrameSizeEnabled` is on.
   */
  maxFrameSize?: number;
}

/** Bytes held after the peer's WireFormatInfo until `setFormat` is called. */
const MAX_STASH = 64 * 1024 * 1024;
const EMPTY = new Uint8Array(0);

export class OpenWireReader {
  #format: WireFormat;
  #ctx: DecodeContext;
  readonly #localLimit: number;
  #limit: number;
  #negotiated = false;
  #dead = false;
  /** Bytes received after the first WireFormatInfo, before the negotiated format was set. */
  #stash: Uint8Array[] | null = null;
  #stashSize = 0;

  // Size-prefixed mode.
  readonly #header = new Uint8Array(4);
  #headerFill = 0;
  #frame: Uint8Array | null = null;
  #frameFill = 0;

  // Prefix-less mode.
  #pending: Uint8Array = EMPTY;
  #pendingStart = 0;
  #pendingEnd = 0;
  /** Bytes (from the start of the pending frame) the last attempt needed. */
  #needed = 0;

  constructor(options: OpenWireReaderOptions = {}) {
    this.#localLimit = options.maxFrameSize ?? NO_FRAME_SIZE_LIMIT;
    this.#format = { ...PRE_NEGOTIATION_FORMAT, maxFrameSize: this.#localLimit };
    this.#limit = this.#localLimit;
    this.#ctx = createDecodeContext(this.#format, null);
  }

  /** The format frames are decoded with. */
  get format(): Readonly<WireFormat> {
    return this.#format;
  }

  /** True once `setFormat` was called. */
  get negotiated(): boolean {
    return this.#negotiated;
  }

  /**
   * Decodes what `chunk` completes. Never throws: failures are "error" events. The reader
   * keeps no reference to `chunk`: the byte arrays of a decoded command are views into
   * one private copy of its frame (so transferring one of their buffers detaches the
   * others of the same command).
   *
   * Before negotiation, decoding stops after the first WireFormatInfo: later bytes are
   * held until `setFormat`, which decodes them with the negotiated format.
   */
  push(chunk: Uint8Array): OpenWireEvent[] {
    const events: OpenWireEvent[] = [];
    if (this.#dead || chunk.length === 0) return events;
    try {
      if (this.#stash !== null) {
        this.#hold(chunk, 0, events);
      } else {
        this.#consume(chunk, 0, events);
      }
    } catch (e) {
      this.#fail(events, `Internal decode failure: ${(e as Error)?.message ?? String(e)}`, false);
    }
    return events;
  }

  /**
   * Switches to the negotiated format (a fresh incoming value cache) and returns the
   * events of bytes that arrived after the peer's WireFormatInfo. Call it right after
   * the WireFormatInfo event, before the next `push`.
   */
  setFormat(format: WireFormat): OpenWireEvent[] {
    this.#format = { ...format };
    this.#limit = format.maxFrameSizeEnabled
      ? Math.min(this.#localLimit, format.maxFrameSize)
      : this.#localLimit;
    this.#ctx = createDecodeContext(
      format,
      format.cacheEnabled ? new OpenWireDecodeCache(format.cacheSize) : null,
    );
    this.#negotiated = true;
    const stash = this.#stash;
    this.#stash = null;
    this.#stashSize = 0;
    const events: OpenWireEvent[] = [];
    if (stash === null || this.#dead) return events;
    try {
      for (const chunk of stash) {
        if (this.#dead) break;
        if (this.#stash !== null) this.#hold(chunk, 0, events);
        else this.#consume(chunk, 0, events);
      }
    } catch (e) {
      this.#fail(events, `Internal decode failure: ${(e as Error)?.message ?? String(e)}`, false);
    }
    return events;
  }

  #hold(chunk: Uint8Array, offset: number, events: OpenWireEvent[]): void {
    if (offset >= chunk.length) return;
    this.#stashSize += chunk.length - offset;
    if (this.#stashSize > MAX_STASH) {
      this.#fail(events, "Too much data received before the wire format was negotiated", true);
      return;
    }
    this.#stash!.push(chunk.slice(offset));
  }

  #fail(events: OpenWireEvent[], message: string, tooLarge: boolean): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#frame = null;
    this.#pending = EMPTY;
    this.#stash = null;
    events.push({ kind: "error", message, tooLarge });
  }

  #tooLarge(size: number): boolean {
    return size > this.#limit;
  }

  #consume(chunk: Uint8Array, offset: number, events: OpenWireEvent[]): void {
    if (this.#format.sizePrefixDisabled) this.#consumeUnprefixed(chunk, offset, events);
    else this.#consumePrefixed(chunk, offset, events);
  }

  #consumePrefixed(chunk: Uint8Array, offset: number, events: OpenWireEvent[]): void {
    let i = offset;
    while (i < chunk.length) {
      if (this.#frame !== null) {
        const n = Math.min(chunk.length - i, this.#frame.length - this.#frameFill);
        this.#frame.set(chunk.subarray(i, i + n), this.#frameFill);
        this.#frameFill += n;
        i += n;
        if (this.#frameFill < this.#frame.length) return;
        const frame = this.#frame;
        this.#frame = null;
        if (!this.#decodeWhole(frame, events)) return;
        if (this.#stash !== null) return this.#hold(chunk, i, events);
        continue;
      }
      let length: number;
      if (this.#headerFill === 0 && chunk.length - i >= 4) {
        length = (chunk[i] << 24) | (chunk[i + 1] << 16) | (chunk[i + 2] << 8) | chunk[i + 3];
        i += 4;
      } else {
        while (this.#headerFill < 4 && i < chunk.length) this.#header[this.#headerFill++] = chunk[i++];
        if (this.#headerFill < 4) return;
        this.#headerFill = 0;
        const h = this.#header;
        length = (h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3];
      }
      // OpenWire: the size is checked before the frame is read (openwire.md 1).
      if (this.#tooLarge(length)) {
        return this.#fail(
          events,
          `Frame size of ${length} bytes larger than max allowed ${this.#limit} bytes`,
          true,
        );
      }
      if (length < 1) return this.#fail(events, `Invalid frame length ${length}`, false);
      if (chunk.length - i >= length) {
        const end = i + length;
        // One private copy per frame; its byte arrays become views into it.
        if (!this.#decodeWhole(chunk.slice(i, end), events)) return;
        i = end;
        if (this.#stash !== null) return this.#hold(chunk, i, events);
        continue;
      }
      this.#frame = new Uint8Array(length);
      this.#frameFill = 0;
    }
  }

  /** Decodes one size-delimited frame held in a buffer of its own; false if the reader died. */
  #decodeWhole(frame: Uint8Array, events: OpenWireEvent[]): boolean {
    const input = new Input(frame, 0, frame.length, false);
    let command: DataStructure | null;
    try {
      command = decodeFrameBody(this.#ctx, input, this.#format.tightEncodingEnabled);
    } catch (e) {
      this.#failDecode(e, events, false);
      return false;
    }
    // Bytes left inside a delimited frame are ignored: the prefix says where the next starts.
    this.#emit(command, events);
    return true;
  }

  #emit(command: DataStructure | null, events: OpenWireEvent[]): void {
    // The NULL frame (type 0) carries nothing.
    if (command === null) return;
    events.push({ kind: "command", command });
    if (!this.#negotiated && command.type === 1) this.#stash = [];
  }

  #failDecode(e: unknown, events: OpenWireEvent[], unprefixed: boolean): void {
    if (e instanceof DecodeError) {
      if (e.failure === "truncated" && !unprefixed) {
        return this.#fail(events, "Malformed frame: its fields run past the frame length", false);
      }
      return this.#fail(events, `Malformed frame: ${e.message}`, e.failure === "too-large");
    }
    const message = e instanceof RangeError ? "Malformed frame: nested too deeply" : String(e);
    this.#fail(events, message, false);
  }

  #consumeUnprefixed(chunk: Uint8Array, offset: number, events: OpenWireEvent[]): void {
    this.#append(chunk, offset);
    while (this.#pendingEnd > this.#pendingStart) {
      const available = this.#pendingEnd - this.#pendingStart;
      if (available < this.#needed) break;
      const input = new Input(this.#pending, this.#pendingStart, this.#pendingEnd);
      let command: DataStructure | null;
      try {
        command = decodeFrameBody(this.#ctx, input, this.#format.tightEncodingEnabled);
      } catch (e) {
        if (e instanceof DecodeError && e.failure === "truncated") {
          this.#needed = e.needed - this.#pendingStart;
          if (this.#tooLarge(this.#needed)) {
            return this.#fail(
              events,
              `Frame size of at least ${this.#needed} bytes larger than max allowed ${this.#limit} bytes`,
              true,
            );
          }
          break;
        }
        return this.#failDecode(e, events, true);
      }
      const size = input.pos - this.#pendingStart;
      if (this.#tooLarge(size)) {
        return this.#fail(
          events,
          `Frame size of ${size} bytes larger than max allowed ${this.#limit} bytes`,
          true,
        );
      }
      this.#pendingStart = input.pos;
      this.#needed = 0;
      this.#emit(command, events);
      if (this.#stash !== null) {
        const rest = this.#pending.subarray(this.#pendingStart, this.#pendingEnd);
        this.#pendingStart = this.#pendingEnd = 0;
        return this.#hold(rest, 0, events);
      }
    }
    if (this.#pendingStart === this.#pendingEnd) {
      this.#pendingStart = this.#pendingEnd = 0;
      if (this.#pending.length > 64 * 1024) this.#pending = EMPTY;
    }
  }

  #append(chunk: Uint8Array, offset: number): void {
    const n = chunk.length - offset;
    if (n <= 0) return;
    if (this.#pendingEnd + n > this.#pending.length) {
      const live = this.#pendingEnd - this.#pendingStart;
      if (live + n <= this.#pending.length && this.#pendingStart > 0) {
        this.#pending.copyWithin(0, this.#pendingStart, this.#pendingEnd);
      } else {
        const next = new Uint8Array(Math.max(4096, (live + n) * 2));
        next.set(this.#pending.subarray(this.#pendingStart, this.#pendingEnd));
        this.#pending = next;
      }
      this.#pendingStart = 0;
      this.#pendingEnd = live;
    }
    this.#pending.set(chunk.subarray(offset), this.#pendingEnd);
    this.#pendingEnd += n;
  }
}
