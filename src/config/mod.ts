/**
 * The activemq.xml loader and the transport URI parser: turns ActiveMQ's own configuration file
 * into one typed, validated {@link BrokerConfig}, with warnings for what this broker ignores and
 * errors that name the file, line, element and what is accepted.
 *
 * @example
 * ```ts
 * import { loadConfigFile } from "./src/config/mod.ts";
 * const { config, warnings } = await loadConfigFile("conf/activemq.xml");
 * for (const warning of warnings) console.warn(warning.message);
 * ```
 *
 * @module
 */
export { ConfigError, type ConfigLocation, type ConfigWarning } from "./errors.ts";
export { loadConfigFile, type LoadConfigOptions, type LoadedConfig, parseConfigXml } from "./load_config.ts";
export {
  defaultPort,
  KNOWN_TRANSPORT_SCHEMES,
  parseTransportUri,
  type TransportProtocol,
  type TransportUri,
} from "./transport_uri.ts";
export {
  type BeanDefinition,
  type BrokerConfig,
  type CompositeDestinationConfig,
  type DeadLetterStrategyConfig,
  defaultBrokerConfig,
  type DefaultBrokerConfigOptions,
  type ForwardTarget,
  type PersistenceAdapterConfig,
  type PolicyEntryConfig,
  type RedeliveryPluginConfig,
  type RedeliveryPolicyConfig,
  type SslContextConfig,
  type SystemUsageConfig,
  type TransportConnectorConfig,
  type VirtualTopicConfig,
} from "./broker_config.ts";
export { parseByteSize } from "./byte_size.ts";
export { VIRTUAL_TOPIC_DEFAULTS } from "./_destination_interceptors.ts";
