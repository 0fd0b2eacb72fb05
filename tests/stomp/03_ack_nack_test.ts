/**
 * Acknowledgement modes (auto, client = cumulative, client-individual), ACK and
 * NACK in STOMP 1.1 and 1.2, redelivery of unacknowledged messages when a
 * connection closes, and NACK to the dead-letter queue.
 */
import assert from "node:assert/strict";
import { startTestBroker } from "../support/broker.ts";
import { type RawFrame, RawStomp } from "../support/raw_stomp.ts";
import { expectMessage, expectNothing, sendWithReceipt, subscribe } from "./_helpers.ts";

async function sendAll(port: number, destination: string, bodies: string[], headers = {}): Promise<void> {
  await using p = await RawStomp.connect(port);
  for (const body of bodies) await sendWithReceipt(p, "SEND", { destination, ...headers }, body);
}

async function receiveAll(c: RawStomp, bodies: string[]): Promise<RawFrame[]> {
  const out: RawFrame[] = [];
  for (const body of bodies) out.push(await expectMessage(c, body));
  return out;
}

Deno.test("ack:auto — messages are consumed as delivered; closing does not bring them back", async () => {
  await using b = await startTestBroker();
  {
    await using c = await RawStomp.connect(b.stompPort);
    await subscribe(c, "s", "/queue/auto");
    await sendAll(b.stompPort, "/queue/auto", ["a1", "a2"]);
    const [m] = await receiveAll(c, ["a1", "a2"]);
    assert.equal("ack" in m.headers, false, "auto mode has nothing to acknowledge");
  }
  await using d = await RawStomp.connect(b.stompPort);
  await subscribe(d, "s", "/queue/auto");
  await expectNothing(d);
  assert.equal(b.broker.service.queueSize("auto"), 0);
});

Deno.test("ack:client — ACK is cumulative; what follows is redelivered (redelivered:true) to another subscriber on close", async () => {
  await using b = await startTestBroker();
  await sendAll(b.stompPort, "/queue/client", ["c0", "c1", "c2", "c3"]);
  await using other = await RawStomp.connect(b.stompPort);
  {
    await using c = await RawStomp.connect(b.stompPort);
    await subscribe(c, "s", "/queue/client", { ack: "client" });
    const frames = await receiveAll(c, ["c0", "c1", "c2", "c3"]);
    assert.equal(frames[0].headers.subscription, "s");
    assert.ok(frames.every((f) => f.headers.ack !== undefined), "STOMP 1.2 MESSAGEs carry an ack id");
    assert.ok(frames.every((f) => !("redelivered" in f.headers)));
    // ACK of c1 covers c0 and c1.
    await sendWithReceipt(c, "ACK", { id: frames[1].headers.ack });
    // The second subscriber gets nothing while the first holds c2 and c3.
    await subscribe(other, "o", "/queue/client");
    await expectNothing(other, 100);
  }
  const again = await receiveAll(other, ["c2", "c3"]);
  for (const f of again) assert.equal(f.headers.redelivered, "true");
  await expectNothing(other, 100);
});

Deno.test("ack:client-individual — ACK covers only that message; the others are redelivered on close", async () => {
  await using b = await startTestBroker();
  await sendAll(b.stompPort, "/queue/indiv", ["i0", "i1", "i2"]);
  await using other = await RawStomp.connect(b.stompPort);
  {
    await using c = await RawStomp.connect(b.stompPort);
    await subscribe(c, "s", "/queue/indiv", { ack: "client-individual" });
    const frames = await receiveAll(c, ["i0", "i1", "i2"]);
    await sendWithReceipt(c, "ACK", { id: frames[1].headers.ack });
    await subscribe(other, "o", "/queue/indiv");
    await expectNothing(other, 100);
  }
  const again = await receiveAll(other, ["i0", "i2"]);
  for (const f of again) assert.equal(f.headers.redelivered, "true");
  await expectNothing(other, 100);
});

Deno.test("ack:client — an acked message is gone for good; a later subscriber gets nothing", async () => {
  await using b = await startTestBroker();
  await sendAll(b.stompPort, "/queue/done", ["d0", "d1"]);
  {
    await using c = await RawStomp.connect(b.stompPort);
    await subscribe(c, "s", "/queue/done", { ack: "client" });
    const frames = await receiveAll(c, ["d0", "d1"]);
    await sendWithReceipt(c, "ACK", { id: frames[1].headers.ack });
  }
  await using d = await RawStomp.connect(b.stompPort);
  await subscribe(d, "s", "/queue/done");
  await expectNothing(d);
  assert.equal(b.broker.service.queueSize("done"), 0);
});

Deno.test("STOMP 1.1: ACK by message-id and subscription; MESSAGE has no ack header", async () => {
  await using b = await startTestBroker();
  await sendAll(b.stompPort, "/queue/v11ack", ["x0", "x1"]);
  await using other = await RawStomp.connect(b.stompPort);
  {
    await using c = await RawStomp.connect(b.stompPort, { "accept-version": "1.1" });
    await subscribe(c, "s", "/queue/v11ack", { ack: "client-individual" });
    const frames = await receiveAll(c, ["x0", "x1"]);
    assert.equal("ack" in frames[0].headers, false, "the ack header is STOMP 1.2 only");
    await sendWithReceipt(c, "ACK", { "message-id": frames[0].headers["message-id"], subscription: "s" });
    await subscribe(other, "o", "/queue/v11ack");
  }
  assert.equal((await expectMessage(other, "x1")).headers.redelivered, "true");
  await expectNothing(other, 100);
});

Deno.test("an ACK for an unknown or already acked message is an ERROR; the connection stays usable", async () => {
  await using b = await startTestBroker();
  await sendAll(b.stompPort, "/queue/twice", ["t0"]);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/twice", { ack: "client-individual" });
  const m = await expectMessage(c, "t0");
  await sendWithReceipt(c, "ACK", { id: m.headers.ack });
  await c.send("ACK", { id: m.headers.ack, receipt: "again" });
  const f = await c.next();
  assert.equal(f.command, "ERROR");
  assert.equal(f.headers["receipt-id"], "again");
  assert.match(f.headers.message, /^Unexpected ACK received for message-id/);
  await c.send("NACK", { id: "no-such-ack", receipt: "nope" });
  const g = await c.next();
  assert.equal(g.command, "ERROR");
  assert.match(g.headers.message, /^Unexpected NACK received for message-id \[no-such-ack\]/);
  await sendWithReceipt(c, "SEND", { destination: "/queue/other" }, "still fine");
});

Deno.test("NACK of a persistent message moves it to ActiveMQ.DLQ with dlqDeliveryFailureCause", async () => {
  await using b = await startTestBroker();
  await sendAll(b.stompPort, "/queue/poison", ["bad"], { persistent: "true", color: "red" });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/poison", { ack: "client-individual" });
  const m = await expectMessage(c, "bad");
  await sendWithReceipt(c, "NACK", { id: m.headers.ack });
  assert.equal(b.broker.service.queueSize("poison"), 0);
  await subscribe(c, "dlq", "/queue/ActiveMQ.DLQ");
  const dead = await expectMessage(c, "bad");
  assert.equal(dead.headers.destination, "/queue/ActiveMQ.DLQ");
  assert.equal(dead.headers["original-destination"], "/queue/poison");
  assert.equal(dead.headers.persistent, "true");
  assert.equal(dead.headers.color, "red", "properties travel with the dead message");
  assert.equal(dead.headers["message-id"], m.headers["message-id"]);
  assert.match(dead.headers.dlqDeliveryFailureCause, /NACK/);
});

Deno.test("NACK of a non-persistent message drops it (ActiveMQ's default processNonPersistent=false)", async () => {
  await using b = await startTestBroker();
  await sendAll(b.stompPort, "/queue/np-poison", ["gone"]);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/np-poison", { ack: "client" });
  const m = await expectMessage(c, "gone");
  assert.equal("persistent" in m.headers, false);
  await sendWithReceipt(c, "NACK", { id: m.headers.ack });
  await subscribe(c, "dlq", "/queue/ActiveMQ.DLQ");
  await expectNothing(c);
  assert.equal(b.broker.service.queueSize("np-poison"), 0);
  assert.equal(b.broker.service.queueSize("ActiveMQ.DLQ"), 0);
});

Deno.test("NACK in ack:client mode refuses only that message, not the ones before it", async () => {
  await using b = await startTestBroker();
  await sendAll(b.stompPort, "/queue/nack-client", ["n0", "n1"], { persistent: "true" });
  await using dlq = await RawStomp.connect(b.stompPort);
  await subscribe(dlq, "dlq", "/queue/ActiveMQ.DLQ");
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/nack-client", { ack: "client" });
  const [m0, m1] = await receiveAll(c, ["n0", "n1"]);
  await sendWithReceipt(c, "NACK", { id: m1.headers.ack });
  await expectMessage(dlq, "n1");
  await expectNothing(dlq, 100);
  // n0 is still unacknowledged and can be acked normally.
  await sendWithReceipt(c, "ACK", { id: m0.headers.ack });
  assert.equal(b.broker.service.queueSize("nack-client"), 0);
});

Deno.test("STOMP 1.1 NACK by message-id and subscription", async () => {
  await using b = await startTestBroker();
  await sendAll(b.stompPort, "/queue/nack11", ["p"], { persistent: "true" });
  await using c = await RawStomp.connect(b.stompPort, { "accept-version": "1.1" });
  await subscribe(c, "s", "/queue/nack11", { ack: "client-individual" });
  const m = await expectMessage(c, "p");
  await sendWithReceipt(c, "NACK", { "message-id": m.headers["message-id"], subscription: "s" });
  await subscribe(c, "dlq", "/queue/ActiveMQ.DLQ");
  await expectMessage(c, "p");
});
