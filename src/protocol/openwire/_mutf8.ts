/**
 * Java's "modified UTF-8" (DataOutput.writeUTF and OpenWire text bodies): every UTF-16
 * code unit is encoded on its own in 1-3 bytes (so a supplementary character takes two
 * 3-byte groups, CESU-8 style) and U+0000 is `C0 80`. For text without NUL and without
 * supplementary characters it is byte-identical to UTF-8, which the fast paths exploit.
 *
 * @module
 */

/** Number of modified-UTF-8 bytes `s` encodes to. */
export function mutf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || (c >= 0x80 && c < 0x800)) n += 1;
    else if (c >= 0x800) n += 2;
  }
  return n;
}

/** True when every UTF-16 unit is in 0x0001..0x007F (OpenWire tight "ascii" form). */
export function isAsciiString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0x7f) return false;
  }
  return true;
}

/** Writes `s` at `pos` (the caller reserved `3 * s.length` bytes); returns the end. */
export function writeMutf8(buf: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0 && c < 0x80) {
      buf[pos++] = c;
    } else if (c < 0x800) {
      buf[pos++] = 0xc0 | (c >> 6);
      buf[pos++] = 0x80 | (c & 0x3f);
    } else {
      buf[pos++] = 0xe0 | (c >> 12);
      buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
      buf[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}

const CHUNK = 8192;
/** Below this length a char loop beats a native decoder call. */
const SHORT = 16;
const asciiDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Bytes known to be < 0x80 as a string. */
function ascii(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT) {
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]);
    return s;
  }
  return asciiDecoder.decode(buf.subarray(start, end));
}

/** Bytes as Latin-1 code units (the tight "ascii" string form maps byte → char). */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  let i = start;
  while (i < end && buf[i] < 0x80) i++;
  if (i === end) return ascii(buf, start, end);
  let s = "";
  for (let k = start; k < end; k += CHUNK) {
    s += String.fromCharCode.apply(null, buf.subarray(k, Math.min(end, k + CHUNK)) as unknown as number[]);
  }
  return s;
}

let units = new Uint16Array(256);

/**
 * Decodes modified UTF-8 in `buf[start..end)`. Returns `undefined` for a malformed
 * sequence (a stray continuation byte, a 4-byte lead, or a group cut by `end`).
 */
export function readMutf8(buf: Uint8Array, start: number, end: number): string | undefined {
  let i = start;
  while (i < end && buf[i] < 0x80) i++;
  if (i === end) return ascii(buf, start, end);
  if (units.length < end - start) units = new Uint16Array(Math.max(end - start, units.length * 2));
  let n = 0;
  for (let j = start; j < i; j++) units[n++] = buf[j];
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      units[n++] = b;
      i++;
    } else if ((b & 0xe0) === 0xc0) {
      if (i + 1 >= end) return undefined;
      const b2 = buf[i + 1];
      if ((b2 & 0xc0) !== 0x80) return undefined;
      units[n++] = ((b & 0x1f) << 6) | (b2 & 0x3f);
      i += 2;
    } else if ((b & 0xf0) === 0xe0) {
      if (i + 2 >= end) return undefined;
      const b2 = buf[i + 1];
      const b3 = buf[i + 2];
      if ((b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) return undefined;
      units[n++] = ((b & 0x0f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
      i += 3;
    } else {
      return undefined;
    }
  }
  let s = "";
  for (let k = 0; k < n; k += CHUNK) {
    s += String.fromCharCode.apply(null, units.subarray(k, Math.min(n, k + CHUNK)) as unknown as number[]);
  }
  return s;
}

/** Encodes `s` as modified UTF-8 without any length header. */
export function encodeMutf8(s: string): Uint8Array {
  const out = new Uint8Array(mutf8Length(s));
  writeMutf8(out, 0, s);
  return out;
}

const utf8Encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * UTF-8 → modified UTF-8. Returns the input itself when they coincide (no NUL, no
 * 4-byte sequence); bytes that are not valid UTF-8 are returned unchanged (ActiveMQ's
 * STOMP converter also copies raw bytes into text bodies).
 */
export function utf8ToMutf8(bytes: Uint8Array): Uint8Array {
  let needed = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0 || b >= 0xf0) {
      needed = true;
      break;
    }
  }
  if (!needed) return bytes;
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return bytes;
  }
  return encodeMutf8(text);
}

/**
 * Modified UTF-8 → UTF-8. Returns the input itself when they coincide (no `C0 80`, no
 * encoded surrogates); malformed input is returned unchanged.
 */
export function mutf8ToUtf8(bytes: Uint8Array): Uint8Array {
  let needed = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0xc0 || b === 0xed) {
      needed = true;
      break;
    }
  }
  if (!needed) return bytes;
  const text = readMutf8(bytes, 0, bytes.length);
  return text === undefined ? bytes : utf8Encoder.encode(text);
}
