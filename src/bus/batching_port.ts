/**
 * Collects the commands produced in one turn of the event loop and posts them
 * as one array: postMessage costs microseconds per call, so per-message posts
 * would dominate a busy connector.
 */
export interface PostTarget {
  postMessage(message: unknown, transfer: Transferable[]): void;
}

export class BatchingPort<T> {
  readonly #target: PostTarget;
  #batch: T[] = [];
  #transfer: Transferable[] = [];
  #scheduled = false;

  constructor(target: PostTarget) {
    this.#target = target;
  }

  post(command: T, transfer?: Transferable): void {
    this.#batch.push(command);
    if (transfer) this.#transfer.push(transfer);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    const transfer = this.#transfer;
    this.#batch = [];
    this.#transfer = [];
    this.#target.postMessage(batch, transfer);
  }
}

/** A body buffer may be transferred only when the view covers all of it. */
export function transferableBody(body: Uint8Array | null): ArrayBuffer | undefined {
  if (!body || body.byteOffset !== 0 || body.byteLength !== body.buffer.byteLength) return undefined;
  return body.buffer instanceof ArrayBuffer ? body.buffer : undefined;
}
