/**
 * SEND, SUBSCRIBE, UNSUBSCRIBE: the MESSAGE frame, receipts, bodies (text and
 * content-length with NULs), selectors, and the errors a bad frame gets.
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

Deno.test("SEND → MESSAGE with exactly ActiveMQ's header set for a plain text message", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "sub-1", "/queue/basic");
  const before = Date.now();
  await c.send("SEND", { destination: "/queue/basic" }, "hello");
  const m = await expectMessage(c, "hello");
  assert.deepEqual(Object.keys(m.headers).sort(), [
    "destination",
    "expires",
    "message-id",
    "priority",
    "subscription",
    "timestamp",
  ]);
  assert.equal(m.headers.destination, "/queue/basic");
  assert.equal(m.headers.subscription, "sub-1");
  assert.equal(m.headers.expires, "0");
  assert.equal(m.headers.priority, "4");
  assert.match(m.headers["message-id"], /^ID:/);
  const ts = Number(m.headers.timestamp);
  assert.ok(ts >= before && ts <= Date.now(), `timestamp ${ts} is the send time`);
  // The broker ends every frame with NUL and a newline (observed on ActiveMQ).
  assert.ok(c.transcript.endsWith("hello\0\n"));
});

Deno.test("every message gets its own message-id", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/ids");
  for (let i = 0; i < 3; i++) await c.send("SEND", { destination: "/queue/ids" }, `m${i}`);
  const ids = new Set<string>();
  for (let i = 0; i < 3; i++) ids.add((await expectMessage(c, `m${i}`)).headers["message-id"]);
  assert.equal(ids.size, 3);
});

Deno.test("a UTF-8 text body round trips", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/utf8");
  const text = "grüße, 世界, 🚀";
  await c.send("SEND", { destination: "/queue/utf8" }, text);
  const m = await expectMessage(c, text);
  assert.equal("content-length" in m.headers, false, "a text message without NUL needs no content-length");
});

Deno.test("content-length: a body with NULs and every byte value round trips byte-exact", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/binary");
  const body = new Uint8Array(512);
  for (let i = 0; i < body.length; i++) body[i] = i % 256;
  body[0] = 0;
  body[511] = 0;
  await c.send("SEND", { destination: "/queue/binary", "content-length": String(body.length) }, body);
  const m = await c.next();
  assert.equal(m.command, "MESSAGE");
  assert.equal(m.headers["content-length"], "512");
  assert.deepEqual(m.bytes, body);
  // A zero-length body with content-length:0 is a message too.
  await c.send("SEND", { destination: "/queue/binary", "content-length": "0" }, "");
  const empty = await c.next();
  assert.equal(empty.command, "MESSAGE");
  assert.equal(empty.headers["content-length"], "0");
  assert.equal(empty.bytes.length, 0);
});

Deno.test("SUBSCRIBE with a receipt: the RECEIPT comes before messages already waiting", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  for (let i = 0; i < 3; i++) {
    await sendWithReceipt(c, "SEND", { destination: "/queue/waiting" }, `w${i}`);
  }
  await c.send("SUBSCRIBE", { id: "s", destination: "/queue/waiting", receipt: "sub-r" });
  const first = await c.next();
  assert.equal(first.command, "RECEIPT");
  assert.equal(first.headers["receipt-id"], "sub-r");
  for (let i = 0; i < 3; i++) await expectMessage(c, `w${i}`);
});

Deno.test("UNSUBSCRIBE with a receipt stops delivery; later messages stay on the queue", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/unsub");
  await c.send("SEND", { destination: "/queue/unsub" }, "before");
  await expectMessage(c, "before");
  await sendWithReceipt(c, "UNSUBSCRIBE", { id: "s" });
  await sendWithReceipt(c, "SEND", { destination: "/queue/unsub" }, "after");
  await expectNothing(c);
  assert.equal(b.broker.service.queueSize("unsub"), 1);
});

Deno.test("UNSUBSCRIBE of an unknown id is an ERROR; the connection stays usable", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await c.send("UNSUBSCRIBE", { id: "nope", receipt: "u" });
  const f = await c.next();
  assert.equal(f.command, "ERROR");
  assert.equal(f.headers["receipt-id"], "u");
  assert.match(f.headers.message, /No subscription matched/);
  await sendWithReceipt(c, "SEND", { destination: "/queue/still" }, "ok");
});

Deno.test("queue: competing subscribers each get every message once, in turn", async () => {
  await using b = await startTestBroker();
  await using c1 = await RawStomp.connect(b.stompPort);
  await using c2 = await RawStomp.connect(b.stompPort);
  await subscribe(c1, "a", "/queue/work");
  await subscribe(c2, "b", "/queue/work");
  await using p = await RawStomp.connect(b.stompPort);
  for (let i = 0; i < 4; i++) await p.send("SEND", { destination: "/queue/work" }, `job${i}`);
  const got1 = [(await c1.next()).body, (await c1.next()).body];
  const got2 = [(await c2.next()).body, (await c2.next()).body];
  assert.deepEqual([...got1, ...got2].sort(), ["job0", "job1", "job2", "job3"]);
  await expectNothing(c1, 100);
  await expectNothing(c2, 100);
});

Deno.test("topic: every subscriber gets every message; nobody subscribed means nothing is kept", async () => {
  await using b = await startTestBroker();
  await using c1 = await RawStomp.connect(b.stompPort);
  await using c2 = await RawStomp.connect(b.stompPort);
  await using p = await RawStomp.connect(b.stompPort);
  await sendWithReceipt(p, "SEND", { destination: "/topic/news" }, "missed");
  await subscribe(c1, "a", "/topic/news");
  await subscribe(c2, "b", "/topic/news");
  await p.send("SEND", { destination: "/topic/news" }, "headline");
  assert.equal((await expectMessage(c1, "headline")).headers.destination, "/topic/news");
  await expectMessage(c2, "headline");
  await expectNothing(c1, 100);
});

Deno.test("selector: only matching messages are delivered; the others wait for another consumer", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "red", "/queue/paint", { selector: "color = 'red'" });
  await c.send("SEND", { destination: "/queue/paint", color: "blue" }, "blue one");
  await c.send("SEND", { destination: "/queue/paint", color: "red" }, "red one");
  await expectMessage(c, "red one");
  await expectNothing(c, 100);
  await subscribe(c, "any", "/queue/paint");
  await expectMessage(c, "blue one");
});

Deno.test("selector: numeric comparisons work against STOMP headers, which are strings", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "big", "/queue/sizes", { selector: "size > 10 AND weight <= 2.5" });
  await c.send("SEND", { destination: "/queue/sizes", size: "9", weight: "1" }, "small");
  await c.send("SEND", { destination: "/queue/sizes", size: "11", weight: "3" }, "heavy");
  await c.send("SEND", { destination: "/queue/sizes", size: "100", weight: "2.5" }, "big");
  await c.send("SEND", { destination: "/queue/sizes", size: "abc", weight: "1" }, "not a number");
  await expectMessage(c, "big");
  await expectNothing(c, 100);
});

Deno.test("selector on JMS headers: JMSPriority, JMSType, JMSCorrelationID", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/topic/jms", {
    selector: "JMSPriority > 6 AND JMSType = 'alert' AND JMSCorrelationID LIKE 'c-%'",
  });
  await c.send(
    "SEND",
    { destination: "/topic/jms", priority: "9", type: "info", "correlation-id": "c-1" },
    "no",
  );
  await c.send(
    "SEND",
    { destination: "/topic/jms", priority: "5", type: "alert", "correlation-id": "c-2" },
    "no",
  );
  await c.send(
    "SEND",
    { destination: "/topic/jms", priority: "9", type: "alert", "correlation-id": "x" },
    "no",
  );
  await c.send(
    "SEND",
    { destination: "/topic/jms", priority: "9", type: "alert", "correlation-id": "c-3" },
    "yes",
  );
  await expectMessage(c, "yes");
  await expectNothing(c, 100);
});

Deno.test("invalid selector: ERROR naming the selector; the connection stays usable", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await c.send("SUBSCRIBE", { id: "bad", destination: "/queue/sel", selector: "color =", receipt: "r-bad" });
  const f = await c.next();
  assert.equal(f.command, "ERROR");
  assert.equal(f.headers["receipt-id"], "r-bad");
  assert.match(f.headers.message, /^Invalid selector 'color =': unexpected end of input/);
  assert.equal(c.closed, false);
  // The refused id is free again, and the connection works.
  await subscribe(c, "bad", "/queue/sel");
  await c.send("SEND", { destination: "/queue/sel" }, "still works");
  await expectMessage(c, "still works");
});

Deno.test("SEND without destination: ERROR, then close", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await c.send("SEND", {}, "where to?");
  await expectErrorThenClose(c, /destination/);
});

Deno.test("STOMP 1.2 SUBSCRIBE without id: ERROR, then close", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await c.send("SUBSCRIBE", { destination: "/queue/noid" });
  await expectErrorThenClose(c, /'id'/);
});

Deno.test("SUBSCRIBE with an unknown ack mode: ERROR, then close", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await c.send("SUBSCRIBE", { id: "s", destination: "/queue/ackmode", ack: "sometimes" });
  await expectErrorThenClose(c, /Invalid ack mode 'sometimes'/);
});

Deno.test("SUBSCRIBE with an id already in use: ERROR, then close", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "dup", "/queue/dup");
  await c.send("SUBSCRIBE", { id: "dup", destination: "/queue/dup2" });
  await expectErrorThenClose(c, /Duplicate subscription id: 'dup'/);
});

Deno.test("every client frame with a receipt header gets its RECEIPT", async () => {
  await using b = await startTestBroker();
  await using p = await RawStomp.connect(b.stompPort);
  await sendWithReceipt(p, "SEND", { destination: "/queue/receipts", persistent: "true" }, "r1");
  await sendWithReceipt(p, "SEND", { destination: "/queue/receipts", persistent: "true" }, "r2");
  await using c = await RawStomp.connect(b.stompPort);
  await sendWithReceipt(c, "SUBSCRIBE", {
    id: "s",
    destination: "/queue/receipts",
    ack: "client-individual",
  });
  const m1 = await expectMessage(c, "r1");
  const m2 = await expectMessage(c, "r2");
  await sendWithReceipt(c, "ACK", { id: m1.headers.ack });
  await sendWithReceipt(c, "NACK", { id: m2.headers.ack });
  await sendWithReceipt(c, "BEGIN", { transaction: "t1" });
  await sendWithReceipt(c, "COMMIT", { transaction: "t1" });
  await sendWithReceipt(c, "BEGIN", { transaction: "t2" });
  await sendWithReceipt(c, "ABORT", { transaction: "t2" });
  await sendWithReceipt(c, "UNSUBSCRIBE", { id: "s" });
  await sendWithReceipt(c, "DISCONNECT");
  assert.equal(await c.waitClosed(), true);
});

Deno.test("browser:true lists a queue without consuming it, then sends browser:end", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  for (const body of ["b1", "b2"]) await sendWithReceipt(c, "SEND", { destination: "/queue/browse" }, body);
  await subscribe(c, "look", "/queue/browse", { browser: "true" });
  assert.equal((await expectMessage(c, "b1")).headers.subscription, "look");
  await expectMessage(c, "b2");
  const end = await c.next();
  assert.equal(end.command, "MESSAGE");
  assert.deepEqual(end.headers, {
    subscription: "look",
    destination: "/queue/browse",
    "message-id": "0",
    browser: "end",
  });
  assert.equal(b.broker.service.queueSize("browse"), 2, "browsing consumes nothing");
});
