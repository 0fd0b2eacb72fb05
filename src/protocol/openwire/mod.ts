/**
 * OpenWire (ActiveMQ Classic's native protocol, versions 1-12) for `tcp://` and `nio://`
 * connectors: the codec (see codec.ts) and the converter that maps commands to broker
 * operations.
 *
 * @example
 * ```ts
 * import { openWireProtocol } from "./mod.ts";
 *
 * openWireProtocol.name; // "openwire"
 * ```
 *
 * @module
 */
import type { ProtocolHandler } from "../../transport/protocol.ts";
import { OpenWireConnection } from "./openwire_connection.ts";

export * from "./codec.ts";

/** Serves one accepted socket as an OpenWire connection until it closes. */
export const openWireProtocol: ProtocolHandler = {
  name: "openwire",
  handle: (stream, context) => new OpenWireConnection(stream, context).run(),
};
