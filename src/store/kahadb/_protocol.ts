/**
 * What crosses between the main-thread adapter and the store worker. Plain
 * objects (structured clone); message bytes of one batch share one
 * transferred ArrayBuffer.
 */
import type { SerializedError } from "../../broker/errors.ts";
import type { Destination } from "../../message/destination.ts";
import type {
  DurableSubscriptionKey,
  StoredSubscription,
  StoreStats,
  XaTransactionId,
} from "../persistence_adapter.ts";

/** A StoreOperation whose message is already encoded. */
export type WireOp =
  | {
    op: "add";
    destination: Destination;
    messageId: string;
    priority: number;
    /** The stored form of the message (KahaAddMessageCommand.message). */
    bytes: Uint8Array;
    subscriptions?: DurableSubscriptionKey[];
  }
  | { op: "remove"; destination: Destination; messageId: string }
  | { op: "ack"; destination: Destination; subscription: DurableSubscriptionKey; messageId: string }
  | { op: "subscribe"; subscription: StoredSubscription }
  | { op: "unsubscribe"; subscription: DurableSubscriptionKey }
  | { op: "removeDestination"; destination: Destination };

export interface RecoveredWire {
  /** Every recovered message's bytes (with gaps: each message gets its record's size). */
  data: ArrayBuffer;
  /** Start in `data` of each message, in destination order. */
  offsets: Float64Array;
  lengths: Uint32Array;
  destinations: { destination: Destination; count: number }[];
  subscriptions: (StoredSubscription & { pending: string[] })[];
  prepared: { xid: XaTransactionId; operations: WireOp[] }[];
}

export type MainToWorker =
  | { k: "init"; directory: string; options: Record<string, string>; debug: boolean }
  | { k: "start"; id: number }
  | { k: "abortStart" }
  | { k: "write"; id: number; ops: WireOp[]; sync: boolean }
  | { k: "prepare"; id: number; xid: XaTransactionId; ops: WireOp[] }
  | { k: "commitPrepared" | "rollbackPrepared"; id: number; xid: XaTransactionId }
  | { k: "stats" | "checkpoint" | "cleanup"; id: number }
  | { k: "stop"; id: number };

export type WorkerToMain =
  | { k: "reply"; id: number; value?: RecoveredWire | StoreStats; error?: SerializedError }
  | { k: "log"; level: "debug" | "info" | "warn" | "error"; message: string };
