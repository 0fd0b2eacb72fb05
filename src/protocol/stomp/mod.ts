/**
 * STOMP 1.0/1.1/1.2 for ActiveMQ: the codec and the converter that maps frames
 * to broker operations.
 */
import type { ProtocolHandler } from "../../transport/protocol.ts";
import { StompConnection } from "./stomp_connection.ts";

export * from "./codec.ts";

export const stompProtocol: ProtocolHandler = {
  name: "stomp",
  handle: (stream, context) => new StompConnection(stream, context).run(),
};
