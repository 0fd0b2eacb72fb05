/**
 * Steps the issue 5 semantics tests share on top of the STOMP ones: policy
 * entries, sending a batch with receipts, reading a run of MESSAGE frames,
 * and the JSON body of an advisory (transformation:jms-advisory-json).
 */
import assert from "node:assert/strict";
import type { PolicyEntryConfig } from "../../src/config/mod.ts";
import type { RawFrame, RawStomp } from "../support/raw_stomp.ts";
import { sendWithReceipt } from "../stomp/_helpers.ts";

export { expectMessage, expectNothing, sendWithReceipt, subscribe } from "../stomp/_helpers.ts";
export { TestClock } from "../support/vm_broker.ts";

/** A `<policyEntry queue="pattern" …>`. */
export function queuePolicy(pattern: string, entry: Partial<PolicyEntryConfig> = {}): PolicyEntryConfig {
  return { destinationType: "queue", pattern, attributes: {}, ...entry };
}

/** A `<policyEntry topic="pattern" …>`. */
export function topicPolicy(pattern: string, entry: Partial<PolicyEntryConfig> = {}): PolicyEntryConfig {
  return { destinationType: "topic", pattern, attributes: {}, ...entry };
}

/** SENDs each body with a receipt, so all are in the broker when this resolves. */
export async function sendAll(
  c: RawStomp,
  destination: string,
  bodies: string[],
  headers: Record<string, string> = {},
): Promise<void> {
  for (const body of bodies) await sendWithReceipt(c, "SEND", { destination, ...headers }, body);
}

/**
 * Asserts that something took at least `expected` ms. Timers run on whole milliseconds of a
 * coarser clock than `performance.now()`, so a few ms of slack keep this from flaking.
 */
export function assertWaited(waited: number, expected: number, what: string): void {
  assert.ok(
    waited >= expected - 3,
    `${what} after ${waited.toFixed(1)} ms, expected at least ${expected} ms`,
  );
}

/** The next `n` frames, each asserted to be a MESSAGE. */
export async function nextMessages(c: RawStomp, n: number, timeoutMs = 5000): Promise<RawFrame[]> {
  const out: RawFrame[] = [];
  for (let i = 0; i < n; i++) {
    const f = await c.next(timeoutMs);
    assert.equal(f.command, "MESSAGE", `expected MESSAGE, got ${f.command}: ${f.headers.message ?? f.body}`);
    out.push(f);
  }
  return out;
}

/** The bodies of the next `n` MESSAGE frames. */
export async function nextBodies(c: RawStomp, n: number, timeoutMs = 5000): Promise<string[]> {
  return (await nextMessages(c, n, timeoutMs)).map((f) => f.body);
}

/** An advisory MESSAGE rendered by jms-advisory-json: `{ <CommandType>: { …fields } }`. */
export function advisoryOf(f: RawFrame): { type: string; fields: Record<string, unknown> } {
  assert.equal(f.command, "MESSAGE", `expected an advisory MESSAGE, got ${f.command}: ${f.headers.message}`);
  assert.equal(f.headers.type, "Advisory");
  const json = JSON.parse(f.body) as Record<string, Record<string, unknown>>;
  const [type] = Object.keys(json);
  return { type, fields: json[type] };
}
