/**
 * Durable topic subscriptions: `client-id` on CONNECT plus
 * `activemq.subscriptionName` on SUBSCRIBE; removal with UNSUBSCRIBE; one
 * connection per client id.
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

async function publish(port: number, destination: string, bodies: string[]): Promise<void> {
  await using p = await RawStomp.connect(port);
  for (const body of bodies) await sendWithReceipt(p, "SEND", { destination }, body);
}

/** Connects with a client id, subscribes durably, and returns the connection. */
async function durable(
  port: number,
  clientId: string,
  name: string,
  destination: string,
  headers: Record<string, string> = {},
): Promise<RawStomp> {
  const c = await RawStomp.connect(port, { "client-id": clientId });
  await subscribe(c, "d", destination, { "activemq.subscriptionName": name, ...headers });
  return c;
}

Deno.test("durable subscription: messages published while offline are delivered on reconnect", async () => {
  await using b = await startTestBroker();
  {
    await using c = await durable(b.stompPort, "dur-client", "news-sub", "/topic/news");
    await publish(b.stompPort, "/topic/news", ["online"]);
    await expectMessage(c, "online");
    await sendWithReceipt(c, "DISCONNECT");
  }
  await publish(b.stompPort, "/topic/news", ["offline 1", "offline 2"]);
  await using again = await durable(b.stompPort, "dur-client", "news-sub", "/topic/news");
  const m = await expectMessage(again, "offline 1");
  assert.equal(m.headers.destination, "/topic/news");
  assert.equal(m.headers.subscription, "d");
  await expectMessage(again, "offline 2");
  await expectNothing(again, 100);
});

Deno.test("a plain topic subscriber misses what is published while it is away", async () => {
  await using b = await startTestBroker();
  {
    await using c = await RawStomp.connect(b.stompPort, { "client-id": "plain-client" });
    await subscribe(c, "p", "/topic/ephemeral");
    await sendWithReceipt(c, "DISCONNECT");
  }
  await publish(b.stompPort, "/topic/ephemeral", ["lost"]);
  await using again = await RawStomp.connect(b.stompPort, { "client-id": "plain-client" });
  await subscribe(again, "p", "/topic/ephemeral");
  await expectNothing(again);
});

Deno.test("durable subscription: unacknowledged messages come back with redelivered:true after reconnect", async () => {
  await using b = await startTestBroker();
  {
    await using c = await durable(b.stompPort, "ack-client", "ack-sub", "/topic/acks", { ack: "client" });
    await publish(b.stompPort, "/topic/acks", ["first", "second"]);
    const first = await expectMessage(c, "first");
    await expectMessage(c, "second");
    await sendWithReceipt(c, "ACK", { id: first.headers.ack });
    await sendWithReceipt(c, "DISCONNECT");
  }
  await using again = await durable(b.stompPort, "ack-client", "ack-sub", "/topic/acks");
  assert.equal((await expectMessage(again, "second")).headers.redelivered, "true");
  await expectNothing(again, 100);
});

Deno.test("UNSUBSCRIBE with activemq.subscriptionName removes the durable subscription once its consumer is closed", async () => {
  await using b = await startTestBroker();
  {
    await using c = await durable(b.stompPort, "gone-client", "gone-sub", "/topic/gone");
    // As in ActiveMQ: a plain UNSUBSCRIBE closes the consumer, the one with the name removes the subscription.
    await sendWithReceipt(c, "UNSUBSCRIBE", { id: "d" });
    await sendWithReceipt(c, "UNSUBSCRIBE", { id: "d", "activemq.subscriptionName": "gone-sub" });
    await sendWithReceipt(c, "DISCONNECT");
  }
  await publish(b.stompPort, "/topic/gone", ["nobody keeps this"]);
  await using again = await durable(b.stompPort, "gone-client", "gone-sub", "/topic/gone");
  await expectNothing(again);
});

Deno.test("UNSUBSCRIBE with an id and the subscription name removes an offline durable subscription", async () => {
  await using b = await startTestBroker();
  {
    await using c = await durable(b.stompPort, "offline-client", "offline-sub", "/topic/off");
    await sendWithReceipt(c, "DISCONNECT");
  }
  await publish(b.stompPort, "/topic/off", ["kept for a while"]);
  {
    await using c = await RawStomp.connect(b.stompPort, { "client-id": "offline-client" });
    // STOMP 1.1+ needs an id on every UNSUBSCRIBE, even one that only removes a durable subscription.
    await sendWithReceipt(c, "UNSUBSCRIBE", {
      id: "off",
      destination: "/topic/off",
      "activemq.subscriptionName": "offline-sub",
    });
    // Removing it again is an ERROR: there is nothing left to remove.
    await c.send("UNSUBSCRIBE", { id: "d", "activemq.subscriptionName": "offline-sub", receipt: "again" });
    const f = await c.next();
    assert.equal(f.command, "ERROR");
    assert.equal(f.headers["receipt-id"], "again");
    assert.match(f.headers.message, /No durable subscription exists for/);
    await sendWithReceipt(c, "DISCONNECT");
  }
  await using again = await durable(b.stompPort, "offline-client", "offline-sub", "/topic/off");
  await expectNothing(again);
});

Deno.test("removing a durable subscription that is in use is an ERROR; consumer and subscription stay", async () => {
  await using b = await startTestBroker();
  await using c = await durable(b.stompPort, "busy-client", "busy-sub", "/topic/busy");
  await c.send("UNSUBSCRIBE", { id: "d", "activemq.subscriptionName": "busy-sub", receipt: "busy" });
  const f = await c.next();
  assert.equal(f.command, "ERROR");
  assert.equal(f.headers["receipt-id"], "busy");
  assert.match(f.headers.message, /Durable consumer is in use/);
  await publish(b.stompPort, "/topic/busy", ["still subscribed"]);
  await expectMessage(c, "still subscribed");
});

Deno.test("the same client-id twice: the second CONNECT gets ERROR and is closed; the first is unaffected", async () => {
  await using b = await startTestBroker();
  await using first = await RawStomp.connect(b.stompPort, { "client-id": "only-once" });
  await using second = await RawStomp.open(b.stompPort);
  await second.send("CONNECT", { "accept-version": "1.2", host: "localhost", "client-id": "only-once" });
  await expectErrorThenClose(second, /Client: only-once already connected from tcp:\/\/127\.0\.0\.1:\d+/);
  await subscribe(first, "s", "/queue/first-still");
  await first.send("SEND", { destination: "/queue/first-still" }, "alive");
  await expectMessage(first, "alive");
  assert.equal(b.broker.service.connectionCount, 1);
});

Deno.test("a durable subscription on a queue is refused with an ERROR; the connection stays usable", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort, { "client-id": "queue-durable" });
  await c.send("SUBSCRIBE", {
    id: "d",
    destination: "/queue/not-a-topic",
    "activemq.subscriptionName": "nope",
    receipt: "qd",
  });
  const f = await c.next();
  assert.equal(f.command, "ERROR");
  assert.equal(f.headers["receipt-id"], "qd");
  assert.match(f.headers.message, /durable subscription needs a topic/i);
  await subscribe(c, "d", "/queue/not-a-topic");
});

Deno.test("STOMP 1.2 UNSUBSCRIBE without an id is refused, as ActiveMQ refuses it", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort, { "client-id": "no-id" });
  await c.send("UNSUBSCRIBE", { destination: "/topic/x", "activemq.subscriptionName": "s" });
  await expectErrorThenClose(c, /UNSUBSCRIBE received without a subscription id!/);
});
