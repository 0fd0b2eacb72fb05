/**
 * Starts a private broker for a test: in process, STOMP on a free loopback
 * port, quiet logs. Dispose it with `await using`.
 */
import { Broker } from "../../src/runtime/broker.ts";
import { type BrokerConfig, defaultBrokerConfig, parseTransportUri } from "../../src/config/mod.ts";
import { setLogLevel } from "../../src/log.ts";
import type { PersistenceAdapter } from "../../src/store/mod.ts";

export interface TestBroker extends AsyncDisposable {
  broker: Broker;
  stompPort: number;
}

export async function startTestBroker(
  options: {
    stompOptions?: string;
    configure?: (config: BrokerConfig) => void;
    /** A store shared across brokers started one after the other (restart tests). */
    store?: PersistenceAdapter;
    /** The broker's clock for expiry, the scheduler and destination GC (tests move time). */
    now?: () => number;
  } = {},
): Promise<TestBroker> {
  setLogLevel(Deno.env.get("TEST_LOG_LEVEL") as never ?? "error");
  const config = defaultBrokerConfig();
  config.persistent = false;
  config.persistenceAdapter = { kind: "memory" };
  const query = options.stompOptions ? `?${options.stompOptions}` : "";
  config.transportConnectors = [{ name: "stomp", uri: parseTransportUri(`stomp://127.0.0.1:0${query}`) }];
  options.configure?.(config);
  const broker = await Broker.start(config, { store: options.store, now: options.now });
  return {
    broker,
    stompPort: broker.connector("stomp")!.port,
    [Symbol.asyncDispose]: () => broker.stop(),
  };
}
