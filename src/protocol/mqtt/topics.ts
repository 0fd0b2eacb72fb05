/**
 * MQTT topic names and filters ↔ ActiveMQ topic names (semantics.md §3.1), shared
 * subscriptions (`$share/group/filter`) and the durable subscription names of persistent
 * sessions (§3.3).
 *
 * @module
 */

import type { MqttQoS } from "./codec.ts";

/**
 * Converts an MQTT topic name or filter to an ActiveMQ topic name, or back: `/`↔`.`,
 * `+`↔`*`, `#`↔`>`. Each pair is swapped both ways, as ActiveMQ's MQTTProtocolSupport
 * does, so the conversion is its own inverse and round trips are lossless.
 *
 * @example
 * ```ts
 * convertTopic("sport/+/results/#"); // "sport.*.results.>"
 * convertTopic("sport.tennis"); // "sport/tennis"
 * ```
 */
export function convertTopic(name: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < name.length; i++) {
    const swapped = SWAP[name.charCodeAt(i)];
    if (swapped === undefined) continue;
    out += name.slice(from, i) + swapped;
    from = i + 1;
  }
  return from === 0 ? name : out + name.slice(from);
}

const SWAP: (string | undefined)[] = [];
for (const [a, b] of [["/", "."], ["+", "*"], ["#", ">"]]) {
  SWAP[a.charCodeAt(0)] = b;
  SWAP[b.charCodeAt(0)] = a;
}

/** A SUBSCRIBE topic filter with its `$share/<group>/` prefix taken apart. */
export interface ParsedFilter {
  /** The filter proper (without any `$share/group/`). */
  filter: string;
  /** The share name of a shared subscription. */
  shareGroup?: string;
}

const SHARE_PREFIX = "$share/";

/**
 * Splits `$share/group/filter` ([MQTT-4.8.2-1], [MQTT-4.8.2-2]). Returns a reason string for
 * a malformed shared filter: an empty or wildcard share name, or no filter after it.
 *
 * @example
 * ```ts
 * parseFilter("$share/workers/jobs/#"); // { filter: "jobs/#", shareGroup: "workers" }
 * parseFilter("jobs/#"); // { filter: "jobs/#" }
 * ```
 */
export function parseFilter(topicFilter: string): ParsedFilter | string {
  if (!topicFilter.startsWith(SHARE_PREFIX)) return { filter: topicFilter };
  const rest = topicFilter.slice(SHARE_PREFIX.length);
  const slash = rest.indexOf("/");
  if (slash <= 0) return `Shared subscription "${topicFilter}" needs $share/<name>/<filter>`;
  const shareGroup = rest.slice(0, slash);
  const filter = rest.slice(slash + 1);
  if (/[+#]/.test(shareGroup)) {
    return `The share name "${shareGroup}" of "${topicFilter}" must not contain "+" or "#"`;
  }
  if (filter.length === 0) return `Shared subscription "${topicFilter}" has an empty topic filter`;
  return { filter, shareGroup };
}

/**
 * Whether a topic is a system topic that filters starting with a wildcard do not match:
 * `$…` topics ([MQTT-4.7.2-1]) and, likewise, ActiveMQ's own `ActiveMQ.…` topics
 * (advisories, the MQTT session records), which would otherwise flood `#` subscribers.
 */
export function isSystemTopic(activeMqName: string): boolean {
  return activeMqName.startsWith("$") || activeMqName.startsWith("ActiveMQ.");
}

/**
 * Whether an MQTT topic name or filter lies under `ActiveMQ/MQTT/`, where the converter keeps
 * its session records (`ActiveMQ.MQTT.Session.<client id>`): MQTT clients may neither
 * publish nor subscribe there.
 */
export function isReservedTopic(mqttName: string): boolean {
  return mqttName === "ActiveMQ/MQTT" || mqttName.startsWith("ActiveMQ/MQTT/");
}

/** Whether an MQTT filter starts with a wildcard (`#`, `+`). */
export function startsWithWildcard(filter: string): boolean {
  const c = filter.charCodeAt(0);
  return c === 0x23 || c === 0x2b;
}

const QOS_NAMES = ["AT_MOST_ONCE", "AT_LEAST_ONCE", "EXACTLY_ONCE"] as const;

/**
 * The durable subscription name of a persistent-session subscription: `<QoS>:<filter>`, as
 * ActiveMQ names them (semantics.md §3.3), e.g. `AT_LEAST_ONCE:sport/#`.
 *
 * @example
 * ```ts
 * durableSubscriptionName(1, "sport/#"); // "AT_LEAST_ONCE:sport/#"
 * ```
 */
export function durableSubscriptionName(qos: MqttQoS, filter: string): string {
  return `${QOS_NAMES[qos]}:${filter}`;
}
