/**
 * Limits: `wireFormat.maxFrameSize`, `maximumConnections` and the consumer
 * prefetch (`activemq.prefetchSize`).
 */
import assert from "node:assert/strict";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import {
  expectErrorThenClose,
  expectMessage,
  expectNothing,
  sendWithReceipt,
  subscribe,
} from "./_helpers.ts";

const MAX_FRAME = "wireFormat.maxFrameSize=1024";

/** A connection that still exchanges messages: proof that the broker carries on. */
async function assertBrokerWorks(port: number, queue: string): Promise<void> {
  await using c = await RawStomp.connect(port);
  await subscribe(c, "check", `/queue/${queue}`);
  await c.send("SEND", { destination: `/queue/${queue}` }, "alive");
  await expectMessage(c, "alive");
}

Deno.test("maxFrameSize: a frame within the limit is accepted", async () => {
  await using b = await startTestBroker({ stompOptions: MAX_FRAME });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/fits");
  const body = "x".repeat(900);
  await c.send("SEND", { destination: "/queue/fits" }, body);
  await expectMessage(c, body);
});

Deno.test("maxFrameSize: an oversized body gets ERROR and close; the broker carries on", async () => {
  await using b = await startTestBroker({ stompOptions: MAX_FRAME });
  await using c = await RawStomp.connect(b.stompPort);
  await c.send("SEND", { destination: "/queue/too-big" }, "x".repeat(2000));
  await expectErrorThenClose(c, /maxFrameSize 1024/);
  assert.equal(b.broker.service.queueSize("too-big"), 0);
  await assertBrokerWorks(b.stompPort, "after-big-body");
});

Deno.test("maxFrameSize: a content-length beyond the limit is refused before the body arrives", async () => {
  await using b = await startTestBroker({ stompOptions: MAX_FRAME });
  await using c = await RawStomp.connect(b.stompPort);
  // Only the head is sent: the declared length alone must trigger the ERROR.
  await c.write("SEND\ndestination:/queue/declared\ncontent-length:1000000\n\n");
  await expectErrorThenClose(c, /maxFrameSize 1024/);
  await assertBrokerWorks(b.stompPort, "after-declared");
});

Deno.test("maxFrameSize: oversized headers get ERROR and close, also before CONNECT", async () => {
  await using b = await startTestBroker({ stompOptions: MAX_FRAME });
  await using c = await RawStomp.connect(b.stompPort);
  await c.write(`SEND\ndestination:/queue/h\nbig:${"h".repeat(2000)}\n\nx\0`);
  await expectErrorThenClose(c, /maxFrameSize 1024/);
  await using d = await RawStomp.open(b.stompPort);
  await d.write(`CONNECT\naccept-version:1.2\nhost:${"h".repeat(2000)}\n\n\0`);
  await expectErrorThenClose(d, /maxFrameSize 1024/);
  await assertBrokerWorks(b.stompPort, "after-big-headers");
});

Deno.test("maximumConnections=2: a third connection is closed; once one leaves a new one is accepted", async () => {
  await using b = await startTestBroker({ stompOptions: "maximumConnections=2" });
  await using first = await RawStomp.connect(b.stompPort);
  await using second = await RawStomp.connect(b.stompPort);
  {
    await using third = await RawStomp.open(b.stompPort);
    assert.equal(await third.waitClosed(5000), true, "the broker closes the connection over the limit");
    assert.deepEqual(await third.collectFor(0), [], "without a CONNECTED or any other frame");
  }
  // The two connections are unaffected.
  await subscribe(second, "s", "/queue/limited");
  await first.send("SEND", { destination: "/queue/limited" }, "fine");
  await expectMessage(second, "fine");

  await sendWithReceipt(first, "DISCONNECT");
  assert.equal(await first.waitClosed(), true);
  await using fourth = await RawStomp.connect(b.stompPort);
  await fourth.send("SEND", { destination: "/queue/limited" }, "room again");
  await expectMessage(second, "room again");
});

Deno.test("activemq.prefetchSize=2: a client-ack subscriber gets exactly 2 until it acks", async () => {
  await using b = await startTestBroker();
  await using p = await RawStomp.connect(b.stompPort);
  for (let i = 0; i < 5; i++) await sendWithReceipt(p, "SEND", { destination: "/queue/prefetch" }, `m${i}`);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/prefetch", { ack: "client", "activemq.prefetchSize": "2" });
  await expectMessage(c, "m0");
  const m1 = await expectMessage(c, "m1");
  await expectNothing(c);
  // A cumulative ACK of m1 frees both slots (no receipt: the next MESSAGE may overtake it).
  await c.send("ACK", { id: m1.headers.ack });
  await expectMessage(c, "m2");
  const m3 = await expectMessage(c, "m3");
  await expectNothing(c);
  await c.send("ACK", { id: m3.headers.ack });
  await expectMessage(c, "m4");
  await expectNothing(c, 100);
});

Deno.test("activemq.prefetchSize=2 with client-individual: each ACK frees exactly one slot", async () => {
  await using b = await startTestBroker();
  await using p = await RawStomp.connect(b.stompPort);
  for (let i = 0; i < 4; i++) await sendWithReceipt(p, "SEND", { destination: "/queue/prefetch-i" }, `m${i}`);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/prefetch-i", { ack: "client-individual", "activemq.prefetchSize": "2" });
  const m0 = await expectMessage(c, "m0");
  await expectMessage(c, "m1");
  await expectNothing(c);
  await c.send("ACK", { id: m0.headers.ack });
  await expectMessage(c, "m2");
  await expectNothing(c);
});

Deno.test("prefetch is per subscriber: what one holds back goes to another", async () => {
  await using b = await startTestBroker();
  await using p = await RawStomp.connect(b.stompPort);
  for (let i = 0; i < 3; i++) {
    await sendWithReceipt(p, "SEND", { destination: "/queue/prefetch-share" }, `m${i}`);
  }
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/prefetch-share", { ack: "client", "activemq.prefetchSize": "1" });
  await expectMessage(c, "m0");
  await using d = await RawStomp.connect(b.stompPort);
  await subscribe(d, "s", "/queue/prefetch-share");
  await expectMessage(d, "m1");
  await expectMessage(d, "m2");
  await expectNothing(c, 100);
});

Deno.test("an invalid activemq.prefetchSize gets ERROR, then close", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await c.send("SUBSCRIBE", { id: "s", destination: "/queue/x", "activemq.prefetchSize": "-1" });
  await expectErrorThenClose(c, /activemq\.prefetchSize/);
});
