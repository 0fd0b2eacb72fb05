/**
 * CONNECT / CONNECTED: version negotiation (STOMP 1.0, 1.1, 1.2), the headers
 * ActiveMQ answers with, and the frames that end a connection before it starts.
 */
import assert from "node:assert/strict";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import { expectErrorThenClose, expectMessage, sendWithReceipt } from "./_helpers.ts";

Deno.test("STOMP 1.0: CONNECT without accept-version gets version 1.0 and ActiveMQ's CONNECTED headers", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.open(b.stompPort);
  await c.write("CONNECT\nlogin:guest\npasscode:guest\n\n\0");
  const f = await c.next();
  assert.equal(f.command, "CONNECTED");
  assert.equal(f.headers.version, "1.0");
  assert.equal(f.headers.server, "ActiveMQ/5.17.2");
  assert.equal(f.headers["heart-beat"], "0,0");
  assert.match(f.headers.session, /^ID:/, "without client-id the session is the connection id");
  assert.equal(f.body, "");
});

Deno.test("STOMP 1.0: SUBSCRIBE without id, SEND, MESSAGE without escaping and without a subscription header", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.open(b.stompPort);
  await c.write("CONNECT\n\n\0");
  assert.equal((await c.next()).headers.version, "1.0");
  await sendWithReceipt(c, "SUBSCRIBE", { destination: "/queue/v10" });
  await c.send("SEND", { destination: "/queue/v10", note: "a:b" }, "hello 1.0");
  const m = await expectMessage(c, "hello 1.0");
  assert.equal(m.headers.destination, "/queue/v10");
  assert.equal(m.headers.note, "a:b");
  assert.equal(
    "subscription" in m.headers,
    false,
    "ActiveMQ adds subscription only when SUBSCRIBE had an id",
  );
  // 1.0 has no header escaping: the colon goes out as is.
  assert.match(c.transcript, /\nnote:a:b\n/);
  assert.match(c.transcript, /\nmessage-id:ID:[^\n]*\n/);
  // STOMP 1.0 unsubscribes by destination.
  await sendWithReceipt(c, "UNSUBSCRIBE", { destination: "/queue/v10" });
});

Deno.test("STOMP 1.1: accept-version 1.1 negotiates 1.1 and escapes MESSAGE headers", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort, { "accept-version": "1.1" });
  await sendWithReceipt(c, "SUBSCRIBE", { id: "s", destination: "/queue/v11" });
  await c.send("SEND", { destination: "/queue/v11" }, "hello 1.1");
  const m = await expectMessage(c, "hello 1.1");
  assert.equal(m.headers.subscription, "s");
  assert.match(c.transcript, /\nmessage-id:ID\\c[^\n]*\n/, "1.1 escapes ':' in header values as \\c");
});

Deno.test("version negotiation picks the highest common version", async () => {
  await using b = await startTestBroker();
  const cases: [string, string][] = [
    ["1.2", "1.2"],
    ["1.0,1.1,1.2", "1.2"],
    ["1.1,1.0", "1.1"],
    ["1.0,2.0", "1.0"],
    ["2.1,1.1", "1.1"],
  ];
  for (const [offered, expected] of cases) {
    await using c = await RawStomp.open(b.stompPort);
    await c.send("CONNECT", { "accept-version": offered, host: "localhost" });
    const f = await c.next();
    assert.equal(f.command, "CONNECTED", `accept-version ${offered}`);
    assert.equal(f.headers.version, expected, `accept-version ${offered}`);
  }
});

Deno.test("the STOMP command connects like CONNECT", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.open(b.stompPort);
  await c.send("STOMP", { "accept-version": "1.2", host: "localhost" });
  const f = await c.next();
  assert.equal(f.command, "CONNECTED");
  assert.equal(f.headers.version, "1.2");
});

Deno.test("no common version: ERROR naming the supported versions, then the broker closes", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.open(b.stompPort);
  await c.send("CONNECT", { "accept-version": "2.0,3.1", host: "localhost" });
  const f = await expectErrorThenClose(c, /Invalid Protocol version\[2\.0,3\.1\]/);
  assert.match(f.headers.message, /1\.0, 1\.1, 1\.2/);
  // The broker is still there for others.
  await using ok = await RawStomp.connect(b.stompPort);
  assert.equal(ok.closed, false);
});

Deno.test("CONNECT with client-id: CONNECTED session is the client id; request-id and receipt are answered", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.open(b.stompPort);
  await c.send("CONNECT", {
    "accept-version": "1.2",
    host: "localhost",
    "client-id": "my-client",
    "request-id": "req-1",
  });
  const f = await c.next();
  assert.equal(f.command, "CONNECTED");
  assert.equal(f.headers.session, "my-client");
  assert.equal(f.headers["response-id"], "req-1");
  assert.equal(f.headers["receipt-id"], "req-1");

  await using d = await RawStomp.open(b.stompPort);
  await d.send("CONNECT", { "accept-version": "1.2", host: "localhost", receipt: "rc-1" });
  const g = await d.next();
  assert.equal(g.command, "CONNECTED");
  // ActiveMQ treats a CONNECT receipt like a request-id (legacy): both headers come back.
  assert.equal(g.headers["receipt-id"], "rc-1");
  assert.equal(g.headers["response-id"], "rc-1");
});

Deno.test("a frame other than CONNECT before connecting gets ERROR, then close", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.open(b.stompPort);
  await c.send("SEND", { destination: "/queue/early" }, "too early");
  await expectErrorThenClose(c, /Not connected/);
  assert.equal(b.broker.service.queueSize("early"), 0);
});

Deno.test("an invalid heart-beat header on CONNECT gets ERROR, then close", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.open(b.stompPort);
  await c.send("CONNECT", { "accept-version": "1.2", host: "localhost", "heart-beat": "soon" });
  await expectErrorThenClose(c, /Invalid heart-beat header/);
});

Deno.test("DISCONNECT with a receipt: RECEIPT, then the broker closes and forgets the connection", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  assert.equal(b.broker.service.connectionCount, 1);
  await sendWithReceipt(c, "DISCONNECT");
  assert.equal(await c.waitClosed(), true);
  assert.equal(b.broker.service.connectionCount, 0);
});
