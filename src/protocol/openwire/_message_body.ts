/**
 * Message content ↔ our bodies (openwire.md 9.2, 9.3): text content is `int32 length +
 * modified UTF-8` (our text bodies are UTF-8), bytes content is raw, and compressed
 * content is zlib — whole for text, after an int32 original length for bytes.
 *
 * @module
 */

import { inflateSync } from "node:zlib";
import { BrokerError } from "../../broker/errors.ts";
import { encodeMutf8, mutf8ToUtf8, readMutf8, utf8ToMutf8 } from "./_mutf8.ts";

/** Largest inflated body accepted by default (ActiveMQ's shipped frame limit). */
export const DEFAULT_MAX_INFLATED_SIZE = 100 * 1024 * 1024;

export function inflate(data: Uint8Array, maxSize: number): Uint8Array {
  try {
    const out = inflateSync(data, { maxOutputLength: Math.max(1, maxSize) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new BrokerError("protocol", `Cannot inflate compressed message body: ${(e as Error).message}`);
  }
}

/** Text content (maybe compressed) → UTF-8 body; null content or length -1 → null. */
export function textContentToBody(
  content: Uint8Array | null,
  compressed: boolean,
  maxSize: number,
): Uint8Array | null {
  if (content === null) return null;
  const raw = compressed ? inflate(content, maxSize + 4) : content;
  if (raw.length < 4) {
    throw new BrokerError("protocol", "Text message content is shorter than its length field");
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = view.getInt32(0);
  if (n === -1) return null;
  if (n < 0 || n > raw.length - 4) {
    throw new BrokerError("protocol", `Text message content declares ${n} bytes but holds ${raw.length - 4}`);
  }
  return mutf8ToUtf8(raw.subarray(4, 4 + n));
}

/** UTF-8 body → text content (`int32 length + modified UTF-8`); null → null. */
export function bodyToTextContent(body: Uint8Array | null): Uint8Array | null {
  if (body === null) return null;
  const text = utf8ToMutf8(body);
  const content = new Uint8Array(4 + text.length);
  new DataView(content.buffer).setInt32(0, text.length);
  content.set(text, 4);
  return content;
}

/** Bytes content (maybe compressed) → raw body. */
export function bytesContentToBody(
  content: Uint8Array | null,
  compressed: boolean,
  maxSize: number,
): Uint8Array | null {
  if (content === null || !compressed) return content;
  if (content.length < 4) {
    throw new BrokerError("protocol", "Compressed bytes content lacks its length field");
  }
  const length = new DataView(content.buffer, content.byteOffset, content.byteLength).getInt32(0);
  if (length < 0 || length > maxSize) {
    throw new BrokerError("protocol", `Compressed bytes body declares ${length} bytes (limit ${maxSize})`);
  }
  const body = inflate(content.subarray(4), Math.max(length, 1));
  if (body.length !== length) {
    throw new BrokerError(
      "protocol",
      `Compressed bytes body inflates to ${body.length} bytes, not ${length}`,
    );
  }
  return body;
}

/** A string as text-message content (`int32 length + modified UTF-8`); null → null. */
export function encodeTextContent(text: string | null): Uint8Array | null {
  if (text === null) return null;
  const bytes = encodeMutf8(text);
  const content = new Uint8Array(4 + bytes.length);
  new DataView(content.buffer).setInt32(0, bytes.length);
  content.set(bytes, 4);
  return content;
}

/** Uncompressed text-message content as a string; null content or length -1 → null. */
export function decodeTextContent(content: Uint8Array | null): string | null {
  if (content === null) return null;
  if (content.length < 4) {
    throw new BrokerError("protocol", "Text message content is shorter than its length field");
  }
  const n = new DataView(content.buffer, content.byteOffset, content.byteLength).getInt32(0);
  if (n === -1) return null;
  const text = n < 0 || n > content.length - 4 ? undefined : readMutf8(content, 4, 4 + n);
  if (text === undefined) throw new BrokerError("protocol", "Malformed text message content");
  return text;
}
