/**
 * MQTT publish/subscribe over real loopback sockets against an in-process broker: 1 KiB
 * messages, one publisher and one subscriber on one topic, at QoS 0 and QoS 1. Throughput
 * is a burst (QoS 1: at most `window` PUBLISHes awaiting PUBACK); latency is one message
 * at a time, publish to delivery, reported as p50/p99. The clients are raw-packet clients
 * on the project's codec, so the numbers are the broker's, not a client library's.
 */
import { Broker } from "../src/runtime/broker.ts";
import { parseTransportUri } from "../src/config/mod.ts";
import { encodePacket, type MqttPacket, MqttParser, type MqttQoS } from "../src/protocol/mqtt/codec.ts";

export interface MqttBenchOptions {
  /** Messages per throughput run (default 50,000). */
  messages?: number;
  /** Payload bytes (default 1024). */
  payloadSize?: number;
  /** Round trips measured for latency (default 2,000). */
  latencySamples?: number;
  /** QoS 1 PUBLISHes in flight at once during the throughput run (default 1,000). */
  window?: number;
}

export interface MqttBenchResult {
  qos: 0 | 1;
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

const TOPIC = "bench/mqtt";

/**
 * Runs the QoS 0 and QoS 1 benchmarks; one result per QoS.
 *
 * @example
 * ```ts
 * for (const r of await mqttBench({ messages: 20_000 })) {
 *   console.log(`mqtt qos${r.qos} 1KiB: ${r.messagesPerSecond} msg/s, p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms`);
 * }
 * ```
 */
export async function mqttBench(options: MqttBenchOptions = {}): Promise<MqttBenchResult[]> {
  const messages = options.messages ?? 50_000;
  const payloadSize = options.payloadSize ?? 1024;
  const samples = options.latencySamples ?? 2_000;
  const window = options.window ?? 1_000;
  const broker = await Broker.start({
    persistent: false,
    transportConnectors: [{ name: "mqtt", uri: parseTransportUri("mqtt://127.0.0.1:0") }],
  }, { logLevel: "warn" });
  try {
    const port = broker.connector("mqtt")!.port;
    const results: MqttBenchResult[] = [];
    for (const qos of [0, 1] as const) {
      const sub = await BenchClient.connect(port, `bench-sub-${qos}`);
      const pub = await BenchClient.connect(port, `bench-pub-${qos}`);
      try {
        await sub.subscribe(TOPIC, qos);
        const payload = new Uint8Array(payloadSize).fill(0x61);
        const throughput = await burst(pub, sub, qos, payload, messages, window);
        const latencies = await pingPong(pub, sub, qos, payload, samples);
        latencies.sort((a, b) => a - b);
        results.push({
          qos,
          messages,
          seconds: throughput,
          messagesPerSecond: Math.round(messages / throughput),
          latencyP50Ms: round(percentile(latencies, 0.5)),
          latencyP99Ms: round(percentile(latencies, 0.99)),
        });
      } finally {
        pub.close();
        sub.close();
      }
    }
    return results;
  } finally {
    await broker.stop();
  }
}

/** Publishes `count` messages as fast as the QoS allows; resolves with the seconds until all arrived. */
async function burst(
  pub: BenchClient,
  sub: BenchClient,
  qos: MqttQoS,
  payload: Uint8Array,
  count: number,
  window: number,
): Promise<number> {
  const start = performance.now();
  const received = sub.receive(count);
  let sent = 0;
  let acked = 0;
  const batch = 64;
  while (sent < count) {
    if (qos === 1) {
      while (sent - acked >= window) acked += await pub.acks();
    }
    const n = Math.min(batch, count - sent, qos === 1 ? window - (sent - acked) : batch);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < n; i++) chunks.push(pub.publishBytes(TOPIC, payload, qos));
    await pub.write(concat(chunks));
    sent += n;
  }
  while (qos === 1 && acked < count) acked += await pub.acks();
  await received;
  return (performance.now() - start) / 1000;
}

/** One message at a time: milliseconds from PUBLISH written to PUBLISH read. */
async function pingPong(
  pub: BenchClient,
  sub: BenchClient,
  qos: MqttQoS,
  payload: Uint8Array,
  samples: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    const received = sub.receive(1);
    await pub.write(pub.publishBytes(TOPIC, payload, qos));
    await received;
    out.push(performance.now() - start);
    if (qos === 1) await pub.acks();
  }
  return out;
}

/** A raw MQTT 3.1.1 client: enough to connect, subscribe, publish and count what comes back. */
class BenchClient {
  readonly #conn: Deno.TcpConn;
  readonly #parser = new MqttParser({ side: "client" });
  readonly #buffer = new Uint8Array(256 * 1024);
  #packets: MqttPacket[] = [];
  #nextId = 1;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#parser.version = 4;
  }

  static async connect(port: number, clientId: string): Promise<BenchClient> {
    const c = new BenchClient(await Deno.connect({ hostname: "127.0.0.1", port }));
    c.#conn.setNoDelay(true);
    await c.write(encodePacket({ type: "connect", clientId, clean: true, keepAlive: 0 }, 4));
    const ack = await c.#next();
    if (ack.type !== "connack" || ack.reasonCode !== 0) {
      throw new Error(`CONNECT refused: ${JSON.stringify(ack)}`);
    }
    return c;
  }

  async subscribe(topicFilter: string, qos: MqttQoS): Promise<void> {
    await this.write(encodePacket({
      type: "subscribe",
      packetId: 1,
      subscriptions: [{ topicFilter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
    }, 4));
    const ack = await this.#next();
    if (ack.type !== "suback") throw new Error(`Expected SUBACK, got ${ack.type}`);
  }

  /**
   * A PUBLISH, encoded once per topic, payload and QoS and then copied with the next packet
   * id patched in, so the client spends as little as possible of the process's time.
   */
  publishBytes(topic: string, payload: Uint8Array, qos: MqttQoS): Uint8Array {
    let template = this.#template;
    if (!template || template.topic !== topic || template.payload !== payload || template.qos !== qos) {
      const bytes = encodePacket({
        type: "publish",
        topic,
        payload,
        qos,
        retain: false,
        dup: false,
        packetId: 1,
      }, 4);
      // Fixed header byte, Remaining Length (1-4 bytes), topic length (2) and topic, then the id.
      let at = 1;
      while (bytes[at] & 0x80) at++;
      at += 1 + 2 + new TextEncoder().encode(topic).length;
      template = this.#template = { topic, payload, qos, bytes, idAt: at };
    }
    if (qos === 0) return template.bytes;
    const id = this.#nextId;
    this.#nextId = id === 65535 ? 1 : id + 1;
    const out = template.bytes.slice();
    out[template.idAt] = id >> 8;
    out[template.idAt + 1] = id & 0xff;
    return out;
  }

  #template:
    | { topic: string; payload: Uint8Array; qos: MqttQoS; bytes: Uint8Array; idAt: number }
    | undefined;

  /** Reads until `count` PUBLISHes arrived, acknowledging QoS 1 ones. */
  async receive(count: number): Promise<void> {
    let got = 0;
    while (got < count) {
      const packets = await this.#read();
      const acks: Uint8Array[] = [];
      for (const p of packets) {
        if (p.type !== "publish") continue;
        got++;
        if (p.qos === 1) acks.push(encodePacket({ type: "puback", packetId: p.packetId!, reasonCode: 0 }, 4));
      }
      if (acks.length > 0) await this.write(concat(acks));
    }
  }

  /** Reads at least one packet; returns how many PUBACKs came. */
  async acks(): Promise<number> {
    let n = 0;
    for (const p of await this.#read()) if (p.type === "puback") n++;
    return n;
  }

  async #next(): Promise<MqttPacket> {
    while (this.#packets.length === 0) this.#packets = await this.#read();
    return this.#packets.shift()!;
  }

  async #read(): Promise<MqttPacket[]> {
    if (this.#packets.length > 0) {
      const p = this.#packets;
      this.#packets = [];
      return p;
    }
    for (;;) {
      const n = await this.#conn.read(this.#buffer);
      if (n === null) throw new Error("The broker closed the connection");
      const out: MqttPacket[] = [];
      for (const e of this.#parser.push(this.#buffer.subarray(0, n))) {
        if (e.kind === "error") throw new Error(e.message);
        out.push(e.packet);
      }
      if (out.length > 0) return out;
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) at += await this.#conn.write(bytes.subarray(at));
  }

  close(): void {
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

if (import.meta.main) {
  for (const r of await mqttBench()) {
    console.log(
      `mqtt qos${r.qos} 1KiB 1p/1c: ${r.messagesPerSecond} msg/s (${r.messages} in ${
        r.seconds.toFixed(2)
      } s), ` +
        `latency p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms`,
    );
  }
}
