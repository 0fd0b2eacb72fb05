/**
 * OpenWire queue throughput and latency with ActiveMQ's own Java client
 * (tests/openwire/java/JmsBench.java, compiled like the tests' client) against an
 * in-process broker over loopback: 1 KiB messages, 1 producer/1 consumer and 4/4,
 * persistent and non-persistent. Each shape runs after a warm-up of the same shape.
 *
 * Needs a JDK and Debian's libactivemq-java (see tests/support/java_client.ts).
 *
 * @example
 * ```ts
 * import { openWireQueueBench } from "./openwire.ts";
 *
 * for (const r of await openWireQueueBench({ messages: 20_000 })) {
 *   console.log(`${r.config}: ${r.messagesPerSecond} msg/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
 * }
 * ```
 */
import { Broker } from "../src/runtime/broker.ts";
import { parseTransportUri } from "../src/config/mod.ts";
import { type JavaClient, requireJavaClient } from "../tests/support/java_client.ts";

export interface OpenWireBenchResult {
  /** `<producers>x<consumers>:<persistent|non-persistent>`, e.g. `4x4:persistent`. */
  config: string;
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  /** Send-to-receive latency percentiles, milliseconds. */
  p50Ms: number;
  p99Ms: number;
}

export interface OpenWireBenchOptions {
  /** Messages per shape (default 20,000; a tenth of it again as warm-up). */
  messages?: number;
  /** Body size in bytes (default 1024). */
  bodySize?: number;
  /** Shapes to run (default every combination of 1x1/4x4 and persistent/non-persistent). */
  configs?: string[];
  /** Where persistent messages go: the memory store (default) or KahaDB in a temporary directory. */
  store?: "memory" | "kahadb";
}

const DEFAULT_CONFIGS = ["1x1:non-persistent", "1x1:persistent", "4x4:non-persistent", "4x4:persistent"];

/**
 * Runs the benchmark and returns one result per shape. Throws when the JDK or the
 * ActiveMQ client jars are missing (the message names the Debian package).
 */
export async function openWireQueueBench(options: OpenWireBenchOptions = {}): Promise<OpenWireBenchResult[]> {
  const client = await requireJavaClient("the OpenWire benchmark");
  if (!client) throw new Error("The OpenWire benchmark needs a JDK and Debian's libactivemq-java");
  const messages = options.messages ?? 20_000;
  const configs = options.configs ?? DEFAULT_CONFIGS;
  const dataDir = options.store === "kahadb"
    ? await Deno.makeTempDir({ prefix: "openwire-bench-" })
    : undefined;
  const broker = await Broker.start({
    persistent: dataDir !== undefined,
    persistenceAdapter: dataDir !== undefined
      ? { kind: "kahaDB", directory: dataDir, options: {} }
      : { kind: "memory" },
    transportConnectors: [{ name: "openwire", uri: parseTransportUri("tcp://127.0.0.1:0") }],
  }, { logLevel: "warn" });
  try {
    const url = `tcp://127.0.0.1:${broker.connector("openwire")!.port}`;
    return await runJavaBench(client, [url, String(messages), String(options.bodySize ?? 1024), ...configs]);
  } finally {
    await broker.stop();
    if (dataDir !== undefined) await Deno.remove(dataDir, { recursive: true });
  }
}

async function runJavaBench(client: JavaClient, args: string[]): Promise<OpenWireBenchResult[]> {
  const out = await new Deno.Command(client.java, {
    args: ["-Xmx1g", "-cp", client.classpath, "JmsBench", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  const results = decoder.decode(out.stdout).split("\n").filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as OpenWireBenchResult);
  if (!out.success || results.length !== args.length - 3) {
    throw new Error(`JmsBench failed (exit ${out.code}):\n${decoder.decode(out.stderr)}`);
  }
  return results;
}

if (import.meta.main) {
  for (const r of await openWireQueueBench({ messages: Number(Deno.args[0] ?? 20_000) })) {
    console.log(
      `openwire queue 1KiB ${r.config}: ${r.messagesPerSecond} msg/s, p50 ${r.p50Ms.toFixed(2)} ms, ` +
        `p99 ${r.p99Ms.toFixed(2)} ms (${r.messages} messages in ${r.seconds.toFixed(2)} s)`,
    );
  }
}
