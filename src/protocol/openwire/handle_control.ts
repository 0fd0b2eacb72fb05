/**
 * Commands a broker may ignore (openwire.md 8.14-8.16, 8.19): ConsumerControl and
 * ConnectionControl from a client, ControlCommand, FlushCommand. Each still gets its
 * Response if it asked for one.
 *
 * @module
 */

import type { ConnectionControl, ConsumerControl, ControlCommand, FlushCommand } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";

export function handleIgnoredControl(
  c: HandlerContext,
  command: ConsumerControl | ConnectionControl | ControlCommand | FlushCommand,
): void {
  if (command.type === 17 && command.prefetch > 0 && c.log.debugEnabled) {
    // The core has no way yet to change a live consumer's prefetch.
    c.log.debug(`ConsumerControl prefetch=${command.prefetch} ignored`);
  }
  c.answer(command, Promise.resolve());
}
