/**
 * Commands that cross between a connector worker and the core (main thread).
 * Plain objects only: they go through structured clone. Each side batches every
 * command of one turn into a single postMessage (see BatchingPort).
 */
import type { SerializedError } from "../broker/errors.ts";
import type { ConnectionInfo } from "../broker/types.ts";
import type { TransportConnectorConfig } from "../config/mod.ts";
import type { LogLevel } from "../log.ts";
import type { Message } from "../message/message.ts";

export type SessionOp =
  | "addConsumer"
  | "removeConsumer"
  | "removeDurableSubscription"
  | "send"
  | "ack"
  | "beginTransaction"
  | "commitTransaction"
  | "rollbackTransaction"
  | "prepareTransaction"
  | "recoverTransactions"
  | "forgetTransaction"
  | "pull"
  | "createTemporaryDestination"
  | "deleteTemporaryDestination"
  | "close";

/** Worker → core. */
export type ConnectorToCore =
  /**
   * `conn` names this connection on the bus from now on: unique per connect, so
   * a client reconnecting with the same connection id (which takes over in the
   * core) is never confused with its previous instance.
   */
  | { k: "connect"; id: number; conn: string; info: ConnectionInfo }
  | { k: "call"; id: number; conn: string; op: SessionOp; args: unknown[] }
  /** Delivered bytes a connection has written (or dropped): room in its dispatch window. */
  | { k: "written"; conn: string; bytes: number }
  | { k: "listening"; hostname: string; port: number }
  | { k: "failed"; message: string }
  | { k: "stopped" };

/** Core → worker. */
export type CoreToConnector =
  | {
    k: "init";
    connector: TransportConnectorConfig;
    logLevel: LogLevel;
    brokerName: string;
    connectorIndex: number;
    /** Resident bytes above which the worker collects dead message bodies at once. */
    rssBudget: number;
    /** The broker's `<sslContext>` attributes (keyStore, …), for TLS connectors. */
    sslContext?: Record<string, string>;
  }
  | { k: "reply"; id: number; value?: unknown; error?: SerializedError }
  | { k: "deliver"; conn: string; consumerId: string; message: Message }
  | { k: "browseEnd"; conn: string; consumerId: string }
  | { k: "pullExpired"; conn: string; consumerId: string }
  | { k: "closed"; conn: string; reason: string }
  | { k: "stop" };
