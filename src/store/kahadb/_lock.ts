/**
 * The `lock` file (kahadb.md 5.6): an exclusive OS lock held while this store
 * owns the directory, with the acquisition time (int64 ms) written at offset
 * 0. While another broker holds it we are a slave and retry. flock is not
 * reliable on every shared file system, so the owner also re-checks now and
 * then that the file is still there, is the one it locked, and still holds its
 * own timestamp (a fencing token).
 */
import type { Logger } from "../../log.ts";
import { joinPath } from "./_file_io.ts";

export interface LockOptions {
  directory: string;
  retryMs: number;
  signal?: AbortSignal;
  log: Logger;
  now?: () => number;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export class StoreLock {
  readonly path: string;
  #file: Deno.FsFile | null = null;
  #stamp = 0n;
  #ino: number | null = null;

  private constructor(path: string) {
    this.path = path;
  }

  /** Waits (slave mode) until the lock is ours or the signal aborts. */
  static async acquire(options: LockOptions): Promise<StoreLock> {
    Deno.mkdirSync(options.directory, { recursive: true });
    const lock = new StoreLock(joinPath(options.directory, "lock"));
    let warned = false;
    for (;;) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (lock.#tryLock(options.now ?? Date.now)) return lock;
      if (!warned) {
        warned = true;
        options.log.info(
          `Database ${lock.path} is locked by another server. This broker is now in slave mode waiting a lock to be acquired`,
        );
      }
      await abortableSleep(options.retryMs, options.signal);
    }
  }

  #tryLock(now: () => number): boolean {
    const file = Deno.openSync(this.path, { read: true, write: true, create: true });
    let locked = false;
    try {
      locked = file.tryLockSync(true);
      if (!locked) return false;
      this.#stamp = BigInt(now());
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigInt64(0, this.#stamp);
      file.seekSync(0, Deno.SeekMode.Start);
      let done = 0;
      while (done < 8) done += file.writeSync(bytes.subarray(done));
      file.truncateSync(8);
      this.#ino = file.statSync().ino;
      this.#file = file;
      return true;
    } finally {
      if (!locked) file.close();
    }
  }

  /** Why the lock is no longer ours, or null when it still is. */
  check(): string | null {
    if (!this.#file) return "the lock was released";
    let ino: number | null;
    try {
      ino = Deno.statSync(this.path).ino;
    } catch {
      return `${this.path} was deleted`;
    }
    if (ino !== this.#ino) return `${this.path} was replaced by another file`;
    const bytes = new Uint8Array(8);
    this.#file.seekSync(0, Deno.SeekMode.Start);
    const n = this.#file.readSync(bytes) ?? 0;
    if (n < 8 || new DataView(bytes.buffer).getBigInt64(0) !== this.#stamp) {
      return `${this.path} was rewritten by another process`;
    }
    return null;
  }

  release(): void {
    if (!this.#file) return;
    try {
      this.#file.unlockSync();
    } finally {
      this.#file.close();
      this.#file = null;
    }
  }
}
