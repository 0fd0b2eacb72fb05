/**
 * From the core's operations to KahaDB journal commands. Conversion happens
 * before a batch is written and the index only changes after, so an
 * {@link Overlay} carries the subscription and transaction changes of the
 * earlier writes of the same batch.
 */
import { wildcardMatches } from "../../broker/wildcard.ts";
import type { Destination } from "../../message/destination.ts";
import {
  type StoredSubscription,
  subscriptionKeyString,
  type XaTransactionId,
} from "../persistence_adapter.ts";
import type { KahaCommand, KahaTransactionInfo } from "./_commands.ts";
import { type StoreIndex, toKahaDestination } from "./_index.ts";
import type { WireOp } from "./_protocol.ts";
import { encodeSubscriptionInfo } from "./_subscription_info.ts";

const EMPTY = new Uint8Array(0);

/**
 * Subscriptions as the commands being converted in one batch will leave them
 * (the index itself only changes after the batch is written).
 */
export class Overlay {
  readonly subs = new Map<string, StoredSubscription | null>();
  readonly prepared = new Map<string, boolean>();
  constructor(readonly index: StoreIndex) {}

  isPrepared(key: string): boolean {
    return this.prepared.get(key) ?? this.index.prepared.has(key);
  }

  subscription(key: string): StoredSubscription | undefined {
    if (this.subs.has(key)) return this.subs.get(key) ?? undefined;
    return this.index.subscriptions.get(key);
  }

  subscriptionsFor(topic: Destination): Set<string> {
    const keys = new Set(this.index.subscriptionsFor(topic).map((s) => s.key));
    for (const [key, sub] of this.subs) {
      if (sub && sub.destination.type === topic.type && wildcardMatches(sub.destination.name, topic.name)) {
        keys.add(key);
      } else keys.delete(key);
    }
    return keys;
  }
}

/** KahaTransactionInfo of an XA branch. */
export function xaTransaction(xid: XaTransactionId): KahaTransactionInfo {
  return {
    xa: {
      formatId: xid.formatId,
      branchQualifier: xid.branchQualifier,
      globalTransactionId: xid.globalTransactionId,
    },
  };
}

/**
 * The journal commands of some operations (kahadb.md 3.3). A topic message
 * becomes an add followed by an "unmatched" ack (empty ack bytes) for each
 * subscription on the topic the core did not name, so that replay, which gives
 * a topic message to every subscription, ends where the core wanted.
 */
export function operationCommands(ops: WireOp[], overlay: Overlay): KahaCommand[] {
  const cmds: KahaCommand[] = [];
  for (const op of ops) {
    switch (op.op) {
      case "add": {
        const destination = toKahaDestination(op.destination);
        const add: KahaCommand = {
          kind: "add",
          destination,
          messageId: op.messageId,
          message: op.bytes,
          priority: op.priority,
          prioritySupported: false,
        };
        if (op.destination.type !== "topic" && op.destination.type !== "temp-topic") {
          cmds.push(add);
          break;
        }
        // Replay gives a topic message to every subscription on the topic; the ones the core
        // did not name get an "unmatched" ack (empty ack bytes, kahadb.md 3.3) right after.
        const all = overlay.subscriptionsFor(op.destination);
        const wanted = new Set(
          (op.subscriptions ?? []).map(subscriptionKeyString).filter((k) => all.has(k)),
        );
        if (wanted.size === 0) break; // no durable subscription needs it
        cmds.push(add);
        for (const key of all) {
          if (wanted.has(key)) continue;
          cmds.push({
            kind: "remove",
            destination,
            messageId: op.messageId,
            ack: EMPTY,
            subscriptionKey: key,
          });
        }
        break;
      }
      case "remove":
        cmds.push({
          kind: "remove",
          destination: toKahaDestination(op.destination),
          messageId: op.messageId,
        });
        break;
      case "ack":
        cmds.push({
          kind: "remove",
          destination: toKahaDestination(op.destination),
          messageId: op.messageId,
          subscriptionKey: subscriptionKeyString(op.subscription),
        });
        break;
      case "subscribe": {
        const key = subscriptionKeyString(op.subscription);
        cmds.push({
          kind: "subscription",
          destination: toKahaDestination(op.subscription.destination),
          subscriptionKey: key,
          retroactive: false,
          subscriptionInfo: encodeSubscriptionInfo(op.subscription),
        });
        overlay.subs.set(key, op.subscription);
        break;
      }
      case "unsubscribe": {
        const key = subscriptionKeyString(op.subscription);
        const sub = overlay.subscription(key);
        if (!sub) break; // nothing to delete
        cmds.push({
          kind: "subscription",
          destination: toKahaDestination(sub.destination),
          subscriptionKey: key,
        });
        overlay.subs.set(key, null);
        break;
      }
      case "removeDestination":
        cmds.push({ kind: "removeDestination", destination: toKahaDestination(op.destination) });
        break;
    }
  }
  return cmds;
}
