import { type AttributeKind, type LoadContext, unwrap } from "./_context.ts";
import type { DeadLetterStrategyConfig, PolicyEntryConfig } from "./broker_config.ts";
import type { XmlElement } from "./xml_tree.ts";

type NumberField =
  | "queuePrefetch"
  | "topicPrefetch"
  | "durableTopicPrefetch"
  | "queueBrowserPrefetch"
  | "expireMessagesPeriod"
  | "inactiveTimoutBeforeGC"
  | "maxPageSize"
  | "sendFailIfNoSpaceAfterTimeout";
type BooleanField =
  | "prioritizedMessages"
  | "producerFlowControl"
  | "useConsumerPriority"
  | "gcInactiveDestinations"
  | "optimizedDispatch"
  | "allConsumersExclusiveByDefault"
  | "sendFailIfNoSpace";

const NUMBER_FIELDS: NumberField[] = [
  "queuePrefetch",
  "topicPrefetch",
  "durableTopicPrefetch",
  "queueBrowserPrefetch",
  "expireMessagesPeriod",
  "inactiveTimoutBeforeGC",
  "maxPageSize",
  "sendFailIfNoSpaceAfterTimeout",
];
const BOOLEAN_FIELDS: BooleanField[] = [
  "prioritizedMessages",
  "producerFlowControl",
  "useConsumerPriority",
  "gcInactiveDestinations",
  "optimizedDispatch",
  "allConsumersExclusiveByDefault",
  "sendFailIfNoSpace",
];
const DESTINATION_ATTRIBUTES = ["queue", "topic", "tempQueue", "tempTopic"] as const;

// Section 15.2 attributes without a typed field: recorded in `attributes` (and validated) so that
// the features that use them need no loader change.
const RECORDED = new Map<string, AttributeKind>([
  ["maxBrowsePageSize", "integer"],
  ["maxExpirePageSize", "integer"],
  ["useCache", "boolean"],
  ["minimumMessageSize", "integer"],
  ["strictOrderDispatch", "boolean"],
  ["lazyDispatch", "boolean"],
  ["persistJMSRedelivered", "boolean"],
  ["cursorMemoryHighWaterMark", "integer"],
  ["storeUsageHighWaterMark", "integer"],
  ["sendAdvisoryIfNoConsumers", "boolean"],
  ["advisoryForConsumed", "boolean"],
  ["advisoryForDelivery", "boolean"],
  ["advisoryForDiscardingMessages", "boolean"],
  ["advisoryForFastProducers", "boolean"],
  ["advisoryForSlowConsumers", "boolean"],
  ["advisoryWhenFull", "boolean"],
  ["includeBodyForAdvisory", "boolean"],
  ["enableAudit", "boolean"],
  ["maxAuditDepth", "integer"],
  ["maxQueueAuditDepth", "integer"],
  ["maxProducersToAudit", "integer"],
  ["messageGroupMapFactoryType", "string"],
  ["alwaysRetroactive", "boolean"],
  ["timeBeforeDispatchStarts", "integer"],
  ["consumersBeforeDispatchStarts", "integer"],
  ["maxDestinations", "integer"],
  ["usePrefetchExtension", "boolean"],
  ["reduceMemoryFootprint", "boolean"],
]);

const KNOWN_ATTRIBUTES = new Map<string, AttributeKind>([
  ...RECORDED,
  ...NUMBER_FIELDS.map((n) => [n, "integer"] as const),
  ...BOOLEAN_FIELDS.map((n) => [n, "boolean"] as const),
  ...DESTINATION_ATTRIBUTES.map((n) => [n, "string"] as const),
  ["memoryLimit", "size"],
]);

const DEAD_LETTER_STRATEGIES = ["sharedDeadLetterStrategy", "individualDeadLetterStrategy", "discarding"];
const PENDING_LIMIT_STRATEGIES = [
  "constantPendingMessageLimitStrategy",
  "prefetchRatePendingMessageLimitStrategy",
];

/**
 * `<destinationPolicy><policyMap>[<policyMap>]<policyEntries>…</policyEntries><defaultEntry>…`
 * (ActiveMQ's schema doubles policyMap; both forms are accepted).
 */
export function readDestinationPolicy(
  el: XmlElement,
  ctx: LoadContext,
): { entries: PolicyEntryConfig[]; defaultEntry?: PolicyEntryConfig } {
  const entries: PolicyEntryConfig[] = [];
  let defaultEntry: PolicyEntryConfig | undefined;
  for (const child of el.children) {
    if (child.name !== "policyMap") {
      ctx.unsupported(child);
      continue;
    }
    const map = unwrap(child, "policyMap");
    ctx.warnUnknownAttributes(map, new Set<string>());
    ctx.checkSingletons(map, ["policyEntries", "defaultEntry"]);
    for (const part of map.children) {
      if (part.name === "policyEntries") {
        for (const entry of part.children) {
          if (entry.name === "policyEntry") entries.push(readPolicyEntry(entry, ctx, false));
          else ctx.unsupported(entry);
        }
      } else if (part.name === "defaultEntry") {
        const entry = unwrap(part, "policyEntry");
        if (entry === part && part.children.length > 0) {
          throw ctx.error(part, `<defaultEntry> needs one child; accepted: <policyEntry …/>`);
        }
        defaultEntry = readPolicyEntry(entry, ctx, true);
      } else {
        ctx.unsupported(part);
      }
    }
  }
  return defaultEntry ? { entries, defaultEntry } : { entries };
}

function readPolicyEntry(el: XmlElement, ctx: LoadContext, isDefault: boolean): PolicyEntryConfig {
  ctx.warnUnknownAttributes(el, KNOWN_ATTRIBUTES);
  ctx.checkKinds(el, RECORDED);
  const entry: PolicyEntryConfig = {
    ...readDestination(el, ctx, isDefault),
    attributes: ctx.allAttributes(el),
    location: ctx.location(el),
  };
  for (const name of NUMBER_FIELDS) {
    const value = ctx.integer(el, name);
    if (value !== undefined) entry[name] = value;
  }
  for (const name of BOOLEAN_FIELDS) {
    const value = ctx.boolean(el, name);
    if (value !== undefined) entry[name] = value;
  }
  const memoryLimit = ctx.size(el, "memoryLimit");
  if (memoryLimit !== undefined) entry.memoryLimit = memoryLimit;

  ctx.checkSingletons(el, ["deadLetterStrategy", "pendingMessageLimitStrategy"]);
  for (const child of el.children) {
    if (child.name === "deadLetterStrategy") {
      const strategy = readDeadLetterStrategy(child, ctx);
      if (strategy) entry.deadLetterStrategy = strategy;
    } else if (child.name === "pendingMessageLimitStrategy") {
      const limit = readPendingMessageLimit(child, ctx);
      if (limit !== undefined) entry.pendingMessageLimit = limit;
    } else {
      ctx.unsupported(child);
    }
  }
  return entry;
}

function readDestination(
  el: XmlElement,
  ctx: LoadContext,
  isDefault: boolean,
): Pick<PolicyEntryConfig, "destinationType" | "pattern"> {
  const present = DESTINATION_ATTRIBUTES.filter((name) => ctx.attribute(el, name) !== undefined);
  if (present.length > 1) {
    throw ctx.error(
      el,
      `A policy entry applies to one kind of destination, found ${present.join(" and ")}; ` +
        `accepted: one of queue="…", topic="…", tempQueue="true", tempTopic="true"`,
      ctx.attribute(el, present[1]),
    );
  }
  const type = present[0];
  if (type === undefined) {
    if (isDefault) return { destinationType: "queue", pattern: ">" };
    throw ctx.error(
      el,
      `A policy entry needs a destination; accepted: queue="…", topic="…", tempQueue="true" or tempTopic="true"`,
    );
  }
  if (type === "tempQueue" || type === "tempTopic") {
    if (ctx.boolean(el, type) !== true) {
      throw ctx.error(el, `${type} selects temporary destinations; accepted: true`, ctx.attribute(el, type));
    }
    return { destinationType: type, pattern: ">" };
  }
  const pattern = ctx.string(el, type)!.trim();
  if (pattern === "") {
    throw ctx.error(
      el,
      `Empty destination pattern; accepted: a name or wildcard such as ">" or "ORDERS.>"`,
      ctx.attribute(el, type),
    );
  }
  return { destinationType: type, pattern };
}

const COMMON_DLQ_ATTRIBUTES = ["processExpired", "processNonPersistent", "expiration"];
const INDIVIDUAL_STRINGS = ["queuePrefix", "topicPrefix", "queueSuffix", "topicSuffix"] as const;
const INDIVIDUAL_BOOLEANS = ["useQueueForQueueMessages", "useQueueForTopicMessages"] as const;

function readDeadLetterStrategy(el: XmlElement, ctx: LoadContext): DeadLetterStrategyConfig | undefined {
  const strategy = el.children.length === 1 ? el.children[0] : undefined;
  if (!strategy || !DEAD_LETTER_STRATEGIES.includes(strategy.name)) {
    throw ctx.error(
      strategy ?? el,
      `Unknown dead-letter strategy; accepted: one of ${
        DEAD_LETTER_STRATEGIES.map((s) => `<${s}>`).join(", ")
      }`,
    );
  }
  const kind = strategy.name === "sharedDeadLetterStrategy"
    ? "shared"
    : strategy.name === "individualDeadLetterStrategy"
    ? "individual"
    : "discarding";
  const known = new Set([
    ...COMMON_DLQ_ATTRIBUTES,
    ...(kind === "individual" ? [...INDIVIDUAL_STRINGS, ...INDIVIDUAL_BOOLEANS] : []),
  ]);
  ctx.warnUnknownAttributes(strategy, known);

  const config: DeadLetterStrategyConfig = { kind };
  const processExpired = ctx.boolean(strategy, "processExpired");
  if (processExpired !== undefined) config.processExpired = processExpired;
  const processNonPersistent = ctx.boolean(strategy, "processNonPersistent");
  if (processNonPersistent !== undefined) config.processNonPersistent = processNonPersistent;
  const expiration = ctx.integer(strategy, "expiration");
  if (expiration !== undefined) config.expiration = expiration;
  if (kind === "individual") {
    for (const name of INDIVIDUAL_STRINGS) {
      const value = ctx.string(strategy, name);
      if (value !== undefined) config[name] = value;
    }
    for (const name of INDIVIDUAL_BOOLEANS) {
      const value = ctx.boolean(strategy, name);
      if (value !== undefined) config[name] = value;
    }
  }
  for (const child of strategy.children) {
    if (kind === "shared" && child.name === "deadLetterQueue") {
      config.deadLetterQueue = readDeadLetterQueue(child, ctx);
    } else {
      ctx.unsupported(child);
    }
  }
  return config;
}

function readDeadLetterQueue(el: XmlElement, ctx: LoadContext): string {
  const queue = el.children.length === 1 ? el.children[0] : undefined;
  const name = queue?.name === "queue" ? ctx.string(queue, "physicalName") : undefined;
  if (queue === undefined || name === undefined || name.trim() === "") {
    throw ctx.error(queue ?? el, `A dead-letter queue needs a name; accepted: <queue physicalName="…"/>`);
  }
  ctx.warnUnknownAttributes(queue, new Set(["physicalName"]));
  return name.trim();
}

function readPendingMessageLimit(el: XmlElement, ctx: LoadContext): number | undefined {
  const strategy = el.children.length === 1 ? el.children[0] : undefined;
  if (!strategy || !PENDING_LIMIT_STRATEGIES.includes(strategy.name)) {
    throw ctx.error(
      strategy ?? el,
      `Unknown pending message limit strategy; accepted: <constantPendingMessageLimitStrategy limit="…"/>`,
    );
  }
  if (strategy.name !== "constantPendingMessageLimitStrategy") {
    ctx.unsupported(strategy);
    return undefined;
  }
  ctx.warnUnknownAttributes(strategy, new Set(["limit"]));
  for (const child of strategy.children) ctx.unsupported(child);
  const limit = ctx.integer(strategy, "limit", -1);
  if (limit === undefined) {
    throw ctx.error(
      strategy,
      `Missing limit; accepted: limit="1000" (messages kept beyond prefetch; -1 = no limit)`,
    );
  }
  return limit;
}
