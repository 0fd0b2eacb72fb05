/**
 * Prompt release of message bodies. A message body is a large ArrayBuffer
 * behind a tiny JS object; V8 frees the buffer only when a garbage collection
 * finds the object dead, and under large-message traffic hundreds of MB of
 * dead bodies can wait for that. So every thread reports the body bytes it lets
 * go of; after every 8 MiB it looks at the process's resident size and, only
 * when that is over the budget the broker's memoryUsage implies, runs a full
 * collection and then asks the C allocator to hand freed memory back to the
 * system (glibc keeps it otherwise, so resident size would stay at its high
 * water mark). Normal traffic never pays for it.
 *
 * Needs V8's `--expose-gc` (the `start`, `test`, `bench` and `compile` tasks
 * pass it) and a budget from `configureMemoryPressure`; otherwise it does nothing.
 */
const gc = (globalThis as unknown as { gc?: (options?: { type: string }) => void }).gc;

const CHECK_EVERY = 8 * 1024 * 1024;
/** What the runtime itself (V8 heaps, workers, buffers) may use beyond the messages. */
export const RUNTIME_ALLOWANCE = 96 * 1024 * 1024;

let released = 0;
let budget = Number.POSITIVE_INFINITY;
let readRss: (() => number) | undefined;
let trim: (() => void) | undefined;

export interface MemoryPressureOptions {
  /** Resident bytes above which dead bodies are collected at once. */
  rssBudget: number;
  readRss: () => number;
  /** Returns freed allocator memory to the system (`malloc_trim`), where available. */
  trim?: () => void;
}

export function configureMemoryPressure(options: MemoryPressureOptions): void {
  budget = options.rssBudget;
  readRss = options.readRss;
  trim = options.trim;
}

export function noteReleasedBytes(bytes: number): void {
  if (!gc || !readRss) return;
  released += bytes;
  if (released < CHECK_EVERY) return;
  released = 0;
  if (readRss() <= budget) return;
  gc({ type: "major" });
  trim?.();
}
