/**
 * Replies the broker sends (openwire.md 8.13, 8.18): Response, ExceptionResponse with the
 * Java exception class a client instantiates, and ConnectionError for failures of
 * one-way commands.
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type {
  ConnectionError,
  ConnectionId,
  DataArrayResponse,
  DataStructure,
  ExceptionResponse,
  IntegerResponse,
  OpenWireThrowable,
  Response,
} from "./commands.ts";
import { createCommand } from "./create_command.ts";

/** Exceptions thrown outside the core's typed errors become a plain JMSException. */
const GENERIC_JMS_EXCEPTION = "javax.jms.JMSException";

/**
 * The throwable for an error. Stack traces stay empty: a client with stackTraceEnabled
 * reads a count of 0 (openwire.md 8.13).
 */
export function toThrowable(err: unknown): OpenWireThrowable {
  const className = err instanceof BrokerError ? err.javaClass : GENERIC_JMS_EXCEPTION;
  const message = err instanceof Error ? err.message : String(err);
  return { className, message, stackTrace: [], cause: null };
}

export function response(correlationId: number): Response {
  return createCommand(30, { correlationId });
}

export function exceptionResponse(correlationId: number, err: unknown): ExceptionResponse {
  return createCommand(31, { correlationId, exception: toThrowable(err) });
}

/** TransactionInfo PREPARE's vote: 0 XA_OK, 3 XA_RDONLY. */
export function integerResponse(correlationId: number, result: number): IntegerResponse {
  return createCommand(34, { correlationId, result });
}

export function dataArrayResponse(correlationId: number, data: DataStructure[]): DataArrayResponse {
  return createCommand(33, { correlationId, data });
}

export function connectionError(err: unknown, connectionId: ConnectionId | null): ConnectionError {
  return createCommand(16, { exception: toThrowable(err), connectionId });
}
