/**
 * Header mapping (semantics.md §2.3/§2.4): STOMP 1.1/1.2 escaping, the JMS
 * headers a SEND sets (persistent, priority, expires, reply-to, correlation-id,
 * type, timestamp), custom headers, and the headers a client may not forge.
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

Deno.test("STOMP 1.2 escaping: ':', newline, CR and backslash in a header name and value round trip", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/escape");
  // On the wire: \c is ':', \n a newline, \r a carriage return, \\ a backslash.
  await c.write("SEND\ndestination:/queue/escape\nodd\\cname:a\\cb\\nc\\\\d\\re\n\nescaped\0");
  const m = await expectMessage(c, "escaped");
  assert.equal(m.headers["odd:name"], "a:b\nc\\d\re");
  assert.ok(
    c.transcript.includes("\nodd\\cname:a\\cb\\nc\\\\d\\re\n"),
    "the broker escapes the header exactly as it came in",
  );
});

Deno.test("STOMP 1.1 escaping: ':', newline and backslash round trip; CR is not escaped", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort, { "accept-version": "1.1" });
  await subscribe(c, "s", "/queue/escape11");
  await c.write("SEND\ndestination:/queue/escape11\nv:x\\cy\\nz\\\\w\n\nok\0");
  const m = await expectMessage(c, "ok");
  assert.equal(m.headers.v, "x:y\nz\\w");
  assert.ok(c.transcript.includes("\nv:x\\cy\\nz\\\\w\n"));
});

Deno.test("frames pipelined behind CONNECT in the same packet use the negotiated version's escaping", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.open(b.stompPort);
  await c.write(
    "CONNECT\naccept-version:1.2\nhost:localhost\n\n\0" +
      "SUBSCRIBE\nid:s\ndestination:/queue/pipelined\n\n\0" +
      "SEND\ndestination:/queue/pipelined\nv: a\\cb \n\nfast\0",
  );
  assert.equal((await c.next()).command, "CONNECTED");
  const m = await expectMessage(c, "fast");
  assert.equal(m.headers.v, " a:b ", "1.2: unescaped and not trimmed");
});

Deno.test("an undefined escape sequence (\\t) is a fatal protocol error: ERROR, then close", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await c.write("SEND\ndestination:/queue/bad-escape\nv:a\\tb\n\nx\0");
  await expectErrorThenClose(c, /Undefined escape sequence/);
  assert.equal(b.broker.service.queueSize("bad-escape"), 0);
});

Deno.test("STOMP 1.1 has no \\r escape: ERROR, then close", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort, { "accept-version": "1.1" });
  await c.write("SEND\ndestination:/queue/bad-escape11\nv:a\\rb\n\nx\0");
  await expectErrorThenClose(c, /Undefined escape sequence/);
});

Deno.test("CONNECT headers are never unescaped: a backslash in a passcode is fine", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.open(b.stompPort);
  await c.write("CONNECT\naccept-version:1.2\nhost:localhost\nlogin:me\npasscode:p\\ss\n\n\0");
  assert.equal((await c.next()).command, "CONNECTED");
});

Deno.test("persistent: true sets PERSISTENT and comes back as persistent:true; anything else is non-persistent", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "durable-mode", "/queue/modes", { selector: "JMSDeliveryMode = 'PERSISTENT'" });
  await using d = await RawStomp.connect(b.stompPort);
  await subscribe(d, "other-mode", "/queue/modes", { selector: "JMSDeliveryMode = 'NON_PERSISTENT'" });
  await using p = await RawStomp.connect(b.stompPort);
  await p.send("SEND", { destination: "/queue/modes", persistent: "true" }, "p");
  await p.send("SEND", { destination: "/queue/modes", persistent: "false" }, "np1");
  await p.send("SEND", { destination: "/queue/modes" }, "np2");
  await p.send("SEND", { destination: "/queue/modes", persistent: "yes" }, "np3");
  assert.equal((await expectMessage(c, "p")).headers.persistent, "true");
  for (const body of ["np1", "np2", "np3"]) {
    assert.equal("persistent" in (await expectMessage(d, body)).headers, false);
  }
});

Deno.test("priority: the header sets JMSPriority and comes back; absent means 4", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/topic/prio");
  await c.send("SEND", { destination: "/topic/prio", priority: "9" }, "high");
  await c.send("SEND", { destination: "/topic/prio", priority: "0" }, "low");
  await c.send("SEND", { destination: "/topic/prio" }, "default");
  assert.equal((await expectMessage(c, "high")).headers.priority, "9");
  assert.equal((await expectMessage(c, "low")).headers.priority, "0");
  assert.equal((await expectMessage(c, "default")).headers.priority, "4");
});

Deno.test("priority that is not a number is an ERROR; the connection stays usable", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await c.send("SEND", { destination: "/queue/badprio", priority: "high", receipt: "bp" }, "x");
  const f = await c.next();
  assert.equal(f.command, "ERROR");
  assert.equal(f.headers["receipt-id"], "bp");
  assert.match(f.headers.message, /priority/);
  assert.equal(b.broker.service.queueSize("badprio"), 0);
  await sendWithReceipt(c, "SEND", { destination: "/queue/goodprio" }, "fine");
});

Deno.test("expires: an already expired message is never delivered; a future one keeps its expires header", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/ttl");
  await using p = await RawStomp.connect(b.stompPort);
  const past = String(Date.now() - 60_000);
  const future = String(Date.now() + 3_600_000);
  await sendWithReceipt(p, "SEND", { destination: "/queue/ttl", expires: past }, "stale");
  await sendWithReceipt(p, "SEND", { destination: "/queue/ttl", expires: future }, "fresh");
  assert.equal((await expectMessage(c, "fresh")).headers.expires, future);
  await expectNothing(c, 100);
  // Nor to a subscriber that comes later, on a queue or a durable-less topic.
  await sendWithReceipt(p, "SEND", { destination: "/queue/ttl-later", expires: past }, "stale");
  await subscribe(c, "later", "/queue/ttl-later");
  await expectNothing(c, 100);
  assert.equal(b.broker.service.queueSize("ttl-later"), 0);
});

Deno.test("reply-to, correlation-id, type and timestamp round trip", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/jms-headers", {
    selector: "JMSReplyTo = 'queue://answers' AND JMSCorrelationID = 'corr-42' AND JMSType = 'order'",
  });
  await c.send("SEND", {
    destination: "/queue/jms-headers",
    "reply-to": "/queue/answers",
    "correlation-id": "corr-42",
    type: "order",
    timestamp: "1234567890123",
  }, "all set");
  const m = await expectMessage(c, "all set");
  assert.equal(m.headers["reply-to"], "/queue/answers");
  assert.equal(m.headers["correlation-id"], "corr-42");
  assert.equal(m.headers.type, "order");
  assert.equal(m.headers.timestamp, "1234567890123");
});

Deno.test("a reply-to that is not a STOMP destination is kept as the string property reply-to", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  // JMSReplyTo stays unset: only the property carries the text.
  await subscribe(c, "s", "/topic/odd-reply", { selector: "JMSReplyTo IS NULL" });
  await c.send("SEND", { destination: "/topic/odd-reply", "reply-to": "somewhere-else" }, "odd");
  assert.equal((await expectMessage(c, "odd")).headers["reply-to"], "somewhere-else");
});

Deno.test("custom headers round trip as string properties, including empty and non-ASCII values", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/custom");
  await c.write(
    "SEND\ndestination:/queue/custom\nx-order:17\nx-empty:\nx-text:grüße 世界\nx-dup:first\nx-dup:second\n\nbody\0",
  );
  const m = await expectMessage(c, "body");
  assert.equal(m.headers["x-order"], "17");
  assert.equal(m.headers["x-empty"], "");
  assert.equal(m.headers["x-text"], "grüße 世界");
  assert.equal(m.headers["x-dup"], "first", "STOMP 1.2: the first of repeated headers wins");
  assert.equal(c.transcript.split("x-dup:").length - 1, 1, "a repeated header comes back once");
});

Deno.test("headers a client cannot forge: message-id, redelivered, subscription, JMSXUserID; receipt and transaction are not copied", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "real", "/queue/forge");
  await sendWithReceipt(c, "BEGIN", { transaction: "t" });
  await c.send("SEND", {
    destination: "/queue/forge",
    "message-id": "ID:forged",
    redelivered: "true",
    subscription: "fake",
    JMSXUserID: "admin",
    transaction: "t",
  }, "honest");
  await c.send("COMMIT", { transaction: "t", receipt: "done" });
  const frames = [await c.next(), await c.next()];
  const m = frames.find((f) => f.command === "MESSAGE")!;
  assert.ok(frames.some((f) => f.command === "RECEIPT"));
  assert.equal(m.body, "honest");
  assert.notEqual(m.headers["message-id"], "ID:forged");
  assert.equal("redelivered" in m.headers, false);
  assert.equal(m.headers.subscription, "real");
  assert.equal("JMSXUserID" in m.headers, false);
  assert.equal("transaction" in m.headers, false);
  assert.equal("receipt" in m.headers, false);
});
