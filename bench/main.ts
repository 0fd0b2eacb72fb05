/**
 * `deno task bench`: prints one line per benchmark. Speed is measured here,
 * never in unit tests.
 */
import { parseArgs } from "node:util";
import { stompQueueBench } from "./stomp_queue.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { messages: { type: "string", default: "100000" }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  console.log(
    "Usage: deno task bench [--messages N]\n\nSTOMP queue, 1 KiB, 1 producer / 1 consumer, non-persistent.",
  );
  Deno.exit(0);
}
const messages = Number(values.messages);
const warmup = await stompQueueBench(Math.min(10_000, messages));
console.log(`warm-up: ${warmup.messagesPerSecond} msg/s`);
const r = await stompQueueBench(messages);
console.log(
  `stomp queue 1KiB 1p/1c non-persistent: ${r.messagesPerSecond} msg/s ` +
    `(${r.messages} messages in ${r.seconds.toFixed(2)} s)`,
);
