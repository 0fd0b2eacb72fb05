/**
 * Resumable STOMP 1.0/1.1/1.2 frame parser: bytes in, events out. No I/O, no timers.
 *
 * The parser is a small state machine (idle → head → body → NUL) that scans each pushed
 * chunk with `indexOf` and only buffers what straddles a chunk boundary: an incomplete
 * head (command line and header lines) or an incomplete body. Every size is compared with
 * its limit before bytes are accumulated, so a peer cannot make it buffer more than the
 * limits allow (STYLE.md habit 4). The head is decoded with one UTF-8 decode per frame,
 * not one per line: per call overhead dominates for lines this short.
 *
 * @module
 */

import { unescapeHeader } from "./_escape.ts";

/** A STOMP protocol version as negotiated with `accept-version` / `version`. */
export type StompVersion = "1.0" | "1.1" | "1.2";

/**
 * One STOMP frame. Headers keep their wire order and duplicates (STOMP 1.2: the first
 * occurrence of a repeated header wins; use `header()` to read one).
 */
export interface StompFrame {
  command: string;
  headers: [string, string][];
  body: Uint8Array;
}

/** Size limits of the parser (ActiveMQ `wireFormat.*` transport options). */
export interface StompLimits {
  /** Largest frame in bytes: command and header lines (with their EOLs) plus the body. */
  maxFrameSize: number;
  /** Largest body in bytes, declared by `content-length` or read up to the NUL. */
  maxDataLength: number;
  /** Most header lines in one frame. */
  maxHeaders: number;
  /** Longest header line in bytes, without its EOL. */
  maxHeaderLength: number;
  /** Longest command line in bytes, without its EOL. */
  maxCommandLength: number;
}

/** ActiveMQ's defaults: unlimited frame size, 100 MiB body, 1000 headers, 10 KiB header line, 1 KiB command. */
export const DEFAULT_STOMP_LIMITS: Readonly<StompLimits> = Object.freeze({
  maxFrameSize: Number.MAX_SAFE_INTEGER,
  maxDataLength: 100 * 1024 * 1024,
  maxHeaders: 1000,
  maxHeaderLength: 10 * 1024,
  maxCommandLength: 1024,
});

/** What `StompParser.push` reports, in input order. */
export type StompParseEvent =
  | { kind: "frame"; frame: StompFrame }
  /** One or more bare EOLs (`\n` or `\r\n`) between frames; at most one per `push`. */
  | { kind: "heartbeat" }
  /** A protocol error; the parser is dead afterwards and every later `push` returns `[]`. */
  | { kind: "error"; message: string; tooLarge: boolean };

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

const S_IDLE = 0; // between frames: heart-beats, or the start of the next command line
const S_HEAD = 1; // command line and header lines, up to the blank line
const S_BODY_LENGTH = 2; // reading exactly content-length bytes
const S_FRAME_END = 3; // content-length bytes read, the NUL must come next
const S_BODY_NUL = 4; // no content-length: the body ends at the first NUL
const S_DEAD = 5;

/** A buffer retained between frames up to this capacity (per connection); larger ones are released. */
const RETAIN_CAPACITY = 8 * 1024;
const EMPTY = new Uint8Array(0);
const HEARTBEAT_EVENT: StompParseEvent = Object.freeze({ kind: "heartbeat" });

const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Bytes that straddle chunk boundaries: a partial line or an incomplete body. Grows by
 * doubling (amortised O(1) per byte) and never beyond an optional cap, so a body whose
 * `content-length` is known ends up in a buffer of exactly that size that can be handed
 * over without a final copy.
 */
class ByteAccumulator {
  #buf: Uint8Array = EMPTY;
  #len = 0;

  get length(): number {
    return this.#len;
  }

  /** The backing store; only `[0, length)` is meaningful. */
  get buffer(): Uint8Array {
    return this.#buf;
  }

  append(src: Uint8Array, start: number, end: number, cap = Number.MAX_SAFE_INTEGER): void {
    const need = this.#len + (end - start);
    if (need > this.#buf.length) {
      const size = Math.min(cap, Math.max(need, this.#buf.length * 2, 256));
      const grown = new Uint8Array(size);
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(src.subarray(start, end), this.#len);
    this.#len = need;
  }

  /** Returns the accumulated bytes as an array the caller owns, and empties the accumulator. */
  take(): Uint8Array {
    let out: Uint8Array;
    if (this.#len === this.#buf.length) {
      out = this.#buf;
      this.#buf = EMPTY;
    } else {
      out = copy(this.#buf, 0, this.#len);
    }
    this.clear();
    return out;
  }

  clear(): void {
    this.#len = 0;
    if (this.#buf.length > RETAIN_CAPACITY) this.#buf = EMPTY;
  }

  release(): void {
    this.#len = 0;
    this.#buf = EMPTY;
  }
}

/**
 * Streaming STOMP parser. Feed it whatever the socket delivers; any split of the input
 * yields the same frames and errors (heart-beats are coalesced per `push`, see
 * `StompParseEvent`). `push` never throws: malformed input becomes an `error` event,
 * after which the parser ignores all input.
 *
 * Header unescaping follows `version` (STOMP 1.1: `\\` `\n` `\c`; 1.2 also `\r`), except
 * on CONNECT, STOMP and CONNECTED frames, which are never escaped. In 1.0 nothing is
 * unescaped and header values are trimmed like ActiveMQ does. Bodies are copied out of
 * the pushed chunks, so callers may reuse their read buffers.
 *
 * @example
 * ```ts
 * const parser = new StompParser();
 * const events = parser.push(new TextEncoder().encode("SEND\ndestination:/queue/a\n\nhi\0\n"));
 * // events[0]: { kind: "frame", frame: { command: "SEND", headers: [["destination", "/queue/a"]], body } }
 * // events[1]: { kind: "heartbeat" } (the "\n" after the NUL)
 * ```
 */
export class StompParser {
  /** Governs header unescaping of the frames parsed from now on; the converter sets it after CONNECT. */
  version: StompVersion = "1.0";
  /**
   * Called with each CONNECT or STOMP frame as soon as it is parsed; a version it returns
   * becomes `version` before the rest of the same input is parsed. Frames a client pipelines
   * behind CONNECT arrive in the same chunk and would otherwise be decoded under 1.0 rules
   * (no unescaping, trimmed values) before the converter has negotiated. Must not throw.
   */
  onConnect: ((frame: StompFrame) => StompVersion | undefined) | undefined;

  readonly #limits: StompLimits;
  readonly #acc = new ByteAccumulator();
  #state = S_IDLE;
  #command = "";
  #headers: [string, string][] = [];
  /** Bytes of the current frame so far: command and header lines with EOLs, then body. */
  #frameBytes = 0;
  #contentLength = 0;
  #heartbeatReported = false;
  // Head scanning, in offsets from the start of the head (the command line's first byte).
  /** Where the current, not yet complete, line starts; all bytes before it are complete lines. */
  #lineStart = 0;
  /** Offset of the command line's LF; -1 while the command line is incomplete. */
  #commandEnd = -1;
  #headerLines = 0;

  constructor(limits?: Partial<StompLimits>) {
    const merged = { ...DEFAULT_STOMP_LIMITS };
    if (limits) {
      for (const key of Object.keys(merged) as (keyof StompLimits)[]) {
        const value = limits[key];
        if (typeof value === "number" && !Number.isNaN(value)) merged[key] = value;
      }
    }
    this.#limits = merged;
  }

  /** Parses the next chunk of input. The chunk is not retained or modified. */
  push(chunk: Uint8Array): StompParseEvent[] {
    const events: StompParseEvent[] = [];
    if (this.#state === S_DEAD) return events;
    this.#heartbeatReported = false;
    try {
      this.#parse(chunk, events);
    } catch (e) {
      // Defensive: no input should get here, but a parser that throws would take the
      // connection's read loop down with it.
      this.#fail(events, `Internal STOMP parser error: ${e instanceof Error ? e.message : String(e)}`, false);
    }
    return events;
  }

  #parse(chunk: Uint8Array, events: StompParseEvent[]): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.#state) {
        case S_IDLE: {
          // Heart-beats between frames (also the "\n" ActiveMQ-style peers put after the NUL).
          const b = chunk[i];
          if (b === LF) {
            this.#heartbeat(events);
            i++;
          } else if (b === CR && chunk[i + 1] === LF) {
            this.#heartbeat(events);
            i += 2;
          } else {
            this.#state = S_HEAD;
            this.#lineStart = 0;
            this.#commandEnd = -1;
            this.#headerLines = 0;
            this.#frameBytes = 0;
          }
          break;
        }
        case S_HEAD:
          i = this.#parseHead(chunk, i, events);
          break;
        case S_BODY_LENGTH:
          i = this.#parseBodyLength(chunk, i, events);
          break;
        case S_FRAME_END:
          if (chunk[i] !== NUL) {
            return this.#fail(events, "Expected frame end (NUL) after content-length bytes", false);
          }
          this.#emit(events, this.#acc.take());
          i++;
          break;
        case S_BODY_NUL:
          i = this.#parseBodyNul(chunk, i, events);
          break;
        default:
          return;
      }
    }
  }

  /**
   * Scans head lines from `i`. The head so far is the accumulator's bytes followed by
   * `chunk[i..]`; head offset `h` is `acc[h]` below `acc.length` and `chunk[h + off]` above.
   * Only LFs are located and limits checked here; decoding waits for the blank line.
   *
   * Limits are checked on the incomplete line too, so that a peer cannot make the parser
   * buffer an endless line. For the outcome not to depend on where the input was split, a
   * limit fails at the byte where it is first crossed and, when both the line limit and
   * maxFrameSize are crossed, the one crossed first is reported.
   */
  #parseHead(chunk: Uint8Array, i: number, events: StompParseEvent[]): number {
    const acc = this.#acc;
    const limits = this.#limits;
    const off = i - acc.length;
    let pos = i;
    for (;;) {
      const lf = chunk.indexOf(LF, pos);
      const isCommand = this.#commandEnd < 0;
      const max = isCommand ? limits.maxCommandLength : limits.maxHeaderLength;
      const lineStart = this.#lineStart;
      const content = (lf < 0 ? chunk.length : lf) - off - lineStart; // line bytes so far, without the LF
      // 1-based positions in the line of the first byte beyond each limit. A CR right after
      // `max` bytes is allowed when the LF follows it.
      let lineCross = max + 1;
      if (content > max && this.#headByte(chunk, off, lineStart + max) === CR) lineCross = max + 2;
      const frameCross = limits.maxFrameSize - lineStart + 1;
      const lineFails = content >= lineCross;
      if (lineFails || (lf < 0 ? content : content + 1) >= frameCross) {
        if (lineFails && lineCross <= frameCross) {
          const message = isCommand
            ? `Command line exceeds maxCommandLength ${max}`
            : `Header line exceeds maxHeaderLength ${max}`;
          this.#fail(events, message, false);
        } else {
          this.#fail(events, `Frame exceeds maxFrameSize ${limits.maxFrameSize}`, true);
        }
        return chunk.length;
      }
      if (lf < 0) {
        acc.append(chunk, i, chunk.length);
        return chunk.length;
      }
      const lineEnd = lf - off;
      if (isCommand) {
        if (this.#isBlank(chunk, off, lineStart, lineEnd)) {
          // ActiveMQ trims the command line (Java String.trim) and skips it when nothing is
          // left, which also tolerates stray NULs between frames.
          this.#heartbeat(events);
          acc.clear();
          this.#state = S_IDLE;
          return lf + 1;
        }
        this.#commandEnd = lineEnd;
      } else if (content === 0 || (content === 1 && this.#headByte(chunk, off, lineStart) === CR)) {
        return this.#finishHead(chunk, i, off, lf, events) ? lf + 1 : chunk.length;
      } else if (++this.#headerLines > limits.maxHeaders) {
        this.#fail(
          events,
          `Header count ${this.#headerLines} exceeds maxHeaders ${limits.maxHeaders}`,
          false,
        );
        return chunk.length;
      }
      this.#lineStart = lineEnd + 1;
      pos = lf + 1;
    }
  }

  #headByte(chunk: Uint8Array, off: number, h: number): number {
    const acc = this.#acc;
    return h < acc.length ? acc.buffer[h] : chunk[h + off];
  }

  /** Whether head bytes [start, end) are all <= 0x20, i.e. blank after Java's trim(). */
  #isBlank(chunk: Uint8Array, off: number, start: number, end: number): boolean {
    for (let h = start; h < end; h++) {
      if (this.#headByte(chunk, off, h) > 0x20) return false;
    }
    return true;
  }

  /**
   * The blank line (its LF at `chunk[lf]`) ended the head: decode the command and headers
   * and set up the body. Returns false if the parser failed.
   */
  #finishHead(chunk: Uint8Array, i: number, off: number, lf: number, events: StompParseEvent[]): boolean {
    const acc = this.#acc;
    // Complete lines occupy head offsets [0, #lineStart), each ending in LF. Without the
    // last LF they join into "command\nheader\n...\nheader".
    const linesEnd = this.#lineStart - 1;
    let buf = chunk;
    let base = off;
    if (acc.length > 0) {
      if (linesEnd > acc.length) acc.append(chunk, i, linesEnd + off);
      buf = acc.buffer;
      base = 0;
    }
    this.#frameBytes = lf + 1 - off;
    const lines = this.#headLines(buf, base, linesEnd);
    acc.clear();
    if (typeof lines === "string") {
      this.#fail(events, lines, false);
      return false;
    }
    const command = javaTrim(lines[0]);
    const neverEscaped = command === "CONNECT" || command === "STOMP" || command === "CONNECTED";
    const unescape = this.version !== "1.0" && !neverEscaped; // STOMP 1.2: "Value Encoding"
    const unescapeCr = this.version === "1.2";
    const trimValues = this.version === "1.0";
    const headers: [string, string][] = new Array(lines.length - 1);
    for (let k = 1; k < lines.length; k++) {
      let line = lines[k];
      if (line.charCodeAt(line.length - 1) === CR) line = line.slice(0, -1);
      const colon = line.indexOf(":");
      if (colon < 0) {
        this.#fail(events, `Header line without ':' ${quote(line)}`, false);
        return false;
      }
      let name = line.slice(0, colon);
      let value = line.slice(colon + 1);
      if (unescape) {
        const n = unescapeHeader(name, unescapeCr);
        const v = typeof n === "number" ? n : unescapeHeader(value, unescapeCr);
        if (typeof v === "number") {
          const at = typeof n === "number" ? n : colon + 1 + v;
          this.#fail(
            events,
            `Undefined escape sequence "${line.slice(at, at + 2)}" in header line ${quote(line)}`,
            false,
          );
          return false;
        }
        name = n as string;
        value = v;
      } else if (trimValues) {
        value = javaTrim(value); // ActiveMQ trims 1.0 header values
      }
      headers[k - 1] = [name, value];
    }
    this.#command = command;
    this.#headers = headers;
    return this.#startBody(events);
  }

  /**
   * Decodes head bytes [0, end) (at `buf[base..]`) into its lines: the command line
   * leniently (the converter rejects garbage commands with an ERROR frame), header lines
   * as strict UTF-8. Returns an error message if a header line is not valid UTF-8.
   */
  #headLines(buf: Uint8Array, base: number, end: number): string[] | string {
    const text = decodeUtf8(buf, base, base + end, true);
    if (text !== undefined) return text.split("\n");
    // Slow path: find the offending line.
    const commandEnd = base + this.#commandEnd;
    const lines = [decodeUtf8(buf, base, commandEnd, false) ?? ""];
    let start = commandEnd + 1;
    while (start <= base + end) {
      let stop = buf.indexOf(LF, start);
      if (stop < 0 || stop > base + end) stop = base + end;
      const line = decodeUtf8(buf, start, stop, true);
      if (line === undefined) {
        return `Invalid UTF-8 in header line ${quote(decodeUtf8(buf, start, stop, false) ?? "")}`;
      }
      lines.push(line);
      start = stop + 1;
    }
    return lines;
  }

  /** Headers are complete: decide how the body ends. Returns false if the parser failed. */
  #startBody(events: StompParseEvent[]): boolean {
    const limits = this.#limits;
    let declared: string | undefined;
    for (const [name, value] of this.#headers) {
      if (name === "content-length") {
        declared = value;
        break;
      }
    }
    if (declared === undefined) {
      this.#state = S_BODY_NUL;
      return true;
    }
    const digits = javaTrim(declared);
    if (!/^\+?[0-9]+$/.test(digits)) {
      this.#fail(events, `Invalid content-length ${quote(declared)}`, false);
      return false;
    }
    const length = Number(digits);
    if (!(length <= limits.maxDataLength)) {
      this.#fail(events, `Content length ${digits} exceeds maxDataLength ${limits.maxDataLength}`, true);
      return false;
    }
    if (this.#frameBytes + length > limits.maxFrameSize) {
      this.#fail(
        events,
        `Frame size ${this.#frameBytes + length} exceeds maxFrameSize ${limits.maxFrameSize}`,
        true,
      );
      return false;
    }
    this.#frameBytes += length;
    this.#contentLength = length;
    // A fresh accumulator, so that it grows to exactly `length` and take() needs no copy.
    this.#acc.release();
    this.#state = length === 0 ? S_FRAME_END : S_BODY_LENGTH;
    return true;
  }

  #parseBodyLength(chunk: Uint8Array, i: number, events: StompParseEvent[]): number {
    const acc = this.#acc;
    const need = this.#contentLength - acc.length;
    const available = chunk.length - i;
    if (acc.length === 0 && available > need) {
      // The whole body and the byte after it are in this chunk: copy the body once.
      if (chunk[i + need] !== NUL) {
        this.#fail(events, "Expected frame end (NUL) after content-length bytes", false);
        return chunk.length;
      }
      this.#emit(events, copy(chunk, i, i + need));
      return i + need + 1;
    }
    const end = i + Math.min(need, available);
    acc.append(chunk, i, end, this.#contentLength);
    if (acc.length === this.#contentLength) this.#state = S_FRAME_END;
    return end;
  }

  #parseBodyNul(chunk: Uint8Array, i: number, events: StompParseEvent[]): number {
    const limits = this.#limits;
    const acc = this.#acc;
    const nul = chunk.indexOf(NUL, i);
    const end = nul < 0 ? chunk.length : nul;
    const bodyLength = acc.length + (end - i);
    // Report whichever limit the body crosses first, so the split of the input does not matter.
    const dataCross = limits.maxDataLength + 1;
    const frameCross = limits.maxFrameSize - this.#frameBytes + 1;
    if (bodyLength >= Math.min(dataCross, frameCross)) {
      if (dataCross <= frameCross) {
        this.#fail(events, `Body exceeds maxDataLength ${limits.maxDataLength}`, true);
      } else {
        this.#fail(events, `Frame exceeds maxFrameSize ${limits.maxFrameSize}`, true);
      }
      return chunk.length;
    }
    if (nul < 0) {
      acc.append(chunk, i, end);
      return end;
    }
    let body: Uint8Array;
    if (acc.length === 0) {
      body = copy(chunk, i, nul);
    } else {
      acc.append(chunk, i, nul);
      body = acc.take();
    }
    this.#emit(events, body);
    return nul + 1;
  }

  #emit(events: StompParseEvent[], body: Uint8Array): void {
    const frame: StompFrame = { command: this.#command, headers: this.#headers, body };
    events.push({ kind: "frame", frame });
    if (this.onConnect && (frame.command === "CONNECT" || frame.command === "STOMP")) {
      this.version = this.onConnect(frame) ?? this.version;
    }
    this.#state = S_IDLE;
    this.#headers = [];
    this.#frameBytes = 0;
    this.#contentLength = 0;
  }

  #heartbeat(events: StompParseEvent[]): void {
    if (this.#heartbeatReported) return;
    this.#heartbeatReported = true;
    events.push(HEARTBEAT_EVENT);
  }

  #fail(events: StompParseEvent[], message: string, tooLarge: boolean): void {
    events.push({ kind: "error", message, tooLarge });
    this.#state = S_DEAD;
    this.#acc.release();
    this.#headers = [];
  }
}

/**
 * Decodes UTF-8; `undefined` if `fatal` and the bytes are invalid. Short ASCII strings
 * are built in JS because a TextDecoder call costs more than the decoding itself there.
 * Strict decoding first decodes leniently and only re-checks when a U+FFFD shows up:
 * Deno's fatal decoder takes a slower path than its lenient one.
 */
function decodeUtf8(buf: Uint8Array, start: number, end: number, fatal: boolean): string | undefined {
  if (end - start <= 64) {
    let i = start;
    while (i < end && buf[i] < 0x80) i++;
    if (i === end) {
      return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
    }
  }
  const bytes = buf.subarray(start, end);
  const text = lenientDecoder.decode(bytes);
  if (!fatal || !text.includes("\ufffd")) return text;
  try {
    return fatalDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Java's String.trim(): strips every char <= U+0020 at both ends. */
function javaTrim(text: string): string {
  let a = 0;
  let b = text.length;
  while (a < b && text.charCodeAt(a) <= 0x20) a++;
  while (b > a && text.charCodeAt(b - 1) <= 0x20) b--;
  return a === 0 && b === text.length ? text : text.slice(a, b);
}

function quote(text: string): string {
  return `"${text.length > 80 ? text.slice(0, 80) + "…" : text}"`;
}

/** `src.slice(start, end)`, written out because `slice` is slower in V8 (species lookup). */
function copy(src: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(src.subarray(start, end));
  return out;
}
