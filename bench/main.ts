/**
 * `deno task bench`: prints one line per benchmark. Speed is measured here,
 * never in unit tests.
 */
import { parseArgs } from "node:util";
import { stompQueueBench } from "./stomp_queue.ts";
import { persistentThroughputBench, recoveryBench } from "./persistence.ts";
import { openWireQueueBench } from "./openwire.ts";
import { mqttBench } from "./mqtt.ts";

const BENCHES = ["stomp-queue", "persistent", "recovery", "openwire", "mqtt"] as const;
type BenchName = typeof BENCHES[number];

const USAGE = `Usage: deno task bench [--only NAME] [--messages N] [--full]

Benchmarks (all by default):
  stomp-queue   STOMP queue, 1 KiB, 1 producer / 1 consumer, non-persistent (--messages N, default 100000)
  persistent    persistent STOMP sends with receipts, 1 KiB, KahaDB with journalDiskSyncStrategy=always,
                1, 4 and 16 producers: messages/s and journal fsyncs/s (group commit)
  recovery      broker start-up with 100,000 pending 1 KiB messages (and 1,000,000 with --full)
  openwire      ActiveMQ's Java JMS client: queue, 1 KiB, 1x1 and 4x4, persistent and not;
                messages/s and p50/p99 latency (needs javac and Debian's libactivemq-java)
  mqtt          MQTT QoS 0 and QoS 1 publish/subscribe, 1 KiB: messages/s and p50/p99 latency

Options:
  --only NAME   run one benchmark
  --full        include the long cases (recovery of 1,000,000 messages)
`;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    messages: { type: "string", default: "100000" },
    only: { type: "string" },
    full: { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if (values.only !== undefined && !BENCHES.includes(values.only as BenchName)) {
  console.error(`Unknown benchmark '${values.only}' (accepted: ${BENCHES.join(", ")})\n\n${USAGE}`);
  Deno.exit(2);
}
const selected = (name: BenchName) => values.only === undefined || values.only === name;

if (selected("stomp-queue")) {
  const messages = Number(values.messages);
  const warmup = await stompQueueBench(Math.min(10_000, messages));
  console.log(`warm-up: ${warmup.messagesPerSecond} msg/s`);
  const r = await stompQueueBench(messages);
  console.log(
    `stomp queue 1KiB 1p/1c non-persistent: ${r.messagesPerSecond} msg/s ` +
      `(${r.messages} messages in ${r.seconds.toFixed(2)} s)`,
  );
}

if (selected("persistent")) {
  for (const producers of [1, 4, 16]) {
    const r = await persistentThroughputBench(producers);
    console.log(
      `stomp persistent 1KiB ${producers}p receipts, kahaDB sync=always: ${r.messagesPerSecond} msg/s, ` +
        `${r.syncsPerSecond} fsyncs/s (${(r.messages / Math.max(1, r.syncs)).toFixed(1)} msg per fsync; ` +
        `disk alone ${r.diskSyncsPerSecond} write+fdatasync/s)`,
    );
  }
}

if (selected("recovery")) {
  for (const count of values.full ? [100_000, 1_000_000] : [100_000]) {
    const r = await recoveryBench(count);
    console.log(
      `kahaDB recovery ${count.toLocaleString("en-US")} pending 1KiB messages: broker start ` +
        `${r.startSeconds.toFixed(2)} s (store ${r.storeSeconds.toFixed(2)} s), ` +
        `${r.microsPerMessage.toFixed(1)} µs/message, RSS ${r.rssMiB} MiB`,
    );
  }
}

if (selected("openwire")) {
  for (const r of await openWireQueueBench({ messages: 20_000 })) {
    console.log(
      `openwire queue 1KiB ${r.config}: ${r.messagesPerSecond} msg/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`,
    );
  }
}

if (selected("mqtt")) {
  for (const r of await mqttBench({ messages: 50_000 })) {
    console.log(
      `mqtt qos${r.qos} 1KiB 1p/1c: ${r.messagesPerSecond} msg/s, p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms`,
    );
  }
}
