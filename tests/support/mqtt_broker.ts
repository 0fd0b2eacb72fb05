/**
 * A private broker for MQTT and WebSocket tests: in process, quiet logs, with MQTT, STOMP and
 * WebSocket connectors on free loopback ports. Dispose it with `await using`.
 */
import { Broker } from "../../src/runtime/broker.ts";
import { type BrokerConfig, defaultBrokerConfig, parseTransportUri } from "../../src/config/mod.ts";
import { setLogLevel } from "../../src/log.ts";
import type { PersistenceAdapter } from "../../src/store/mod.ts";

export interface MqttTestBroker extends AsyncDisposable {
  broker: Broker;
  mqttPort: number;
  stompPort: number;
  /** 0 when the broker was started without a ws connector. */
  wsPort: number;
}

export interface MqttTestBrokerOptions {
  /** Query of the mqtt:// connector, e.g. `wireFormat.maxFrameSize=1024`. */
  mqttOptions?: string;
  /** Query of the ws:// connector. */
  wsOptions?: string;
  /** Start a ws:// connector too (default false). */
  ws?: boolean;
  /** A store to share between broker restarts. */
  store?: PersistenceAdapter;
  configure?: (config: BrokerConfig) => void;
  /** The core's clock (expiry), e.g. a `TestClock`. */
  now?: () => number;
}

export async function startMqttBroker(options: MqttTestBrokerOptions = {}): Promise<MqttTestBroker> {
  setLogLevel(Deno.env.get("TEST_LOG_LEVEL") as never ?? "error");
  const config = defaultBrokerConfig();
  config.persistent = false;
  config.persistenceAdapter = { kind: "memory" };
  const q = (s?: string) => s ? `?${s}` : "";
  config.transportConnectors = [
    { name: "mqtt", uri: parseTransportUri(`mqtt://127.0.0.1:0${q(options.mqttOptions)}`) },
    { name: "stomp", uri: parseTransportUri("stomp://127.0.0.1:0") },
  ];
  if (options.ws) {
    config.transportConnectors.push({
      name: "ws",
      uri: parseTransportUri(`ws://127.0.0.1:0${q(options.wsOptions)}`),
    });
  }
  options.configure?.(config);
  const broker = await Broker.start(config, { store: options.store, now: options.now });
  return {
    broker,
    mqttPort: broker.connector("mqtt")?.port ?? 0,
    stompPort: broker.connector("stomp")?.port ?? 0,
    wsPort: broker.connector("ws")?.port ?? 0,
    [Symbol.asyncDispose]: () => broker.stop(),
  };
}
