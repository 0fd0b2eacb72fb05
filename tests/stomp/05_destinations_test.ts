/**
 * STOMP destinations (semantics.md §2.1): /queue/, /topic/, /temp-queue/,
 * /temp-topic/ with a request/reply round trip, wildcards, composites and the
 * ActiveMQ-style fallback names.
 */
import assert from "node:assert/strict";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import { expectMessage, expectNothing, sendWithReceipt, subscribe } from "./_helpers.ts";

Deno.test("/temp-queue/: request/reply round trip through reply-to", async () => {
  await using b = await startTestBroker();
  await using server = await RawStomp.connect(b.stompPort);
  await subscribe(server, "requests", "/queue/requests");
  await using client = await RawStomp.connect(b.stompPort);
  await subscribe(client, "replies", "/temp-queue/replies");
  await client.send("SEND", { destination: "/queue/requests", "reply-to": "/temp-queue/replies" }, "ping");

  const request = await expectMessage(server, "ping");
  const replyTo = request.headers["reply-to"];
  // Another connection sees the temporary queue under its broker name.
  assert.match(replyTo, /^\/remote-temp-queue\/ID:.+:1$/);
  await server.send(
    "SEND",
    { destination: replyTo, "correlation-id": request.headers["message-id"] },
    "pong",
  );

  const reply = await expectMessage(client, "pong");
  // The creating connection sees its own name again.
  assert.equal(reply.headers.destination, "/temp-queue/replies");
  assert.equal(reply.headers.subscription, "replies");
  assert.equal(reply.headers["correlation-id"], request.headers["message-id"]);
});

Deno.test("/temp-topic/: a reply published to the remote name reaches the creator", async () => {
  await using b = await startTestBroker();
  await using server = await RawStomp.connect(b.stompPort);
  await subscribe(server, "requests", "/queue/ask");
  await using client = await RawStomp.connect(b.stompPort);
  await subscribe(client, "events", "/temp-topic/events");
  await client.send("SEND", { destination: "/queue/ask", "reply-to": "/temp-topic/events" }, "subscribe me");
  const request = await expectMessage(server, "subscribe me");
  assert.match(request.headers["reply-to"], /^\/remote-temp-topic\/ID:/);
  await server.send("SEND", { destination: request.headers["reply-to"] }, "event");
  const event = await expectMessage(client, "event");
  assert.equal(event.headers.destination, "/temp-topic/events");
});

Deno.test("/temp-queue/NAME: the same name on one connection is one queue; another connection has its own", async () => {
  await using b = await startTestBroker();
  await using a = await RawStomp.connect(b.stompPort);
  await using other = await RawStomp.connect(b.stompPort);
  await subscribe(other, "mine", "/temp-queue/same");
  // A send creates the temporary queue; a later SUBSCRIBE with the same name finds the message there.
  await sendWithReceipt(a, "SEND", { destination: "/temp-queue/same" }, "kept");
  await subscribe(a, "s", "/temp-queue/same");
  assert.equal((await expectMessage(a, "kept")).headers.destination, "/temp-queue/same");
  await expectNothing(other, 100);
});

Deno.test("a temporary queue goes away with its connection; sending to it then is an ERROR", async () => {
  await using b = await startTestBroker();
  await using server = await RawStomp.connect(b.stompPort);
  await subscribe(server, "requests", "/queue/lonely");
  let replyTo: string;
  {
    await using client = await RawStomp.connect(b.stompPort);
    await subscribe(client, "r", "/temp-queue/r");
    await client.send("SEND", { destination: "/queue/lonely", "reply-to": "/temp-queue/r" }, "hi");
    replyTo = (await expectMessage(server, "hi")).headers["reply-to"];
    await sendWithReceipt(client, "DISCONNECT");
  }
  await server.send("SEND", { destination: replyTo, receipt: "late" }, "too late");
  const f = await server.next();
  assert.equal(f.command, "ERROR");
  assert.equal(f.headers["receipt-id"], "late");
  assert.match(f.headers.message, /does not exist/);
  await sendWithReceipt(server, "SEND", { destination: "/queue/elsewhere" }, "still connected");
});

Deno.test("topic wildcards: '>' matches zero or more trailing elements, '*' exactly one", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "deep", "/topic/W.>");
  await using d = await RawStomp.connect(b.stompPort);
  await subscribe(d, "one", "/topic/W.*");
  await using p = await RawStomp.connect(b.stompPort);
  for (const name of ["W", "W.A", "W.A.B", "X.A"]) {
    await sendWithReceipt(p, "SEND", { destination: `/topic/${name}` }, name);
  }
  for (const name of ["W", "W.A", "W.A.B"]) {
    const m = await expectMessage(c, name);
    assert.equal(m.headers.destination, `/topic/${name}`, "MESSAGE names the real topic, not the pattern");
    assert.equal(m.headers.subscription, "deep");
  }
  await expectMessage(d, "W.A");
  await expectNothing(c, 100);
  await expectNothing(d, 100);
});

Deno.test("a send to a wildcard name is not a fan-out: it goes to a destination of that literal name", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "exact", "/topic/F.A");
  await sendWithReceipt(c, "SEND", { destination: "/topic/F.*" }, "literal");
  await expectNothing(c, 100);
  await sendWithReceipt(c, "SEND", { destination: "/queue/FQ.*" }, "kept literally");
  assert.equal(b.broker.service.queueSize("FQ.*"), 1);
});

Deno.test("queue wildcards: a consumer on Q.* receives from every matching queue, also ones created later", async () => {
  await using b = await startTestBroker();
  await using p = await RawStomp.connect(b.stompPort);
  await sendWithReceipt(p, "SEND", { destination: "/queue/Q.A" }, "from A");
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "all", "/queue/Q.*");
  assert.equal((await expectMessage(c, "from A")).headers.destination, "/queue/Q.A");
  await sendWithReceipt(p, "SEND", { destination: "/queue/Q.B" }, "from B");
  assert.equal((await expectMessage(c, "from B")).headers.destination, "/queue/Q.B");
  await sendWithReceipt(p, "SEND", { destination: "/queue/Q.B.C" }, "too deep");
  await expectNothing(c, 100);
});

Deno.test("composite SEND: one message to every member, queue and topic alike", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "q2", "/queue/C2");
  await subscribe(c, "t3", "/topic/C3");
  await using p = await RawStomp.connect(b.stompPort);
  await sendWithReceipt(p, "SEND", { destination: "/queue/C1,/queue/C2,/topic/C3" }, "everyone");
  const got = new Map<string, string>();
  for (let i = 0; i < 2; i++) {
    const m = await expectMessage(c, "everyone");
    got.set(m.headers.subscription, m.headers.destination);
  }
  assert.deepEqual(Object.fromEntries(got), { q2: "/queue/C2", t3: "/topic/C3" });
  assert.equal(b.broker.service.queueSize("C1"), 1);
});

Deno.test("composite SUBSCRIBE: one subscription consumes from every member", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "both", "/queue/S1,/queue/S2");
  await c.send("SEND", { destination: "/queue/S1" }, "one");
  assert.equal((await expectMessage(c, "one")).headers.destination, "/queue/S1");
  await c.send("SEND", { destination: "/queue/S2" }, "two");
  assert.equal((await expectMessage(c, "two")).headers.destination, "/queue/S2");
});

Deno.test("names without a STOMP prefix fall back to ActiveMQ names: plain = queue, topic:// = topic", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "q", "/queue/plain");
  await subscribe(c, "t", "/topic/fallback");
  await c.send("SEND", { destination: "plain" }, "to a queue");
  assert.equal((await expectMessage(c, "to a queue")).headers.destination, "/queue/plain");
  await c.send("SEND", { destination: "topic://fallback" }, "to a topic");
  assert.equal((await expectMessage(c, "to a topic")).headers.destination, "/topic/fallback");
});

Deno.test("an empty destination name is an ERROR; the connection stays usable", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await c.send("SEND", { destination: "/queue/", receipt: "empty" }, "nowhere");
  const f = await c.next();
  assert.equal(f.command, "ERROR");
  assert.equal(f.headers["receipt-id"], "empty");
  assert.match(f.headers.message, /Illegal destination name/);
  await sendWithReceipt(c, "SEND", { destination: "/queue/somewhere" }, "ok");
});
