/**
 * ConnectionInfo (openwire.md 8.2): registers the connection with the core under the
 * client's own connection id, so temporary destinations get the names the client gives
 * them (`<connectionId>:<n>`) and noLocal compares the same ids. The client id must be
 * unique (javax.jms.InvalidClientIDException otherwise).
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { ConnectionInfo } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";
import { connectionControl } from "./send_broker_info.ts";
import { response } from "./send_response.ts";

/** Awaited by the read loop: later commands need the session. */
export async function handleConnectionInfo(c: HandlerContext, info: ConnectionInfo): Promise<void> {
  const state = c.state;
  const connectionId = info.connectionId?.value ?? null;
  if (state.session !== undefined) {
    // A repeated ConnectionInfo (e.g. a failover client replaying its state) is fine;
    // a second connection on one socket is not supported.
    if (connectionId === state.connectionId?.value) {
      if (info.responseRequired) c.write(response(info.commandId));
      return;
    }
    c.fail(
      info,
      new BrokerError(
        "illegal-state",
        `This socket already carries connection '${state.connectionId?.value}'; ` +
          `open one socket per connection (got '${connectionId}')`,
      ),
    );
    return;
  }
  if (connectionId === null || connectionId === "") {
    c.fail(info, new BrokerError("protocol", "ConnectionInfo without a connection id"));
    return;
  }
  // [openwire.md 8.2] A null client id is refused.
  if (info.clientId === null || info.clientId === "") {
    c.fail(info, new BrokerError("invalid-client-id", "No clientID specified for connection request"));
    return;
  }
  const connecting = c.transport.gateway.connect({
    connectionId,
    clientId: info.clientId,
    userName: info.userName ?? undefined,
    password: info.password ?? undefined,
    remoteAddress: c.transport.remoteAddress,
    connector: c.transport.connector.name,
  }, c.listener);
  c.track(connecting);
  try {
    state.session = await connecting;
  } catch (err) {
    c.log.info(`Connection ${connectionId} refused: ${err instanceof Error ? err.message : err}`);
    c.fail(info, err);
    return;
  }
  state.connectionId = info.connectionId;
  state.clientId = info.clientId;
  if (info.responseRequired) c.write(response(info.commandId));
  if (info.manageable) c.write(connectionControl());
}
