import assert from "node:assert/strict";
import { spawnBroker, writeConfig } from "../support/process.ts";

Deno.test("cli: a broker waiting for the store lock (slave) stops cleanly on SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amq-slave-" });
  try {
    const xml = `<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="shared" persistent="true">
    <persistenceAdapter><kahaDB directory="${dir}/kahadb" lockAcquireSleepInterval="100"/></persistenceAdapter>
    <transportConnectors><transportConnector name="stomp" uri="stomp://127.0.0.1:0"/></transportConnectors>
  </broker>
</beans>
`;
    await using master = spawnBroker(["start", "--config", await writeConfig(xml)]);
    await master.waitFor(/Broker shared started/);
    await using slave = spawnBroker(["start", "--config", await writeConfig(xml)]);
    await slave.waitFor(/is locked by another server\. This broker is now in slave mode/);
    slave.child.kill("SIGTERM");
    const status = await slave.exited(5000);
    assert.equal(status.code, 0, slave.output());
    assert.doesNotMatch(slave.output(), /Listening for connections/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
