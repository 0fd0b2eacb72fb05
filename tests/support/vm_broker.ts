/** A broker with no transport connectors, for fast core tests over vm://. */
import { Broker } from "../../src/runtime/broker.ts";
import type { BrokerConfig } from "../../src/config/mod.ts";
import { setLogLevel } from "../../src/log.ts";
import type { PersistenceAdapter } from "../../src/store/mod.ts";

export async function startVmBroker(
  config: Partial<BrokerConfig> = {},
  store?: PersistenceAdapter,
  now?: () => number,
): Promise<Broker> {
  setLogLevel(Deno.env.get("TEST_LOG_LEVEL") as never ?? "error");
  return await Broker.start({ persistent: false, ...config }, { store, now });
}

/** Real time plus an offset a test can move forward. */
export class TestClock {
  offset = 0;
  readonly now = (): number => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
}
