/**
 * KeepAliveInfo (openwire.md 3.4): any bytes keep the connection alive; one that asks
 * for a response is echoed one-way, never answered with a Response.
 *
 * @module
 */

import type { KeepAliveInfo } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";
import { createCommand } from "./create_command.ts";

export function handleKeepAliveInfo(c: HandlerContext, info: KeepAliveInfo): void {
  if (info.responseRequired) {
    c.write(createCommand(10, { commandId: info.commandId, responseRequired: false }));
  }
}
