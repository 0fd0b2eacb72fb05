/**
 * Main-thread handle on one connector worker: starts it, bridges its bus
 * commands to the core, and stops it in order.
 */
import { BatchingPort, type PostTarget } from "../bus/batching_port.ts";
import type { ConnectorToCore, CoreToConnector } from "../bus/commands.ts";
import { GatewayHost } from "../bus/gateway_host.ts";
import type { BrokerGateway } from "../broker/types.ts";
import type { TransportConnectorConfig } from "../config/mod.ts";
import { logger, type LogLevel } from "../log.ts";

export interface ConnectorHandle {
  readonly name: string;
  readonly config: TransportConnectorConfig;
  readonly hostname: string;
  /** The bound port (useful when the uri asked for port 0). */
  readonly port: number;
  stop(): Promise<void>;
}

export class ConnectorStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectorStartError";
  }
}

export function startConnector(
  gateway: BrokerGateway,
  connector: TransportConnectorConfig,
  options: {
    connectorIndex: number;
    brokerName: string;
    logLevel: LogLevel;
    rssBudget: number;
    sslContext?: Record<string, string>;
  },
): Promise<ConnectorHandle> {
  const log = logger(connector.name);
  const worker = new Worker(new URL("./connector_worker.ts", import.meta.url), { type: "module" });
  const port = new BatchingPort<CoreToConnector>(worker as unknown as PostTarget);
  const host = new GatewayHost(gateway, port, log);
  let stopped: () => void = () => {};
  const whenStopped = new Promise<void>((resolve) => stopped = resolve);

  return new Promise((resolve, reject) => {
    let started = false;
    worker.onerror = (event) => {
      event.preventDefault();
      log.error(`Connector worker failed: ${event.message}`);
      host.closeAll();
      if (!started) {
        reject(new ConnectorStartError(`Transport connector ${connector.name} failed: ${event.message}`));
      }
      stopped();
    };
    worker.onmessage = (event: MessageEvent<ConnectorToCore[]>) => {
      for (const command of event.data) {
        if (host.handle(command)) continue;
        if (command.k === "listening") {
          started = true;
          resolve({
            name: connector.name,
            config: connector,
            hostname: command.hostname,
            port: command.port,
            async stop() {
              port.post({ k: "stop" });
              await whenStopped;
              host.closeAll();
              worker.terminate();
            },
          });
        } else if (command.k === "failed") {
          worker.terminate();
          reject(new ConnectorStartError(command.message));
        } else if (command.k === "stopped") {
          stopped();
        }
      }
    };
    port.post({
      k: "init",
      connector,
      logLevel: options.logLevel,
      brokerName: options.brokerName,
      connectorIndex: options.connectorIndex,
      rssBudget: options.rssBudget,
      sslContext: options.sslContext,
    });
  });
}
