/**
 * ActiveMQ's broker-side `<redeliveryPlugin>`: a refused (poison-acked)
 * message is redelivered after a delay that grows per attempt, and goes to
 * the dead letter queue once the policy's maximumRedeliveries is used up.
 */
import type { RedeliveryPluginConfig, RedeliveryPolicyConfig } from "../config/mod.ts";
import { type Destination, isTopicLike } from "../message/destination.ts";
import { wildcardMatches } from "./wildcard.ts";

export type RedeliveryDecision =
  | { kind: "redeliver"; delay: number }
  | { kind: "deadLetter"; cause: string }
  | { kind: "drop"; cause: string };

export class RedeliveryPlugin {
  readonly #plugin: RedeliveryPluginConfig;
  readonly #policies: RedeliveryPolicyConfig[];
  readonly #fallback: RedeliveryPolicyConfig | undefined;

  constructor(plugin: RedeliveryPluginConfig, policies: RedeliveryPolicyConfig[]) {
    this.#plugin = plugin;
    this.#policies = policies.filter((p) => p.queue !== undefined || p.topic !== undefined);
    this.#fallback = policies.find((p) => p.queue === undefined && p.topic === undefined);
  }

  policyFor(d: Destination): RedeliveryPolicyConfig | undefined {
    const topic = isTopicLike(d);
    return this.#policies.find((p) => {
      const pattern = topic ? p.topic : p.queue;
      return pattern !== undefined && wildcardMatches(pattern, d.name);
    }) ?? this.#fallback;
  }

  /** What to do with a message refused for the `redeliveries`-th time so far (0 = first refusal). */
  decide(d: Destination, redeliveries: number): RedeliveryDecision {
    const policy = this.policyFor(d);
    if (!policy) {
      return this.#plugin.fallbackToDeadLetter
        ? { kind: "deadLetter", cause: "No redelivery policy matched the destination" }
        : { kind: "drop", cause: "No redelivery policy matched the destination" };
    }
    const max = policy.maximumRedeliveries;
    if (max >= 0 && redeliveries >= max) {
      const cause = `Redelivery limit exceeded: delivery ${redeliveries + 1} > maximumRedeliveries ${max}`;
      return this.#plugin.sendToDlqIfMaxRetriesExceeded
        ? { kind: "deadLetter", cause }
        : { kind: "drop", cause };
    }
    return { kind: "redeliver", delay: redeliveryDelay(policy, redeliveries) };
  }
}

/** Delay before redelivery number `n + 1` (n = redeliveries so far). */
export function redeliveryDelay(policy: RedeliveryPolicyConfig, n: number): number {
  let delay = n === 0 ? policy.initialRedeliveryDelay : policy.redeliveryDelay;
  if (policy.useExponentialBackOff && n > 0) {
    delay = policy.initialRedeliveryDelay * Math.pow(policy.backOffMultiplier, n);
  }
  if (policy.maximumRedeliveryDelay > 0) delay = Math.min(delay, policy.maximumRedeliveryDelay);
  return Math.max(0, delay);
}
