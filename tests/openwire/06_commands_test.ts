/**
 * What the broker answers to each OpenWire command (openwire.md 8), command by command
 * over a raw socket: replies and their Java exception classes, responseRequired
 * handling, every MessageAck type, MessagePull, browsers, local and XA transactions,
 * temporary destinations and their advisories, removals.
 */
import assert from "node:assert/strict";
import {
  AckType,
  createCommand,
  type DataArrayResponse,
  decodeMessageProperties,
  type DestinationInfo,
  type IntegerResponse,
  type LocalTransactionId,
  type MessageDispatch,
  type ProducerAck,
  TransactionType,
  type XATransactionId,
} from "../../src/protocol/openwire/codec.ts";
import { startOpenWireBroker } from "../support/openwire_broker.ts";
import { RawOpenWire } from "../support/raw_openwire.ts";
import {
  ack,
  consumerInfo,
  expectException,
  expectResponse,
  Ids,
  nextDispatch,
  queue,
  subscribe,
  textOf,
  topic,
} from "./_helpers.ts";

Deno.test("ConnectionInfo: client ids, commands before it, ConnectionControl for manageable clients", async () => {
  await using b = await startOpenWireBroker();
  await using c = await RawOpenWire.open(b.port);
  const early = expectException(
    await c.request(createCommand(4, { sessionId: { type: 121, connectionId: "x", value: 1 } })),
  );
  assert.equal(early.className, "javax.jms.IllegalStateException");

  const noClientId = expectException(
    await c.request(createCommand(3, { connectionId: { type: 120, value: "ID:c-1:1" }, clientId: null })),
  );
  assert.deepEqual(noClientId, {
    className: "javax.jms.InvalidClientIDException",
    message: "No clientID specified for connection request",
  });

  expectResponse(
    await c.request(createCommand(3, {
      connectionId: { type: 120, value: "ID:c-1:1" },
      clientId: "taken",
      manageable: true,
    })),
  );
  const control = await c.next(18);
  assert.deepEqual(
    { connectedBrokers: (control as { connectedBrokers: string }).connectedBrokers },
    { connectedBrokers: "" },
  );

  await using other = await RawOpenWire.open(b.port);
  const dup = expectException(
    await other.request(
      createCommand(3, { connectionId: { type: 120, value: "ID:c-2:1" }, clientId: "taken" }),
    ),
  );
  assert.equal(dup.className, "javax.jms.InvalidClientIDException");
  assert.match(
    dup.message,
    /^Broker: localhost - Client: taken already connected from tcp:\/\/127\.0\.0\.1:\d+$/,
  );

  // Removing the connection frees the client id.
  expectResponse(await c.request(createCommand(12, { objectId: { type: 120, value: "ID:c-1:1" } })));
  expectResponse(
    await other.request(
      createCommand(3, { connectionId: { type: 120, value: "ID:c-2:1" }, clientId: "taken" }),
    ),
  );
});

Deno.test("refusals: InvalidSelectorException, InvalidDestinationException; one-way failures → ConnectionError", async () => {
  await using b = await startOpenWireBroker();
  const ids = new Ids();
  await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId });
  const badSelector = expectException(
    await c.request(consumerInfo(ids.consumer(), queue("refusals"), { selector: "color = = 'red'" })),
  );
  assert.equal(badSelector.className, "javax.jms.InvalidSelectorException");

  const unknownTemp = expectException(
    await c.request(consumerInfo(ids.consumer(), { type: 102, physicalName: "ID:nobody:1" })),
  );
  assert.equal(unknownTemp.className, "javax.jms.InvalidDestinationException");

  // The same refusal on a one-way command comes back as a ConnectionError; the connection stays.
  await c.send(consumerInfo(ids.consumer(), queue("refusals"), { selector: "((" }));
  const error = await c.next(16) as { exception: { className: string } };
  assert.equal(error.exception.className, "javax.jms.InvalidSelectorException");
  expectResponse(await c.request(createCommand(15, {})));
});

Deno.test("sends: responseRequired gets a Response, one-way gets none, a producer window gets ProducerAcks", async () => {
  await using b = await startOpenWireBroker();
  const ids = new Ids();
  await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId });
  const dest = queue("sends");
  expectResponse(
    await c.request(
      createCommand(6, { producerId: ids.producer, destination: dest, windowSize: 1024 * 1024 }),
    ),
  );
  const oneWay = ids.text(dest, "async", { persistent: false });
  await c.send(oneWay);
  const producerAck = await c.next(19) as ProducerAck;
  assert.deepEqual(producerAck.producerId, ids.producer);
  // ActiveMQ's size estimate: 1024 + marshalled properties + content.
  assert.equal(producerAck.size, 1024 + oneWay.content!.length);
  // A send that asks for a response gets the Response instead of a ProducerAck.
  expectResponse(await c.request(ids.text(dest, "sync")));
  expectResponse(await c.request(createCommand(15, {})));
  assert.deepEqual(c.drain(), [], "nothing else: no Response to the one-way send");
  assert.equal(b.broker.service.queueSize("sends"), 2);
});

Deno.test("MessageAck types: DELIVERED, REDELIVERED, STANDARD range, INDIVIDUAL, POISON, EXPIRED, UNMATCHED", async () => {
  await using b = await startOpenWireBroker();
  const ids = new Ids();
  await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId });
  const dest = queue("acks");
  for (let i = 1; i <= 6; i++) expectResponse(await c.request(ids.text(dest, `m${i}`)));
  const consumer = ids.consumer();
  await subscribe(c, consumer, dest, { prefetchSize: 2 });
  const m1 = await nextDispatch(c, consumer);
  const m2 = await nextDispatch(c, consumer);
  assert.deepEqual([textOf(m1), textOf(m2)], ["m1", "m2"]);

  // DELIVERED frees prefetch credit without consuming.
  await c.send(ack(m2, AckType.Delivered, { firstMessageId: m1.message!.messageId, messageCount: 2 }));
  const m3 = await nextDispatch(c, consumer);
  const m4 = await nextDispatch(c, consumer);
  assert.deepEqual([textOf(m3), textOf(m4)], ["m3", "m4"]);
  // REDELIVERED is bookkeeping only.
  await c.send(ack(m1, AckType.Redelivered));
  // STANDARD over a range consumes m1..m2; INDIVIDUAL consumes m4 alone.
  await c.send(ack(m2, AckType.Standard, { firstMessageId: m1.message!.messageId, messageCount: 2 }));
  await c.send(ack(m4, AckType.Individual));
  const m5 = await nextDispatch(c, consumer);
  assert.equal(textOf(m5), "m5", "m3 and m5 fill the prefetch of 2");
  // POISON sends m3 to the DLQ with the cause; EXPIRED removes m5; UNMATCHED consumes m6.
  await c.send(ack(m3, AckType.Poison, {
    poisonCause: { className: "java.lang.Throwable", message: "too many tries", stackTrace: [], cause: null },
  }));
  const m6 = await nextDispatch(c, consumer);
  assert.equal(textOf(m6), "m6");
  await c.send(ack(m5, AckType.Expired));
  await c.send(ack(m6, AckType.Unmatched));
  expectResponse(await c.request(createCommand(15, {})));
  assert.equal(b.broker.service.queueSize("acks"), 0);

  const dlqConsumer = ids.consumer();
  await subscribe(c, dlqConsumer, queue("ActiveMQ.DLQ"));
  const dead: MessageDispatch[] = [await nextDispatch(c, dlqConsumer), await nextDispatch(c, dlqConsumer)];
  const byText = new Map(dead.map((d) => [textOf(d), d]));
  assert.deepEqual([...byText.keys()].sort(), ["m3", "m5"], "the poisoned and the expired message");
  const poisoned = byText.get("m3")!.message!;
  assert.deepEqual(poisoned.originalDestination, dest);
  const props = decodeMessageProperties(poisoned.marshalledProperties!).properties;
  assert.equal(props.dlqDeliveryFailureCause, "java.lang.Throwable: too many tries");

  // An ack for an unknown message of a live consumer is an error: ConnectionError for a one-way ack.
  const bogus = ack(m1, AckType.Individual);
  await c.send(bogus);
  assert.equal((await c.next(16)).type, 16);
});

Deno.test("MessagePull: -1 answers at once, a timeout answers late, a waiting pull gets the next message", async () => {
  await using b = await startOpenWireBroker();
  const ids = new Ids();
  await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId });
  const dest = queue("pulls");
  const consumer = ids.consumer();
  await subscribe(c, consumer, dest, { prefetchSize: 0 });
  const pull = (timeout: number) => createCommand(20, { consumerId: consumer, destination: dest, timeout });

  await c.send(pull(-1));
  assert.equal((await nextDispatch(c, consumer, 1000)).message, null, "receiveNoWait: null dispatch at once");

  const started = Date.now();
  await c.send(pull(200));
  assert.equal((await nextDispatch(c, consumer, 2000)).message, null);
  assert.ok(Date.now() - started >= 150, "the null dispatch comes after the timeout");

  await c.send(pull(0)); // receive(): wait for ever
  expectResponse(await c.request(ids.text(dest, "pulled")));
  assert.equal(textOf(await nextDispatch(c, consumer)), "pulled");
  expectResponse(await c.request(ids.text(dest, "not pulled")));
  expectResponse(await c.request(createCommand(15, {})));
  assert.deepEqual(c.drain(), [], "prefetch 0: nothing comes without a pull");
});

Deno.test("browser: a snapshot, then a null dispatch; browsing consumes nothing", async () => {
  await using b = await startOpenWireBroker();
  const ids = new Ids();
  await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId });
  const dest = queue("browse");
  for (const t of ["a", "b"]) expectResponse(await c.request(ids.text(dest, t)));
  const browser = ids.consumer();
  await c.send(consumerInfo(browser, dest, { browser: true, prefetchSize: 500, responseRequired: true }));
  const first = await nextDispatch(c, browser);
  const second = await nextDispatch(c, browser);
  const end = await nextDispatch(c, browser);
  assert.deepEqual([textOf(first), textOf(second), end.message], ["a", "b", null]);
  await c.send(ack(second, AckType.Standard)); // ignored: browsed messages need no ack
  expectResponse(await c.request(createCommand(12, { objectId: browser })));
  assert.equal(b.broker.service.queueSize("browse"), 2);
});

Deno.test("local transactions: commit publishes, rollback discards, acks apply at commit only", async () => {
  await using b = await startOpenWireBroker();
  const ids = new Ids();
  await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId });
  const connectionId = { type: 120 as const, value: ids.connectionId };
  const tx = (value: number): LocalTransactionId => ({ type: 111, value, connectionId });
  const txInfo = (id: LocalTransactionId, transactionType: number) =>
    createCommand(7, { connectionId, transactionId: id, transactionType });
  const dest = queue("tx");

  await c.send(txInfo(tx(1), TransactionType.Begin));
  await c.send(ids.text(dest, "rolled back", { transactionId: tx(1) }));
  expectResponse(await c.request(txInfo(tx(1), TransactionType.Rollback)));
  await c.send(txInfo(tx(2), TransactionType.Begin));
  await c.send(ids.text(dest, "committed", { transactionId: tx(2) }));
  assert.equal(b.broker.service.queueSize("tx"), 0, "invisible before the commit");
  expectResponse(await c.request(txInfo(tx(2), TransactionType.CommitOnePhase)));
  assert.equal(b.broker.service.queueSize("tx"), 1);

  const consumer = ids.consumer();
  await subscribe(c, consumer, dest);
  const d = await nextDispatch(c, consumer);
  assert.equal(textOf(d), "committed");
  // An ack in a rolled-back transaction leaves the message with the consumer: the client
  // redelivers it itself, so the broker must not dispatch it again.
  await c.send(txInfo(tx(3), TransactionType.Begin));
  await c.send(ack(d, AckType.Standard, {}, tx(3)));
  expectResponse(await c.request(txInfo(tx(3), TransactionType.Rollback)));
  expectResponse(await c.request(createCommand(15, {})));
  assert.deepEqual(c.drain(), [], "no redispatch after a rollback");
  await c.send(txInfo(tx(4), TransactionType.Begin));
  await c.send(ack(d, AckType.Standard, {}, tx(4)));
  expectResponse(await c.request(txInfo(tx(4), TransactionType.CommitOnePhase)));
  assert.equal(b.broker.service.queueSize("tx"), 0);
  // Closing the consumer now returns nothing: the message was consumed at the commit.
  expectResponse(await c.request(createCommand(12, { objectId: consumer })));
  assert.equal(b.broker.service.queueSize("tx"), 0);

  const unknown = expectException(await c.request(txInfo(tx(99), TransactionType.CommitOnePhase)));
  assert.equal(unknown.className, "javax.jms.TransactionRolledBackException");
});

Deno.test("XA: END, PREPARE → IntegerResponse, RECOVER → DataArrayResponse, COMMIT_TWO_PHASE, FORGET", async () => {
  await using b = await startOpenWireBroker();
  const ids = new Ids();
  await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId });
  const connectionId = { type: 120 as const, value: ids.connectionId };
  const xid = (n: number): XATransactionId => ({
    type: 112,
    formatId: 7,
    globalTransactionId: new Uint8Array([1, 2, n]),
    branchQualifier: new Uint8Array([n]),
  });
  const txInfo = (id: XATransactionId, transactionType: number) =>
    createCommand(7, { connectionId, transactionId: id, transactionType });
  const dest = queue("xa");

  expectResponse(await c.request(txInfo(xid(1), TransactionType.Begin)));
  await c.send(ids.text(dest, "branch", { transactionId: xid(1) }));
  expectResponse(await c.request(txInfo(xid(1), TransactionType.End)));
  const vote = await c.request(txInfo(xid(1), TransactionType.Prepare)) as IntegerResponse;
  assert.equal(vote.type, 34);
  assert.equal(vote.result, 0, "XA_OK");

  // Another connection's recovery sees the prepared branch and commits it.
  await using tm = await RawOpenWire.connect(b.port);
  const recovered = await tm.request(txInfo(xid(0), TransactionType.Recover)) as DataArrayResponse;
  assert.equal(recovered.type, 33);
  assert.deepEqual(recovered.data, [xid(1)]);
  assert.equal(b.broker.service.queueSize("xa"), 0);
  expectResponse(await tm.request(txInfo(xid(1), TransactionType.CommitTwoPhase)));
  assert.equal(b.broker.service.queueSize("xa"), 1);

  expectResponse(await c.request(txInfo(xid(2), TransactionType.Begin)));
  const readOnly = await c.request(txInfo(xid(2), TransactionType.Prepare)) as IntegerResponse;
  assert.equal(readOnly.result, 3, "XA_RDONLY for a branch without work");
  expectResponse(await c.request(txInfo(xid(3), TransactionType.Forget)));
  const empty = await tm.request(txInfo(xid(0), TransactionType.Recover)) as DataArrayResponse;
  assert.deepEqual(empty.data, []);
});

Deno.test("temporary destinations: the client's names, advisories with a DestinationInfo, removal", async () => {
  await using b = await startOpenWireBroker();
  const ids = new Ids();
  await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId });
  const watcherIds = new Ids();
  await using watcher = await RawOpenWire.connect(b.port, { connectionId: watcherIds.connectionId });
  const advisories = watcherIds.consumer();
  await subscribe(
    watcher,
    advisories,
    topic("ActiveMQ.Advisory.TempQueue,ActiveMQ.Advisory.TempTopic"),
    { noLocal: true },
  );
  const connectionId = { type: 120 as const, value: ids.connectionId };
  const temp = { type: 102 as const, physicalName: `${ids.connectionId}:1` };
  expectResponse(await c.request(createCommand(8, { connectionId, destination: temp, operationType: 0 })));
  const added = await nextDispatch(watcher, advisories);
  assert.equal(added.message?.jmsType, "Advisory");
  const info = added.message?.dataStructure as DestinationInfo;
  assert.equal(info.type, 8);
  assert.deepEqual(info.destination, temp);
  assert.equal(info.operationType, 0);

  // The client names its temporaries; numbers it skipped (deleted before a failover) are no matter.
  const later = { type: 103 as const, physicalName: `${ids.connectionId}:4` };
  expectResponse(await c.request(createCommand(8, { connectionId, destination: later, operationType: 0 })));
  const consumer = ids.consumer();
  await subscribe(c, consumer, later);
  await watcher.send(watcherIds.text(later, "to the temp topic"));
  assert.equal(textOf(await nextDispatch(c, consumer)), "to the temp topic");

  // Adding one's own temporary destination again (a failover replay does) is harmless.
  expectResponse(await c.request(createCommand(8, { connectionId, destination: temp, operationType: 0 })));

  expectResponse(await c.request(createCommand(8, { connectionId, destination: temp, operationType: 1 })));
  const removed = await watcher.take(
    (d) =>
      d.type === 21 &&
      ((d as MessageDispatch).message?.dataStructure as DestinationInfo)?.operationType === 1 &&
      ((d as MessageDispatch).message?.dataStructure as DestinationInfo)?.destination?.physicalName ===
        temp.physicalName,
  ) as MessageDispatch;
  assert.ok(removed);
  const gone = expectException(await watcher.request(watcherIds.text(temp, "too late")));
  assert.equal(gone.className, "javax.jms.InvalidDestinationException");
});

Deno.test("removals: a consumer's unacked messages return, a session takes its consumers, durable unsubscribe", async () => {
  await using b = await startOpenWireBroker();
  const ids = new Ids();
  await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId, clientId: "removals" });
  const dest = queue("removals");
  const consumer = ids.consumer();
  await subscribe(c, consumer, dest);
  expectResponse(await c.request(ids.text(dest, "unacked")));
  await nextDispatch(c, consumer);
  await c.send(createCommand(12, { objectId: consumer, lastDeliveredSequenceId: 1 }));
  const again = ids.consumer();
  await subscribe(c, again, dest);
  const redelivered = await nextDispatch(c, again);
  assert.equal(textOf(redelivered), "unacked");
  assert.equal(redelivered.redeliveryCounter, 1);
  expectResponse(
    await c.request(createCommand(12, { objectId: { type: 121, connectionId: ids.connectionId, value: 1 } })),
  );
  assert.equal(b.broker.service.queueSize("removals"), 1, "the session's consumer is gone, its message back");

  const durable = ids.consumer();
  await subscribe(c, durable, topic("removals.t"), { subscriptionName: "keep", prefetchSize: 100 });
  const unsubscribe = createCommand(9, {
    connectionId: { type: 120, value: ids.connectionId },
    subscriptionName: "keep",
    clientId: "removals",
  });
  const active = expectException(await c.request(unsubscribe));
  assert.equal(active.className, "javax.jms.IllegalStateException");
  expectResponse(await c.request(createCommand(12, { objectId: durable })));
  expectResponse(await c.request({ ...unsubscribe, commandId: 0 }));
  const unknown = expectException(await c.request({ ...unsubscribe, commandId: 0 }));
  assert.equal(unknown.className, "javax.jms.InvalidDestinationException");
});

Deno.test("ConsumerControl, ConnectionControl, ControlCommand and FlushCommand are answered and ignored", async () => {
  await using b = await startOpenWireBroker();
  const ids = new Ids();
  await using c = await RawOpenWire.connect(b.port, { connectionId: ids.connectionId });
  expectResponse(await c.request(createCommand(17, { consumerId: ids.consumer(), prefetch: 10 })));
  expectResponse(await c.request(createCommand(18, { suspend: true })));
  expectResponse(await c.request(createCommand(14, { command: "shutdown" })));
  expectResponse(await c.request(createCommand(15, {})));
  await c.send(createCommand(15, {}));
  expectResponse(await c.request(createCommand(15, {})));
  assert.deepEqual(c.drain(), []);
});

Deno.test("ShutdownInfo closes the connection and frees what it held", async () => {
  await using b = await startOpenWireBroker();
  await using c = await RawOpenWire.connect(b.port, { clientId: "shutdown" });
  assert.equal(b.broker.service.connectionCount, 1);
  await c.send(createCommand(11, {}));
  assert.equal(await c.waitClosed(), true);
  await using again = await RawOpenWire.connect(b.port, { clientId: "shutdown" });
  assert.equal(again.closed, false);
});
