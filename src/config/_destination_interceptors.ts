import type { LoadContext } from "./_context.ts";
import type { CompositeDestinationConfig, ForwardTarget, VirtualTopicConfig } from "./broker_config.ts";
import type { XmlElement } from "./xml_tree.ts";

/** Defaults of ActiveMQ's VirtualTopic bean: a `<virtualTopic>` without name covers every topic. */
export const VIRTUAL_TOPIC_DEFAULTS: Omit<VirtualTopicConfig, "location"> = {
  name: ">",
  prefix: "Consumer.*.",
  postfix: "",
  selectorAware: false,
  local: false,
  concurrentSend: false,
  transactedSend: false,
  dropOnResourceLimit: false,
  setOriginalDestination: true,
};
const VIRTUAL_TOPIC_BOOLEANS = [
  "selectorAware",
  "local",
  "concurrentSend",
  "transactedSend",
  "dropOnResourceLimit",
  "setOriginalDestination",
] as const;
const VIRTUAL_TOPIC_ATTRIBUTES = new Set(["name", "prefix", "postfix", ...VIRTUAL_TOPIC_BOOLEANS]);

type CompositeBoolean = "forwardOnly" | "sendWhenNotMatched" | "concurrentSend";
/** Defaults of ActiveMQ's CompositeDestination bean. */
const COMPOSITE_DEFAULTS: Pick<CompositeDestinationConfig, CompositeBoolean> = {
  forwardOnly: true,
  sendWhenNotMatched: false,
  concurrentSend: false,
};
const COMPOSITE_BOOLEANS: CompositeBoolean[] = ["forwardOnly", "sendWhenNotMatched", "concurrentSend"];
const COMPOSITE_ATTRIBUTES = new Set(["name", ...COMPOSITE_BOOLEANS]);

const FORWARD_TO_ACCEPTED = `<queue physicalName="…"/>, <topic physicalName="…"/> or ` +
  `<filteredDestination selector="…" queue="…"/> (or topic="…")`;

// Why a known ActiveMQ interceptor is ignored, where there is something useful to say.
const UNSUPPORTED_REASONS: Record<string, string> = {
  mirroredQueue: "messages sent to queues are not copied to mirror topics",
};

/** What `<destinationInterceptors>` declares; virtualTopics is absent when it declares nothing virtual. */
export interface DestinationInterceptors {
  virtualTopics?: VirtualTopicConfig[];
  compositeDestinations: CompositeDestinationConfig[];
}

/**
 * `<destinationInterceptors><virtualDestinationInterceptor><virtualDestinations>` with
 * `<virtualTopic>`, `<compositeQueue>` and `<compositeTopic>`; other interceptors are one warning each.
 */
export function readDestinationInterceptors(el: XmlElement, ctx: LoadContext): DestinationInterceptors {
  ctx.warnUnknownAttributes(el, new Set<string>());
  const virtualTopics: VirtualTopicConfig[] = [];
  const compositeDestinations: CompositeDestinationConfig[] = [];
  let declared = false;
  for (const interceptor of el.children) {
    if (interceptor.name !== "virtualDestinationInterceptor") {
      ctx.unsupported(interceptor, UNSUPPORTED_REASONS[interceptor.name]);
      continue;
    }
    ctx.warnUnknownAttributes(interceptor, new Set<string>());
    for (const part of interceptor.children) {
      if (part.name !== "virtualDestinations") {
        ctx.unsupported(part);
        continue;
      }
      ctx.warnUnknownAttributes(part, new Set<string>());
      for (const virtual of part.children) {
        if (virtual.name === "virtualTopic") {
          virtualTopics.push(readVirtualTopic(virtual, ctx));
          declared = true;
        } else if (virtual.name === "compositeQueue" || virtual.name === "compositeTopic") {
          compositeDestinations.push(readComposite(virtual, ctx));
          declared = true;
        } else {
          ctx.unsupported(virtual);
        }
      }
    }
  }
  return declared ? { virtualTopics, compositeDestinations } : { compositeDestinations };
}

function readVirtualTopic(el: XmlElement, ctx: LoadContext): VirtualTopicConfig {
  ctx.warnUnknownAttributes(el, VIRTUAL_TOPIC_ATTRIBUTES);
  for (const child of el.children) ctx.unsupported(child);
  const topic: VirtualTopicConfig = {
    ...VIRTUAL_TOPIC_DEFAULTS,
    name: readName(el, ctx, `name="VirtualTopic.>" (a topic name or wildcard)`, VIRTUAL_TOPIC_DEFAULTS.name),
    prefix: ctx.string(el, "prefix") ?? VIRTUAL_TOPIC_DEFAULTS.prefix,
    postfix: ctx.string(el, "postfix") ?? VIRTUAL_TOPIC_DEFAULTS.postfix,
    location: ctx.location(el),
  };
  for (const name of VIRTUAL_TOPIC_BOOLEANS) {
    const value = ctx.boolean(el, name);
    if (value !== undefined) topic[name] = value;
  }
  return topic;
}

function readComposite(el: XmlElement, ctx: LoadContext): CompositeDestinationConfig {
  ctx.warnUnknownAttributes(el, COMPOSITE_ATTRIBUTES);
  const type = el.name === "compositeQueue" ? "queue" : "topic";
  const example = type === "queue" ? "ORDERS.ALL" : "PRICES.ALL";
  const name = readName(el, ctx, `<${el.name} name="${example}"> (the ${type} that clients send to)`);
  const composite: CompositeDestinationConfig = {
    type,
    name,
    ...COMPOSITE_DEFAULTS,
    forwardTo: [],
    location: ctx.location(el),
  };
  for (const attribute of COMPOSITE_BOOLEANS) {
    const value = ctx.boolean(el, attribute);
    if (value !== undefined) composite[attribute] = value;
  }

  ctx.checkSingletons(el, ["forwardTo"]);
  for (const child of el.children) {
    if (child.name !== "forwardTo") {
      ctx.unsupported(child);
      continue;
    }
    ctx.warnUnknownAttributes(child, new Set<string>());
    for (const target of child.children) composite.forwardTo.push(readForwardTarget(target, ctx));
  }
  if (composite.forwardTo.length === 0 && composite.forwardOnly) {
    ctx.warn(
      el,
      `has no <forwardTo> destinations, so messages sent to ${type} ${name} are dropped; ` +
        `add ${FORWARD_TO_ACCEPTED} to <forwardTo>`,
    );
  }
  return composite;
}

/** The trimmed name attribute; `fallback` when absent, else an error, as is an empty name. */
function readName(el: XmlElement, ctx: LoadContext, accepted: string, fallback?: string): string {
  const name = ctx.string(el, "name")?.trim();
  if (name === undefined && fallback !== undefined) return fallback;
  if (!name) {
    throw ctx.error(
      el,
      `${name === undefined ? "Missing" : "Empty"} name; accepted: ${accepted}`,
      ctx.attribute(el, "name"),
    );
  }
  return name;
}

function readForwardTarget(el: XmlElement, ctx: LoadContext): ForwardTarget {
  if (el.name === "queue" || el.name === "topic") {
    ctx.warnUnknownAttributes(el, new Set(["physicalName"]));
    for (const child of el.children) ctx.unsupported(child);
    const name = ctx.string(el, "physicalName")?.trim();
    if (!name) {
      throw ctx.error(
        el,
        `Missing physicalName; accepted: <${el.name} physicalName="NAME"/>`,
        ctx.attribute(el, "physicalName"),
      );
    }
    return { type: el.name, name };
  }
  if (el.name !== "filteredDestination") {
    throw ctx.error(el, `Unknown <forwardTo> destination; accepted: ${FORWARD_TO_ACCEPTED}`);
  }

  ctx.warnUnknownAttributes(el, new Set(["selector", "queue", "topic"]));
  for (const child of el.children) ctx.unsupported(child);
  const present = (["queue", "topic"] as const).filter((type) => ctx.attribute(el, type) !== undefined);
  if (present.length !== 1) {
    throw ctx.error(
      el,
      present.length === 0
        ? `A filtered destination needs a destination; accepted: exactly one of queue="…" or topic="…"`
        : `A filtered destination forwards to one destination, found queue and topic; accepted: exactly ` +
          `one of queue="…" or topic="…"`,
      ctx.attribute(el, "topic"),
    );
  }
  const type = present[0];
  const name = ctx.string(el, type)!.trim();
  if (name === "") {
    throw ctx.error(el, `Empty ${type} name; accepted: ${type}="NAME"`, ctx.attribute(el, type));
  }
  const selector = ctx.string(el, "selector")?.trim();
  if (!selector) {
    throw ctx.error(
      el,
      `${selector === undefined ? "Missing" : "Empty"} selector; accepted: a JMS selector such as ` +
        `selector="region = 'US'" (messages that do not match are not forwarded here)`,
      ctx.attribute(el, "selector"),
    );
  }
  return { type, name, selector };
}
