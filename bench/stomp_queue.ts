/**
 * STOMP queue throughput: one producer and one consumer over real loopback
 * sockets against an in-process broker, 1 KiB non-persistent messages.
 */
import { Broker } from "../src/runtime/broker.ts";
import { parseTransportUri } from "../src/config/mod.ts";
import { StompParser } from "../src/protocol/stomp/codec.ts";

export interface StompQueueResult {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
}

const encoder = new TextEncoder();

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

async function connect(port: number): Promise<{ conn: Deno.TcpConn; parser: StompParser; buf: Uint8Array }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await writeAll(conn, encoder.encode("CONNECT\naccept-version:1.2\nhost:localhost\n\n\0"));
  const parser = new StompParser();
  const buf = new Uint8Array(256 * 1024);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) throw new Error("closed during CONNECT");
    if (parser.push(buf.subarray(0, n)).some((e) => e.kind === "frame" && e.frame.command === "CONNECTED")) {
      break;
    }
  }
  parser.version = "1.2";
  return { conn, parser, buf };
}

export async function stompQueueBench(messages = 100_000, bodySize = 1024): Promise<StompQueueResult> {
  const broker = await Broker.start({
    persistent: false,
    transportConnectors: [{ name: "stomp", uri: parseTransportUri("stomp://127.0.0.1:0") }],
  }, { logLevel: "warn" });
  try {
    const port = broker.connector("stomp")!.port;
    const consumer = await connect(port);
    await writeAll(
      consumer.conn,
      encoder.encode("SUBSCRIBE\nid:1\ndestination:/queue/bench\nack:auto\nreceipt:s\n\n\0"),
    );
    const producer = await connect(port);

    const body = "x".repeat(bodySize);
    const frame = encoder.encode(`SEND\ndestination:/queue/bench\ncontent-type:text/plain\n\n${body}\0`);
    const batch = 64;
    const chunk = new Uint8Array(frame.length * batch);
    for (let i = 0; i < batch; i++) chunk.set(frame, i * frame.length);

    const start = performance.now();
    const received = (async () => {
      let count = 0;
      while (count < messages) {
        const n = await consumer.conn.read(consumer.buf);
        if (n === null) throw new Error("consumer closed");
        for (const e of consumer.parser.push(consumer.buf.subarray(0, n))) {
          if (e.kind === "frame" && e.frame.command === "MESSAGE") count++;
          if (e.kind === "frame" && e.frame.command === "ERROR") throw new Error("ERROR frame received");
        }
      }
    })();
    for (let sent = 0; sent < messages; sent += batch) {
      const n = Math.min(batch, messages - sent);
      await writeAll(producer.conn, n === batch ? chunk : chunk.subarray(0, n * frame.length));
    }
    await received;
    const seconds = (performance.now() - start) / 1000;
    producer.conn.close();
    consumer.conn.close();
    return { messages, seconds, messagesPerSecond: Math.round(messages / seconds) };
  } finally {
    await broker.stop();
  }
}
