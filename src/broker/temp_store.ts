/**
 * Temporary storage for non-persistent message bodies that do not fit in
 * memory (ActiveMQ's `tmp_storage`): used when a destination with
 * `producerFlowControl="false"` is over its memory limit, so producers are not
 * blocked and the broker does not grow. The core only sees this interface; the
 * runtime gives it a file-backed one.
 */
export interface SpilledBody {
  offset: number;
  length: number;
}

export interface TempStore {
  /** Bytes currently held; `undefined` limit means no tempUsage limit. */
  readonly used: number;
  readonly limit: number | undefined;
  write(body: Uint8Array): SpilledBody;
  read(ref: SpilledBody): Uint8Array;
  /** The body is no longer needed (delivered, dropped, expired). */
  release(ref: SpilledBody): void;
  close(): void;
}
