/**
 * The core describes an advisory's event as plain data (`Message.advisory`); ActiveMQ
 * carries the command itself in `Message.dataStructure` (openwire.md 10). This builds
 * that command for OpenWire consumers. The Java client's advisory watcher on
 * `ActiveMQ.Advisory.TempQueue,ActiveMQ.Advisory.TempTopic` relies on the DestinationInfo:
 * without it, sending to another connection's temporary queue fails client-side with
 * "Cannot publish to a deleted Destination".
 *
 * @module
 */

import { type Destination, parseDestination } from "../../message/destination.ts";
import type { AdvisoryData } from "../../message/message.ts";
import type { ConsumerId, DataStructure } from "./commands.ts";
import { createCommand } from "./create_command.ts";
import { toOpenWireDestination } from "./message_mapping.ts";
import { parseMessageId, parseProducerId } from "./message_id.ts";

const text = (v: unknown): string | null => typeof v === "string" ? v : null;

/** An OpenWire ConsumerId for a core consumer id; ids of other protocols keep their connection. */
function consumerIdOf(id: string, connectionId: string | null): ConsumerId {
  const parsed = parseProducerId(id); // same `<connection>:<n>:<n>` shape, fields swapped
  if (parsed !== undefined) {
    return { type: 122, connectionId: parsed.connectionId, sessionId: parsed.sessionId, value: parsed.value };
  }
  return { type: 122, connectionId: connectionId ?? id, sessionId: 0, value: 0 };
}

/**
 * The OpenWire structure for an advisory, or null when the event has no OpenWire form.
 * `topic` is the advisory topic (it tells what a RemoveInfo removes).
 */
export function advisoryDataStructure(advisory: AdvisoryData, topic: Destination): DataStructure | null {
  switch (advisory.type) {
    case "DestinationInfo": {
      const destination = text(advisory.destination);
      if (destination === null) return null;
      return createCommand(8, {
        destination: toOpenWireDestination(parseDestination(destination)),
        operationType: Number(advisory.operationType ?? 0),
      });
    }
    case "ConnectionInfo":
      return createCommand(3, {
        connectionId: { type: 120, value: text(advisory.connectionId) },
        clientId: text(advisory.clientId),
        userName: text(advisory.userName),
        clientIp: text(advisory.clientIp),
      });
    case "ConsumerInfo": {
      const destination = text(advisory.destination);
      return createCommand(5, {
        consumerId: consumerIdOf(String(advisory.consumerId ?? ""), text(advisory.connectionId)),
        destination: destination === null ? null : toOpenWireDestination(parseDestination(destination)),
        selector: text(advisory.selector),
        prefetchSize: Number(advisory.prefetchSize ?? 0),
        subscriptionName: text(advisory.subscriptionName),
        noLocal: advisory.noLocal === true,
        exclusive: advisory.exclusive === true,
        priority: Number(advisory.priority ?? 0),
      });
    }
    case "RemoveInfo": {
      const id = String(advisory.objectId ?? "");
      const objectId: DataStructure = topic.name.startsWith("ActiveMQ.Advisory.Consumer.")
        ? consumerIdOf(id, null)
        : topic.name.startsWith("ActiveMQ.Advisory.Producer.")
        ? parseProducerId(id) ?? { type: 123, connectionId: id, value: 0, sessionId: 0 }
        : { type: 120, value: id };
      return createCommand(12, { objectId });
    }
    case "MessageId":
      return typeof advisory.value === "string" ? parseMessageId(advisory.value) : null;
    default:
      return null;
  }
}
