/** A broker with no transport connectors, for fast core tests over vm://. */
import { Broker } from "../../src/runtime/broker.ts";
import type { BrokerConfig } from "../../src/config/mod.ts";
import { setLogLevel } from "../../src/log.ts";

export async function startVmBroker(config: Partial<BrokerConfig> = {}): Promise<Broker> {
  setLogLevel(Deno.env.get("TEST_LOG_LEVEL") as never ?? "error");
  return await Broker.start({ persistent: false, ...config });
}
