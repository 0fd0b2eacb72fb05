/**
 * `failover:(tcp://127.0.0.1:PORT)`: the Java client reconnects when the broker restarts
 * on the same port, replays its connection state, and the persistent message sent before
 * the restart is still there (the two brokers share one memory store, as a restarted
 * broker shares its KahaDB directory).
 */
import assert from "node:assert/strict";
import { type OpenWireTestBroker, startOpenWireBroker } from "../support/openwire_broker.ts";
import { JavaProcess, requireJavaClient } from "../support/java_client.ts";
import { MemoryPersistenceAdapter } from "../../src/store/mod.ts";

Deno.test("failover: the Java client reconnects after a broker restart on the same port", async () => {
  const client = await requireJavaClient("the OpenWire failover test");
  if (!client) return;
  const store = new MemoryPersistenceAdapter();
  let b: OpenWireTestBroker = await startOpenWireBroker({ store });
  try {
    await using java = new JavaProcess(client, "JmsScenarios", [b.url, "failover"]);
    assert.deepEqual(await java.nextJson(), { phase: "restart" });
    const port = b.port;
    await b.broker.stop();
    assert.equal(b.broker.service.connectionCount, 0);
    b = await startOpenWireBroker({ store, port });
    await java.writeLine("restarted");
    const result = await java.nextJson();
    assert.equal(result.scenario, "failover");
    assert.ok(result.ok, `failover scenario failed: ${result.error}\n${result.trace}`);
    assert.deepEqual(result.data, {
      brokerBefore: "localhost",
      resumedWith: "restarted",
      received: ["before restart", "after restart"],
      transportConnected: true,
    });
  } finally {
    await b.broker.stop();
  }
});
