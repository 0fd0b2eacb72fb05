/**
 * Heart-beating (STOMP 1.1+): the broker answers `cx,cy` with `cy,cx`, sends
 * something at least every `cy` ms, and closes a client that stays silent past
 * the `cx` it promised. Intervals are small so the file stays fast.
 */
import assert from "node:assert/strict";
import { startTestBroker } from "../support/broker.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import { expectMessage, subscribe } from "./_helpers.ts";

/** Waits for `count` more heart-beats and returns the time between consecutive ones. */
async function heartbeatGaps(c: RawStomp, count: number): Promise<number[]> {
  const gaps: number[] = [];
  let last = performance.now();
  for (let i = 1; i <= count; i++) {
    const target = c.heartbeats + 1;
    assert.equal(await c.waitHeartbeats(target, 2000), true, `heart-beat ${i} of ${count} did not come`);
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }
  return gaps;
}

Deno.test("CONNECTED answers heart-beat cx,cy with cy,cx", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort, { "heart-beat": "0,0" });
  await using d = await RawStomp.open(b.stompPort);
  await d.send("CONNECT", { "accept-version": "1.2", host: "localhost", "heart-beat": "5000,3000" });
  const f = await d.next();
  assert.equal(f.command, "CONNECTED");
  assert.equal(f.headers["heart-beat"], "3000,5000");
  await using e = await RawStomp.open(b.stompPort);
  await e.send("CONNECT", { "accept-version": "1.2", host: "localhost" });
  assert.equal((await e.next()).headers["heart-beat"], "0,0", "no heart-beat header means 0,0");
  assert.equal(c.closed, false);
});

Deno.test("the broker sends heart-beats at the rate the client asked for", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.open(b.stompPort);
  await c.send("CONNECT", { "accept-version": "1.2", host: "localhost", "heart-beat": "0,100" });
  const f = await c.next();
  assert.equal(f.headers["heart-beat"], "100,0");
  const gaps = await heartbeatGaps(c, 6);
  // Never more than the asked-for 100 ms apart (with room for a busy test machine)…
  assert.ok(Math.max(...gaps) <= 250, `gaps ${gaps.map(Math.round)} ms exceed 100 ms by far`);
  // …and no flood either: six beats take most of 6 × 100 ms.
  const total = gaps.reduce((a, g) => a + g, 0);
  assert.ok(total >= 250, `six heart-beats in ${Math.round(total)} ms is too many`);
  assert.equal(c.closed, false);
});

Deno.test("without heart-beats negotiated the broker sends none", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort, { "heart-beat": "0,0" });
  const before = c.heartbeats;
  assert.deepEqual(await c.collectFor(300), []);
  assert.equal(c.heartbeats, before);
  assert.equal(c.closed, false);
});

Deno.test("a client silent past its promised heart-beat is closed", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.open(b.stompPort);
  await c.send("CONNECT", { "accept-version": "1.2", host: "localhost", "heart-beat": "100,0" });
  const f = await c.next();
  assert.equal(f.headers["heart-beat"], "0,100");
  const start = performance.now();
  assert.equal(await c.waitClosed(2000), true, "the broker should close a silent client");
  const silent = performance.now() - start;
  assert.ok(silent >= 90, `closed after ${Math.round(silent)} ms, before the promised 100 ms had passed`);
  assert.deepEqual(await c.collectFor(0), [], "the broker just closes; there is no frame");
});

Deno.test("a client that keeps its heart-beat promise stays connected", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort, { "heart-beat": "100,0" });
  const beat = setInterval(() => c.write("\n").catch(() => {}), 40);
  try {
    assert.equal(await c.waitClosed(500), false, "closed although heart-beats kept coming");
  } finally {
    clearInterval(beat);
  }
  await subscribe(c, "s", "/queue/hb-alive");
  await c.send("SEND", { destination: "/queue/hb-alive" }, "still here");
  await expectMessage(c, "still here");
});

Deno.test("frames count as activity, not only heart-beats", async () => {
  await using b = await startTestBroker();
  await using c = await RawStomp.connect(b.stompPort, { "heart-beat": "100,0" });
  await subscribe(c, "s", "/topic/hb-frames");
  const deadline = performance.now() + 500;
  let n = 0;
  while (performance.now() < deadline) {
    await c.send("SEND", { destination: "/topic/hb-frames" }, `tick ${n}`);
    await expectMessage(c, `tick ${n++}`);
    assert.equal(await c.waitClosed(40), false);
  }
  assert.equal(c.closed, false);
});

Deno.test("transport.defaultHeartBeat applies when CONNECT has no heart-beat header", async () => {
  await using b = await startTestBroker({ stompOptions: "transport.defaultHeartBeat=100,0" });
  await using c = await RawStomp.open(b.stompPort);
  await c.send("CONNECT", { "accept-version": "1.2", host: "localhost" });
  assert.equal((await c.next()).headers["heart-beat"], "0,100");
  assert.equal(await c.waitClosed(2000), true);
});
