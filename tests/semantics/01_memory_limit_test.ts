import assert from "node:assert/strict";
import { StompParser } from "../../src/protocol/stomp/codec.ts";
import { spawnBroker, writeConfig } from "../support/process.ts";

const encoder = new TextEncoder();
const MiB = 1024 * 1024;

function rssBytes(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

async function stompConnect(port: number): Promise<{ conn: Deno.TcpConn; parser: StompParser }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await writeAll(conn, encoder.encode("CONNECT\naccept-version:1.2\nhost:localhost\n\n\0"));
  const parser = new StompParser();
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) throw new Error("closed during CONNECT");
    if (parser.push(buf.subarray(0, n)).some((e) => e.kind === "frame" && e.frame.command === "CONNECTED")) {
      break;
    }
  }
  parser.version = "1.2";
  return { conn, parser };
}

/**
 * Issue 5 acceptance: 1 GiB of non-persistent messages to a queue nobody reads,
 * with memoryUsage 64 MB: producer flow control keeps the broker process under
 * 256 MB resident, and a consumer draining the queue lets everything through.
 */
Deno.test({
  name: "memory: 1 GiB into an unread queue under memoryUsage 64 MB stays under 256 MB RSS, then drains",
  // The broker is a separate process (started as `deno task start` would): its RSS is what is measured.
  fn: async () => {
    const config = await writeConfig(`<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="mem" persistent="false">
    <systemUsage><systemUsage>
      <memoryUsage><memoryUsage limit="64 mb"/></memoryUsage>
    </systemUsage></systemUsage>
    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:0"/>
    </transportConnectors>
  </broker>
</beans>
`);
    await using proc = spawnBroker(["start", "--config", config]);
    const line = await proc.waitFor(/Listening for connections at: stomp:\/\/127\.0\.0\.1:\d+/);
    const port = Number(/:(\d+)\s*$/.exec(line)![1]);
    const pid = proc.child.pid;

    const bodySize = 64 * 1024;
    const total = 1024 * MiB;
    const count = total / bodySize;
    const frame = encoder.encode(`SEND\ndestination:/queue/flood\n\n${"x".repeat(bodySize)}\0`);
    const batch = 16;
    const chunk = new Uint8Array(frame.length * batch);
    for (let i = 0; i < batch; i++) chunk.set(frame, i * frame.length);

    const producer = await stompConnect(port);
    let sent = 0;
    let peakRss = 0;
    const producing = (async () => {
      for (; sent < count; sent += batch) {
        await writeAll(producer.conn, chunk);
        peakRss = Math.max(peakRss, rssBytes(pid));
      }
    })();

    // Wait until the broker blocks the producer (its warning names the destination and the limit).
    await proc.waitFor(/Memory limit reached on queue:\/\/flood/, 30_000);
    for (let i = 0; i < 20; i++) peakRss = Math.max(peakRss, rssBytes(pid));
    assert.ok(sent < count, "the producer is held back before sending everything");

    // A consumer drains the queue: every message arrives and the producer finishes.
    const consumer = await stompConnect(port);
    await writeAll(
      consumer.conn,
      encoder.encode("SUBSCRIBE\nid:1\ndestination:/queue/flood\nack:auto\n\n\0"),
    );
    const buf = new Uint8Array(1024 * 1024);
    let received = 0;
    while (received < count) {
      const n = await consumer.conn.read(buf);
      if (n === null) throw new Error("consumer closed");
      for (const e of consumer.parser.push(buf.subarray(0, n))) if (e.kind === "frame") received++;
      if (received % 512 === 0) peakRss = Math.max(peakRss, rssBytes(pid));
    }
    await producing;
    assert.equal(received, count);
    console.log(`memory test: peak broker RSS ${(peakRss / MiB).toFixed(0)} MiB while 1 GiB went through`);
    assert.ok(peakRss < 256 * MiB, `broker RSS peaked at ${(peakRss / MiB).toFixed(0)} MiB`);
    producer.conn.close();
    consumer.conn.close();
  },
});
