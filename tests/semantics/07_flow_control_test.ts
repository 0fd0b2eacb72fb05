/**
 * Issue 5, point 7 over STOMP: producer flow control. A full destination
 * holds a producer's SEND (its RECEIPT is withheld) until a consumer frees
 * space; sendFailIfNoSpace answers an ERROR naming the destination at once,
 * sendFailIfNoSpaceAfterTimeout after the timeout; either way the connection
 * stays usable. semantics.md §13. (The 1 GiB test is 01_memory_limit_test.ts.)
 */
import assert from "node:assert/strict";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import {
  assertWaited,
  expectMessage,
  expectNothing,
  nextBodies,
  queuePolicy,
  sendAll,
  subscribe,
} from "./_helpers.ts";

const KiB = 1024;

/** Every message counts at least 1 KiB against a memory limit (ActiveMQ's minimumMessageSize). */
function sendPipelined(p: RawStomp, destination: string, bodies: string[]): Promise<void[]> {
  return Promise.all(bodies.map((body) => p.send("SEND", { destination, receipt: `r-${body}` }, body)));
}

Deno.test("a full destination withholds the RECEIPT until a consumer frees space; order is kept", async () => {
  await using b = await startTestBroker({
    configure: (config) => config.policyEntries = [queuePolicy("limited", { memoryLimit: 4 * KiB })],
  });
  await using p = await RawStomp.connect(b.stompPort);
  const bodies = ["m0", "m1", "m2", "m3", "m4", "m5"];
  await sendPipelined(p, "/queue/limited", bodies);
  const receipts = [];
  for (let i = 0; i < 4; i++) receipts.push((await p.next()).headers["receipt-id"]);
  assert.deepEqual(receipts, ["r-m0", "r-m1", "r-m2", "r-m3"]);
  await expectNothing(p, 200); // m4 is held: no RECEIPT, no ERROR
  assert.equal(b.broker.service.queueSize("limited"), 4);

  // Another producer to another destination is not affected.
  await using other = await RawStomp.connect(b.stompPort);
  await sendAll(other, "/queue/unlimited", ["free"]);

  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/limited");
  assert.deepEqual(await nextBodies(c, 6), bodies);
  const late = [(await p.next()).headers["receipt-id"], (await p.next()).headers["receipt-id"]];
  assert.deepEqual(late, ["r-m4", "r-m5"]);
  await expectNothing(p, 50);
});

Deno.test("the system memoryUsage limit holds producers across destinations", async () => {
  await using b = await startTestBroker({
    configure: (config) => config.systemUsage = { memoryLimit: 3 * KiB },
  });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/sys.a", ["a"]);
  await sendAll(p, "/queue/sys.b", ["b"]);
  await sendAll(p, "/queue/sys.c", ["c"]);
  await p.send("SEND", { destination: "/queue/sys.d", receipt: "held" }, "d");
  await expectNothing(p, 200);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/sys.b");
  await expectMessage(c, "b");
  const f = await p.next();
  assert.equal(f.command, "RECEIPT");
  assert.equal(f.headers["receipt-id"], "held");
  assert.equal(b.broker.service.queueSize("sys.d"), 1);
});

Deno.test("sendFailIfNoSpace: ERROR naming the destination at once; the connection stays usable", async () => {
  await using b = await startTestBroker({
    configure: (config) => {
      config.systemUsage = { sendFailIfNoSpace: true };
      config.policyEntries = [queuePolicy("strict", { memoryLimit: 2 * KiB })];
    },
  });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/strict", ["fits 1", "fits 2"]);
  await p.send("SEND", { destination: "/queue/strict", receipt: "refused" }, "too much");
  const f = await p.next(1000);
  assert.equal(f.command, "ERROR");
  assert.equal(f.headers["receipt-id"], "refused");
  assert.match(f.headers.message, /^Usage Manager Memory Limit reached on queue:\/\/strict\b/);
  assert.equal(f.body, f.headers.message);
  assert.equal(p.closed, false);
  await sendAll(p, "/queue/elsewhere", ["still connected"]);
  assert.equal(b.broker.service.queueSize("strict"), 2, "the refused message was not kept");

  // Once a consumer made room, the same destination accepts again.
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/strict", { ack: "client-individual" });
  await c.send("ACK", { id: (await expectMessage(c, "fits 1")).headers.ack });
  await expectMessage(c, "fits 2");
  await sendAll(p, "/queue/strict", ["room again"]);
});

Deno.test("sendFailIfNoSpaceAfterTimeout: the SEND is held, then fails with an ERROR after the timeout", async () => {
  await using b = await startTestBroker({
    configure: (config) => {
      config.systemUsage = { sendFailIfNoSpaceAfterTimeout: 300 };
      config.policyEntries = [queuePolicy("patient", { memoryLimit: 1 * KiB })];
    },
  });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/patient", ["fits"]);
  const at = performance.now();
  await p.send("SEND", { destination: "/queue/patient", receipt: "waits" }, "waits then fails");
  await expectNothing(p, 100);
  const f = await p.next(3000);
  const waited = performance.now() - at;
  assert.equal(f.command, "ERROR");
  assert.equal(f.headers["receipt-id"], "waits");
  assert.match(f.headers.message, /^Usage Manager Memory Limit reached on queue:\/\/patient\b/);
  assertWaited(waited, 300, "the ERROR");
  await sendAll(p, "/queue/other", ["still connected"]);
  assert.equal(b.broker.service.queueSize("patient"), 1);
});

Deno.test("sendFailIfNoSpaceAfterTimeout: space freed before the timeout lets the held SEND through", async () => {
  await using b = await startTestBroker({
    configure: (config) => {
      config.systemUsage = { sendFailIfNoSpaceAfterTimeout: 5000 };
      config.policyEntries = [queuePolicy("rescued", { memoryLimit: 1 * KiB })];
    },
  });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/rescued", ["first"]);
  await p.send("SEND", { destination: "/queue/rescued", receipt: "second" }, "second");
  await expectNothing(p, 100);
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/rescued");
  assert.deepEqual(await nextBodies(c, 2), ["first", "second"]);
  const f = await p.next();
  assert.equal(f.command, "RECEIPT");
  assert.equal(f.headers["receipt-id"], "second");
});

Deno.test("producerFlowControl=false accepts past the memory limit", async () => {
  await using b = await startTestBroker({
    configure: (config) =>
      config.policyEntries = [queuePolicy("firehose", { memoryLimit: 1 * KiB, producerFlowControl: false })],
  });
  await using p = await RawStomp.connect(b.stompPort);
  await sendAll(p, "/queue/firehose", ["0", "1", "2", "3", "4"]);
  assert.equal(b.broker.service.queueSize("firehose"), 5);
});

Deno.test("a held SEND (with receipt) does not hold back the same connection's ACKs", async () => {
  // With a receipt the STOMP send is responseRequired: Queue.send parks it in messagesWaitingForSpace and
  // the connection goes on reading, so an ACK on the producing connection can free the space.
  await using b = await startTestBroker({
    configure: (config) => config.policyEntries = [queuePolicy("self", { memoryLimit: 2 * KiB })],
  });
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/self", { ack: "client-individual" });
  await sendPipelined(c, "/queue/self", ["a", "b", "c"]);
  const seen: Record<string, string> = {};
  for (let i = 0; i < 4; i++) {
    const f = await c.next();
    if (f.command === "MESSAGE") seen[f.body] = f.headers.ack;
    else seen[f.headers["receipt-id"]] = "receipt";
  }
  assert.deepEqual(Object.keys(seen).sort(), ["a", "b", "r-a", "r-b"], "c is held");
  await expectNothing(c, 100);
  await c.send("ACK", { id: seen.a, receipt: "ack-a" });
  const rest = [await c.next(1000), await c.next(1000), await c.next(1000)];
  assert.deepEqual(
    rest.map((f) => f.command === "MESSAGE" ? f.body : f.headers["receipt-id"]).sort(),
    ["ack-a", "c", "r-c"],
  );
});

Deno.test("producerFlowControl=false: non-persistent overflow spills to temp storage; every body arrives intact", async () => {
  const dataDirectory = await Deno.makeTempDir({ prefix: "amq-spill-" });
  try {
    await using b = await startTestBroker({
      configure: (config) => {
        config.dataDirectory = dataDirectory;
        config.policyEntries = [
          queuePolicy("spill.>", { memoryLimit: 64 * KiB, producerFlowControl: false }),
        ];
      },
    });
    await using producer = await RawStomp.connect(b.stompPort);
    const bodies = Array.from(
      { length: 32 },
      (_, i) => `${i}:`.padEnd(16 * KiB, String.fromCharCode(97 + (i % 26))),
    );
    // With flow control off nothing is held: every RECEIPT comes back although 512 KiB exceed the 64 KiB limit.
    await sendAll(producer, "/queue/spill.stomp", bodies);
    const used = b.broker.service.systemUsage.used;
    assert.ok(used < 128 * KiB, `only headers of spilled messages stay in memory (used ${used} bytes)`);
    await using consumer = await RawStomp.connect(b.stompPort);
    await subscribe(consumer, "s", "/queue/spill.stomp");
    assert.deepEqual(await nextBodies(consumer, 32), bodies);
  } finally {
    await Deno.remove(dataDirectory, { recursive: true });
  }
});
