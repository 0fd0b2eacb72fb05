/**
 * DestinationInfo (openwire.md 8.9): creates and deletes temporary destinations. The
 * client names them `<connectionId>:<n>`; the core numbers the temporaries of a
 * connection the same way, so creating them in order gives the same names. A client that
 * skipped numbers (a failover reconnect replays only the live ones) gets them by
 * creating and dropping the gaps.
 *
 * @module
 */

import { BrokerError } from "../../broker/errors.ts";
import type { BrokerSession } from "../../broker/types.ts";
import { type Destination, isTemporary, qualifiedName } from "../../message/destination.ts";
import { type DestinationInfo, DestinationOperation } from "./commands.ts";
import type { HandlerContext } from "./_handler_context.ts";
import { fromOpenWireDestination } from "./message_mapping.ts";

/** Most numbers skipped to reach a client's temporary destination name. */
const MAX_SKIPPED = 1024;

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
    const created = createNamed(session, destination);
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

async function createNamed(session: BrokerSession, wanted: Destination): Promise<void> {
  const prefix = `${session.connectionId}:`;
  const number = wanted.name.startsWith(prefix) ? Number(wanted.name.slice(prefix.length)) : NaN;
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new BrokerError(
      "invalid-destination",
      `Temporary destination names must be '${prefix}<n>', got '${wanted.name}'`,
    );
  }
  const type = wanted.type as "temp-queue" | "temp-topic";
  for (let i = 0; i <= MAX_SKIPPED; i++) {
    const got = await session.createTemporaryDestination(type);
    if (got.name === wanted.name) return;
    await session.deleteTemporaryDestination(got);
    if (Number(got.name.slice(prefix.length)) > number) break;
  }
  throw new BrokerError(
    "invalid-destination",
    `Cannot create ${qualifiedName(wanted)}: this connection already used that number`,
  );
}
