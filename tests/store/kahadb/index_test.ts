/** The in-memory index (kahadb.md section 7) and its page layout in db.data. */
import assert from "node:assert/strict";
import { logger, setLogLevel } from "../../../src/log.ts";
import type { KahaCommand, KahaDestination } from "../../../src/store/kahadb/_commands.ts";
import { denoFs } from "../../../src/store/kahadb/_file_io.ts";
import { SEGMENT_SPAN, StoreIndex } from "../../../src/store/kahadb/_index.ts";
import { type IndexPersistence, readIndex, writeIndex } from "../../../src/store/kahadb/_index_pages.ts";
import { PageFile } from "../../../src/store/kahadb/_page_file.ts";
import { encodeSubscriptionInfo } from "../../../src/store/kahadb/_subscription_info.ts";
import { tempDir } from "./_helpers.ts";

setLogLevel("error");

const Q: KahaDestination = { type: 0, name: "orders" };
const T: KahaDestination = { type: 1, name: "prices.eu" };
let offset = 0;
const at = (file = 1) => ({ file, offset: offset += 100, size: 100 });
const add = (d: KahaDestination, id: string, priority = 4, prioritySupported = false): KahaCommand => ({
  kind: "add",
  destination: d,
  messageId: id,
  message: new Uint8Array(0),
  priority,
  prioritySupported,
});
const subscribe = (key: string, topic: string): KahaCommand => {
  const [clientId, subscriptionName] = key.split(":");
  return {
    kind: "subscription",
    destination: { type: 1, name: topic },
    subscriptionKey: key,
    subscriptionInfo: encodeSubscriptionInfo({
      clientId,
      subscriptionName,
      destination: { type: "topic", name: topic },
    }),
  };
};
const ids = (index: StoreIndex, key = "queue://orders") =>
  index.destinations.get(key)?.ordered().map((e) => e.id) ?? [];

Deno.test("messages are ordered by priority when the add said so, then by sequence", () => {
  const index = new StoreIndex();
  index.apply(add(Q, "a", 4), at());
  index.apply(add(Q, "b", 9, true), at());
  index.apply(add(Q, "c", 1, true), at());
  index.apply(add(Q, "d", 9, true), at());
  index.apply(add(Q, "e", 7, false), at()); // no priority support: treated as 4
  index.apply(add(Q, "f", 5, true), at());
  assert.deepEqual(ids(index), ["b", "d", "f", "a", "e", "c"]);
  assert.deepEqual(index.destinations.get("queue://orders")!.ordered().map((e) => e.seq), [1, 3, 5, 0, 4, 2]);

  const plain = new StoreIndex();
  for (const [i, p] of [4, 9, 0, 7].entries()) plain.apply(add(Q, `m${i}`, p), at());
  assert.deepEqual(ids(plain), ["m0", "m1", "m2", "m3"]);
});

Deno.test("counters: per destination and per journal file", () => {
  const index = new StoreIndex();
  index.apply(add(Q, "a"), at(1));
  index.apply(add(Q, "b"), at(1));
  index.apply(add(Q, "c"), at(2));
  index.apply(add(Q, "a"), at(2)); // duplicate id: ignored
  const q = index.destinations.get("queue://orders")!;
  assert.equal(q.byId.size, 3);
  assert.equal(q.totalSize, 300);
  assert.deepEqual([...index.fileRefs.get(1)!], [["queue://orders", 2]]);
  index.apply({ kind: "remove", destination: Q, messageId: "a" }, at(3));
  index.apply({ kind: "remove", destination: Q, messageId: "nope" }, at(3));
  assert.equal(q.byId.size, 2);
  assert.equal(q.totalSize, 200);
  assert.deepEqual([...index.fileRefs.get(1)!], [["queue://orders", 1]]);
  assert.deepEqual([...index.ackMap.get(3)!], [1], "file 3 acknowledges a message of file 1");
  index.apply({ kind: "removeDestination", destination: Q }, at(4));
  assert.equal(index.destinations.size, 0);
  assert.equal(index.fileRefs.size, 0);
  assert.deepEqual([...index.ackMap.get(4)!].sort(), [1, 2]);
});

Deno.test("topic messages are held by the durable subscriptions that match, wildcards included", () => {
  const index = new StoreIndex();
  index.apply(add(T, "early"), at()); // no subscription yet: not kept
  assert.equal(index.destinations.size, 0);
  index.apply(subscribe("app:a", "prices.eu"), at());
  index.apply(subscribe("app:all", "prices.>"), at());
  index.apply(subscribe("app:us", "prices.us"), at());
  index.apply(add(T, "m1"), at());
  index.apply(add(T, "m2"), at());
  // An unmatched ack (empty ack bytes) takes a subscription off at once.
  index.apply({
    kind: "remove",
    destination: T,
    messageId: "m2",
    ack: new Uint8Array(0),
    subscriptionKey: "app:a",
  }, at());
  assert.deepEqual(index.pendingOf("app:a"), ["m1"]);
  assert.deepEqual(index.pendingOf("app:all"), ["m1", "m2"]);
  assert.deepEqual(index.pendingOf("app:us"), []);
  index.apply({ kind: "remove", destination: T, messageId: "m1", subscriptionKey: "app:a" }, at());
  index.apply({ kind: "remove", destination: T, messageId: "m1", subscriptionKey: "app:all" }, at());
  assert.deepEqual(ids(index, "topic://prices.eu"), ["m2"], "m1 went with its last holder");
  index.apply({
    kind: "subscription",
    destination: { type: 1, name: "prices.>" },
    subscriptionKey: "app:all",
  }, at());
  assert.equal(
    index.destinations.get("topic://prices.eu")?.byId.size ?? 0,
    0,
    "unsubscribing drops what only it held",
  );
  assert.deepEqual([...index.subscriptions.keys()], ["app:a", "app:us"]);
});

Deno.test("transactions: buffered until commit, dropped by rollback, prepared kept aside", () => {
  const index = new StoreIndex();
  const local = { local: { connectionId: "ID:c:1", transactionId: 1 } };
  const xa = {
    xa: { formatId: 1, globalTransactionId: new Uint8Array([1]), branchQualifier: new Uint8Array([2]) },
  };
  index.apply({ ...add(Q, "t1"), tx: local } as KahaCommand, at());
  index.apply({ ...add(Q, "t2"), tx: local } as KahaCommand, at());
  assert.deepEqual(ids(index), []);
  index.apply({ kind: "commit", tx: local }, at());
  assert.deepEqual(ids(index), ["t1", "t2"]);

  index.apply({ ...add(Q, "x1"), tx: xa } as KahaCommand, at(2));
  index.apply({ kind: "remove", destination: Q, messageId: "t1", tx: xa }, at(2));
  index.apply({ kind: "prepare", tx: xa }, at(2));
  assert.equal(index.prepared.size, 1);
  assert.equal(index.openTxs.size, 0);
  assert.deepEqual(ids(index), ["t1", "t2"]);
  index.apply({ kind: "commit", tx: xa }, at(3));
  assert.deepEqual(ids(index), ["t2", "x1"]);
  assert.equal(index.prepared.size, 0);
  assert.ok(index.ackMap.get(3)?.has(2), "the outcome acknowledges the prepare's file");

  index.apply({ ...add(Q, "r1"), tx: local } as KahaCommand, at());
  index.apply({ kind: "rollback", tx: local }, at());
  assert.deepEqual(ids(index), ["t2", "x1"]);
});

Deno.test("the index survives a round trip through db.data pages, segment by segment", async () => {
  const dir = await tempDir();
  try {
    const index = new StoreIndex();
    index.apply(subscribe("app:a", "prices.eu"), at(1));
    for (let i = 0; i < SEGMENT_SPAN * 3 + 10; i++) {
      index.apply(add(Q, `q${i}`, i % 10, i % 3 === 0), at(1 + (i >> 9)));
    }
    index.apply(add(T, "t1"), at(2));
    const xa = {
      xa: { formatId: 9, globalTransactionId: new Uint8Array([7]), branchQualifier: new Uint8Array([8]) },
    };
    index.apply({ ...add(Q, "xa-1"), tx: xa } as KahaCommand, at(3));
    index.apply({ kind: "prepare", tx: xa }, at(3));
    // Empty the first segment entirely: its pages are released.
    for (let i = 0; i < SEGMENT_SPAN; i++) {
      index.apply({ kind: "remove", destination: Q, messageId: `q${i}` }, at(4));
    }

    const log = logger("test");
    const persist: IndexPersistence = { catalogPages: [] };
    const pages = new PageFile(denoFs, { directory: dir, recoveryFile: true, diskSyncs: false }, log);
    pages.open();
    await writeIndex(pages, index, persist, { closing: false });
    await pages.close(true);

    const again = new StoreIndex();
    const pages2 = new PageFile(denoFs, { directory: dir, recoveryFile: true, diskSyncs: false }, log);
    pages2.open();
    const prepared = new Map(index.prepared);
    readIndex(pages2, again, { catalogPages: [] }, (l) => {
      for (const p of prepared.values()) {
        for (const op of p.ops) if (op.location.offset === l.offset) return op.cmd;
      }
      throw new Error("unexpected read");
    });
    await pages2.close(false);

    assert.deepEqual(ids(again), ids(index));
    const q1 = index.destinations.get("queue://orders")!;
    const q2 = again.destinations.get("queue://orders")!;
    assert.equal(q2.nextSeq, q1.nextSeq);
    assert.equal(q2.totalSize, q1.totalSize);
    assert.deepEqual([...q2.segments.keys()].sort(), [1, 2, 3]);
    assert.deepEqual(again.pendingOf("app:a"), ["t1"]);
    assert.equal(again.subscriptions.get("app:a")?.subscriptionName, "a");
    assert.deepEqual(
      [...again.fileRefs].map(([f, m]) => [f, [...m]]),
      [...index.fileRefs].map(([f, m]) => [f, [...m]]),
    );
    assert.deepEqual([...again.ackMap], [...index.ackMap]);
    assert.equal(again.prepared.size, 1);
    assert.deepEqual([...again.prepared.values()][0].xid.globalTransactionId, new Uint8Array([7]));
    assert.deepEqual(again.lastUpdate, index.lastUpdate);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
