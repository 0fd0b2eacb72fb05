/**
 * A file-backed TempStore: one append-only file under
 * `<dataDirectory>/tmp_storage`, created on first use. Reads and writes are
 * synchronous (the core dispatches synchronously; these are page-cache hits
 * in practice). When nothing spilled is live any more, the file is truncated
 * and reused from the start.
 */
import type { SpilledBody, TempStore } from "../broker/temp_store.ts";

export class FileTempStore implements TempStore {
  readonly #directory: string;
  readonly limit: number | undefined;
  #file: Deno.FsFile | undefined;
  #end = 0;
  #live = 0;
  used = 0;

  constructor(directory: string, limit?: number) {
    this.#directory = directory;
    this.limit = limit;
  }

  #open(): Deno.FsFile {
    if (!this.#file) {
      Deno.mkdirSync(this.#directory, { recursive: true });
      const path = `${this.#directory}/tmp-${Deno.pid}-${Date.now()}.data`;
      this.#file = Deno.openSync(path, { read: true, write: true, create: true, truncate: true });
      // The name is not needed again: unlinked, the file goes away with the process even after a crash.
      Deno.removeSync(path);
    }
    return this.#file;
  }

  write(body: Uint8Array): SpilledBody {
    const file = this.#open();
    const ref = { offset: this.#end, length: body.byteLength };
    file.seekSync(ref.offset, Deno.SeekMode.Start);
    let at = 0;
    while (at < body.byteLength) at += file.writeSync(body.subarray(at));
    this.#end += body.byteLength;
    this.#live++;
    this.used += body.byteLength;
    return ref;
  }

  read(ref: SpilledBody): Uint8Array {
    const file = this.#open();
    const out = new Uint8Array(ref.length);
    file.seekSync(ref.offset, Deno.SeekMode.Start);
    let at = 0;
    while (at < ref.length) {
      const n = file.readSync(out.subarray(at));
      if (n === null) throw new Error(`Temporary storage ended early at ${ref.offset + at}`);
      at += n;
    }
    return out;
  }

  release(ref: SpilledBody): void {
    this.#live--;
    this.used -= ref.length;
    if (this.#live === 0 && this.#file) {
      this.#file.truncateSync(0);
      this.#end = 0;
    }
  }

  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}
