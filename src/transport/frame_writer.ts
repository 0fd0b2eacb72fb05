/**
 * One writer per connection: frames queued during a turn leave as one write,
 * and a frame's `onWritten` callback runs once its bytes are with the socket
 * (STOMP auto-ack releases prefetch credit only then, so a slow reader slows
 * its own deliveries instead of growing buffers).
 */
import { noteReleasedBytes } from "../memory_pressure.ts";

export interface ByteSink {
  write(bytes: Uint8Array): Promise<number>;
}

/** Chunks are coalesced into writes of up to this size. */
const COALESCE_LIMIT = 64 * 1024;

interface Queued {
  bytes: Uint8Array;
  onWritten?: () => void;
}

export class FrameWriter {
  readonly #sink: ByteSink;
  readonly #onError: (err: unknown) => void;
  #queue: Queued[] = [];
  #queuedBytes = 0;
  #writing = false;
  #closed = false;
  #idle: (() => void)[] = [];
  /** Set on every write; heart-beat senders read it. */
  lastWrite = Date.now();

  constructor(sink: ByteSink, onError: (err: unknown) => void) {
    this.#sink = sink;
    this.#onError = onError;
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Queues one frame, given whole or as consecutive chunks (e.g. head, body, end). */
  send(bytes: Uint8Array | Uint8Array[], onWritten?: () => void): void {
    if (this.#closed) return;
    if (Array.isArray(bytes)) {
      for (let i = 0; i < bytes.length; i++) {
        this.#queue.push({ bytes: bytes[i], onWritten: i === bytes.length - 1 ? onWritten : undefined });
        this.#queuedBytes += bytes[i].byteLength;
      }
    } else {
      this.#queue.push({ bytes, onWritten });
      this.#queuedBytes += bytes.byteLength;
    }
    if (!this.#writing) {
      this.#writing = true;
      queueMicrotask(() => this.#drain());
    }
  }

  /** Resolves when everything queued so far has been written (or the writer closed). */
  flushed(): Promise<void> {
    if (!this.#writing) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const batch = this.#queue;
        this.#queue = [];
        this.#queuedBytes = 0;
        // Small chunks are coalesced into one write; large ones go out as they are
        // (copying them only to coalesce would cost more than the extra write).
        let start = 0;
        while (start < batch.length) {
          let end = start;
          let size = 0;
          while (
            end < batch.length && (end === start || size + batch[end].bytes.byteLength <= COALESCE_LIMIT)
          ) {
            size += batch[end].bytes.byteLength;
            end++;
          }
          const group = batch.slice(start, end);
          const bytes = group.length === 1 ? group[0].bytes : concat(group);
          await writeAll(this.#sink, bytes);
          this.lastWrite = Date.now();
          noteReleasedBytes(bytes.byteLength);
          for (const q of group) q.onWritten?.();
          if (this.#closed) return;
          start = end;
        }
      }
    } catch (err) {
      this.#closed = true;
      this.#onError(err);
    } finally {
      this.#writing = false;
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }
}

function concat(batch: Queued[]): Uint8Array {
  let size = 0;
  for (const q of batch) size += q.bytes.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const q of batch) {
    out.set(q.bytes, at);
    at += q.bytes.byteLength;
  }
  return out;
}

/** Socket writes may be short; loop until every byte is out. */
export async function writeAll(sink: ByteSink, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.byteLength) at += await sink.write(bytes.subarray(at));
}
