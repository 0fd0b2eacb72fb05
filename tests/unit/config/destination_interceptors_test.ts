import assert from "node:assert/strict";
import { defaultBrokerConfig } from "../../../src/config/mod.ts";
import { assertConfigError, broker, FILE, load } from "./_helpers.ts";

/** `<destinationInterceptors>` around the given `<virtualDestinations>` children, which start at line 5. */
function virtual(inner: string[], attributes = ""): string[] {
  return broker([
    `<destinationInterceptors>`,
    `  <virtualDestinationInterceptor>`,
    `    <virtualDestinations>`,
    ...inner,
    `    </virtualDestinations>`,
    `  </virtualDestinationInterceptor>`,
    `</destinationInterceptors>`,
  ], attributes);
}

Deno.test("destination interceptors: virtual topics and composite destinations as written", () => {
  const { config, warnings } = load(
    broker([
      `<destinationInterceptors>`,
      `  <virtualDestinationInterceptor>`,
      `    <virtualDestinations>`,
      `      <virtualTopic name="VirtualTopic.>" prefix="Consumer.*." postfix="" selectorAware="false" local="false"`,
      `                    concurrentSend="false" transactedSend="false" dropOnResourceLimit="false" setOriginalDestination="true"/>`,
      `      <compositeQueue name="ORDERS.ALL" forwardOnly="true" sendWhenNotMatched="false" concurrentSend="false">`,
      `        <forwardTo>`,
      `          <queue physicalName="ORDERS.EU"/>`,
      `          <topic physicalName="ORDERS.AUDIT"/>`,
      `          <filteredDestination selector="region = 'US'" queue="ORDERS.US"/>`,
      `        </forwardTo>`,
      `      </compositeQueue>`,
      `      <compositeTopic name="PRICES.ALL" forwardOnly="false" sendWhenNotMatched="true" concurrentSend="true">`,
      `        <forwardTo>`,
      `          <filteredDestination selector="currency = 'EUR'" topic="PRICES.EUR"/>`,
      `        </forwardTo>`,
      `      </compositeTopic>`,
      `      <virtualTopic name="EVENTS.>" prefix="\${vt.prefix}" postfix=".copy" selectorAware="TRUE" local="true"`,
      `                    concurrentSend="true" transactedSend="true" dropOnResourceLimit="true" setOriginalDestination="false"/>`,
      `    </virtualDestinations>`,
      `  </virtualDestinationInterceptor>`,
      `  <mirroredQueue copyMessage="true" postfix=".qmirror" prefix=""/>`,
      `</destinationInterceptors>`,
    ]),
    { properties: { "vt.prefix": "Group.*." } },
  );

  assert.deepEqual(config.virtualTopics, [
    {
      name: "VirtualTopic.>",
      prefix: "Consumer.*.",
      postfix: "",
      selectorAware: false,
      local: false,
      concurrentSend: false,
      transactedSend: false,
      dropOnResourceLimit: false,
      setOriginalDestination: true,
      location: { file: FILE, line: 5, column: 7, element: "virtualTopic" },
    },
    {
      name: "EVENTS.>",
      prefix: "Group.*.",
      postfix: ".copy",
      selectorAware: true,
      local: true,
      concurrentSend: true,
      transactedSend: true,
      dropOnResourceLimit: true,
      setOriginalDestination: false,
      location: { file: FILE, line: 19, column: 7, element: "virtualTopic" },
    },
  ]);
  assert.deepEqual(config.compositeDestinations, [
    {
      type: "queue",
      name: "ORDERS.ALL",
      forwardOnly: true,
      sendWhenNotMatched: false,
      concurrentSend: false,
      forwardTo: [
        { type: "queue", name: "ORDERS.EU" },
        { type: "topic", name: "ORDERS.AUDIT" },
        { type: "queue", name: "ORDERS.US", selector: "region = 'US'" },
      ],
      location: { file: FILE, line: 7, column: 7, element: "compositeQueue" },
    },
    {
      type: "topic",
      name: "PRICES.ALL",
      forwardOnly: false,
      sendWhenNotMatched: true,
      concurrentSend: true,
      forwardTo: [{ type: "topic", name: "PRICES.EUR", selector: "currency = 'EUR'" }],
      location: { file: FILE, line: 14, column: 7, element: "compositeTopic" },
    },
  ]);
  assert.deepEqual(warnings.map((w) => w.message), [
    `${FILE}:23: <mirroredQueue> is not supported yet and is ignored (messages sent to queues are not copied to mirror topics)`,
  ]);
});

Deno.test("destination interceptors: ActiveMQ's defaults", () => {
  const { config, warnings } = load(virtual([
    `<virtualTopic/>`,
    `<compositeQueue name="A"><forwardTo><queue physicalName="B"/></forwardTo></compositeQueue>`,
    `<compositeTopic name="T"><forwardTo><topic physicalName="U"/></forwardTo></compositeTopic>`,
  ]));
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.virtualTopics?.map(({ location: _, ...topic }) => topic), [{
    name: ">",
    prefix: "Consumer.*.",
    postfix: "",
    selectorAware: false,
    local: false,
    concurrentSend: false,
    transactedSend: false,
    dropOnResourceLimit: false,
    setOriginalDestination: true,
  }]);
  assert.deepEqual(config.compositeDestinations.map(({ location: _, ...composite }) => composite), [
    {
      type: "queue",
      name: "A",
      forwardOnly: true,
      sendWhenNotMatched: false,
      concurrentSend: false,
      forwardTo: [{ type: "queue", name: "B" }],
    },
    {
      type: "topic",
      name: "T",
      forwardOnly: true,
      sendWhenNotMatched: false,
      concurrentSend: false,
      forwardTo: [{ type: "topic", name: "U" }],
    },
  ]);
});

Deno.test("destination interceptors: virtualTopics is undefined unless virtual destinations are declared", () => {
  assert.deepEqual(defaultBrokerConfig().compositeDestinations, []);
  assert.equal(defaultBrokerConfig().virtualTopics, undefined);

  const plain = load(broker([])).config;
  assert.equal(plain.virtualTopics, undefined, "the broker applies VirtualTopic.> itself");
  assert.deepEqual(plain.compositeDestinations, []);
  assert.equal(load(virtual([])).config.virtualTopics, undefined);

  const composites = load(virtual([
    `<compositeQueue name="A"><forwardTo><queue physicalName="B"/></forwardTo></compositeQueue>`,
  ])).config;
  assert.deepEqual(composites.virtualTopics, [], "declared composites replace the default virtual topic");
  assert.equal(composites.compositeDestinations.length, 1);

  const disabled = load(virtual([`<virtualTopic name="VT.>"/>`], ` useVirtualTopics="false"`)).config;
  assert.equal(disabled.useVirtualTopics, false);
  assert.deepEqual(disabled.virtualTopics?.map((t) => t.name), ["VT.>"]);
});

Deno.test("destination interceptors: errors name the line, the element and what is accepted", () => {
  assertConfigError(
    () =>
      load(virtual([`<compositeQueue><forwardTo><queue physicalName="B"/></forwardTo></compositeQueue>`])),
    5,
    /^conf\/activemq\.xml:5: <compositeQueue>: Missing name; accepted: <compositeQueue name="ORDERS\.ALL"> \(the queue that clients send to\)$/,
  );
  assertConfigError(
    () => load(virtual([`<compositeTopic name=" "/>`])),
    5,
    /<compositeTopic name=" ">: Empty name; accepted: <compositeTopic name="PRICES\.ALL"> \(the topic that/,
  );
  assertConfigError(
    () => load(virtual([`<virtualTopic name=""/>`])),
    5,
    /<virtualTopic name="">: Empty name; accepted: name="VirtualTopic\.>" \(a topic name or wildcard\)/,
  );
  assertConfigError(
    () =>
      load(virtual([
        `<compositeQueue name="A">`,
        `  <forwardTo>`,
        `    <queue physicalName="B"/>`,
        `    <tempQueue physicalName="C"/>`,
        `  </forwardTo>`,
        `</compositeQueue>`,
      ])),
    8,
    /<tempQueue>: Unknown <forwardTo> destination; accepted: <queue physicalName="…"\/>, <topic physicalName="…"\/> or <filteredDestination selector="…" queue="…"\/> \(or topic="…"\)$/,
  );
  assertConfigError(
    () => load(virtual([`<compositeQueue name="A"><forwardTo><topic/></forwardTo></compositeQueue>`])),
    5,
    /<topic>: Missing physicalName; accepted: <topic physicalName="NAME"\/>/,
  );

  const filtered = (attributes: string) =>
    virtual([
      `<compositeQueue name="A">`,
      `  <forwardTo>`,
      `    <filteredDestination${attributes}/>`,
      `  </forwardTo>`,
      `</compositeQueue>`,
    ]);
  assertConfigError(
    () => load(filtered(` queue="US"`)),
    7,
    /<filteredDestination>: Missing selector; accepted: a JMS selector such as selector="region = 'US'"/,
  );
  assertConfigError(
    () => load(filtered(` selector=" " topic="US"`)),
    7,
    /<filteredDestination selector=" ">: Empty selector; accepted: a JMS selector/,
  );
  assertConfigError(
    () => load(filtered(` selector="a = 1"`)),
    7,
    /<filteredDestination>: A filtered destination needs a destination; accepted: exactly one of queue="…" or topic="…"$/,
  );
  assertConfigError(
    () => load(filtered(` selector="a = 1" queue="Q" topic="T"`)),
    7,
    /<filteredDestination topic="T">: A filtered destination forwards to one destination, found queue and topic; accepted: exactly one of queue="…" or topic="…"$/,
  );
  assertConfigError(
    () => load(filtered(` selector="a = 1" queue=""`)),
    7,
    /<filteredDestination queue="">: Empty queue name; accepted: queue="NAME"/,
  );

  assertConfigError(
    () => load(virtual([`<virtualTopic name="VT.>"`, `  selectorAware="yes"/>`])),
    6,
    /<virtualTopic selectorAware="yes">: Invalid value for selectorAware; accepted: true, false$/,
  );
  assertConfigError(
    () => load(virtual([`<compositeTopic name="T" forwardOnly="\${fo}"/>`]), { properties: { fo: "1" } }),
    5,
    /<compositeTopic forwardOnly="\$\{fo\}">: Invalid value for forwardOnly \(resolved to "1"\); accepted: true, false$/,
  );
  assertConfigError(
    () =>
      load(virtual([
        `<compositeQueue name="A">`,
        `  <forwardTo><queue physicalName="B"/></forwardTo>`,
        `  <forwardTo><queue physicalName="C"/></forwardTo>`,
        `</compositeQueue>`,
      ])),
    7,
    /<forwardTo>: appears more than once in <compositeQueue> \(first at line 6\); accepted: one/,
  );
  assertConfigError(
    () => load(broker([`<destinationInterceptors/>`, `<destinationInterceptors/>`])),
    3,
    /<destinationInterceptors>: appears more than once in <broker> \(first at line 2\); accepted: one/,
  );
});

Deno.test("destination interceptors: one warning per unsupported element or attribute", () => {
  const { config, warnings } = load(broker([
    `<destinationInterceptors>`,
    `  <mirroredQueue copyMessage="true" postfix=".qmirror"/>`,
    `  <bean xmlns="http://www.springframework.org/schema/beans" class="com.example.AuditInterceptor"/>`,
    `  <virtualDestinationInterceptor>`,
    `    <virtualDestinations>`,
    `      <virtualTopic name="VT.>" prefx="G.*."><property name="x"/></virtualTopic>`,
    `      <compositeQueue name="A" copyMessage="false" forwardOnyl="false">`,
    `        <forwardTo><queue physicalName="B"><compositeDestinations/></queue></forwardTo>`,
    `        <extra/>`,
    `      </compositeQueue>`,
    `      <compositeTopic name="EMPTY"/>`,
    `      <compositeQueue name="KEPT" forwardOnly="false"><forwardTo/></compositeQueue>`,
    `      <mappedVirtualTopic name="M"><nested/></mappedVirtualTopic>`,
    `    </virtualDestinations>`,
    `    <somethingElse/>`,
    `  </virtualDestinationInterceptor>`,
    `</destinationInterceptors>`,
  ]));
  assert.deepEqual(warnings.map((w) => w.message), [
    `${FILE}:3: <mirroredQueue> is not supported yet and is ignored (messages sent to queues are not copied to mirror topics)`,
    `${FILE}:4: <bean> is not supported yet and is ignored`,
    `${FILE}:7: <virtualTopic prefx="G.*.">: attribute prefx is not supported yet and is ignored; did you mean prefix?`,
    `${FILE}:7: <property> is not supported yet and is ignored`,
    `${FILE}:8: <compositeQueue copyMessage="false">: attribute copyMessage is not supported yet and is ignored`,
    `${FILE}:8: <compositeQueue forwardOnyl="false">: attribute forwardOnyl is not supported yet and is ignored; did you mean forwardOnly?`,
    `${FILE}:9: <compositeDestinations> is not supported yet and is ignored`,
    `${FILE}:10: <extra> is not supported yet and is ignored`,
    `${FILE}:12: <compositeTopic> has no <forwardTo> destinations, so messages sent to topic EMPTY are dropped; add <queue physicalName="…"/>, <topic physicalName="…"/> or <filteredDestination selector="…" queue="…"/> (or topic="…") to <forwardTo>`,
    `${FILE}:14: <mappedVirtualTopic> is not supported yet and is ignored`,
    `${FILE}:16: <somethingElse> is not supported yet and is ignored`,
  ]);
  for (const w of warnings) {
    assert.ok(w.message.startsWith(`${w.location.file}:${w.location.line}: <${w.location.element}`));
  }
  assert.deepEqual(config.virtualTopics?.map((t) => [t.name, t.prefix]), [["VT.>", "Consumer.*."]]);
  assert.deepEqual(config.compositeDestinations.map((c) => [c.name, c.forwardOnly, c.forwardTo.length]), [
    ["A", true, 1],
    ["EMPTY", true, 0],
    ["KEPT", false, 0],
  ]);
});
