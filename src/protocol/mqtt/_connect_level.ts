/**
 * The protocol level of a refused CONNECT, read from the first bytes of the connection: the
 * parser reports that a level is unsupported but not which one, and the answer depends on it.
 *
 * @module
 */

/** How many leading bytes of a connection are kept for `connectProtocolLevel`. */
export const CONNECT_HEAD_BYTES = 64;

/**
 * The protocol level byte of a CONNECT that starts `head`, or undefined if `head` is too
 * short or is not a CONNECT.
 *
 * @example
 * ```ts
 * // 10 <len> 00 04 "MQTT" 06 …
 * connectProtocolLevel(new Uint8Array([0x10, 12, 0, 4, 77, 81, 84, 84, 6])); // 6
 * ```
 */
export function connectProtocolLevel(head: Uint8Array): number | undefined {
  if (head.length < 2 || head[0] >> 4 !== 1) return undefined;
  let i = 1;
  while (i < head.length && i < 4 && (head[i] & 0x80) !== 0) i++;
  i++; // past the last Remaining Length byte
  if (i + 2 > head.length) return undefined;
  i += 2 + ((head[i] << 8) | head[i + 1]);
  return i < head.length ? head[i] : undefined;
}
