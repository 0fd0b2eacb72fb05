/**
 * The broker's unsolicited commands of the handshake: BrokerInfo, first after the wire
 * format negotiation (openwire.md 8.1), and ConnectionControl after an accepted
 * ConnectionInfo from a manageable client (8.15).
 *
 * @module
 */

import type { BrokerInfo, ConnectionControl } from "./commands.ts";
import { createCommand } from "./create_command.ts";

/** What the 5.17.2 broker sends: its id, the connector's URL and its name; every flag false. */
export function brokerInfo(brokerName: string, brokerURL: string): BrokerInfo {
  return createCommand(2, {
    brokerId: { type: 124, value: `ID:${brokerName}` },
    brokerURL,
    brokerName,
  });
}

/** All flags false and empty broker lists, as captured from ActiveMQ 5.17.2. */
export function connectionControl(): ConnectionControl {
  return createCommand(18, { connectedBrokers: "", reconnectTo: "" });
}
