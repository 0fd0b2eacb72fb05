/**
 * The stored form of a message: what ActiveMQ writes into a KahaDB journal
 * (`KahaAddMessageCommand.message`) and a JDBC `ACTIVEMQ_MSGS.MSG` column — an OpenWire
 * frame in the stores' private format: version 11, loose, no value cache, no stack
 * traces, size-prefixed (kahadb.md 3.4, openwire.md 15).
 *
 * @example
 * ```ts
 * import { decodeStoredMessage, encodeStoredMessage } from "./stored_message.ts";
 *
 * const bytes = encodeStoredMessage({
 *   messageId: "ID:host-61613-1795611798612-0:1:1:1:5",
 *   destination: { type: "queue", name: "PEND.Q" },
 *   priority: 4, expiration: 0, timestamp: 1795611798612, persistent: true, redeliveryCounter: 0,
 *   properties: {}, bodyKind: "text", body: new TextEncoder().encode("hello"),
 * });
 * decodeStoredMessage(bytes).destination.name; // "PEND.Q"
 * ```
 *
 * @module
 */

import { BrokerError } from "../broker/errors.ts";
import type { Message } from "./message.ts";
import {
  decodeCommand,
  encodeCommand,
  isMessage,
  messageToOpenWireMessage,
  type OpenWireMessage,
  openWireMessageToMessage,
  STORE_WIRE_FORMAT,
} from "../protocol/openwire/codec.ts";

/** Stores created by ActiveMQ before 5.12 wrote version 6 (kahadb.md 3.4). */
const LEGACY_STORE_FORMAT = Object.freeze({ ...STORE_WIRE_FORMAT, version: 6 });

/** The store's bytes for `message`: a size-prefixed loose OpenWire v11 message frame. */
export function encodeStoredMessage(message: Message): Uint8Array {
  return encodeCommand(messageToOpenWireMessage(message), STORE_WIRE_FORMAT);
}

/**
 * The stored OpenWire message frame itself, decoded with the v11 layout and, if that
 * does not consume the record exactly, with the v6 layout of pre-5.12 stores.
 */
export function decodeStoredOpenWireMessage(bytes: Uint8Array): OpenWireMessage {
  let command;
  try {
    command = decodeCommand(bytes, STORE_WIRE_FORMAT);
  } catch (v11Error) {
    try {
      command = decodeCommand(bytes, LEGACY_STORE_FORMAT);
    } catch {
      throw new BrokerError("protocol", `Unreadable stored message: ${(v11Error as Error).message}`);
    }
  }
  if (!isMessage(command)) {
    throw new BrokerError("protocol", `Stored record is data type ${command?.type ?? 0}, not a message`);
  }
  return command;
}

/** The Message held in a stored record (see `decodeStoredOpenWireMessage`). */
export function decodeStoredMessage(bytes: Uint8Array): Message {
  return openWireMessageToMessage(decodeStoredOpenWireMessage(bytes));
}
