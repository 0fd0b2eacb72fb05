/**
 * Robustness: malformed and oversized frames get an ERROR and a close, and a
 * thousand connections sending garbage do not take the broker down while a
 * well-behaved client keeps exchanging messages.
 */
import assert from "node:assert/strict";
import { rng as prng } from "../support/random.ts";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import { expectErrorThenClose, expectMessage, subscribe } from "./_helpers.ts";

const CONNECT = "CONNECT\naccept-version:1.2\nhost:localhost\n\n\0";

/** Each case is written on a fresh connection; every one must end in ERROR, then close. */
const MALFORMED: [name: string, bytes: () => Uint8Array | string, message: RegExp][] = [
  ["unknown command", () => CONNECT + "FROB\n\n\0", /Unknown STOMP action: FROB/],
  [
    "header line without ':'",
    () => CONNECT + "SEND\ndestination:/queue/m\nno colon here\n\n\0",
    /without ':'/,
  ],
  [
    "invalid UTF-8 in a header",
    () => bytes(CONNECT + "SEND\ndestination:/queue/m\nx:", [0xff, 0xfe], "\n\n\0"),
    /UTF-8/,
  ],
  [
    "content-length that is not a number",
    () => CONNECT + "SEND\ndestination:/queue/m\ncontent-length:ten\n\n\0",
    /content-length/,
  ],
  [
    "content-length bytes not followed by NUL",
    () => CONNECT + "SEND\ndestination:/queue/m\ncontent-length:2\n\nabc\0",
    /NUL/,
  ],
  ["command line over 1 KiB", () => "C".repeat(2000), /maxCommandLength/],
  ["header line over 10 KiB", () => CONNECT + `SEND\nx:${"v".repeat(11 * 1024)}\n\n\0`, /maxHeaderLength/],
  ["more than 1000 headers", () => CONNECT + "SEND\n" + "h:v\n".repeat(1001) + "\n\0", /maxHeaders/],
  [
    "content-length over maxDataLength (100 MiB)",
    () => CONNECT + "SEND\ndestination:/queue/m\ncontent-length:104857601\n\n",
    /maxDataLength/,
  ],
  [
    "binary garbage before CONNECT",
    // A TLS ClientHello on the plain port, for instance.
    () => bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x0a], "\n\n\0"),
    /^Not connected: expected CONNECT, got '/,
  ],
  ["a SEND before CONNECT", () => "SEND\ndestination:/queue/m\n\nsneaky\0", /Not connected/],
];

for (const [name, make, message] of MALFORMED) {
  Deno.test(`malformed: ${name} → ERROR, then close; the broker carries on`, async () => {
    await using b = await startTestBroker();
    await using c = await RawStomp.open(b.stompPort);
    const data = make();
    await c.write(data).catch(() => {/* the broker may close before all bytes are in */});
    const text = typeof data === "string" ? data : new TextDecoder().decode(data);
    // Cases that connect first see CONNECTED before the ERROR.
    if (text.startsWith(CONNECT)) assert.equal((await c.next()).command, "CONNECTED");
    const f = await c.next();
    assert.equal(f.command, "ERROR");
    assert.match(f.headers.message, message);
    assert.equal(await c.waitClosed(), true);
    assert.equal(b.broker.service.queueSize("m"), 0);
    await using ok = await RawStomp.connect(b.stompPort);
    await subscribe(ok, "s", "/queue/after");
    await ok.send("SEND", { destination: "/queue/after" }, "fine");
    await expectMessage(ok, "fine");
  });
}

Deno.test("a frame split into single bytes is still one frame", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort);
  await subscribe(c, "s", "/queue/trickle");
  const frame = new TextEncoder().encode("SEND\ndestination:/queue/trickle\ncontent-length:3\n\na\0b\0");
  for (const byte of frame) await c.write(new Uint8Array([byte]));
  const m = await c.next();
  assert.equal(m.command, "MESSAGE");
  assert.deepEqual(m.bytes, new Uint8Array([0x61, 0, 0x62]));
});

Deno.test("an oversized frame closes only its own connection", async () => {
  await using b = await startTestBroker({ stompOptions: "wireFormat.maxFrameSize=1024" });
  await using good = await RawStomp.connect(b.stompPort);
  await subscribe(good, "s", "/queue/neighbour");
  await using bad = await RawStomp.connect(b.stompPort);
  await bad.write(`SEND\ndestination:/queue/neighbour\n\n${"x".repeat(5000)}\0`).catch(() => {});
  await expectErrorThenClose(bad, /maxFrameSize/);
  await good.send("SEND", { destination: "/queue/neighbour" }, "unaffected");
  await expectMessage(good, "unaffected");
});

// ---- 1,000 garbage connections ------------------------------------------------

const GARBAGE_CONNECTIONS = 1000;
const BATCH = 100;

/**
 * Garbage of several kinds. Every kind ends in a way that makes the broker
 * answer (the tail completes a bogus frame whatever state the random part left
 * the parser in), so each connection is over in bounded time.
 */
function garbage(random: () => number, i: number): Uint8Array {
  const tail = "\n\n\0\nJUNK\n\n\0";
  switch (i % 5) {
    case 0: { // random bytes
      const n = 1 + Math.floor(random() * 2000);
      const out = new Uint8Array(n);
      for (let k = 0; k < n; k++) out[k] = Math.floor(random() * 256);
      return bytes(out, tail);
    }
    case 1: { // random printable lines, some with colons
      let text = "";
      const lines = 1 + Math.floor(random() * 20);
      for (let k = 0; k < lines; k++) {
        const len = Math.floor(random() * 80);
        for (let j = 0; j < len; j++) text += String.fromCharCode(32 + Math.floor(random() * 95));
        text += "\n";
      }
      return bytes(text, tail);
    }
    case 2: // a CONNECT nobody can accept
      return bytes(`CONNECT\naccept-version:${Math.floor(random() * 90) + 10}.0\n\n\0`);
    case 3: // an endless command line
      return bytes("X".repeat(1025 + Math.floor(random() * 3000)));
    default: { // connect, then a frame with an undefined escape sequence (\c \n \r \\ are the defined ones)
      const undefinedEscapes = "abdefghijklmopqstuvwxyz";
      const e = undefinedEscapes[Math.floor(random() * undefinedEscapes.length)];
      return bytes(CONNECT, `SEND\ndestination:/queue/g\nv:\\${e}\n\n\0`);
    }
  }
}

/** Opens a connection, writes garbage, and reports whether the broker closed it in time. */
async function garbageConnection(port: number, data: Uint8Array): Promise<boolean> {
  await using c = await RawStomp.open(port);
  await c.write(data).catch(() => {/* reset by the broker mid-write: that is a close too */});
  return await c.waitClosed(5000);
}

/** Keeps one well-behaved client exchanging messages until stopped. */
class Pinger {
  count = 0;
  readonly done: Promise<void>;
  #stopped = false;
  #failure: unknown;
  #waiters: (() => void)[] = [];

  constructor(c: RawStomp, destination: string) {
    this.done = this.#run(c, destination);
    // Marks the rejection handled; stop() still reports it.
    this.done.catch((err) => {
      this.#failure = err ?? new Error("pinger failed");
      this.#wake();
    });
  }

  async #run(c: RawStomp, destination: string): Promise<void> {
    while (!this.#stopped) {
      const body = `ping ${this.count}`;
      await c.send("SEND", { destination }, body);
      await expectMessage(c, body);
      this.count++;
      this.#wake();
    }
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves once one more round trip than now has completed; rejects if the client failed. */
  progress(): Promise<void> {
    const target = this.count + 1;
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.count >= target) resolve();
        else if (this.#failure !== undefined) reject(this.#failure);
        else this.#waiters.push(check);
      };
      check();
    });
  }

  stop(): Promise<void> {
    this.#stopped = true;
    return this.done;
  }
}

Deno.test("1,000 connections sending garbage: all are closed, the broker stays up, a good client keeps going", async () => {
  await using b = await startTestBroker();
  await using good = await RawStomp.connect(b.stompPort);
  await subscribe(good, "s", "/queue/steady");
  const pinger = new Pinger(good, "/queue/steady");
  const random = prng(0x5eed);
  let closed = 0;
  try {
    for (let start = 0; start < GARBAGE_CONNECTIONS; start += BATCH) {
      const batch = [];
      for (let i = start; i < start + BATCH; i++) {
        batch.push(garbageConnection(b.stompPort, garbage(random, i)));
      }
      const results = await Promise.all(batch);
      closed += results.filter((r) => r).length;
      // The good client made progress while this batch was hammering the broker.
      await pinger.progress();
    }
  } finally {
    await pinger.stop();
  }
  assert.equal(closed, GARBAGE_CONNECTIONS, "every garbage connection is closed by the broker");
  assert.ok(pinger.count >= GARBAGE_CONNECTIONS / BATCH, `only ${pinger.count} round trips`);
  assert.equal(b.broker.service.connectionCount, 1, "only the good client is connected to the core");

  // Afterwards: the good client and a new one both work.
  await good.send("SEND", { destination: "/queue/steady" }, "after the storm");
  await expectMessage(good, "after the storm");
  await using fresh = await RawStomp.connect(b.stompPort);
  await subscribe(fresh, "s", "/topic/fresh");
  await fresh.send("SEND", { destination: "/topic/fresh" }, "new connection");
  await expectMessage(fresh, "new connection");
});

function bytes(...parts: (string | number[] | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((p) =>
    typeof p === "string" ? new TextEncoder().encode(p) : p instanceof Uint8Array ? p : new Uint8Array(p)
  );
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
