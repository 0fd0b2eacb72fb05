import { readTransportConnectors } from "./_connectors.ts";
import { type AttributeKind, type LoadContext, unwrap } from "./_context.ts";
import { readDestinationInterceptors } from "./_destination_interceptors.ts";
import { readDestinationPolicy } from "./_destination_policy.ts";
import { readPersistenceAdapter, readPersistenceFactory } from "./_persistence.ts";
import { readPlugins } from "./_plugins.ts";
import { readSystemUsage } from "./_system_usage.ts";
import { type BrokerConfig, defaultBrokerConfig } from "./broker_config.ts";
import type { XmlElement } from "./xml_tree.ts";

type BooleanField =
  | "persistent"
  | "useJmx"
  | "advisorySupport"
  | "schedulerSupport"
  | "useVirtualTopics"
  | "deleteAllMessagesOnStartup"
  | "populateJMSXUserID"
  | "allowTempAutoCreationOnSend"
  | "keepDurableSubsActive";

const BOOLEAN_FIELDS: BooleanField[] = [
  "persistent",
  "useJmx",
  "advisorySupport",
  "schedulerSupport",
  "useVirtualTopics",
  "deleteAllMessagesOnStartup",
  "populateJMSXUserID",
  "allowTempAutoCreationOnSend",
  "keepDurableSubsActive",
];

// Section 15.1 attributes without a typed field: validated and kept in `attributes` for the
// features that read them.
const RECORDED = new Map<string, AttributeKind>([
  ["id", "string"],
  ["useAuthenticatedPrincipalForJMSXUserID", "boolean"],
  ["offlineDurableSubscriberTimeout", "integer"],
  ["offlineDurableSubscriberTaskSchedule", "integer"],
  ["schedulePeriodForDestinationPurge", "integer"],
  ["maxPurgedDestinationsPerSweep", "integer"],
  ["cacheTempDestinations", "boolean"],
  ["timeBeforePurgeTempDestinations", "integer"],
  ["storeOpenWireVersion", "integer"],
  ["splitSystemUsageForProducersConsumers", "boolean"],
  ["producerSystemUsagePortion", "integer"],
  ["consumerSystemUsagePortion", "integer"],
  ["networkConnectorStartAsync", "boolean"],
  ["startAsync", "boolean"],
  ["restartAllowed", "boolean"],
  ["useShutdownHook", "boolean"],
  ["rejectDurableConsumers", "boolean"],
  ["rollbackOnlyOnAsyncException", "boolean"],
  ["maxSchedulerRepeatAllowed", "integer"],
  ["start", "boolean"],
]);

const KNOWN_ATTRIBUTES = new Map<string, AttributeKind>([
  ...RECORDED,
  ...BOOLEAN_FIELDS.map((n) => [n, "boolean"] as const),
  ["brokerName", "string"],
  ["dataDirectory", "string"],
]);

const SINGLE_CHILDREN = [
  "destinationPolicy",
  "destinationInterceptors",
  "persistenceAdapter",
  "persistenceFactory",
  "systemUsage",
  "plugins",
  "destinations",
  "sslContext",
];

// Why a known ActiveMQ element is ignored, where there is something useful to say.
const UNSUPPORTED_REASONS: Record<string, string> = {
  managementContext: "JMX is not available; use the admin console and its metrics",
  shutdownHooks: "the broker stops cleanly on SIGINT/SIGTERM by itself",
  networkConnectors: "networks of brokers are not supported yet",
};

const SSL_CONTEXT_ATTRIBUTES = new Set([
  "keyStore",
  "keyStorePassword",
  "keyStoreType",
  "keyStoreKeyPassword",
  "keyStoreAlgorithm",
  "trustStore",
  "trustStorePassword",
  "trustStoreType",
  "trustStoreAlgorithm",
  "protocol",
  "provider",
  "secureRandomAlgorithm",
  "crlPath",
]);

/** Reads `<broker>` into a BrokerConfig; `dataDirectory` is the default (${activemq.data}). */
export function readBroker(el: XmlElement, ctx: LoadContext, dataDirectory: string): BrokerConfig {
  ctx.warnUnknownAttributes(el, KNOWN_ATTRIBUTES);
  ctx.checkKinds(el, RECORDED);
  const config = defaultBrokerConfig({ dataDirectory: ctx.string(el, "dataDirectory") ?? dataDirectory });
  config.attributes = ctx.allAttributes(el);
  const brokerName = ctx.string(el, "brokerName")?.trim();
  if (brokerName !== undefined) {
    if (brokerName === "") {
      throw ctx.error(el, `Empty brokerName; accepted: a name`, ctx.attribute(el, "brokerName"));
    }
    config.brokerName = brokerName;
  }
  for (const name of BOOLEAN_FIELDS) {
    const value = ctx.boolean(el, name);
    if (value !== undefined) config[name] = value;
  }
  if (config.useJmx && ctx.attribute(el, "useJmx")) {
    ctx.warn(
      el,
      `JMX is not available and is ignored; use the admin console and its metrics`,
      ctx.attribute(el, "useJmx"),
    );
  }

  ctx.checkSingletons(el, SINGLE_CHILDREN);
  const adapters = el.children.filter((c) =>
    c.name === "persistenceAdapter" || c.name === "persistenceFactory"
  );
  if (adapters.length > 1) {
    throw ctx.error(
      adapters[1],
      `A broker has one store, but <${adapters[0].name}> is also set at line ${
        adapters[0].line
      }; accepted: one of them`,
    );
  }

  for (const child of el.children) {
    switch (child.name) {
      case "destinationPolicy": {
        const { entries, defaultEntry } = readDestinationPolicy(child, ctx);
        config.policyEntries.push(...entries);
        if (defaultEntry) config.defaultPolicy = defaultEntry;
        break;
      }
      case "destinationInterceptors": {
        const { virtualTopics, compositeDestinations } = readDestinationInterceptors(child, ctx);
        if (virtualTopics) config.virtualTopics = virtualTopics;
        config.compositeDestinations.push(...compositeDestinations);
        break;
      }
      case "persistenceAdapter":
      case "persistenceFactory":
        if (!config.persistent) {
          ctx.warn(
            child,
            `is ignored because the broker has persistent="false" (messages are kept in memory)`,
          );
        } else if (child.name === "persistenceAdapter") {
          config.persistenceAdapter = readPersistenceAdapter(child, ctx, config.dataDirectory);
        } else {
          config.persistenceAdapter = readPersistenceFactory(child, ctx);
        }
        break;
      case "transportConnectors":
        readTransportConnectors(child, ctx, config.transportConnectors);
        break;
      case "systemUsage":
        config.systemUsage = readSystemUsage(child, ctx);
        break;
      case "plugins": {
        const { policies, plugin } = readPlugins(child, ctx);
        config.redeliveryPolicies.push(...policies);
        if (plugin) config.redeliveryPlugin = plugin;
        break;
      }
      case "destinations":
        config.destinations.push(...readDestinations(child, ctx));
        break;
      case "sslContext": {
        const ssl = unwrap(child, "sslContext");
        ctx.warnUnknownAttributes(ssl, SSL_CONTEXT_ATTRIBUTES);
        for (const nested of ssl.children) ctx.unsupported(nested);
        config.sslContext = { attributes: ctx.allAttributes(ssl), location: ctx.location(ssl) };
        break;
      }
      default:
        ctx.unsupported(child, UNSUPPORTED_REASONS[child.name]);
    }
  }

  if (!config.persistent) config.persistenceAdapter = { kind: "memory" };
  return config;
}

function readDestinations(el: XmlElement, ctx: LoadContext): BrokerConfig["destinations"] {
  const destinations: BrokerConfig["destinations"] = [];
  for (const child of el.children) {
    if (child.name !== "queue" && child.name !== "topic") {
      ctx.unsupported(child);
      continue;
    }
    ctx.warnUnknownAttributes(child, new Set(["physicalName"]));
    const name = ctx.string(child, "physicalName")?.trim();
    if (!name) throw ctx.error(child, `Missing physicalName; accepted: <${child.name} physicalName="NAME"/>`);
    destinations.push({ type: child.name, name });
  }
  return destinations;
}
