import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";
import { loadConfigFile } from "../../../src/config/mod.ts";

const FIXTURE = fromFileUrl(new URL("../../fixtures/config/stock-5.17-activemq.xml", import.meta.url));
const FIXTURE_DIR = fromFileUrl(new URL("../../fixtures/config", import.meta.url));
const FIXTURE_LINES = Deno.readTextFileSync(FIXTURE).split("\n");

/** The 1-based line of the only fixture line containing `text` (so a reformat cannot silently shift them). */
function lineOf(text: string): number {
  const lines = FIXTURE_LINES.flatMap((line, i) => line.includes(text) ? [i + 1] : []);
  assert.equal(lines.length, 1, `"${text}" should occur once in the fixture`);
  return lines[0];
}

Deno.test("stock 5.17 activemq.xml: loads with five connectors and a warning per ignored element", async () => {
  const { config, warnings } = await loadConfigFile(FIXTURE, {
    base: "/opt/activemq",
    data: "/var/lib/activemq",
    env: {},
  });

  assert.equal(config.source, FIXTURE);
  assert.equal(config.brokerName, "localhost");
  assert.equal(config.dataDirectory, "/var/lib/activemq");
  assert.equal(config.persistent, true);
  assert.deepEqual(config.persistenceAdapter, {
    kind: "kahaDB",
    directory: "/var/lib/activemq/kahadb",
    options: {},
    location: { file: FIXTURE, line: lineOf("<kahaDB "), column: 13, element: "kahaDB" },
  });
  assert.deepEqual(config.systemUsage, {
    memoryPercentOfJvmHeap: 70,
    storeLimit: 100 * 1024 ** 3,
    tempLimit: 50 * 1024 ** 3,
  });

  assert.equal(config.policyEntries.length, 1);
  assert.equal(config.policyEntries[0].destinationType, "topic");
  assert.equal(config.policyEntries[0].pattern, ">");
  assert.equal(config.policyEntries[0].pendingMessageLimit, 1000);

  assert.deepEqual(
    config.transportConnectors.map((c) => [c.name, c.uri.protocol, c.uri.host, c.uri.port, c.location?.line]),
    [
      ["openwire", "openwire", "0.0.0.0", 61616, lineOf(`name="openwire"`)],
      ["amqp", "amqp", "0.0.0.0", 5672, lineOf(`name="amqp"`)],
      ["stomp", "stomp", "0.0.0.0", 61613, lineOf(`name="stomp"`)],
      ["mqtt", "mqtt", "0.0.0.0", 1883, lineOf(`name="mqtt"`)],
      ["ws", "ws", "0.0.0.0", 61614, lineOf(`name="ws"`)],
    ],
  );
  for (const connector of config.transportConnectors) {
    assert.equal(connector.uri.maximumConnections, 1000);
    assert.equal(connector.uri.maxFrameSize, 104857600);
  }

  assert.deepEqual(Object.keys(config.beans), ["logQuery"]);
  assert.deepEqual(
    warnings.map((w) => [w.location.line, w.location.element]),
    [
      [lineOf(`<bean id="logQuery"`), "bean"],
      [lineOf("<managementContext>"), "managementContext"],
      [lineOf("<shutdownHooks>"), "shutdownHooks"],
      [lineOf("<import "), "import"],
    ],
  );
  for (const warning of warnings) {
    assert.ok(
      warning.message.startsWith(`${FIXTURE}:${warning.location.line}: <${warning.location.element}`),
      warning.message,
    );
  }
});

Deno.test("stock 5.17 activemq.xml: credentials.properties is read from activemq.conf", async () => {
  const withFile = await loadConfigFile(FIXTURE, { env: {} });
  assert.equal(withFile.warnings.some((w) => w.message.includes("credentials.properties")), false);
  assert.equal(withFile.config.dataDirectory, `${FIXTURE_DIR.replace(/\/config$/, "")}/data`);

  const missing = await loadConfigFile(FIXTURE, { conf: "/nonexistent", env: {} });
  const warning = missing.warnings.find((w) => w.message.includes("credentials.properties"));
  assert.equal(warning?.location.line, lineOf("credentials.properties</value>"));
  assert.match(
    warning!.message,
    /<value> properties file \/nonexistent\/credentials\.properties does not exist/,
  );
});
