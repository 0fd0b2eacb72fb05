import assert from "node:assert/strict";
import { broker, load } from "./_helpers.ts";

Deno.test("warnings: exactly one per unsupported element, none for its descendants", () => {
  const { warnings } = load([
    `<beans>`,
    ...broker([
      `<managementContext>`,
      `  <managementContext createConnector="false" connectorPort="1099">`,
      `    <property name="environment"><map/></property>`,
      `  </managementContext>`,
      `</managementContext>`,
      `<networkConnectors>`,
      `  <networkConnector uri="static:(tcp://other:61616)"><excludedDestinations><queue physicalName="X"/></excludedDestinations></networkConnector>`,
      `</networkConnectors>`,
      `<plugins>`,
      `  <simpleAuthenticationPlugin><users><authenticationUser username="a" password="b" groups="c"/></users></simpleAuthenticationPlugin>`,
      `  <timeStampingBrokerPlugin/>`,
      `</plugins>`,
      `<shutdownHooks><bean class="org.apache.activemq.hooks.SpringContextHook"/></shutdownHooks>`,
      `<ioExceptionHandler><defaultIOExceptionHandler ignoreNoSpaceErrors="false"/></ioExceptionHandler>`,
    ]),
    `  <import resource="jetty.xml"/>`,
    `  <import resource="camel.xml"/>`,
    `</beans>`,
  ]);
  assert.deepEqual(warnings.map((w) => w.message), [
    `conf/activemq.xml:3: <managementContext> is not supported yet and is ignored (JMX is not available; use the admin console and its metrics)`,
    `conf/activemq.xml:8: <networkConnectors> is not supported yet and is ignored (networks of brokers are not supported yet)`,
    `conf/activemq.xml:12: <simpleAuthenticationPlugin> is not supported yet and is ignored (clients are NOT authenticated)`,
    `conf/activemq.xml:13: <timeStampingBrokerPlugin> is not supported yet and is ignored`,
    `conf/activemq.xml:15: <shutdownHooks> is not supported yet and is ignored (the broker stops cleanly on SIGINT/SIGTERM by itself)`,
    `conf/activemq.xml:16: <ioExceptionHandler> is not supported yet and is ignored`,
    `conf/activemq.xml:18: <import resource="jetty.xml">: imports are not supported and this one is ignored; the web console is configured by this broker's own admin settings, not jetty.xml`,
    `conf/activemq.xml:19: <import resource="camel.xml">: imports are not supported and this one is ignored; put everything the broker needs in this file`,
  ]);
  for (const w of warnings) {
    assert.ok(w.message.startsWith(`${w.location.file}:${w.location.line}: <${w.location.element}`));
  }
});

Deno.test("warnings: unsupported attributes, one each, with a suggestion for typos", () => {
  const { config, warnings } = load(broker([
    `<destinationPolicy><policyMap><policyMap><policyEntries>`,
    `  <policyEntry queue=">" queuePrefecth="10" slowConsumerStrategy="x"/>`,
    `</policyEntries></policyMap></policyMap></destinationPolicy>`,
    `<transportConnectors>`,
    `  <transportConnector name="a" uri="tcp://0.0.0.0:0" updateClusterClients="true"/>`,
    `</transportConnectors>`,
  ], ` persistant="false" useJmx="true" schedulePeriodForDestinationPurge="10000"`));
  assert.deepEqual(warnings.map((w) => [w.location.line, w.message]), [
    [
      1,
      `conf/activemq.xml:1: <broker persistant="false">: attribute persistant is not supported yet and is ignored; did you mean persistent?`,
    ],
    [
      1,
      `conf/activemq.xml:1: <broker useJmx="true">: JMX is not available and is ignored; use the admin console and its metrics`,
    ],
    [
      3,
      `conf/activemq.xml:3: <policyEntry queuePrefecth="10">: attribute queuePrefecth is not supported yet and is ignored; did you mean queuePrefetch?`,
    ],
    [
      3,
      `conf/activemq.xml:3: <policyEntry slowConsumerStrategy="x">: attribute slowConsumerStrategy is not supported yet and is ignored`,
    ],
    [
      6,
      `conf/activemq.xml:6: <transportConnector updateClusterClients="true">: attribute updateClusterClients is not supported yet and is ignored`,
    ],
  ]);
  assert.equal(config.persistent, true, "a misspelt attribute changes nothing");
  assert.equal(
    config.attributes.schedulePeriodForDestinationPurge,
    "10000",
    "recorded section 15.1 attribute",
  );
});

Deno.test("warnings: a skipped subtree may hold unresolvable placeholders", () => {
  const { warnings } = load(
    broker([`<managementContext><managementContext connectorPort="\${jmx.port}"/></managementContext>`]),
  );
  assert.equal(warnings.length, 1);
});

Deno.test("warnings: persistence settings under persistent=false", () => {
  const { config, warnings } = load(
    broker(
      [`<persistenceAdapter>`, `  <kahaDB directory="/x"/>`, `</persistenceAdapter>`],
      ` persistent="false"`,
    ),
  );
  assert.deepEqual(config.persistenceAdapter, { kind: "memory" });
  assert.deepEqual(warnings.map((w) => w.location.line), [2]);
  assert.match(
    warnings[0].message,
    /<persistenceAdapter> is ignored because the broker has persistent="false"/,
  );
});
