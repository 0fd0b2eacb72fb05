import type { ConfigLocation } from "./errors.ts";
import type { TransportUri } from "./transport_uri.ts";

/** A Spring `<bean>` as written: its class and properties, nothing instantiated. */
export interface BeanDefinition {
  id?: string;
  className: string;
  /**
   * `<property name value>` and `<value>` text are strings, `ref`/nested `<bean>` are definitions,
   * `<list>`/`<set>` of `<value>` are string arrays.
   */
  properties: Record<string, string | BeanDefinition | string[]>;
  location: ConfigLocation;
}

/** `<transportConnector name uri>`. */
export interface TransportConnectorConfig {
  /** The name attribute; the raw URI when the connector has none (as ActiveMQ does). */
  name: string;
  uri: TransportUri;
  location?: ConfigLocation;
}

/**
 * The store. The loader records what is configured; the broker decides which kinds it can run.
 * Options hold every other attribute as written (placeholders resolved). Child elements such as
 * `<locker><lease-database-locker lockAcquireSleepInterval="10000"/></locker>` are flattened into
 * options as `locker = "lease-database-locker"` and `locker.lockAcquireSleepInterval = "10000"`.
 * Bean-valued attributes other than dataSource (e.g. `lockDataSource="#ds"`) stay as "#id" strings
 * in options; the loader has checked that the bean exists in `BrokerConfig.beans`.
 */
export type PersistenceAdapterConfig =
  | { kind: "memory" }
  | { kind: "kahaDB"; directory: string; options: Record<string, string>; location?: ConfigLocation }
  | { kind: "jdbc"; dataSource?: BeanDefinition; options: Record<string, string>; location?: ConfigLocation }
  | {
    kind: "journaledJdbc";
    dataSource?: BeanDefinition;
    options: Record<string, string>;
    location?: ConfigLocation;
  };

/** `<deadLetterStrategy>`: only what is written is set; the broker applies ActiveMQ's defaults. */
export interface DeadLetterStrategyConfig {
  kind: "shared" | "individual" | "discarding";
  /** shared: from `<deadLetterQueue><queue physicalName="…"/></deadLetterQueue>`. */
  deadLetterQueue?: string;
  queuePrefix?: string;
  topicPrefix?: string;
  queueSuffix?: string;
  topicSuffix?: string;
  useQueueForQueueMessages?: boolean;
  useQueueForTopicMessages?: boolean;
  processExpired?: boolean;
  processNonPersistent?: boolean;
  expiration?: number;
}

/** One `<redeliveryPolicy>` of the redeliveryPlugin, with ActiveMQ's defaults filled in. */
export interface RedeliveryPolicyConfig {
  maximumRedeliveries: number;
  initialRedeliveryDelay: number;
  redeliveryDelay: number;
  backOffMultiplier: number;
  useExponentialBackOff: boolean;
  maximumRedeliveryDelay: number;
  /** Destination pattern; neither queue nor topic for the `<defaultEntry>`. */
  queue?: string;
  topic?: string;
}

/** The `<redeliveryPlugin>` element's own attributes (defaults filled in). */
export interface RedeliveryPluginConfig {
  fallbackToDeadLetter: boolean;
  sendToDlqIfMaxRetriesExceeded: boolean;
  location?: ConfigLocation;
}

/** `<sslContext><sslContext keyStore=… keyStorePassword=… trustStore=…/></sslContext>`, as written. */
export interface SslContextConfig {
  attributes: Record<string, string>;
  location?: ConfigLocation;
}

/** One `<policyEntry>`. Typed fields are set only when written; `attributes` has every attribute. */
export interface PolicyEntryConfig {
  /**
   * From `queue=">"`, `topic="FOO.>"`, `tempQueue="true"` or `tempTopic="true"` (temp patterns are ">").
   * A `<defaultEntry>` without any of them reads as queue ">" and applies to every destination.
   */
  destinationType: "queue" | "topic" | "tempQueue" | "tempTopic";
  pattern: string;
  queuePrefetch?: number;
  topicPrefetch?: number;
  durableTopicPrefetch?: number;
  queueBrowserPrefetch?: number;
  memoryLimit?: number;
  prioritizedMessages?: boolean;
  producerFlowControl?: boolean;
  useConsumerPriority?: boolean;
  expireMessagesPeriod?: number;
  gcInactiveDestinations?: boolean;
  inactiveTimoutBeforeGC?: number;
  optimizedDispatch?: boolean;
  allConsumersExclusiveByDefault?: boolean;
  maxPageSize?: number;
  sendFailIfNoSpace?: boolean;
  sendFailIfNoSpaceAfterTimeout?: number;
  /** From `<pendingMessageLimitStrategy><constantPendingMessageLimitStrategy limit=…/>`. */
  pendingMessageLimit?: number;
  deadLetterStrategy?: DeadLetterStrategyConfig;
  /** Every attribute as written (placeholders resolved), so later features need no loader change. */
  attributes: Record<string, string>;
  location?: ConfigLocation;
}

/**
 * `<virtualTopic>` in `<destinationInterceptors><virtualDestinationInterceptor><virtualDestinations>`
 * (section 10), with the defaults of ActiveMQ's VirtualTopic bean filled in. A message sent to a topic
 * matching `name` is also copied to every queue named `prefix` + topic + `postfix`, where `*` in the
 * prefix matches one name segment (a consumer group).
 */
export interface VirtualTopicConfig {
  /** Topic name or wildcard; default ">" (every topic), as ActiveMQ's bean when name is not written. */
  name: string;
  /** Default "Consumer.*.". */
  prefix: string;
  /** Default "". */
  postfix: string;
  /** Copy only to queues that have a consumer whose selector matches. Default false. */
  selectorAware: boolean;
  /** Only copy messages sent by local (non-network) producers. Default false. */
  local: boolean;
  concurrentSend: boolean;
  transactedSend: boolean;
  dropOnResourceLimit: boolean;
  /** Copies carry the topic as originalDestination. Default true. */
  setOriginalDestination: boolean;
  location?: ConfigLocation;
}

/**
 * One destination of a composite's `<forwardTo>`: `<queue physicalName>`, `<topic physicalName>` or
 * `<filteredDestination selector queue|topic>` (then only messages matching the selector go there).
 */
export interface ForwardTarget {
  type: "queue" | "topic";
  name: string;
  /** As written (placeholders resolved); the broker parses it. */
  selector?: string;
}

/**
 * `<compositeQueue>` / `<compositeTopic>` (section 1.3): messages sent to `name` are forwarded to
 * every `forwardTo` destination; with `forwardOnly` false they are also kept in `name` itself.
 */
export interface CompositeDestinationConfig {
  type: "queue" | "topic";
  name: string;
  /** Default true. */
  forwardOnly: boolean;
  /** Deliver to `name` itself when no filtered destination matched. Default false. */
  sendWhenNotMatched: boolean;
  /** Default false. */
  concurrentSend: boolean;
  forwardTo: ForwardTarget[];
  location?: ConfigLocation;
}

/** `<systemUsage>`; unset limits mean the broker's defaults (memory 1 GB, store 100 GB, temp 50 GB). */
export interface SystemUsageConfig {
  memoryLimit?: number;
  memoryPercentOfJvmHeap?: number;
  storeLimit?: number;
  tempLimit?: number;
  sendFailIfNoSpace?: boolean;
  sendFailIfNoSpaceAfterTimeout?: number;
}

/** The whole broker configuration: one typed object with defaults (see {@link defaultBrokerConfig}). */
export interface BrokerConfig {
  brokerName: string;
  /** Default: ${activemq.data}. Kept as written (a relative path is relative to the working directory). */
  dataDirectory: string;
  persistent: boolean;
  useJmx: boolean;
  advisorySupport: boolean;
  schedulerSupport: boolean;
  useVirtualTopics: boolean;
  deleteAllMessagesOnStartup: boolean;
  populateJMSXUserID: boolean;
  allowTempAutoCreationOnSend: boolean;
  keepDurableSubsActive: boolean;
  /** Every `<broker>` attribute as written (placeholders resolved, namespace declarations left out). */
  attributes: Record<string, string>;
  transportConnectors: TransportConnectorConfig[];
  /** memory when persistent=false; kahaDB at <dataDirectory>/kahadb when nothing is configured. */
  persistenceAdapter: PersistenceAdapterConfig;
  policyEntries: PolicyEntryConfig[];
  /** `<defaultEntry>`. */
  defaultPolicy?: PolicyEntryConfig;
  /** From `<plugins><redeliveryPlugin>`; the default entry has neither queue nor topic. */
  redeliveryPolicies: RedeliveryPolicyConfig[];
  /** Present when a `<redeliveryPlugin>` is configured. */
  redeliveryPlugin?: RedeliveryPluginConfig;
  systemUsage: SystemUsageConfig;
  /**
   * `<virtualTopic>`s of `<destinationInterceptors>`. Undefined when no virtual destination is
   * declared there: the broker then applies ActiveMQ's default (VirtualTopic.> with prefix
   * "Consumer.*.") when useVirtualTopics is true. As in ActiveMQ, declaring virtual destinations
   * replaces that default, so a configuration with only composites has `[]` (no virtual topics).
   */
  virtualTopics?: VirtualTopicConfig[];
  /** `<compositeQueue>`s and `<compositeTopic>`s of `<destinationInterceptors>`. */
  compositeDestinations: CompositeDestinationConfig[];
  /** `<destinations>`: destinations created at start-up. */
  destinations: { type: "queue" | "topic"; name: string }[];
  sslContext?: SslContextConfig;
  /** Top-level beans that have an id. */
  beans: Record<string, BeanDefinition>;
  /** The configuration file, when loaded from one. */
  source?: string;
}

/** Options of {@link defaultBrokerConfig}. */
export interface DefaultBrokerConfigOptions {
  /** Default "data" (i.e. ${activemq.data} with the working directory as activemq.base). */
  dataDirectory?: string;
}

/**
 * ActiveMQ's defaults: broker "localhost", persistent with KahaDB under the data directory, no
 * connectors, no policies.
 *
 * @example
 * ```ts
 * const config = defaultBrokerConfig();
 * config.persistent = false;
 * config.persistenceAdapter = { kind: "memory" };
 * ```
 */
export function defaultBrokerConfig(options: DefaultBrokerConfigOptions = {}): BrokerConfig {
  const dataDirectory = options.dataDirectory ?? "data";
  return {
    brokerName: "localhost",
    dataDirectory,
    persistent: true,
    useJmx: true,
    advisorySupport: true,
    schedulerSupport: false,
    useVirtualTopics: true,
    deleteAllMessagesOnStartup: false,
    populateJMSXUserID: false,
    allowTempAutoCreationOnSend: false,
    keepDurableSubsActive: true,
    attributes: {},
    transportConnectors: [],
    persistenceAdapter: { kind: "kahaDB", directory: joinPath(dataDirectory, "kahadb"), options: {} },
    policyEntries: [],
    redeliveryPolicies: [],
    systemUsage: {},
    compositeDestinations: [],
    destinations: [],
    beans: {},
  };
}

/** Joins with "/" (what ActiveMQ's own configs write), without doubling a trailing separator. */
export function joinPath(directory: string, name: string): string {
  return directory.endsWith("/") || directory.endsWith("\\") ? directory + name : `${directory}/${name}`;
}
