/**
 * Embedding API: start an ActiveMQ-compatible broker inside a Deno program and
 * talk to it in process (vm://) or over its transport connectors.
 *
 * @example
 * ```ts
 * import { Broker } from "./mod.ts";
 *
 * const broker = await Broker.start("conf/activemq.xml");
 * const conn = await broker.connect();
 * const sub = await conn.subscribe("queue://orders");
 * await conn.send("queue://orders", "hello");
 * console.log((await sub.receive())?.text()); // "hello"
 * await conn.close();
 * await broker.stop();
 * ```
 * @module
 */
export { Broker, type BrokerStartOptions } from "./src/runtime/broker.ts";
export {
  type VmConnection,
  type VmConnectionOptions,
  type VmMessage,
  type VmSendOptions,
  type VmSubscribeOptions,
  type VmSubscription,
  type VmTransaction,
} from "./src/vm/vm_client.ts";
export {
  type BrokerConfig,
  ConfigError,
  type ConfigWarning,
  defaultBrokerConfig,
  loadConfigFile,
  parseConfigXml,
  parseTransportUri,
  type TransportConnectorConfig,
  type TransportUri,
} from "./src/config/mod.ts";
export { BrokerError, type BrokerErrorCode } from "./src/broker/errors.ts";
export type { Destination, DestinationType } from "./src/message/destination.ts";
export type { BodyKind, Message, PropertyValue } from "./src/message/message.ts";
export type { ConnectorHandle } from "./src/transport/connector_host.ts";
export { type LogLevel, setLogLevel } from "./src/log.ts";
