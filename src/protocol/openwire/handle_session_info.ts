/**
 * SessionInfo (openwire.md 8.3): remembered so that removing the session removes its
 * consumers and producers. The core has no sessions.
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { SessionInfo } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";
import { formatSessionId } from "./message_id.ts";
import { response } from "./send_response.ts";

export function handleSessionInfo(c: HandlerContext, info: SessionInfo): void {
  c.session();
  if (info.sessionId === null) throw new BrokerError("protocol", "SessionInfo without a session id");
  c.state.sessions.add(formatSessionId(info.sessionId));
  if (info.responseRequired) c.write(response(info.commandId));
}
