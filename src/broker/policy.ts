/**
 * Destination policy lookup: the most specific `<policyEntry>` whose pattern
 * matches a destination, and the values it implies (prefetch, dead-letter
 * strategy). Entries without a value fall back to ActiveMQ's defaults.
 */
import type { DeadLetterStrategyConfig, PolicyEntryConfig } from "../config/mod.ts";
import type { Destination } from "../message/destination.ts";
import { wildcardMatches } from "./wildcard.ts";

export const DEFAULT_PREFETCH = {
  queue: 1000,
  queueBrowser: 500,
  topic: 32767,
  durableTopic: 100,
} as const;

const ENTRY_TYPE: Record<Destination["type"], PolicyEntryConfig["destinationType"]> = {
  "queue": "queue",
  "topic": "topic",
  "temp-queue": "tempQueue",
  "temp-topic": "tempTopic",
};

export class PolicyMap {
  readonly #entries: PolicyEntryConfig[];
  readonly #defaultEntry: PolicyEntryConfig | undefined;

  constructor(entries: PolicyEntryConfig[], defaultEntry?: PolicyEntryConfig) {
    // More literal characters = more specific; ActiveMQ's "most specific wins".
    this.#entries = [...entries].sort((a, b) => specificity(b.pattern) - specificity(a.pattern));
    this.#defaultEntry = defaultEntry;
  }

  entryFor(destination: Destination): PolicyEntryConfig | undefined {
    const type = ENTRY_TYPE[destination.type];
    for (const entry of this.#entries) {
      if (entry.destinationType !== type) continue;
      if (type === "tempQueue" || type === "tempTopic" || wildcardMatches(entry.pattern, destination.name)) {
        return entry;
      }
    }
    return this.#defaultEntry;
  }

  /**
   * Policy prefetch applies only when the consumer asked for its kind's client
   * default (or for nothing), as in ActiveMQ.
   */
  prefetchFor(
    destination: Destination,
    kind: "queue" | "queueBrowser" | "topic" | "durableTopic",
    requested: number | undefined,
  ): number {
    const fallback = DEFAULT_PREFETCH[kind];
    if (requested !== undefined && requested !== fallback) return requested;
    const entry = this.entryFor(destination);
    const fromPolicy = kind === "queue"
      ? entry?.queuePrefetch
      : kind === "queueBrowser"
      ? entry?.queueBrowserPrefetch
      : kind === "topic"
      ? entry?.topicPrefetch
      : entry?.durableTopicPrefetch;
    return fromPolicy ?? fallback;
  }

  deadLetterStrategyFor(destination: Destination): DeadLetterStrategyConfig {
    return this.entryFor(destination)?.deadLetterStrategy ?? { kind: "shared" };
  }
}

function specificity(pattern: string): number {
  return pattern.replace(/[*>]/g, "").length;
}
