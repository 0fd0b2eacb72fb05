/**
 * STOMP frame encoder: one frame → one byte array ready for the connection's writer.
 *
 * @module
 */

import { escapeHeader } from "./_escape.ts";
import type { StompFrame, StompVersion } from "./_parser.ts";

/** A heart-beat as the broker sends it: a single EOL. */
export const HEARTBEAT_BYTES: Uint8Array = new Uint8Array([0x0a]);

const utf8 = new TextEncoder();
/** Heads up to this size are encoded through the shared scratch buffer. */
const MAX_SCRATCH = 64 * 1024;
let scratch = new Uint8Array(4096);
const LINE_BREAK = /[\r\n]/;
const LINE_BREAKS = /[\r\n]/g;

/**
 * Encodes a frame as `command EOL (name:value EOL)* EOL body NUL EOL`. The trailing
 * EOL after the NUL is what ActiveMQ writes (observed), and peers read it as a
 * heart-beat.
 *
 * Header names and values are escaped for STOMP 1.1 (`\\` `\n` `\c`) and 1.2 (also
 * `\r`), except in CONNECT, STOMP and CONNECTED frames. Where nothing is escaped (1.0,
 * and those three commands) a CR or LF inside a name or value is written as a space:
 * sending it raw would let a message property end the header block early and forge
 * headers or whole frames for a 1.0 subscriber.
 *
 * The body is written as is; callers add `content-length` when it may contain NUL.
 *
 * @example
 * ```ts
 * const bytes = encodeStompFrame(
 *   { command: "MESSAGE", headers: [["message-id", "ID:a:1"]], body: new Uint8Array() },
 *   "1.2",
 * );
 * // "MESSAGE\nmessage-id:ID\\ca\\c1\n\n\0\n"
 * ```
 */
export function encodeStompFrame(frame: StompFrame, version: StompVersion): Uint8Array {
  const command = frame.command;
  const escape = version !== "1.0" && command !== "CONNECT" && command !== "STOMP" && command !== "CONNECTED";
  const escapeCr = version === "1.2";
  let head = command + "\n";
  for (const [name, value] of frame.headers) {
    head += escape
      ? escapeHeader(name, escapeCr) + ":" + escapeHeader(value, escapeCr) + "\n"
      : flatten(name) + ":" + flatten(value) + "\n";
  }
  head += "\n";
  const body = frame.body;
  // Encode into a reusable scratch buffer (UTF-8 needs at most 3 bytes per UTF-16 unit),
  // then copy: cheaper than computing the exact UTF-8 length in JS first.
  const worstCase = head.length * 3;
  if (worstCase > scratch.length) {
    if (worstCase > MAX_SCRATCH) return encodeLarge(head, body);
    scratch = new Uint8Array(Math.max(worstCase, scratch.length * 2));
  }
  const headLength = utf8.encodeInto(head, scratch).written;
  const out = new Uint8Array(headLength + body.length + 2);
  out.set(scratch.subarray(0, headLength));
  out.set(body, headLength);
  out[out.length - 2] = 0x00;
  out[out.length - 1] = 0x0a;
  return out;
}

function flatten(text: string): string {
  return LINE_BREAK.test(text) ? text.replace(LINE_BREAKS, " ") : text;
}

function encodeLarge(head: string, body: Uint8Array): Uint8Array {
  const headBytes = utf8.encode(head);
  const out = new Uint8Array(headBytes.length + body.length + 2);
  out.set(headBytes);
  out.set(body, headBytes.length);
  out[out.length - 2] = 0x00;
  out[out.length - 1] = 0x0a;
  return out;
}

/** Bodies from this size on are not copied into the frame (see `encodeStompFrameParts`). */
const SEPARATE_BODY_FROM = 16 * 1024;
const FRAME_END: Uint8Array = new Uint8Array([0x00, 0x0a]);

/**
 * Like `encodeStompFrame`, but a large body stays its own chunk: `[head, body,
 * NUL EOL]`. The connection writes the chunks in turn, so a big message is not
 * copied once more just to prepend its headers.
 */
export function encodeStompFrameParts(frame: StompFrame, version: StompVersion): Uint8Array[] {
  if (frame.body.length < SEPARATE_BODY_FROM) return [encodeStompFrame(frame, version)];
  const head = encodeStompFrame({ command: frame.command, headers: frame.headers, body: EMPTY }, version);
  // The head came out with its own NUL EOL ending; drop those two bytes.
  return [head.subarray(0, head.length - 2), frame.body, FRAME_END];
}

const EMPTY = new Uint8Array(0);
