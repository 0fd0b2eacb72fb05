import assert from "node:assert/strict";
import { startVmBroker } from "../support/vm_broker.ts";

Deno.test("virtual topics: each Consumer.<group> queue gets every message; a group shares the load", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const a1 = await conn.subscribe("queue://Consumer.A.VirtualTopic.Orders", {
    prefetch: 1,
    ackMode: "client",
  });
  const a2 = await conn.subscribe("queue://Consumer.A.VirtualTopic.Orders", {
    prefetch: 1,
    ackMode: "client",
  });
  const b = await conn.subscribe("queue://Consumer.B.VirtualTopic.Orders");
  const plain = await conn.subscribe("topic://VirtualTopic.Orders");
  await conn.send("topic://VirtualTopic.Orders", "o1");
  await conn.send("topic://VirtualTopic.Orders", "o2");
  const groupA = [(await a1.receive(1000))?.text(), (await a2.receive(1000))?.text()].sort();
  assert.deepEqual(groupA, ["o1", "o2"], "group A's two consumers share the messages");
  assert.deepEqual([(await b.receive(1000))?.text(), (await b.receive(1000))?.text()], ["o1", "o2"]);
  const viaTopic = await plain.receive(1000);
  assert.equal(viaTopic?.text(), "o1", "topic subscribers still get the message");
  const copy = await b.receive(50);
  assert.equal(copy, null);
});

Deno.test("virtual topics: copies carry the topic as their original destination; unrelated queues get nothing", async () => {
  await using broker = await startVmBroker();
  await using conn = await broker.connect();
  const q = await conn.subscribe("queue://Consumer.X.VirtualTopic.Prices");
  const other = await conn.subscribe("queue://Consumer.X.VirtualTopic.PricesEU");
  await conn.send("topic://VirtualTopic.Prices", "p");
  const m = await q.receive(1000);
  assert.deepEqual(m?.message.originalDestination, { type: "topic", name: "VirtualTopic.Prices" });
  assert.deepEqual(m?.message.destination, { type: "queue", name: "Consumer.X.VirtualTopic.Prices" });
  assert.equal(await other.receive(50), null);
});

Deno.test("virtual topics: useVirtualTopics=false turns them off; a configured prefix replaces the default", async () => {
  {
    await using broker = await startVmBroker({ useVirtualTopics: false });
    await using conn = await broker.connect();
    const q = await conn.subscribe("queue://Consumer.A.VirtualTopic.Off");
    await conn.send("topic://VirtualTopic.Off", "x");
    assert.equal(await q.receive(50), null);
  }
  await using broker = await startVmBroker({
    virtualTopics: [{
      name: "Events.>",
      prefix: "Group.*.",
      postfix: "",
      selectorAware: false,
      local: false,
      concurrentSend: false,
      transactedSend: false,
      dropOnResourceLimit: false,
      setOriginalDestination: true,
    }],
  });
  await using conn = await broker.connect();
  const q = await conn.subscribe("queue://Group.audit.Events.login");
  await conn.send("topic://Events.login", "e");
  assert.equal((await q.receive(1000))?.text(), "e");
});

Deno.test("composite destinations from config forward to queues and topics, with selectors", async () => {
  await using broker = await startVmBroker({
    compositeDestinations: [{
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
  await using conn = await broker.connect();
  const audit = await conn.subscribe("topic://ORDERS.AUDIT");
  await conn.send("queue://ORDERS.ALL", "eu order", { properties: { region: "EU" } });
  await conn.send("queue://ORDERS.ALL", "us order", { properties: { region: "US" } });
  assert.equal(broker.service.queueSize("ORDERS.EU"), 2);
  assert.equal(broker.service.queueSize("ORDERS.US"), 1);
  assert.equal(
    broker.service.queueSize("ORDERS.ALL"),
    0,
    "forwardOnly keeps nothing in the composite itself",
  );
  assert.equal((await audit.receive(1000))?.text(), "eu order");
});
