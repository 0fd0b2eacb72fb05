/**
 * MQTT 3.1 / 3.1.1 / 5.0 for ActiveMQ: the codec and the converter that maps packets to
 * broker operations (semantics.md §3).
 *
 * @example
 * ```ts
 * import { createMqttProtocol } from "./mod.ts";
 *
 * // A connector whose MQTT 5 clients authenticate with a token (enhanced authentication).
 * const protocol = createMqttProtocol({
 *   authenticator: {
 *     authenticate: (req) =>
 *       req.method === "TOKEN" && new TextDecoder().decode(req.data) === "secret"
 *         ? { kind: "success" }
 *         : { kind: "failure", reasonCode: 0x87 },
 *   },
 * });
 * ```
 *
 * @module
 */
import type { ProtocolHandler } from "../../transport/protocol.ts";
import { MqttConnection, type MqttConnectionOptions } from "./mqtt_connection.ts";

export * from "./codec.ts";
export { BAD_AUTHENTICATION_METHOD, rejectingAuthenticator } from "./auth.ts";
export type { MqttAuthenticator, MqttAuthRequest, MqttAuthResult } from "./auth.ts";
export { MqttConnection } from "./mqtt_connection.ts";
export type { MqttConnectionOptions } from "./mqtt_connection.ts";
export { MqttSessionRegistry } from "./session_registry.ts";
export { convertTopic, durableSubscriptionName, parseFilter } from "./topics.ts";
export {
  CORRELATION_ENCODING_PROPERTY,
  messageToPublish,
  publishToMessage,
  QOS_PROPERTY,
  RETAIN_PROPERTY,
  RETAINED_PROPERTY,
} from "./message_mapping.ts";

/**
 * A protocol handler for MQTT connections with these options.
 *
 * @example
 * ```ts
 * const handler = createMqttProtocol();
 * // listener: await handler.handle(socket, context);
 * ```
 */
export function createMqttProtocol(options: MqttConnectionOptions = {}): ProtocolHandler {
  return {
    name: "mqtt",
    handle: (stream, context) => new MqttConnection(stream, context, options).run(),
  };
}

/** What a connector worker runs for `mqtt://`: default options. */
export const mqttProtocol: ProtocolHandler = createMqttProtocol();
