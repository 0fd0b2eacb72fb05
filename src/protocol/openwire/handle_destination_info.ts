/**
 * DestinationInfo (openwire.md 8.9): creates and deletes temporary destinations, under
 * the names the client gives them (`<connectionId>:<n>`; a failover reconnect replays
 * the live ones).
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import { isTemporary, qualifiedName } from "../../message/destination.ts";
import { type DestinationInfo, DestinationOperation } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";
import { fromOpenWireDestination } from "./message_mapping.ts";

/** Awaited by the read loop for temporary destinations: a consumer on one may follow at once. */
export async function handleDestinationInfo(c: HandlerContext, info: DestinationInfo): Promise<void> {
  const session = c.session();
  if (info.destination === null) {
    throw new BrokerError("invalid-destination", "DestinationInfo without a destination");
  }
  const destination = fromOpenWireDestination(info.destination);
  if (info.operationType === DestinationOperation.Add) {
    if (!isTemporary(destination)) {
      // Ordinary destinations are created on first use.
      c.answer(info, Promise.resolve());
      return;
    }
    const created = session.createTemporaryDestination(destination.type as "temp-queue" | "temp-topic", {
      name: destination.name,
    }).then(() => {});
    c.answer(info, created);
    await created.catch(() => {});
    return;
  }
  if (info.operationType === DestinationOperation.Remove) {
    if (!isTemporary(destination)) {
      throw new BrokerError(
        "not-supported",
        `Removing ${qualifiedName(destination)} over OpenWire is not supported yet`,
      );
    }
    c.answer(info, session.deleteTemporaryDestination(destination));
    return;
  }
  throw new BrokerError("protocol", `Unknown DestinationInfo operation ${info.operationType}`);
}
