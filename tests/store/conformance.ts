/**
 * The behaviour every PersistenceAdapter must have. Each store's test file
 * calls `storeConformance` with a fixture that can reopen the same store (a new
 * instance on the same directory, or the same instance for the memory store).
 */
import assert from "node:assert/strict";
import type { Destination } from "../../src/message/destination.ts";
import type { Message } from "../../src/message/message.ts";
import type { PersistenceAdapter, XaTransactionId } from "../../src/store/persistence_adapter.ts";

export interface StoreFixture {
  /** The store as a fresh process would open it. */
  open(): PersistenceAdapter;
  cleanup(): Promise<void>;
}

const Q: Destination = { type: "queue", name: "orders" };
const T: Destination = { type: "topic", name: "prices" };
const DLQ: Destination = { type: "queue", name: "ActiveMQ.DLQ" };
const SUB_A = { clientId: "app", subscriptionName: "a" };
const SUB_B = { clientId: "app", subscriptionName: "b" };

let seq = 0;
export function storeMessage(destination: Destination, text: string, extra: Partial<Message> = {}): Message {
  return {
    messageId: `ID:conformance-1-0:1:1:1:${++seq}`,
    destination,
    priority: 4,
    expiration: 0,
    timestamp: 1_700_000_000_000 + seq,
    persistent: true,
    redeliveryCounter: 0,
    properties: {},
    bodyKind: "text",
    body: new TextEncoder().encode(text),
    ...extra,
  };
}

function texts(messages: Message[]): string[] {
  return messages.map((m) => new TextDecoder().decode(m.body ?? new Uint8Array()));
}

async function restart(fixture: StoreFixture, store: PersistenceAdapter) {
  await store.stop();
  const again = fixture.open();
  return { store: again, state: await again.start() };
}

export function storeConformance(name: string, makeFixture: () => Promise<StoreFixture>): void {
  const test = (title: string, fn: (fixture: StoreFixture) => Promise<void>) =>
    Deno.test(`${name} store: ${title}`, async () => {
      const fixture = await makeFixture();
      try {
        await fn(fixture);
      } finally {
        await fixture.cleanup();
      }
    });

  test("queue messages survive a restart in order, every field intact", async (fixture) => {
    const store = fixture.open();
    await store.start();
    const rich = storeMessage(Q, "rich", {
      correlationId: "corr-1",
      type: "order",
      priority: 7,
      expiration: 4_000_000_000_000,
      replyTo: { type: "queue", name: "replies" },
      groupId: "g1",
      groupSeq: 3,
      properties: { s: "text", i: 42, d: 1.5, b: true, l: 9_007_199_254_740_993n },
      propertyTypes: { i: "int", d: "double", l: "long" },
    });
    const bytes = storeMessage(Q, "", { bodyKind: "bytes", body: new Uint8Array([0, 1, 2, 255, 0]) });
    await store.write([{ op: "add", destination: Q, message: storeMessage(Q, "first") }], { sync: true });
    await store.write([{ op: "add", destination: Q, message: rich }, {
      op: "add",
      destination: Q,
      message: bytes,
    }]);
    const { store: again, state } = await restart(fixture, store);
    try {
      const q = state.destinations.find((d) => d.destination.name === "orders");
      assert.ok(q);
      assert.deepEqual(texts(q.messages).slice(0, 2), ["first", "rich"]);
      const r = q.messages[1];
      assert.equal(r.messageId, rich.messageId);
      assert.equal(r.correlationId, "corr-1");
      assert.equal(r.type, "order");
      assert.equal(r.priority, 7);
      assert.equal(r.expiration, 4_000_000_000_000);
      assert.deepEqual(r.replyTo, { type: "queue", name: "replies" });
      assert.equal(r.groupId, "g1");
      assert.equal(r.groupSeq, 3);
      assert.equal(r.persistent, true);
      assert.equal(r.properties.s, "text");
      assert.equal(r.properties.i, 42);
      assert.equal(r.properties.d, 1.5);
      assert.equal(r.properties.b, true);
      assert.equal(r.properties.l, 9_007_199_254_740_993n);
      assert.equal(q.messages[2].bodyKind, "bytes");
      assert.deepEqual(q.messages[2].body, new Uint8Array([0, 1, 2, 255, 0]));
    } finally {
      await again.stop();
    }
  });

  test("a removed queue message is not recovered", async (fixture) => {
    const store = fixture.open();
    await store.start();
    const a = storeMessage(Q, "a");
    const b = storeMessage(Q, "b");
    await store.write([{ op: "add", destination: Q, message: a }, { op: "add", destination: Q, message: b }]);
    await store.write([{ op: "remove", destination: Q, messageId: a.messageId }], { sync: true });
    const { store: again, state } = await restart(fixture, store);
    try {
      const q = state.destinations.find((d) => d.destination.name === "orders");
      assert.deepEqual(texts(q?.messages ?? []), ["b"]);
      assert.equal((await again.stats()).messages["queue://orders"], 1);
    } finally {
      await again.stop();
    }
  });

  test("a batch is applied as a whole: dead-letter move", async (fixture) => {
    const store = fixture.open();
    await store.start();
    const m = storeMessage(Q, "poison");
    await store.write([{ op: "add", destination: Q, message: m }]);
    await store.write([
      { op: "add", destination: DLQ, message: { ...m, destination: DLQ, originalDestination: Q } },
      { op: "remove", destination: Q, messageId: m.messageId },
    ], { sync: true });
    const { store: again, state } = await restart(fixture, store);
    try {
      assert.equal(state.destinations.find((d) => d.destination.name === "orders")?.messages.length ?? 0, 0);
      const dlq = state.destinations.find((d) => d.destination.name === "ActiveMQ.DLQ");
      assert.deepEqual(texts(dlq?.messages ?? []), ["poison"]);
      assert.deepEqual(dlq?.messages[0].originalDestination, Q);
    } finally {
      await again.stop();
    }
  });

  test("durable subscriptions keep their own pending messages across restarts", async (fixture) => {
    const store = fixture.open();
    await store.start();
    await store.write([
      { op: "subscribe", subscription: { ...SUB_A, destination: T, selector: "x > 1", noLocal: true } },
      { op: "subscribe", subscription: { ...SUB_B, destination: T } },
    ]);
    const m1 = storeMessage(T, "m1");
    const m2 = storeMessage(T, "m2");
    await store.write([{ op: "add", destination: T, message: m1, subscriptions: [SUB_A, SUB_B] }]);
    await store.write([{ op: "add", destination: T, message: m2, subscriptions: [SUB_B] }]);
    await store.write([{ op: "ack", destination: T, subscription: SUB_A, messageId: m1.messageId }], {
      sync: true,
    });
    let { store: again, state } = await restart(fixture, store);
    try {
      const a = state.subscriptions.find((s) => s.subscriptionName === "a");
      const b = state.subscriptions.find((s) => s.subscriptionName === "b");
      assert.equal(a?.selector, "x > 1");
      assert.equal(a?.noLocal, true);
      assert.deepEqual(a?.destination, T);
      assert.deepEqual(a?.pending, []);
      assert.deepEqual(b?.pending, [m1.messageId, m2.messageId]);
      const topic = state.destinations.find((d) => d.destination.name === "prices");
      assert.deepEqual(texts(topic?.messages ?? []), ["m1", "m2"]);

      await again.write([{ op: "ack", destination: T, subscription: SUB_B, messageId: m1.messageId }]);
      await again.write([{ op: "unsubscribe", subscription: SUB_A }], { sync: true });
      ({ store: again, state } = await restart(fixture, again));
      assert.deepEqual(state.subscriptions.map((s) => s.subscriptionName), ["b"]);
      assert.deepEqual(state.subscriptions[0].pending, [m2.messageId]);
      const topicAfter = state.destinations.find((d) => d.destination.name === "prices");
      assert.deepEqual(texts(topicAfter?.messages ?? []), ["m2"], "a message no subscription holds is gone");
    } finally {
      await again.stop();
    }
  });

  test("a wildcard durable subscription keeps its backlog from every matching topic", async (fixture) => {
    const store = fixture.open();
    await store.start();
    const pattern: Destination = { type: "topic", name: "prices.>" };
    const eu: Destination = { type: "topic", name: "prices.eu" };
    const us: Destination = { type: "topic", name: "prices.us" };
    await store.write([{ op: "subscribe", subscription: { ...SUB_A, destination: pattern } }]);
    const m1 = storeMessage(eu, "eu-1");
    const m2 = storeMessage(us, "us-1");
    const m3 = storeMessage(eu, "eu-2");
    for (const [d, m] of [[eu, m1], [us, m2], [eu, m3]] as const) {
      await store.write([{ op: "add", destination: d, message: m, subscriptions: [SUB_A] }]);
    }
    const { store: again, state } = await restart(fixture, store);
    try {
      // Every message, in order within each topic (JMS orders per destination, not across them).
      const pending = state.subscriptions[0].pending;
      assert.deepEqual([...pending].sort(), [m1.messageId, m2.messageId, m3.messageId].sort());
      assert.ok(pending.indexOf(m1.messageId) < pending.indexOf(m3.messageId));
    } finally {
      await again.stop();
    }
  });

  test("a topic message that no durable subscription needs is not kept", async (fixture) => {
    const store = fixture.open();
    await store.start();
    await store.write([{ op: "add", destination: T, message: storeMessage(T, "nobody"), subscriptions: [] }]);
    const { store: again, state } = await restart(fixture, store);
    try {
      assert.equal(state.destinations.find((d) => d.destination.name === "prices")?.messages.length ?? 0, 0);
    } finally {
      await again.stop();
    }
  });

  test("prepared XA transactions survive a restart and then commit or roll back", async (fixture) => {
    const store = fixture.open();
    await store.start();
    const xid1: XaTransactionId = {
      formatId: 1,
      globalTransactionId: new Uint8Array([1, 2]),
      branchQualifier: new Uint8Array([3]),
    };
    const xid2: XaTransactionId = {
      formatId: 1,
      globalTransactionId: new Uint8Array([9]),
      branchQualifier: new Uint8Array([9]),
    };
    await store.prepare(xid1, [{ op: "add", destination: Q, message: storeMessage(Q, "xa-commit") }]);
    await store.prepare(xid2, [{ op: "add", destination: Q, message: storeMessage(Q, "xa-rollback") }]);
    let { store: again, state } = await restart(fixture, store);
    try {
      assert.equal(state.prepared.length, 2);
      assert.equal(state.destinations.find((d) => d.destination.name === "orders")?.messages.length ?? 0, 0);
      const p1 = state.prepared.find((p) => p.xid.globalTransactionId[0] === 1);
      assert.ok(p1);
      assert.deepEqual(p1.xid.branchQualifier, new Uint8Array([3]));
      assert.equal(p1.operations.length, 1);
      await again.commitPrepared(xid1);
      await again.rollbackPrepared(xid2);
      await assert.rejects(again.commitPrepared(xid2));
      ({ store: again, state } = await restart(fixture, again));
      assert.equal(state.prepared.length, 0);
      const q = state.destinations.find((d) => d.destination.name === "orders");
      assert.deepEqual(texts(q?.messages ?? []), ["xa-commit"]);
    } finally {
      await again.stop();
    }
  });

  test("removeDestination drops everything in it", async (fixture) => {
    const store = fixture.open();
    await store.start();
    await store.write([{ op: "add", destination: Q, message: storeMessage(Q, "x") }]);
    await store.write([{ op: "removeDestination", destination: Q }], { sync: true });
    const { store: again, state } = await restart(fixture, store);
    try {
      assert.equal(state.destinations.find((d) => d.destination.name === "orders")?.messages.length ?? 0, 0);
    } finally {
      await again.stop();
    }
  });

  test("10,000 messages keep their order", async (fixture) => {
    const store = fixture.open();
    await store.start();
    const ops = Array.from(
      { length: 10_000 },
      (_, i) => ({ op: "add" as const, destination: Q, message: storeMessage(Q, String(i)) }),
    );
    for (let i = 0; i < ops.length; i += 500) await store.write(ops.slice(i, i + 500));
    const { store: again, state } = await restart(fixture, store);
    try {
      const q = state.destinations.find((d) => d.destination.name === "orders");
      assert.deepEqual(texts(q?.messages ?? []), ops.map((_, i) => String(i)));
    } finally {
      await again.stop();
    }
  });
}
