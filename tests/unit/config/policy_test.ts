import assert from "node:assert/strict";
import { assertConfigError, broker, load } from "./_helpers.ts";

const POLICIES = broker([
  `<destinationPolicy>`,
  `  <policyMap>`,
  `    <policyMap>`,
  `      <policyEntries>`,
  `        <policyEntry queue=">" queuePrefetch="10" queueBrowserPrefetch="5" prioritizedMessages="true"`,
  `                     memoryLimit="64 mb" producerFlowControl="false" useConsumerPriority="false"`,
  `                     expireMessagesPeriod="0" gcInactiveDestinations="true" inactiveTimoutBeforeGC="30000"`,
  `                     optimizedDispatch="true" allConsumersExclusiveByDefault="true" maxPageSize="100"`,
  `                     sendFailIfNoSpace="true" sendFailIfNoSpaceAfterTimeout="500" useCache="false">`,
  `          <deadLetterStrategy>`,
  `            <individualDeadLetterStrategy queuePrefix="DLQ." useQueueForQueueMessages="true" processExpired="false" expiration="60000"/>`,
  `          </deadLetterStrategy>`,
  `        </policyEntry>`,
  `        <policyEntry topic="PRICES.>" topicPrefetch="100" durableTopicPrefetch="50">`,
  `          <pendingMessageLimitStrategy><constantPendingMessageLimitStrategy limit="1000"/></pendingMessageLimitStrategy>`,
  `          <deadLetterStrategy><sharedDeadLetterStrategy processNonPersistent="true"><deadLetterQueue><queue physicalName="PRICES.DLQ"/></deadLetterQueue></sharedDeadLetterStrategy></deadLetterStrategy>`,
  `          <subscriptionRecoveryPolicy><fixedCountSubscriptionRecoveryPolicy maximumSize="10"/></subscriptionRecoveryPolicy>`,
  `        </policyEntry>`,
  `        <policyEntry tempQueue="true"><deadLetterStrategy><discarding/></deadLetterStrategy></policyEntry>`,
  `        <policyEntry tempTopic="true" advisoryForConsumed="true"/>`,
  `      </policyEntries>`,
  `      <defaultEntry>`,
  `        <policyEntry producerFlowControl="true"/>`,
  `      </defaultEntry>`,
  `    </policyMap>`,
  `  </policyMap>`,
  `</destinationPolicy>`,
]);

Deno.test("policy entries: typed fields, raw attributes, strategies and the default entry", () => {
  const { config, warnings } = load(POLICIES);
  const [queue, topic, tempQueue, tempTopic] = config.policyEntries;
  assert.equal(config.policyEntries.length, 4);

  assert.equal(queue.destinationType, "queue");
  assert.equal(queue.pattern, ">");
  assert.equal(queue.queuePrefetch, 10);
  assert.equal(queue.queueBrowserPrefetch, 5);
  assert.equal(queue.prioritizedMessages, true);
  assert.equal(queue.memoryLimit, 64 * 1024 * 1024);
  assert.equal(queue.producerFlowControl, false);
  assert.equal(queue.useConsumerPriority, false);
  assert.equal(queue.expireMessagesPeriod, 0);
  assert.equal(queue.gcInactiveDestinations, true);
  assert.equal(queue.inactiveTimoutBeforeGC, 30000);
  assert.equal(queue.optimizedDispatch, true);
  assert.equal(queue.allConsumersExclusiveByDefault, true);
  assert.equal(queue.maxPageSize, 100);
  assert.equal(queue.sendFailIfNoSpace, true);
  assert.equal(queue.sendFailIfNoSpaceAfterTimeout, 500);
  assert.equal(queue.topicPrefetch, undefined);
  assert.equal(queue.attributes.useCache, "false");
  assert.equal(queue.attributes.memoryLimit, "64 mb");
  assert.equal(queue.location?.line, 6);
  assert.deepEqual(queue.deadLetterStrategy, {
    kind: "individual",
    queuePrefix: "DLQ.",
    useQueueForQueueMessages: true,
    processExpired: false,
    expiration: 60000,
  });

  assert.equal(topic.destinationType, "topic");
  assert.equal(topic.pattern, "PRICES.>");
  assert.equal(topic.topicPrefetch, 100);
  assert.equal(topic.durableTopicPrefetch, 50);
  assert.equal(topic.pendingMessageLimit, 1000);
  assert.deepEqual(topic.deadLetterStrategy, {
    kind: "shared",
    processNonPersistent: true,
    deadLetterQueue: "PRICES.DLQ",
  });

  assert.equal(tempQueue.destinationType, "tempQueue");
  assert.equal(tempQueue.pattern, ">");
  assert.deepEqual(tempQueue.deadLetterStrategy, { kind: "discarding" });
  assert.equal(tempTopic.destinationType, "tempTopic");
  assert.equal(tempTopic.attributes.advisoryForConsumed, "true");

  assert.equal(config.defaultPolicy?.producerFlowControl, true);
  assert.equal(config.defaultPolicy?.pattern, ">");
  assert.equal(config.defaultPolicy?.location?.line, 24);

  assert.deepEqual(warnings.map((w) => [w.location.line, w.location.element]), [[
    18,
    "subscriptionRecoveryPolicy",
  ]]);
});

Deno.test("policy entries: a single policyMap works too", () => {
  const { config } = load(broker([
    `<destinationPolicy><policyMap><policyEntries>`,
    `  <policyEntry queue="ORDERS" queuePrefetch="1"/>`,
    `</policyEntries></policyMap></destinationPolicy>`,
  ]));
  assert.deepEqual(config.policyEntries.map((e) => [e.pattern, e.queuePrefetch]), [["ORDERS", 1]]);
});

Deno.test("policy entries: wrong destinations and strategies are errors", () => {
  const wrap = (entry: string) =>
    broker([
      `<destinationPolicy><policyMap><policyEntries>`,
      entry,
      `</policyEntries></policyMap></destinationPolicy>`,
    ]);
  assertConfigError(
    () => load(wrap(`<policyEntry queuePrefetch="1"/>`)),
    3,
    /needs a destination; accepted: queue=/,
  );
  assertConfigError(() => load(wrap(`<policyEntry queue=">" topic=">"/>`)), 3, /found queue and topic/);
  assertConfigError(
    () => load(wrap(`<policyEntry tempQueue="yes"/>`)),
    3,
    /<policyEntry tempQueue="yes">: Invalid value for tempQueue; accepted: true, false/,
  );
  assertConfigError(
    () => load(wrap(`<policyEntry queue=">" prioritizedMessages="yes"/>`)),
    3,
    /accepted: true, false/,
  );
  assertConfigError(
    () =>
      load(
        wrap(
          `<policyEntry queue=">"><deadLetterStrategy><perDestination/></deadLetterStrategy></policyEntry>`,
        ),
      ),
    3,
    /<perDestination>: Unknown dead-letter strategy; accepted: one of <sharedDeadLetterStrategy>, <individualDeadLetterStrategy>, <discarding>/,
  );
  assertConfigError(
    () =>
      load(wrap(
        `<policyEntry topic=">"><pendingMessageLimitStrategy><constantPendingMessageLimitStrategy limit="x"/></pendingMessageLimitStrategy></policyEntry>`,
      )),
    3,
    /<constantPendingMessageLimitStrategy limit="x">: Invalid value for limit; accepted: a whole number >= -1/,
  );
});

Deno.test("redelivery plugin: entries, default entry and defaults", () => {
  const { config, warnings } = load(broker([
    `<plugins>`,
    `  <redeliveryPlugin fallbackToDeadLetter="false">`,
    `    <redeliveryPolicyMap>`,
    `      <redeliveryPolicyMap>`,
    `        <redeliveryPolicyEntries>`,
    `          <redeliveryPolicy queue="ORDERS.>" maximumRedeliveries="4" redeliveryDelay="10000" useExponentialBackOff="true" backOffMultiplier="2.5"/>`,
    `          <redeliveryPolicy topic="T" maximumRedeliveries="-1"/>`,
    `        </redeliveryPolicyEntries>`,
    `        <defaultEntry><redeliveryPolicy initialRedeliveryDelay="5000"/></defaultEntry>`,
    `      </redeliveryPolicyMap>`,
    `    </redeliveryPolicyMap>`,
    `  </redeliveryPlugin>`,
    `</plugins>`,
  ], ` schedulerSupport="true"`));
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.redeliveryPlugin, {
    fallbackToDeadLetter: false,
    sendToDlqIfMaxRetriesExceeded: true,
    location: { file: "conf/activemq.xml", line: 3, column: 3, element: "redeliveryPlugin" },
  });
  assert.deepEqual(config.redeliveryPolicies, [
    {
      maximumRedeliveries: 4,
      initialRedeliveryDelay: 1000,
      redeliveryDelay: 10000,
      backOffMultiplier: 2.5,
      useExponentialBackOff: true,
      maximumRedeliveryDelay: -1,
      queue: "ORDERS.>",
    },
    {
      maximumRedeliveries: -1,
      initialRedeliveryDelay: 1000,
      redeliveryDelay: 1000,
      backOffMultiplier: 5,
      useExponentialBackOff: false,
      maximumRedeliveryDelay: -1,
      topic: "T",
    },
    {
      maximumRedeliveries: 6,
      initialRedeliveryDelay: 5000,
      redeliveryDelay: 1000,
      backOffMultiplier: 5,
      useExponentialBackOff: false,
      maximumRedeliveryDelay: -1,
    },
  ]);
});

Deno.test("system usage, destinations and sslContext", () => {
  const { config, warnings } = load(broker([
    `<systemUsage>`,
    `  <systemUsage sendFailIfNoSpaceAfterTimeout="3000">`,
    `    <memoryUsage><memoryUsage limit="512 mb"/></memoryUsage>`,
    `    <storeUsage><storeUsage limit="10 gb"/></storeUsage>`,
    `    <tempUsage limit="1 gb"/>`,
    `    <jobSchedulerUsage><jobSchedulerUsage limit="1 gb"/></jobSchedulerUsage>`,
    `  </systemUsage>`,
    `</systemUsage>`,
    `<destinations>`,
    `  <queue physicalName="ORDERS"/>`,
    `  <topic physicalName="PRICES"/>`,
    `</destinations>`,
    `<sslContext><sslContext keyStore="broker.ks" keyStorePassword="password"/></sslContext>`,
  ]));
  assert.deepEqual(config.systemUsage, {
    sendFailIfNoSpaceAfterTimeout: 3000,
    memoryLimit: 512 * 1024 * 1024,
    storeLimit: 10 * 1024 ** 3,
    tempLimit: 1024 ** 3,
  });
  assert.deepEqual(config.destinations, [{ type: "queue", name: "ORDERS" }, {
    type: "topic",
    name: "PRICES",
  }]);
  assert.deepEqual(config.sslContext?.attributes, { keyStore: "broker.ks", keyStorePassword: "password" });
  assert.deepEqual(warnings.map((w) => [w.location.line, w.location.element]), [[7, "jobSchedulerUsage"]]);
});
