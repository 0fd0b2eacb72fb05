/**
 * BEGIN / COMMIT / ABORT: transacted sends and acknowledgements, and what an
 * abort or a dropped connection does to them.
 */
import assert from "node:assert/strict";
import { startTestBroker } from "../support/broker.ts";
import { type RawFrame, RawStomp } from "../support/raw_stomp.ts";
import { expectMessage, expectNothing, sendWithReceipt, subscribe } from "./_helpers.ts";

/** ABORT with a receipt on a connection that gets the redeliveries: RECEIPT and MESSAGEs in any order. */
async function abortAndRedeliver(c: RawStomp, transaction: string, bodies: string[]): Promise<RawFrame[]> {
  await c.send("ABORT", { transaction, receipt: `abort-${transaction}` });
  const frames = [];
  for (let i = 0; i <= bodies.length; i++) frames.push(await c.next());
  const receipts = frames.filter((f) => f.command === "RECEIPT");
  assert.deepEqual(receipts.map((f) => f.headers["receipt-id"]), [`abort-${transaction}`]);
  const messages = frames.filter((f) => f.command === "MESSAGE");
  assert.deepEqual(messages.map((f) => f.body), bodies);
  return messages;
}

Deno.test("transacted sends are invisible until COMMIT, then delivered in order", async () => {
  await using b = await startTestBroker();
  await using consumer = await RawStomp.connect(b.stompPort);
  await subscribe(consumer, "s", "/queue/tx");
  await using c = await RawStomp.connect(b.stompPort);
  await sendWithReceipt(c, "BEGIN", { transaction: "t1" });
  await sendWithReceipt(c, "SEND", { destination: "/queue/tx", transaction: "t1" }, "one");
  await sendWithReceipt(c, "SEND", { destination: "/queue/tx", transaction: "t1" }, "two");
  await expectNothing(consumer);
  assert.equal(b.broker.service.queueSize("tx"), 0);
  await sendWithReceipt(c, "COMMIT", { transaction: "t1" });
  await expectMessage(consumer, "one");
  await expectMessage(consumer, "two");
});

Deno.test("ABORT discards the transaction's sends; sends outside it go through", async () => {
  await using b = await startTestBroker();
  await using consumer = await RawStomp.connect(b.stompPort);
  await subscribe(consumer, "s", "/queue/abort");
  await using c = await RawStomp.connect(b.stompPort);
  await sendWithReceipt(c, "BEGIN", { transaction: "t" });
  await sendWithReceipt(c, "SEND", { destination: "/queue/abort", transaction: "t" }, "discarded");
  await sendWithReceipt(c, "SEND", { destination: "/queue/abort" }, "outside");
  await expectMessage(consumer, "outside");
  await sendWithReceipt(c, "ABORT", { transaction: "t" });
  await expectNothing(consumer);
  assert.equal(b.broker.service.queueSize("abort"), 0);
});

Deno.test("a transaction id can be reused once it has ended", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/topic/reuse");
  await sendWithReceipt(c, "BEGIN", { transaction: "t" });
  await sendWithReceipt(c, "ABORT", { transaction: "t" });
  await sendWithReceipt(c, "BEGIN", { transaction: "t" });
  await c.send("SEND", { destination: "/topic/reuse", transaction: "t" }, "second life");
  await c.send("COMMIT", { transaction: "t" });
  await expectMessage(c, "second life");
});

Deno.test("acks in an aborted transaction are undone: the message comes back with redelivered:true", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await sendWithReceipt(c, "SEND", { destination: "/queue/txack" }, "work");
  await subscribe(c, "s", "/queue/txack", { ack: "client" });
  const m = await expectMessage(c, "work");
  assert.equal("redelivered" in m.headers, false);
  await sendWithReceipt(c, "BEGIN", { transaction: "t1" });
  await sendWithReceipt(c, "ACK", { id: m.headers.ack, transaction: "t1" });
  // The redelivery may overtake the RECEIPT: the broker dispatches while it rolls back.
  const [again] = await abortAndRedeliver(c, "t1", ["work"]);
  assert.equal(again.headers.redelivered, "true");
  assert.equal(again.headers["message-id"], m.headers["message-id"]);
  // Acked in a committed transaction it is gone for good.
  await sendWithReceipt(c, "BEGIN", { transaction: "t2" });
  await sendWithReceipt(c, "ACK", { id: again.headers.ack, transaction: "t2" });
  await sendWithReceipt(c, "COMMIT", { transaction: "t2" });
  assert.equal(b.broker.service.queueSize("txack"), 0);
  await sendWithReceipt(c, "UNSUBSCRIBE", { id: "s" });
  await subscribe(c, "s2", "/queue/txack");
  await expectNothing(c);
});

Deno.test("abort raises the delivery count: a JMSXDeliveryCount = 2 subscriber gets the redelivery", async () => {
  await using b = await startTestBroker();
  await using second = await RawStomp.connect(b.stompPort);
  await subscribe(second, "dc2", "/queue/dc", { selector: "JMSXDeliveryCount = 2" });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/dc", { ack: "client-individual" });
  await sendWithReceipt(second, "SEND", { destination: "/queue/dc" }, "counted");
  const m = await expectMessage(c, "counted");
  await sendWithReceipt(c, "BEGIN", { transaction: "t" });
  await sendWithReceipt(c, "ACK", { id: m.headers.ack, transaction: "t" });
  // The first subscriber leaves while its ack is pending in the transaction.
  await sendWithReceipt(c, "UNSUBSCRIBE", { id: "s" });
  await expectNothing(second, 100);
  await sendWithReceipt(c, "ABORT", { transaction: "t" });
  const again = await expectMessage(second, "counted");
  assert.equal(again.headers.redelivered, "true");
  assert.equal(again.headers.subscription, "dc2");
});

Deno.test("transacted ACK in client mode is cumulative and final at COMMIT", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  for (const body of ["a", "b", "c"]) {
    await sendWithReceipt(c, "SEND", { destination: "/queue/txcum" }, body);
  }
  await subscribe(c, "s", "/queue/txcum", { ack: "client" });
  await expectMessage(c, "a");
  const mb = await expectMessage(c, "b");
  await expectMessage(c, "c");
  await sendWithReceipt(c, "BEGIN", { transaction: "t" });
  await sendWithReceipt(c, "ACK", { id: mb.headers.ack, transaction: "t" });
  await sendWithReceipt(c, "COMMIT", { transaction: "t" });
  assert.equal(b.broker.service.queueSize("txcum"), 0);
  await c.close();
  // Only "c" was left unacknowledged.
  await using d = await RawStomp.connect(b.stompPort);
  await subscribe(d, "s", "/queue/txcum");
  assert.equal((await expectMessage(d, "c")).headers.redelivered, "true");
  await expectNothing(d, 100);
});

Deno.test("a transacted NACK that is aborted leaves the message alive, not dead-lettered", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await sendWithReceipt(c, "SEND", { destination: "/queue/txnack", persistent: "true" }, "maybe");
  await subscribe(c, "s", "/queue/txnack", { ack: "client-individual" });
  const m = await expectMessage(c, "maybe");
  await sendWithReceipt(c, "BEGIN", { transaction: "t" });
  await sendWithReceipt(c, "NACK", { id: m.headers.ack, transaction: "t" });
  assert.equal(b.broker.service.queueSize("ActiveMQ.DLQ"), 0);
  const [again] = await abortAndRedeliver(c, "t", ["maybe"]);
  assert.equal(again.headers.redelivered, "true");
  assert.equal(b.broker.service.queueSize("ActiveMQ.DLQ"), 0);
});

Deno.test("unknown or duplicate transaction ids get an ERROR; the connection stays usable", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await c.send("COMMIT", { transaction: "nope", receipt: "r1" });
  let f = await c.next();
  assert.equal(f.command, "ERROR");
  assert.equal(f.headers["receipt-id"], "r1");
  assert.equal(f.headers.message, "Invalid transaction id: nope");
  await c.send("SEND", { destination: "/queue/notx", transaction: "nope", receipt: "r2" }, "x");
  f = await c.next();
  assert.equal(f.command, "ERROR");
  assert.equal(f.headers.message, "Invalid transaction id: nope");
  await sendWithReceipt(c, "BEGIN", { transaction: "t" });
  await c.send("BEGIN", { transaction: "t", receipt: "r3" });
  f = await c.next();
  assert.equal(f.command, "ERROR");
  assert.match(f.headers.message, /already started/);
  await c.send("ABORT", { transaction: "nope", receipt: "r4" });
  f = await c.next();
  assert.equal(f.command, "ERROR");
  assert.equal(b.broker.service.queueSize("notx"), 0);
  await sendWithReceipt(c, "COMMIT", { transaction: "t" });
});

Deno.test("an open transaction is rolled back when the connection drops", async () => {
  await using b = await startTestBroker();
  await using consumer = await RawStomp.connect(b.stompPort);
  await subscribe(consumer, "s", "/queue/orphan");
  {
    await using c = await RawStomp.connect(b.stompPort);
    await sendWithReceipt(c, "BEGIN", { transaction: "t" });
    await sendWithReceipt(c, "SEND", { destination: "/queue/orphan", transaction: "t" }, "never");
  }
  // A message sent after the drop proves the broker has moved on; the orphan never shows.
  await using p = await RawStomp.connect(b.stompPort);
  await sendWithReceipt(p, "SEND", { destination: "/queue/orphan" }, "later");
  await expectMessage(consumer, "later");
  await expectNothing(consumer, 100);
});
