/**
 * Small steps the numbered STOMP tests share: a frame with a receipt, a
 * subscription confirmed by its RECEIPT, and "ERROR, then the broker closes".
 */
import assert from "node:assert/strict";
import type { RawFrame, RawStomp } from "../support/raw_stomp.ts";

let receiptSeq = 0;

/** Sends a frame with a fresh `receipt` header and asserts that the next frame is its RECEIPT. */
export async function sendWithReceipt(
  c: RawStomp,
  command: string,
  headers: Record<string, string> = {},
  body: string | Uint8Array = "",
): Promise<void> {
  const receipt = `r-${++receiptSeq}`;
  await c.send(command, { ...headers, receipt }, body);
  const f = await c.next();
  assert.equal(
    f.command,
    "RECEIPT",
    `${command} should get a RECEIPT, got ${f.command}: ${f.headers.message}`,
  );
  assert.equal(f.headers["receipt-id"], receipt);
}

/** SUBSCRIBE and wait for its RECEIPT, so later sends are certain to find the consumer. */
export function subscribe(
  c: RawStomp,
  id: string,
  destination: string,
  headers: Record<string, string> = {},
): Promise<void> {
  return sendWithReceipt(c, "SUBSCRIBE", { id, destination, ...headers });
}

/** Asserts that the next frame is an ERROR and that the broker then closes the connection. */
export async function expectErrorThenClose(c: RawStomp, messagePattern?: RegExp): Promise<RawFrame> {
  const f = await c.next();
  assert.equal(f.command, "ERROR", `expected ERROR, got ${f.command}`);
  if (messagePattern) assert.match(f.headers.message, messagePattern);
  assert.equal(await c.waitClosed(5000), true, "the broker should close the connection after the ERROR");
  return f;
}

/** Asserts that the next frame is a MESSAGE with this body, and returns it. */
export async function expectMessage(c: RawStomp, body: string, timeoutMs = 5000): Promise<RawFrame> {
  const f = await c.next(timeoutMs);
  assert.equal(f.command, "MESSAGE", `expected MESSAGE, got ${f.command}: ${f.headers.message ?? f.body}`);
  assert.equal(f.body, body);
  return f;
}

/** Asserts that no frame arrives within `ms` (short windows only: this is the one place tests wait). */
export async function expectNothing(c: RawStomp, ms = 200): Promise<void> {
  const frames = await c.collectFor(ms);
  assert.deepEqual(frames.map((f) => `${f.command} ${f.body}`), []);
}
