import { type LoadContext, unwrap } from "./_context.ts";
import type { RedeliveryPluginConfig, RedeliveryPolicyConfig } from "./broker_config.ts";
import type { XmlElement } from "./xml_tree.ts";

// Said out loud because ignoring these changes who may connect, not just how well the broker runs.
const SECURITY_CONSEQUENCES: Record<string, string> = {
  simpleAuthenticationPlugin: "clients are NOT authenticated",
  jaasAuthenticationPlugin: "clients are NOT authenticated",
  jaasCertificateAuthenticationPlugin: "clients are NOT authenticated",
  jaasDualAuthenticationPlugin: "clients are NOT authenticated",
  authorizationPlugin: "destinations are NOT access-controlled",
};

/** Defaults of ActiveMQ's RedeliveryPolicy (section 6.1). */
const POLICY_DEFAULTS: Omit<RedeliveryPolicyConfig, "queue" | "topic"> = {
  maximumRedeliveries: 6,
  initialRedeliveryDelay: 1000,
  redeliveryDelay: 1000,
  backOffMultiplier: 5,
  useExponentialBackOff: false,
  maximumRedeliveryDelay: -1,
};

const POLICY_ATTRIBUTES = new Set([...Object.keys(POLICY_DEFAULTS), "queue", "topic"]);

/** `<plugins>`: the redeliveryPlugin is read; every other plugin is one warning. */
export function readPlugins(
  el: XmlElement,
  ctx: LoadContext,
): { policies: RedeliveryPolicyConfig[]; plugin?: RedeliveryPluginConfig } {
  ctx.checkSingletons(el, ["redeliveryPlugin"]);
  let result: { policies: RedeliveryPolicyConfig[]; plugin?: RedeliveryPluginConfig } = { policies: [] };
  for (const child of el.children) {
    if (child.name === "redeliveryPlugin") result = readRedeliveryPlugin(child, ctx);
    else ctx.unsupported(child, SECURITY_CONSEQUENCES[child.name]);
  }
  return result;
}

function readRedeliveryPlugin(
  el: XmlElement,
  ctx: LoadContext,
): { policies: RedeliveryPolicyConfig[]; plugin: RedeliveryPluginConfig } {
  ctx.warnUnknownAttributes(el, new Set(["fallbackToDeadLetter", "sendToDlqIfMaxRetriesExceeded"]));
  const plugin: RedeliveryPluginConfig = {
    fallbackToDeadLetter: ctx.boolean(el, "fallbackToDeadLetter") ?? true,
    sendToDlqIfMaxRetriesExceeded: ctx.boolean(el, "sendToDlqIfMaxRetriesExceeded") ?? true,
    location: ctx.location(el),
  };
  const policies: RedeliveryPolicyConfig[] = [];
  for (const child of el.children) {
    if (child.name !== "redeliveryPolicyMap") {
      ctx.unsupported(child);
      continue;
    }
    const map = unwrap(child, "redeliveryPolicyMap");
    for (const part of map.children) {
      if (part.name === "redeliveryPolicyEntries") {
        for (const entry of part.children) {
          if (entry.name === "redeliveryPolicy") policies.push(readPolicy(entry, ctx, false));
          else ctx.unsupported(entry);
        }
      } else if (part.name === "defaultEntry") {
        const entry = unwrap(part, "redeliveryPolicy");
        if (entry === part) {
          throw ctx.error(part, `<defaultEntry> needs one child; accepted: <redeliveryPolicy …/>`);
        }
        policies.push(readPolicy(entry, ctx, true));
      } else {
        ctx.unsupported(part);
      }
    }
  }
  return { policies, plugin };
}

function readPolicy(el: XmlElement, ctx: LoadContext, isDefault: boolean): RedeliveryPolicyConfig {
  ctx.warnUnknownAttributes(el, POLICY_ATTRIBUTES);
  for (const child of el.children) ctx.unsupported(child);
  const policy: RedeliveryPolicyConfig = {
    maximumRedeliveries: ctx.integer(el, "maximumRedeliveries", -1) ?? POLICY_DEFAULTS.maximumRedeliveries,
    initialRedeliveryDelay: ctx.integer(el, "initialRedeliveryDelay") ??
      POLICY_DEFAULTS.initialRedeliveryDelay,
    redeliveryDelay: ctx.integer(el, "redeliveryDelay") ?? POLICY_DEFAULTS.redeliveryDelay,
    backOffMultiplier: ctx.number(el, "backOffMultiplier", 1) ?? POLICY_DEFAULTS.backOffMultiplier,
    useExponentialBackOff: ctx.boolean(el, "useExponentialBackOff") ?? POLICY_DEFAULTS.useExponentialBackOff,
    maximumRedeliveryDelay: ctx.integer(el, "maximumRedeliveryDelay", -1) ??
      POLICY_DEFAULTS.maximumRedeliveryDelay,
  };
  const queue = ctx.string(el, "queue");
  const topic = ctx.string(el, "topic");
  if (queue !== undefined && topic !== undefined) {
    throw ctx.error(
      el,
      `A redelivery policy applies to a queue or a topic pattern, not both; accepted: one`,
      ctx.attribute(el, "topic"),
    );
  }
  if (!isDefault && queue === undefined && topic === undefined) {
    throw ctx.error(el, `A redelivery policy entry needs a destination; accepted: queue="…" or topic="…"`);
  }
  if (queue !== undefined) policy.queue = queue;
  if (topic !== undefined) policy.topic = topic;
  return policy;
}
