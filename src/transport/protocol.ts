/**
 * What a protocol module gives a connector worker: a handler for one accepted
 * byte stream. The worker owns listening, connection limits and ids.
 */
import type { BrokerGateway } from "../broker/types.ts";
import type { TransportConnectorConfig } from "../config/mod.ts";
import type { Logger } from "../log.ts";

export interface ByteStream {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

export interface ConnectionContext {
  gateway: BrokerGateway;
  connector: TransportConnectorConfig;
  connectionId: string;
  remoteAddress: string;
  log: Logger;
  /** Resolves when the connector is stopping; handlers close their connection. */
  stopping: Promise<void>;
  /** The broker's name (OpenWire BrokerInfo announces it). */
  brokerName?: string;
}

export interface ProtocolHandler {
  readonly name: string;
  handle(stream: ByteStream, context: ConnectionContext): Promise<void>;
}
