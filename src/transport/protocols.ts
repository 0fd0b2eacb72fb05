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
  // ws (STOMP and MQTT over WebSocket) has a listener of its own (ws_listener.ts). wss is
  // let through so that its worker refuses to start with an error naming what is missing.
  if (uri.protocol === "ws") return true;
  return PROTOCOLS[uri.protocol] !== undefined && !uri.tls;
}
