/**
 * What a command handler may do with its connection. Handlers live one per file
 * (`handle_<command>.ts`); the connection (openwire_connection.ts) owns the socket, the
 * codec and the single writer.
 *
 * Reply rule (openwire.md 8): a command with `responseRequired` gets exactly one reply
 * correlated by its commandId; a one-way command that fails gets a ConnectionError.
 *
 * @module
 */

import type { BrokerSession, ConnectionListener } from "../../broker/types.ts";
import type { Logger } from "../../log.ts";
import type { ConnectionContext } from "../../transport/protocol.ts";
import type { BaseCommand, DataStructure } from "./commands.ts";
import type { ConnectionState } from "./_state.ts";
import type { NegotiatedWireFormat } from "./wire_format.ts";

export interface HandlerContext {
  readonly transport: ConnectionContext;
  readonly log: Logger;
  readonly state: ConnectionState;
  readonly format: NegotiatedWireFormat;
  /** The broker's name, as BrokerInfo and error messages give it. */
  readonly brokerName: string;
  /** What the core calls back on this connection. */
  readonly listener: ConnectionListener;
  /** The broker session; throws an illegal-state BrokerError before a ConnectionInfo was accepted. */
  session(): BrokerSession;
  /** Encodes and queues one command (frames leave in call order). */
  write(command: DataStructure): void;
  /**
   * Settles `command` once `op` does: on success a reply if it asked for one (`reply`'s
   * result, or a plain Response); on failure an ExceptionResponse, or a ConnectionError
   * for a one-way command. The read loop slows down while many of these are pending.
   */
  answer<T>(command: BaseCommand, op: Promise<T>, reply?: (value: T) => DataStructure | void): void;
  /** Reports a failed command now (ExceptionResponse or ConnectionError). */
  fail(command: BaseCommand, err: unknown): void;
  /** Counts a broker call until it settles (backpressure on the reader). */
  track(op: Promise<unknown>): void;
  /** Flushes what is queued, then closes the connection. */
  shutdown(reason: string): Promise<void>;
}
