/**
 * Broker-side virtual destinations: virtual topics (a topic whose messages are
 * also copied to `Consumer.<group>.<topic>` queues) and composite destinations
 * configured in activemq.xml (a destination that forwards to others).
 */
import {
  type CompositeDestinationConfig,
  VIRTUAL_TOPIC_DEFAULTS,
  type VirtualTopicConfig,
} from "../config/mod.ts";
import { type Destination, qualifiedName } from "../message/destination.ts";
import type { Message } from "../message/message.ts";
import { BrokerError } from "./errors.ts";
import { parseSelector, type Selector } from "./selector/mod.ts";
import { wildcardMatches } from "./wildcard.ts";

/**
 * ActiveMQ's virtual topic when none is configured (and useVirtualTopics is on):
 * the bean's defaults, on `VirtualTopic.>` only.
 */
export const DEFAULT_VIRTUAL_TOPIC: VirtualTopicConfig = { ...VIRTUAL_TOPIC_DEFAULTS, name: "VirtualTopic.>" };

export class VirtualTopic {
  readonly config: VirtualTopicConfig;

  constructor(config: VirtualTopicConfig) {
    this.config = config;
  }

  appliesTo(topic: Destination): boolean {
    return topic.type === "topic" && wildcardMatches(this.config.name, topic.name);
  }

  /** Is `queueName` one of this topic's consumer queues (`<prefix><topic><postfix>`)? */
  isConsumerQueue(queueName: string, topicName: string): boolean {
    const { prefix, postfix } = this.config;
    const tail = topicName + postfix;
    if (!queueName.endsWith(tail)) return false;
    const head = queueName.slice(0, queueName.length - tail.length);
    if (prefix === "") return head === "";
    // The prefix is a wildcard pattern of whole elements ending in "." (e.g. `Consumer.*.`).
    const patternEndsWithDot = prefix.endsWith(".");
    if (patternEndsWithDot !== head.endsWith(".")) return false;
    const strip = (s: string) => patternEndsWithDot ? s.slice(0, -1) : s;
    return head.length > 0 && wildcardMatches(strip(prefix), strip(head));
  }

  copyFor(message: Message, queue: Destination): Message {
    return {
      ...message,
      destination: queue,
      originalDestination: this.config.setOriginalDestination
        ? message.destination
        : message.originalDestination,
    };
  }
}

interface ForwardRule {
  destination: Destination;
  selector?: Selector;
}

export class CompositeDestination {
  readonly config: CompositeDestinationConfig;
  readonly #rules: ForwardRule[];

  constructor(config: CompositeDestinationConfig) {
    this.config = config;
    this.#rules = config.forwardTo.map((t) => {
      let selector: Selector | undefined;
      if (t.selector !== undefined) {
        try {
          selector = parseSelector(t.selector);
        } catch (err) {
          const where = config.location ? `${config.location.file}:${config.location.line}: ` : "";
          throw new BrokerError(
            "invalid-selector",
            `${where}<filteredDestination> of composite ${config.type} ${config.name}: ${
              (err as Error).message
            }`,
          );
        }
      }
      return { destination: { type: t.type, name: t.name }, selector };
    });
  }

  get key(): string {
    return qualifiedName({ type: this.config.type, name: this.config.name });
  }

  /** The destinations a message sent here goes to (besides this one unless forwardOnly). */
  targets(message: Message): Destination[] {
    return this.#rules.filter((r) => !r.selector || r.selector.matches(message)).map((r) => r.destination);
  }
}
