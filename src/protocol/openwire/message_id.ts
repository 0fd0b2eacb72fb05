/**
 * Text forms of OpenWire ids (openwire.md 7) and the mapping between our string message
 * ids and OpenWire MessageIds. Our `Message.messageId` uses ActiveMQ's form
 * `<connectionId>:<sessionId>:<producerId>:<producerSequence>`, e.g.
 * `ID:host-61613-1795611798612-0:1:1:1:5`; ids of another shape travel as `textView`.
 *
 * @example
 * ```ts
 * import { formatMessageId, parseMessageId } from "./message_id.ts";
 *
 * const id = parseMessageId("ID:host-61613-1795611798612-0:1:1:1:5");
 * id.producerId?.connectionId; // "ID:host-61613-1795611798612-0:1"
 * id.producerSequenceId; // 5
 * formatMessageId(id); // "ID:host-61613-1795611798612-0:1:1:1:5"
 * ```
 *
 * @module
 */

import type { ConsumerId, MessageId, ProducerId, SessionId, TransactionId } from "./commands.ts";

function canonicalInteger(text: string): number | undefined {
  if (text.length === 0 || text.length > 17) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && String(n) === text ? n : undefined;
}

/** `<connectionId>:<sessionId>:<value>` */
export function formatProducerId(id: ProducerId): string {
  return `${id.connectionId}:${id.sessionId}:${id.value}`;
}

/** `<connectionId>:<sessionId>:<value>` */
export function formatConsumerId(id: ConsumerId): string {
  return `${id.connectionId}:${id.sessionId}:${id.value}`;
}

/** `<connectionId>:<value>` */
export function formatSessionId(id: SessionId): string {
  return `${id.connectionId}:${id.value}`;
}

/** Splits `<prefix>:<n1>:…:<nk>` into the prefix and k canonical integers. */
function splitTail(text: string, count: number): [string, number[]] | undefined {
  const numbers: number[] = new Array(count);
  let end = text.length;
  for (let k = count - 1; k >= 0; k--) {
    const colon = text.lastIndexOf(":", end - 1);
    if (colon <= 0) return undefined;
    const n = canonicalInteger(text.slice(colon + 1, end));
    if (n === undefined) return undefined;
    numbers[k] = n;
    end = colon;
  }
  return [text.slice(0, end), numbers];
}

/** Parses `<connectionId>:<sessionId>:<value>`; undefined for another shape. */
export function parseProducerId(text: string): ProducerId | undefined {
  const parts = splitTail(text, 2);
  if (parts === undefined) return undefined;
  const [connectionId, [sessionId, value]] = parts;
  return { type: 123, connectionId, value, sessionId };
}

/**
 * Our string form of a MessageId: `textView` when set (verbatim, so ids that came in as
 * text go back out unchanged), otherwise `<producerId>:<producerSequenceId>`.
 */
export function formatMessageId(id: MessageId): string {
  if (id.textView !== null && id.textView !== undefined) return id.textView;
  const producer = id.producerId === null ? "null" : formatProducerId(id.producerId);
  return `${producer}:${id.producerSequenceId}`;
}

/** JMSMessageID as the Java client shows it: a textView gets an `ID:` prefix if it lacks one. */
export function jmsMessageId(id: MessageId): string {
  const text = formatMessageId(id);
  return id.textView != null && !text.startsWith("ID:") ? `ID:${text}` : text;
}

/**
 * The MessageId of one of our message ids. An id of ActiveMQ's shape maps to its
 * producer id and sequence (and formats back to the same text). Any other id becomes a
 * `textView` (v10+) over a producer id made of the whole text with sequence 0, so v1-v9
 * peers at least see a unique, stable id.
 */
export function parseMessageId(text: string, brokerSequenceId = 0): MessageId {
  const parts = splitTail(text, 3);
  if (parts !== undefined) {
    const [connectionId, [sessionId, value, sequence]] = parts;
    return {
      type: 110,
      textView: null,
      producerId: { type: 123, connectionId, value, sessionId },
      producerSequenceId: sequence,
      brokerSequenceId,
    };
  }
  return {
    type: 110,
    textView: text,
    producerId: { type: 123, connectionId: text, value: 0, sessionId: 0 },
    producerSequenceId: 0,
    brokerSequenceId,
  };
}

function hex(bytes: Uint8Array | null): string {
  if (bytes === null) return "";
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** `TX:<connectionId>:<value>` or `XID:[<formatId>,globalId=<hex>,branchId=<hex>]`. */
export function formatTransactionId(id: TransactionId): string {
  if (id.type === 111) return `TX:${id.connectionId?.value ?? null}:${id.value}`;
  return `XID:[${id.formatId},globalId=${hex(id.globalTransactionId)},branchId=${hex(id.branchQualifier)}]`;
}
