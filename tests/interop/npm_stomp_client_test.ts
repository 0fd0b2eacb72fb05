/**
 * Interop: the broker driven by a real third-party STOMP client from npm,
 * stompit (Node `net` based, runs unchanged on Deno's node compatibility
 * layer), over a loopback TCP socket. Every exchange is what a Node.js
 * application using stompit would do; the assertions are ActiveMQ 5.17's
 * behaviour (specs/semantics.md §2).
 *
 * stompit's own API is callback and stream based; the small wrapper at the
 * bottom of this file turns it into promises with bounded waits, and waits
 * for the broker's RECEIPT wherever ordering matters instead of sleeping.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
// Pinned exactly; 1.0.0 is the `latest` stompit on npm.
import stompit from "npm:stompit@1.0.0";
import { startTestBroker, type TestBroker } from "../support/broker.ts";

Deno.test("stompit: CONNECT with 1.2 gets ActiveMQ's CONNECTED headers", async () => {
  await using tb = await startTestBroker();
  await using c = await StompitSession.open(tb.stompPort, { "client-id": "interop-connect" });
  assert.equal(c.connected["version"], "1.2");
  assert.equal(c.connected["server"], "ActiveMQ/5.17.2");
  assert.equal(c.connected["session"], "interop-connect");
  assert.equal(c.connected["heart-beat"], "0,0");
  await c.disconnect();
});

Deno.test("stompit: queue round trip keeps body, custom and escaped headers", async () => {
  await using tb = await startTestBroker();
  await using c = await StompitSession.open(tb.stompPort);
  const sub = await c.subscribe({ destination: "/queue/interop.orders" });
  await c.send({
    destination: "/queue/interop.orders",
    persistent: "true",
    priority: "7",
    "correlation-id": "corr-1",
    region: "EU",
    // STOMP 1.2 escaping both ways: stompit encodes, the broker decodes, stores and re-encodes.
    note: "a:b\nc\\d",
  }, "order #1 ünïcödé");
  const m = await sub.next();
  assert.equal(m.text(), "order #1 ünïcödé");
  assert.equal(m.headers["destination"], "/queue/interop.orders");
  assert.equal(m.headers["subscription"], sub.id);
  assert.match(m.headers["message-id"], /^ID:/);
  assert.equal(m.headers["persistent"], "true");
  assert.equal(m.headers["priority"], "7");
  assert.equal(m.headers["correlation-id"], "corr-1");
  assert.equal(m.headers["region"], "EU");
  assert.equal(m.headers["note"], "a:b\nc\\d");
  assert.equal(m.headers["expires"], "0");
  assert.equal(m.headers["redelivered"], undefined);
  assert.equal(m.headers["content-length"], undefined, "a text message has no content-length");
  await c.disconnect();
  assert.equal(tb.broker.service.queueSize("interop.orders"), 0, "auto ack consumed it");
});

Deno.test("stompit: a topic message reaches every current subscriber and no later one", async () => {
  await using tb = await startTestBroker();
  await using c = await StompitSession.open(tb.stompPort);
  await c.send({ destination: "/topic/interop.news" }, "before anyone listened");
  const a = await c.subscribe({ destination: "/topic/interop.news" });
  const b = await c.subscribe({ destination: "/topic/interop.news" });
  await c.send({ destination: "/topic/interop.news" }, "headline");
  for (const sub of [a, b]) {
    const m = await sub.next();
    assert.equal(m.text(), "headline", "a topic does not keep messages for later subscribers");
    assert.equal(m.headers["destination"], "/topic/interop.news");
    assert.equal(m.headers["subscription"], sub.id);
  }
  await c.disconnect();
});

Deno.test("stompit: client ack is cumulative; unacked messages return redelivered", async () => {
  await using tb = await startTestBroker();
  {
    await using c = await StompitSession.open(tb.stompPort);
    for (const body of ["m0", "m1", "m2"]) await c.send({ destination: "/queue/interop.client" }, body);
    const sub = await c.subscribe({ destination: "/queue/interop.client", ack: "client" });
    const got = [await sub.next(), await sub.next(), await sub.next()];
    assert.deepEqual(got.map((m) => m.text()), ["m0", "m1", "m2"]);
    assert.ok(got.every((m) => m.headers["ack"]), "STOMP 1.2 client ack gives each MESSAGE an ack id");
    await c.ack(got[1]); // covers m0 and m1
    await c.disconnect(); // m2 is still unacked
  }
  assert.equal(tb.broker.service.queueSize("interop.client"), 1);
  await using again = await StompitSession.open(tb.stompPort);
  const sub = await again.subscribe({ destination: "/queue/interop.client", ack: "client" });
  const m = await sub.next();
  assert.equal(m.text(), "m2");
  assert.equal(m.headers["redelivered"], "true");
  await again.ack(m);
  await again.disconnect();
  assert.equal(tb.broker.service.queueSize("interop.client"), 0);
});

Deno.test("stompit: client-individual ack acknowledges only that message", async () => {
  await using tb = await startTestBroker();
  {
    await using c = await StompitSession.open(tb.stompPort);
    for (const body of ["m0", "m1", "m2"]) await c.send({ destination: "/queue/interop.individual" }, body);
    const sub = await c.subscribe({ destination: "/queue/interop.individual", ack: "client-individual" });
    const got = [await sub.next(), await sub.next(), await sub.next()];
    await c.ack(got[1]);
    await c.disconnect();
  }
  await using again = await StompitSession.open(tb.stompPort);
  const sub = await again.subscribe({ destination: "/queue/interop.individual" });
  assert.deepEqual([(await sub.next()).text(), (await sub.next()).text()], ["m0", "m2"]);
  await again.disconnect();
});

Deno.test("stompit: transacted sends appear on commit, never on abort", async () => {
  await using tb = await startTestBroker();
  await using c = await StompitSession.open(tb.stompPort);
  const sub = await c.subscribe({ destination: "/queue/interop.tx" });

  const aborted = c.begin();
  await aborted.send({ destination: "/queue/interop.tx" }, "rolled back");
  await aborted.abort();

  const committed = c.begin();
  await committed.send({ destination: "/queue/interop.tx" }, "c1");
  await committed.send({ destination: "/queue/interop.tx" }, "c2");
  // Sent outside the transaction after c1 and c2: it must overtake them.
  await c.send({ destination: "/queue/interop.tx" }, "outside");
  assert.equal((await sub.next()).text(), "outside", "uncommitted sends are not dispatched");
  await committed.commit();
  await c.send({ destination: "/queue/interop.tx" }, "end");
  const rest = [await sub.next(), await sub.next(), await sub.next()].map((m) => m.text());
  assert.deepEqual(rest, ["c1", "c2", "end"], "the aborted send never arrives");
  await c.disconnect();
});

Deno.test("stompit: an ACK inside a committed transaction consumes the message", async () => {
  await using tb = await startTestBroker();
  await using c = await StompitSession.open(tb.stompPort);
  await c.send({ destination: "/queue/interop.txack" }, "work");
  const sub = await c.subscribe({ destination: "/queue/interop.txack", ack: "client-individual" });
  const m = await sub.next();
  const tx = c.begin();
  await c.ack(m, { transaction: tx.id });
  await tx.commit();
  await c.disconnect();
  assert.equal(tb.broker.service.queueSize("interop.txack"), 0);
});

Deno.test("stompit: NACK moves a persistent message to ActiveMQ.DLQ and drops a non-persistent one", async () => {
  await using tb = await startTestBroker();
  await using c = await StompitSession.open(tb.stompPort);
  await c.send({ destination: "/queue/interop.nack" }, "non-persistent");
  await c.send({ destination: "/queue/interop.nack", persistent: "true" }, "persistent");
  const sub = await c.subscribe({ destination: "/queue/interop.nack", ack: "client-individual" });
  const np = await sub.next();
  const p = await sub.next();
  assert.deepEqual([np.text(), p.text()], ["non-persistent", "persistent"]);
  await c.nack(np); // processNonPersistent=false: dropped, not dead-lettered
  await c.nack(p);
  const dlq = await c.subscribe({ destination: "/queue/ActiveMQ.DLQ" });
  const dead = await dlq.next();
  assert.equal(dead.text(), "persistent", "only the persistent message reaches the DLQ");
  assert.equal(dead.headers["original-destination"], "/queue/interop.nack");
  assert.equal(dead.headers["persistent"], "true");
  await c.disconnect();
  assert.equal(tb.broker.service.queueSize("interop.nack"), 0);
  assert.equal(tb.broker.service.queueSize("ActiveMQ.DLQ"), 0);
});

Deno.test("stompit: selector subscription gets only matching messages, numeric compare on strings", async () => {
  await using tb = await startTestBroker();
  await using c = await StompitSession.open(tb.stompPort);
  // STOMP properties are strings; ActiveMQ still compares weight numerically for STOMP selectors.
  const red = await c.subscribe({
    destination: "/queue/interop.sel",
    selector: "color = 'red' AND weight > 5",
  });
  const sent = [["blue", "9"], ["red", "3"], ["red", "7"], ["red", "99"]];
  for (const [color, weight] of sent) {
    await c.send({ destination: "/queue/interop.sel", color, weight }, `${color}-${weight}`);
  }
  assert.deepEqual([(await red.next()).text(), (await red.next()).text()], ["red-7", "red-99"]);
  const all = await c.subscribe({ destination: "/queue/interop.sel" });
  assert.deepEqual(
    [(await all.next()).text(), (await all.next()).text()],
    ["blue-9", "red-3"],
    "non-matching messages stay on the queue for other consumers",
  );
  await c.disconnect();
});

Deno.test("stompit: a durable subscription receives what was sent while it was offline", async () => {
  await using tb = await startTestBroker();
  const durable = {
    destination: "/topic/interop.durable",
    "activemq.subscriptionName": "interop-sub",
  };
  {
    await using sub1 = await StompitSession.open(tb.stompPort, { "client-id": "interop-durable" });
    const sub = await sub1.subscribe({ ...durable });
    await sub1.send({ destination: "/topic/interop.durable" }, "live");
    assert.equal((await sub.next()).text(), "live");
    await sub1.disconnect();
  }
  {
    await using producer = await StompitSession.open(tb.stompPort);
    for (const body of ["p1", "p2", "p3"]) {
      // Persistent: what ActiveMQ keeps for offline durable subscribers in its store.
      await producer.send({ destination: "/topic/interop.durable", persistent: "true" }, body);
    }
    await producer.disconnect();
  }
  await using back = await StompitSession.open(tb.stompPort, { "client-id": "interop-durable" });
  const sub = await back.subscribe({ ...durable });
  const got = [await sub.next(), await sub.next(), await sub.next()];
  assert.deepEqual(got.map((m) => m.text()), ["p1", "p2", "p3"]);
  assert.ok(got.every((m) => m.headers["persistent"] === "true"));
  // Removing it takes two UNSUBSCRIBEs in ActiveMQ: the first closes the consumer, the second
  // (same id, plus the name) removes the now inactive subscription.
  await back.unsubscribe(sub);
  await back.unsubscribe(sub, { "activemq.subscriptionName": "interop-sub" });
  assert.deepEqual(topicSubscriptions(tb, "interop.durable"), []);
  await back.send({ destination: "/topic/interop.durable", persistent: "true" }, "nobody keeps this");
  const fresh = await back.subscribe({ ...durable });
  await back.send({ destination: "/topic/interop.durable", persistent: "true" }, "fresh");
  assert.equal((await fresh.next()).text(), "fresh", "the removed subscription kept nothing");
  await back.disconnect();
});

Deno.test("stompit: removing a durable subscription while its consumer is active is refused", async () => {
  await using tb = await startTestBroker();
  await using c = await StompitSession.open(tb.stompPort, { "client-id": "interop-in-use" });
  const sub = await c.subscribe({
    destination: "/topic/interop.inuse",
    "activemq.subscriptionName": "in-use",
  });
  // What stompit's subscription.unsubscribe({ "activemq.subscriptionName": … }) sends: the id and
  // the name in one frame. ActiveMQ turns it into RemoveSubscriptionInfo only, which TopicRegion
  // refuses for an active subscription; the consumer and the subscription both stay.
  await assert.rejects(
    c.unsubscribe(sub, { "activemq.subscriptionName": "in-use" }),
    /Durable consumer is in use/,
  );
  // stompit closes its socket on any ERROR frame, so look at the broker directly.
  assert.equal(topicSubscriptions(tb, "interop.inuse").length, 1, "the durable subscription survives");
});

Deno.test("stompit: a 1 MiB binary body with NUL bytes survives with content-length", async () => {
  await using tb = await startTestBroker();
  await using c = await StompitSession.open(tb.stompPort);
  const body = new Uint8Array(1024 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 8)) & 0xff;
  body.fill(0, 0, 16); // NULs at the start, where a text parser would end the frame
  body[body.length - 1] = 0;
  assert.ok(body.filter((b) => b === 0).length > 4096);
  const sub = await c.subscribe({ destination: "/queue/interop.binary" });
  await c.send({ destination: "/queue/interop.binary", "content-length": body.length }, body);
  const m = await sub.next(15_000);
  assert.equal(m.headers["content-length"], String(body.length), "a BytesMessage carries content-length");
  assert.equal(m.body.length, body.length);
  assert.ok(Buffer.from(m.body).equals(Buffer.from(body)), "the body comes back byte for byte");
  await c.disconnect();
});

Deno.test("stompit: a burst of 2,000 messages arrives complete and in order", async () => {
  await using tb = await startTestBroker();
  await using c = await StompitSession.open(tb.stompPort);
  const sub = await c.subscribe({ destination: "/queue/interop.burst" });
  const count = 2_000;
  // Fire-and-forget like a fast producer; a receipt on the last one only.
  for (let i = 0; i < count - 1; i++) c.sendNoReceipt({ destination: "/queue/interop.burst" }, `msg-${i}`);
  await c.send({ destination: "/queue/interop.burst" }, `msg-${count - 1}`);
  for (let i = 0; i < count; i++) {
    const m = await sub.next(10_000);
    assert.equal(m.text(), `msg-${i}`);
  }
  await c.disconnect();
  assert.equal(tb.broker.service.queueSize("interop.burst"), 0);
});

/** The broker's subscriptions on topic `name` (durable ones outlive their connection). */
function topicSubscriptions(tb: TestBroker, name: string) {
  return tb.broker.service.stats().filter((s) =>
    s.destination.type === "topic" && s.destination.name === name
  );
}

// ---- a promise wrapper over stompit ------------------------------------------------------------

const WAIT_MS = 5_000;

/** What stompit hands to a subscription: a Readable body stream with parsed headers. */
interface StompitFrame {
  headers: Record<string, string | number>;
  on(event: "data", listener: (chunk: Uint8Array) => void): void;
  on(event: "end", listener: () => void): void;
  on(event: "error", listener: (err: Error) => void): void;
}

interface Received {
  headers: Record<string, string>;
  body: Uint8Array;
  text(): string;
}

type SendHeaders = Record<string, string | number>;

/** Rejects with a clear message when `promise` does not settle within `ms`. */
async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Messages of one subscription, buffered until the test asks for them. */
class Inbox {
  readonly id: string;
  #items: Received[] = [];
  #waiters: (() => void)[] = [];
  #error: Error | undefined;

  constructor(id: string) {
    this.id = id;
  }

  push(m: Received): void {
    this.#items.push(m);
    this.#wake();
  }

  fail(err: Error): void {
    this.#error ??= err;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** The next message, or a rejection after `timeoutMs` or when the connection fails. */
  next(timeoutMs = WAIT_MS): Promise<Received> {
    const take = async (): Promise<Received> => {
      while (this.#items.length === 0) {
        if (this.#error) throw this.#error;
        await new Promise<void>((resolve) => this.#waiters.push(resolve));
      }
      return this.#items.shift()!;
    };
    return bounded(take(), timeoutMs, `a MESSAGE on subscription ${this.id}`);
  }
}

/** One stompit connection. Every method that has a broker side waits for the broker's RECEIPT. */
class StompitSession implements AsyncDisposable {
  readonly #client: any;
  readonly connected: Record<string, string>;
  readonly #inboxes = new Map<string, Inbox>();
  readonly #pending = new Set<(err: Error) => void>();
  #failure: Error | undefined;
  #nextSubscription = 1;
  #done = false;

  private constructor(client: any) {
    this.#client = client;
    this.connected = { ...client.headers };
    client.on("error", (err: Error) => this.#fail(err));
  }

  static open(port: number, headers: Record<string, string> = {}): Promise<StompitSession> {
    const opened = new Promise<StompitSession>((resolve, reject) => {
      stompit.connect({
        host: "127.0.0.1",
        port,
        connectHeaders: { host: "localhost", "accept-version": "1.2", ...headers },
      }, (err: Error | null, client: any) => {
        if (err) return reject(err);
        // stompit writes one frame in several small writes (headers, body, NUL); with Nagle on,
        // every receipt round trip would wait ~40 ms for the peer's delayed ACK.
        client.getTransportSocket().setNoDelay(true);
        resolve(new StompitSession(client));
      });
    });
    return bounded(opened, WAIT_MS, "CONNECTED");
  }

  #fail(err: Error): void {
    // stompit reports an ERROR frame as an error whose message is the frame's `message` header.
    this.#failure ??= err;
    for (const reject of this.#pending) reject(err);
    this.#pending.clear();
    for (const inbox of this.#inboxes.values()) inbox.fail(err);
  }

  /** Sends `command` with a receipt request and resolves on the matching RECEIPT. */
  #withReceipt(what: string, write: (onReceipt: () => void) => void): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const acknowledged = new Promise<void>((resolve, reject) => {
      this.#pending.add(reject);
      write(() => {
        this.#pending.delete(reject);
        resolve();
      });
    });
    return bounded(acknowledged, WAIT_MS, `the RECEIPT for ${what}`);
  }

  send(headers: SendHeaders, body: string | Uint8Array): Promise<void> {
    return this.#withReceipt(`SEND to ${headers.destination}`, (onReceipt) => {
      this.#client.send({ ...headers }, { onReceipt }).end(
        typeof body === "string" ? body : Buffer.from(body),
      );
    });
  }

  sendNoReceipt(headers: SendHeaders, body: string): void {
    const frame = this.#client.send({ ...headers });
    frame.end(body);
  }

  /**
   * SUBSCRIBE with a receipt, so the consumer exists in the broker before the test goes on
   * (stompit's own subscribe() cannot ask for one; this is its documented lower-level API).
   */
  async subscribe(headers: SendHeaders): Promise<Inbox> {
    const id = String(this.#nextSubscription++);
    const inbox = new Inbox(id);
    this.#inboxes.set(id, inbox);
    const ack = String(headers.ack ?? "auto");
    this.#client.setImplicitSubscription(id, ack, (err: Error | null, frame: StompitFrame) => {
      if (err) return inbox.fail(err);
      readFrame(frame).then((m) => inbox.push(m), (e) => inbox.fail(e));
    });
    await this.#withReceipt(`SUBSCRIBE to ${headers.destination}`, (onReceipt) => {
      this.#client.sendFrame("SUBSCRIBE", { ...headers, id }, { onReceipt }).end();
    });
    return inbox;
  }

  /** UNSUBSCRIBE by subscription id and/or with extra headers (activemq.subscriptionName). */
  unsubscribe(inbox: Inbox | undefined, headers: SendHeaders = {}): Promise<void> {
    const all = inbox ? { ...headers, id: inbox.id } : headers;
    return this.#withReceipt("UNSUBSCRIBE", (onReceipt) => {
      this.#client.sendFrame("UNSUBSCRIBE", all, { onReceipt }).end();
    });
  }

  ack(m: Received, headers: SendHeaders = {}): Promise<void> {
    return this.#withReceipt(`ACK of ${m.headers["message-id"]}`, (onReceipt) => {
      this.#client.ack({ headers: m.headers }, headers, { onReceipt });
    });
  }

  nack(m: Received, headers: SendHeaders = {}): Promise<void> {
    return this.#withReceipt(`NACK of ${m.headers["message-id"]}`, (onReceipt) => {
      this.#client.nack({ headers: m.headers }, headers, { onReceipt });
    });
  }

  /**
   * BEGIN through stompit's Transaction object. stompit sends BEGIN without a receipt; the
   * broker handles a connection's frames in order, so the receipts of the SENDs and of the
   * COMMIT/ABORT that follow also cover it (and a refused BEGIN surfaces as an ERROR).
   */
  begin(): {
    id: string;
    send(headers: SendHeaders, body: string): Promise<void>;
    commit(): Promise<void>;
    abort(): Promise<void>;
  } {
    const tx = this.#client.begin();
    const id = String(tx.id);
    return {
      id,
      send: (headers, body) =>
        this.#withReceipt(`SEND in ${id}`, (onReceipt) => tx.send({ ...headers }, { onReceipt }).end(body)),
      commit: () => this.#withReceipt(`COMMIT ${id}`, (onReceipt) => tx.commit({ onReceipt })),
      abort: () => this.#withReceipt(`ABORT ${id}`, (onReceipt) => tx.abort({ onReceipt })),
    };
  }

  /** DISCONNECT; stompit waits for the broker's RECEIPT, then closes the socket. */
  disconnect(): Promise<void> {
    this.#done = true;
    const ended = new Promise<void>((resolve, reject) => {
      this.#client.disconnect((err: Error | null) => err ? reject(err) : resolve());
    });
    return bounded(ended, WAIT_MS, "the DISCONNECT receipt");
  }

  [Symbol.asyncDispose](): Promise<void> {
    // Normal paths disconnect explicitly; this only runs the socket down after a failed assertion.
    if (!this.#done) this.#client.destroy();
    return Promise.resolve();
  }
}

function readFrame(frame: StompitFrame): Promise<Received> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    frame.on("data", (chunk) => chunks.push(chunk));
    frame.on("error", reject);
    frame.on("end", () => {
      const body = new Uint8Array(Buffer.concat(chunks));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(frame.headers)) headers[k] = String(v);
      resolve({ headers, body, text: () => new TextDecoder().decode(body) });
    });
  });
}
