/**
 * The protocols a connector worker can speak. Imported statically so that
 * `deno compile` bundles every codec into the binary.
 */
import type { TransportUri } from "../config/mod.ts";
import { mqttProtocol } from "../protocol/mqtt/mod.ts";
import { openWireProtocol } from "../protocol/openwire/mod.ts";
import { stompProtocol } from "../protocol/stomp/mod.ts";
import type { ProtocolHandler } from "./protocol.ts";

const PROTOCOLS: Partial<Record<TransportUri["protocol"], ProtocolHandler>> = {
  // tcp:// and nio:// (nio only changes Java's threading model).
  openwire: openWireProtocol,
  stomp: stompProtocol,
  mqtt: mqttProtocol,
};

export function protocolFor(protocol: TransportUri["protocol"]): ProtocolHandler | undefined {
  return PROTOCOLS[protocol];
}

export function isProtocolAvailable(uri: TransportUri): boolean {
  // ws and wss (STOMP and MQTT over WebSocket) have a listener of their own (ws_listener.ts).
  if (uri.protocol === "ws") return true;
  return PROTOCOLS[uri.protocol] !== undefined && !uri.tls;
}
