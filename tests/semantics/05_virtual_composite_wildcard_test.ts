/**
 * Issue 5, point 5 over STOMP: virtual topics (VirtualTopic.> copied to
 * Consumer.*.VirtualTopic.> queues, configurable names, switchable),
 * composite destinations (client-side `/queue/a,/queue/b` and configured
 * compositeQueue forwarding) and wildcards (consumers match, a send to a
 * wildcard name is literal). semantics.md §1.2, §1.3 and §10.
 */
import assert from "node:assert/strict";
import type { VirtualTopicConfig } from "../../src/config/mod.ts";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import {
  expectMessage,
  expectNothing,
  nextMessages,
  sendAll,
  sendWithReceipt,
  subscribe,
} from "./_helpers.ts";

function virtualTopic(name: string, prefix: string, postfix = ""): VirtualTopicConfig {
  return {
    name,
    prefix,
    postfix,
    selectorAware: false,
    local: false,
    concurrentSend: false,
    transactedSend: false,
    dropOnResourceLimit: false,
    setOriginalDestination: true,
  };
}

// ---- virtual topics -------------------------------------------------------------------

Deno.test("virtual topic: every Consumer.<group> queue gets each message, a group shares it, topic subscribers too", async () => {
  await using b = await startTestBroker();
  await using a1 = await RawStomp.connect(b.stompPort);
  await subscribe(a1, "a1", "/queue/Consumer.A.VirtualTopic.Orders", {
    ack: "client",
    "activemq.prefetchSize": "1",
  });
  await using a2 = await RawStomp.connect(b.stompPort);
  await subscribe(a2, "a2", "/queue/Consumer.A.VirtualTopic.Orders", {
    ack: "client",
    "activemq.prefetchSize": "1",
  });
  await using g = await RawStomp.connect(b.stompPort);
  await subscribe(g, "b", "/queue/Consumer.B.VirtualTopic.Orders");
  await subscribe(g, "t", "/topic/VirtualTopic.Orders");
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/topic/VirtualTopic.Orders", ["o1"], { persistent: "true", region: "EU" });
  await sendAll(p, "/topic/VirtualTopic.Orders", ["o2"], { persistent: "true", region: "US" });

  const groupA = [(await a1.next()).body, (await a2.next()).body].sort();
  assert.deepEqual(groupA, ["o1", "o2"], "the two consumers of group A share the messages");
  const frames = await nextMessages(g, 4);
  const bySub = (sub: string) => frames.filter((f) => f.headers.subscription === sub);
  const copies = bySub("b");
  assert.deepEqual(copies.map((f) => f.body), ["o1", "o2"], "group B alone gets every message");
  assert.equal(copies[0].headers.destination, "/queue/Consumer.B.VirtualTopic.Orders");
  assert.equal(copies[0].headers["original-destination"], "/topic/VirtualTopic.Orders");
  assert.equal(copies[0].headers.persistent, "true");
  assert.equal(copies[0].headers.region, "EU");
  const viaTopic = bySub("t");
  assert.deepEqual(viaTopic.map((f) => f.body), ["o1", "o2"]);
  assert.equal(viaTopic[0].headers.destination, "/topic/VirtualTopic.Orders");
  assert.equal("original-destination" in viaTopic[0].headers, false);
  await expectNothing(g, 100);
});

Deno.test("virtual topic: a consumer queue created after a send gets nothing of it; unrelated names get nothing", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "near", "/queue/Consumer.X.VirtualTopic.PricesEU");
  await subscribe(c, "wrong", "/queue/Consumer.X.Y.VirtualTopic.Prices");
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/topic/VirtualTopic.Prices", ["before"]);
  await subscribe(c, "late", "/queue/Consumer.X.VirtualTopic.Prices");
  await expectNothing(c, 100);
  await sendAll(p, "/topic/VirtualTopic.Prices", ["after"]);
  const m = await expectMessage(c, "after");
  assert.equal(m.headers.subscription, "late");
  await expectNothing(c, 100);
});

Deno.test("virtual topic: a configured name and prefix replace the default", async () => {
  await using b = await startTestBroker({
    configure: (config) => config.virtualTopics = [virtualTopic("Events.>", "Group.*.")],
  });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "audit", "/queue/Group.audit.Events.login");
  await subscribe(c, "old", "/queue/Consumer.A.VirtualTopic.login");
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/topic/Events.login", ["e"]);
  const m = await expectMessage(c, "e");
  assert.equal(m.headers.destination, "/queue/Group.audit.Events.login");
  assert.equal(m.headers["original-destination"], "/topic/Events.login");
  await sendAll(p, "/topic/VirtualTopic.login", ["not virtual any more"]);
  await expectNothing(c, 100);
});

Deno.test("virtual topic: useVirtualTopics=false turns them off", async () => {
  await using b = await startTestBroker({ configure: (config) => config.useVirtualTopics = false });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "q", "/queue/Consumer.A.VirtualTopic.Off");
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/topic/VirtualTopic.Off", ["x"]);
  await expectNothing(c, 150);
});

// ---- composite destinations ----------------------------------------------------------

Deno.test("client composite: SEND to /queue/a,/queue/b,/topic/c delivers one copy per member", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "a", "/queue/comp.a");
  await subscribe(c, "t", "/topic/comp.c");
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/comp.a,/queue/comp.b,/topic/comp.c", ["fan"], { persistent: "true", k: "v" });
  const frames = await nextMessages(c, 2);
  const seen = Object.fromEntries(frames.map((f) => [f.headers.subscription, f.headers.destination]));
  assert.deepEqual(seen, { a: "/queue/comp.a", t: "/topic/comp.c" });
  for (const f of frames) {
    assert.equal(f.body, "fan");
    assert.equal(f.headers.k, "v");
  }
  assert.equal(b.broker.service.queueSize("comp.b"), 1);
  await subscribe(c, "both", "/queue/comp.b,/queue/comp.d");
  assert.equal((await expectMessage(c, "fan")).headers.destination, "/queue/comp.b");
  await sendAll(p, "/queue/comp.d", ["to d"]);
  assert.equal((await expectMessage(c, "to d")).headers.subscription, "both");
});

Deno.test("config compositeQueue: forwards to queues and topics (selectors filter), keeps nothing itself", async () => {
  await using b = await startTestBroker({
    configure: (config) =>
      config.compositeDestinations = [{
        type: "queue",
        name: "ORDERS.ALL",
        forwardOnly: true,
        sendWhenNotMatched: false,
        concurrentSend: false,
        forwardTo: [
          { type: "queue", name: "ORDERS.EU" },
          { type: "topic", name: "ORDERS.AUDIT" },
          { type: "queue", name: "ORDERS.US", selector: "region = 'US'" },
        ],
      }],
  });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "audit", "/topic/ORDERS.AUDIT");
  await subscribe(c, "us", "/queue/ORDERS.US");
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/ORDERS.ALL", ["eu order"], { region: "EU", persistent: "true" });
  await sendAll(p, "/queue/ORDERS.ALL", ["us order"], { region: "US", persistent: "true" });
  const frames = await nextMessages(c, 3);
  assert.deepEqual(
    frames.map((f) => `${f.headers.subscription} ${f.body}`).sort(),
    ["audit eu order", "audit us order", "us us order"],
  );
  assert.equal(b.broker.service.queueSize("ORDERS.EU"), 2);
  assert.equal(b.broker.service.queueSize("ORDERS.ALL"), 0, "forwardOnly keeps nothing in the composite");
  await expectNothing(c, 100);
  // CompositeDestinationFilter.doForward: forwardedMessage.setOriginalDestination(message.getDestination()).
  const us = frames.find((f) => f.headers.subscription === "us")!;
  assert.equal(us.headers.destination, "/queue/ORDERS.US");
  assert.equal(us.headers.persistent, "true");
  assert.equal(us.headers["original-destination"], "/queue/ORDERS.ALL");
});

Deno.test("config compositeQueue with forwardOnly=false also keeps the message in the composite", async () => {
  await using b = await startTestBroker({
    configure: (config) =>
      config.compositeDestinations = [{
        type: "queue",
        name: "KEEP",
        forwardOnly: false,
        sendWhenNotMatched: false,
        concurrentSend: false,
        forwardTo: [{ type: "queue", name: "KEEP.COPY" }],
      }],
  });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/KEEP", ["kept twice"]);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "own", "/queue/KEEP");
  assert.equal((await expectMessage(c, "kept twice")).headers.destination, "/queue/KEEP");
  await using d = await RawStomp.connect(b.stompPort);
  await subscribe(d, "copy", "/queue/KEEP.COPY");
  assert.equal((await expectMessage(d, "kept twice")).headers.destination, "/queue/KEEP.COPY");
});

// ---- wildcards --------------------------------------------------------------------------

Deno.test("wildcards: queue and topic consumers match by '*' and '>'; a send to a wildcard name stays literal", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "q", "/queue/stock.>");
  await subscribe(c, "t", "/topic/prices.*");
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/stock.eu.paris", ["paris"]);
  await sendAll(p, "/queue/stock.us", ["us"]);
  await sendAll(p, "/topic/prices.eur", ["eur"]);
  await sendAll(p, "/topic/prices.eur.spot", ["too deep"]);
  const frames = await nextMessages(c, 3);
  assert.deepEqual(frames.map((f) => `${f.headers.subscription} ${f.headers.destination} ${f.body}`), [
    "q /queue/stock.eu.paris paris",
    "q /queue/stock.us us",
    "t /topic/prices.eur eur",
  ]);
  await expectNothing(c, 100);

  // A wildcard in a SEND is a literal name: no fan-out to prices.eur, and a queue named "quotes.*".
  await using exact = await RawStomp.connect(b.stompPort);
  await subscribe(exact, "eur", "/topic/prices.eur");
  await sendWithReceipt(p, "SEND", { destination: "/topic/prices.*" }, "literal");
  const literal = await expectMessage(c, "literal");
  assert.equal(literal.headers.destination, "/topic/prices.*");
  await expectNothing(exact, 100);
  await sendWithReceipt(p, "SEND", { destination: "/queue/quotes.*" }, "kept literally");
  assert.equal(b.broker.service.queueSize("quotes.*"), 1);
  assert.equal(b.broker.service.queueSize("quotes.a"), 0);
});
