import assert from "node:assert/strict";
import { ConfigError, loadConfigFile, parseConfigXml } from "../../../src/config/mod.ts";
import { assertConfigError, broker, FILE, load } from "./_helpers.ts";

Deno.test("errors: a bad boolean names file, line, element, attribute and what is accepted", () => {
  const err = assertConfigError(
    () => load([`<beans>`, ...broker([], ` persistent="yes"`), `</beans>`]),
    2,
    /^conf\/activemq\.xml:2: <broker persistent="yes">: Invalid value for persistent; accepted: true, false$/,
  );
  assert.deepEqual(err.location, { file: FILE, line: 2, column: 56, element: "broker" });
});

Deno.test("errors: the line is the attribute's line in a tag written over several lines", () => {
  assertConfigError(
    () =>
      load([
        `<broker xmlns="http://activemq.apache.org/schema/core"`,
        `        brokerName="b"`,
        `        schedulerSupport="ja">`,
        `</broker>`,
      ]),
    3,
    /<broker schedulerSupport="ja">: Invalid value for schedulerSupport; accepted: true, false/,
  );
});

Deno.test("errors: a bad transport URI is rethrown with the connector's location", () => {
  const err = assertConfigError(
    () =>
      load([
        `<beans>`,
        ...broker([
          `<transportConnectors>`,
          `  <transportConnector name="openwire" uri="tcp://0.0.0.0:61616"/>`,
          `  <transportConnector name="auto" uri="autotnio://0.0.0.0:61617"/>`,
          `</transportConnectors>`,
        ]),
        `</beans>`,
      ]),
    5,
    /^conf\/activemq\.xml:5: <transportConnector uri="autotnio:\/\/0\.0\.0\.0:61617">: Transport scheme NOT recognized: \[autotnio\]; did you mean auto\+nio\?; accepted: tcp, nio, ssl/,
  );
  assert.equal(err.location?.element, "transportConnector");
  assertConfigError(
    () =>
      load(
        broker([
          `<transportConnectors>`,
          `<transportConnector name="x" uri="tcp://0.0.0.0:99999"/>`,
          `</transportConnectors>`,
        ]),
      ),
    3,
    /Invalid port "99999"/,
  );
  assertConfigError(
    () => load(broker([`<transportConnectors>`, `<transportConnector name="x"/>`, `</transportConnectors>`])),
    3,
    /<transportConnector>: Missing uri; accepted: uri="scheme:\/\/host:port\?options"/,
  );
});

Deno.test("errors: duplicate connector names and ports", () => {
  assertConfigError(
    () =>
      load(broker([
        `<transportConnectors>`,
        `  <transportConnector name="a" uri="tcp://0.0.0.0:61616"/>`,
        `  <transportConnector name="a" uri="stomp://0.0.0.0:61613"/>`,
        `</transportConnectors>`,
      ])),
    4,
    /<transportConnector name="a">: Duplicate transport connector name "a" \(also at line 3\)/,
  );
  assertConfigError(
    () =>
      load(broker([
        `<transportConnectors>`,
        `  <transportConnector name="a" uri="tcp://0.0.0.0:61616"/>`,
        `  <transportConnector name="b" uri="stomp://127.0.0.1:61616"/>`,
        `</transportConnectors>`,
      ])),
    4,
    /Port 61616 is already used by transport connector "a" at line 3/,
  );
  // Port 0 never clashes; neither do different addresses.
  const { config } = load(broker([
    `<transportConnectors>`,
    `  <transportConnector name="a" uri="tcp://0.0.0.0:0"/>`,
    `  <transportConnector name="b" uri="stomp://0.0.0.0:0"/>`,
    `  <transportConnector name="c" uri="mqtt://127.0.0.1:1883"/>`,
    `  <transportConnector name="d" uri="mqtt://127.0.0.2:1883"/>`,
    `</transportConnectors>`,
  ]));
  assert.deepEqual(config.transportConnectors.map((c) => c.name), ["a", "b", "c", "d"]);
});

Deno.test("errors: non-numeric prefetch, bad size, bad percentage", () => {
  assertConfigError(
    () =>
      load(broker([
        `<destinationPolicy><policyMap><policyEntries>`,
        `  <policyEntry queue=">" queuePrefetch="many"/>`,
        `</policyEntries></policyMap></destinationPolicy>`,
      ])),
    3,
    /<policyEntry queuePrefetch="many">: Invalid value for queuePrefetch; accepted: a whole number >= 0/,
  );
  assertConfigError(
    () =>
      load(broker([
        `<destinationPolicy><policyMap><policyEntries>`,
        `  <policyEntry queue=">" memoryLimit="lots"/>`,
        `</policyEntries></policyMap></destinationPolicy>`,
      ])),
    3,
    /<policyEntry memoryLimit="lots">: Invalid value for memoryLimit; accepted: a number of bytes/,
  );
  assertConfigError(
    () =>
      load(broker([
        `<systemUsage><systemUsage>`,
        `  <memoryUsage><memoryUsage percentOfJvmHeap="170"/></memoryUsage>`,
        `</systemUsage></systemUsage>`,
      ])),
    3,
    /<memoryUsage percentOfJvmHeap="170">: Invalid value for percentOfJvmHeap; accepted: 1 to 100/,
  );
  assertConfigError(
    () => load(broker([], ` offlineDurableSubscriberTimeout="soon"`)),
    1,
    /<broker offlineDurableSubscriberTimeout="soon">: Invalid value for offlineDurableSubscriberTimeout; accepted: a whole number/,
  );
});

Deno.test("errors: document shape", () => {
  assertConfigError(() => load([`<config/>`]), 1, /<config>: Unexpected root element; accepted: <beans>/);
  assertConfigError(
    () => load([`<beans>`, `  <bean id="a" class="A"/>`, `</beans>`]),
    1,
    /No <broker> element/,
  );
  assertConfigError(
    () => load([`<beans>`, ...broker([]), ...broker([]), `</beans>`]),
    4,
    /Only one <broker> per file is supported \(the first is at line 2\)/,
  );
  assertConfigError(
    () => load(broker([`<destinationPolicy/>`, `<destinationPolicy/>`])),
    3,
    /<destinationPolicy>: appears more than once in <broker> \(first at line 2\)/,
  );
});

Deno.test("errors: XML that is not well-formed", () => {
  assertConfigError(
    () => load([`<beans>`, `  <broker>`, `  </beans>`]),
    3,
    /^conf\/activemq\.xml:3: XML is not well-formed: unexpected close tag/,
  );
  assert.throws(
    () => parseConfigXml("", { file: FILE }),
    /XML is not well-formed: document must contain a root element/,
  );
});

Deno.test("errors: loadConfigFile on a missing file names it", async () => {
  await assert.rejects(
    () => loadConfigFile("/nonexistent/activemq.xml"),
    (err: unknown) =>
      err instanceof ConfigError && err.message.startsWith("/nonexistent/activemq.xml: cannot read"),
  );
});

Deno.test("errors: a bad value that came from a placeholder shows what it resolved to", () => {
  assertConfigError(
    () => load(broker([], ` persistent="\${store.on}"`), { properties: { "store.on": "on" } }),
    1,
    /<broker persistent="\$\{store\.on\}">: Invalid value for persistent \(resolved to "on"\); accepted: true, false/,
  );
});
