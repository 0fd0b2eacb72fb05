/**
 * STOMP 1.0/1.1/1.2 codec: bytes in, frames out, and back. Pure: no sockets, timers or
 * broker state. The converter decides which commands exist and what they mean.
 *
 * @example
 * ```ts
 * import { encodeStompFrame, header, StompParser } from "./codec.ts";
 *
 * const parser = new StompParser();
 * parser.version = "1.2";
 * const wire = encodeStompFrame(
 *   { command: "SEND", headers: [["destination", "/queue/a"]], body: new TextEncoder().encode("hi") },
 *   "1.2",
 * );
 * for (const event of parser.push(wire)) {
 *   if (event.kind === "frame") console.log(header(event.frame, "destination")); // "/queue/a"
 * }
 * ```
 *
 * @module
 */

import type { StompFrame } from "./_parser.ts";

export { DEFAULT_STOMP_LIMITS, StompParser } from "./_parser.ts";
export type { StompFrame, StompLimits, StompParseEvent, StompVersion } from "./_parser.ts";
export { encodeStompFrame, encodeStompFrameParts, HEARTBEAT_BYTES } from "./_encoder.ts";

/**
 * The value of a header; for a repeated header the first occurrence (STOMP 1.2:
 * "only the first header entry SHOULD be used as the value of header entry").
 *
 * @example
 * ```ts
 * const frame = { command: "SEND", headers: [["a", "1"], ["a", "2"]], body: new Uint8Array() };
 * header(frame, "a"); // "1"
 * header(frame, "b"); // undefined
 * ```
 */
export function header(frame: StompFrame, name: string): string | undefined {
  for (const [key, value] of frame.headers) {
    if (key === name) return value;
  }
  return undefined;
}
