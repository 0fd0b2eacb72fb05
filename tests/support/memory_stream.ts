/**
 * Two connected in-memory byte streams: what one end writes, the other reads. For protocol
 * tests without sockets (STYLE.md habit 11).
 */
import type { ByteStream } from "../../src/transport/protocol.ts";

class End implements ByteStream {
  peer!: End;
  readonly #chunks: Uint8Array[] = [];
  #closed = false;
  #wake: (() => void) | undefined;

  push(bytes: Uint8Array): void {
    this.#chunks.push(bytes.slice());
    this.#signal();
  }

  end(): void {
    this.#closed = true;
    this.#signal();
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#closed) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const chunk = this.#chunks[0];
    const n = Math.min(buffer.length, chunk.length);
    buffer.set(chunk.subarray(0, n));
    if (n === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(n);
    return n;
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(new Error("closed"));
    this.peer.push(bytes);
    return Promise.resolve(bytes.length);
  }

  close(): void {
    this.end();
    this.peer.end();
  }
}

/** `[a, b]`: bytes written to `a` are read from `b` and the other way round. */
export function memoryStreamPair(): [ByteStream, ByteStream] {
  const a = new End();
  const b = new End();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
