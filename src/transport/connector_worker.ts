/**
 * Entry point of a connector worker: one per `<transportConnector>`. It owns
 * the listener, the connections and the protocol codec; it holds no routing
 * state and reaches the core only through the bus.
 */
/// <reference lib="deno.worker" />
import { BatchingPort, type PostTarget } from "../bus/batching_port.ts";
import type { ConnectorToCore, CoreToConnector } from "../bus/commands.ts";
import { RemoteGateway } from "../bus/remote_gateway.ts";
import { setLogLevel } from "../log.ts";
import { configureProcessMemoryPressure } from "../runtime/process_memory.ts";
import { serveConnector } from "./listener.ts";
import { serveWebSocketConnector } from "./ws_listener.ts";

const port = new BatchingPort<ConnectorToCore>(self as unknown as PostTarget);
const gateway = new RemoteGateway(port);
let stop: (() => Promise<void>) | undefined;

self.onmessage = (event: MessageEvent<CoreToConnector[]>) => {
  for (const command of event.data) {
    if (gateway.handle(command)) continue;
    if (command.k === "init") {
      setLogLevel(command.logLevel);
      configureProcessMemoryPressure(command.rssBudget);
      const serving = command.connector.uri.protocol === "ws"
        ? serveWebSocketConnector(
          gateway,
          command.connector,
          command.connectorIndex,
          command.brokerName,
          command.sslContext,
        )
        : serveConnector(gateway, command.connector, command.connectorIndex, command.brokerName);
      serving.then(
        (served) => {
          stop = served.stop;
          port.post({ k: "listening", hostname: served.hostname, port: served.port });
        },
        (err) => port.post({ k: "failed", message: err instanceof Error ? err.message : String(err) }),
      );
    } else if (command.k === "stop") {
      (stop ? stop() : Promise.resolve()).finally(() => {
        port.post({ k: "stopped" });
        port.flush();
      });
    }
  }
};
