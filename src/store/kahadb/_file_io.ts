/**
 * The only place the store touches the file system. Everything goes through
 * {@link StoreFs} so tests can inject failures (a full disk in the middle of a
 * batch) and the rest of the store stays free of `Deno.*`.
 *
 * Calls are synchronous: the store worker has nothing else to do while it
 * writes, and one positioned write per batch is cheaper than a thread-pool hop.
 * Only `syncData` is asynchronous, so commands that arrive during an fsync
 * queue up and share the next one (group commit).
 */
export interface StoreFile {
  readonly path: string;
  /** Writes all of `data` at `position`, looping over short writes. */
  writeAt(data: Uint8Array, position: number): void;
  /** Fills `into` from `position`; returns how many bytes were read (fewer only at end of file). */
  readAt(into: Uint8Array, position: number): number;
  size(): number;
  truncate(length: number): void;
  /** fdatasync. */
  syncData(): Promise<void>;
  close(): void;
}

export interface StoreFs {
  /** Opens for reading and writing; creates the file when `create` is set. */
  open(path: string, options?: { create?: boolean }): StoreFile;
  exists(path: string): boolean;
  remove(path: string): void;
  rename(from: string, to: string): void;
  mkdirp(path: string): void;
  /** Names of the regular files in `dir`. */
  list(dir: string): string[];
}

class DenoFile implements StoreFile {
  readonly #file: Deno.FsFile;
  constructor(readonly path: string, file: Deno.FsFile) {
    this.#file = file;
  }

  writeAt(data: Uint8Array, position: number): void {
    this.#file.seekSync(position, Deno.SeekMode.Start);
    let done = 0;
    while (done < data.length) done += this.#file.writeSync(data.subarray(done));
  }

  readAt(into: Uint8Array, position: number): number {
    this.#file.seekSync(position, Deno.SeekMode.Start);
    let done = 0;
    while (done < into.length) {
      const n = this.#file.readSync(into.subarray(done));
      if (n === null || n === 0) break;
      done += n;
    }
    return done;
  }

  size(): number {
    return this.#file.statSync().size;
  }

  truncate(length: number): void {
    this.#file.truncateSync(length);
  }

  syncData(): Promise<void> {
    return this.#file.syncData();
  }

  close(): void {
    this.#file.close();
  }
}

/** The real file system. */
export const denoFs: StoreFs = {
  open(path, options = {}) {
    const file = Deno.openSync(path, { read: true, write: true, create: options.create ?? false });
    return new DenoFile(path, file);
  },
  exists(path) {
    try {
      Deno.statSync(path);
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      throw err;
    }
  },
  remove(path) {
    Deno.removeSync(path);
  },
  rename(from, to) {
    Deno.renameSync(from, to);
  },
  mkdirp(path) {
    Deno.mkdirSync(path, { recursive: true });
  },
  list(dir) {
    const names: string[] = [];
    for (const e of Deno.readDirSync(dir)) if (e.isFile) names.push(e.name);
    return names;
  },
};

export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") || dir.endsWith("\\") ? dir + name : `${dir}/${name}`;
}

/** The OS error text of a failed call, for messages an operator reads. */
export function osErrorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
