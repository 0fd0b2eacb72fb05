/**
 * Starts a private broker for an OpenWire test: in process, an OpenWire (`tcp://`)
 * connector and a STOMP connector on free loopback ports, quiet logs. Dispose it with
 * `await using`. A test that restarts the broker passes the same `store` (and the port it
 * got the first time).
 */
import { Broker } from "../../src/runtime/broker.ts";
import { type BrokerConfig, defaultBrokerConfig, parseTransportUri } from "../../src/config/mod.ts";
import { setLogLevel } from "../../src/log.ts";
import type { PersistenceAdapter } from "../../src/store/mod.ts";

export interface OpenWireTestBroker extends AsyncDisposable {
  broker: Broker;
  port: number;
  stompPort: number;
  /** `tcp://127.0.0.1:<port>` */
  url: string;
}

export interface OpenWireTestBrokerOptions {
  /** Query options of the OpenWire connector URI, e.g. `wireFormat.maxFrameSize=1024`. */
  openWireOptions?: string;
  /** Port of the OpenWire connector (default 0: any free port). */
  port?: number;
  /** The store to use (a restart passes the previous broker's). */
  store?: PersistenceAdapter;
  configure?: (config: BrokerConfig) => void;
}

export async function startOpenWireBroker(
  options: OpenWireTestBrokerOptions = {},
): Promise<OpenWireTestBroker> {
  setLogLevel(Deno.env.get("TEST_LOG_LEVEL") as never ?? "error");
  const config = defaultBrokerConfig();
  config.persistent = false;
  config.persistenceAdapter = { kind: "memory" };
  const query = options.openWireOptions ? `?${options.openWireOptions}` : "";
  config.transportConnectors = [
    { name: "openwire", uri: parseTransportUri(`tcp://127.0.0.1:${options.port ?? 0}${query}`) },
    { name: "stomp", uri: parseTransportUri("stomp://127.0.0.1:0") },
  ];
  options.configure?.(config);
  const broker = await Broker.start(config, { store: options.store });
  const port = broker.connector("openwire")!.port;
  return {
    broker,
    port,
    stompPort: broker.connector("stomp")!.port,
    url: `tcp://127.0.0.1:${port}`,
    [Symbol.asyncDispose]: () => broker.stop(),
  };
}
