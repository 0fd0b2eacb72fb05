/**
 * The journal: `db-N.log` files holding write batches (kahadb.md section 2).
 * One instance per store, used only by the store worker's writer loop, so
 * appends never interleave.
 */
import type { Logger } from "../../log.ts";
import { joinPath, osErrorText, type StoreFile, type StoreFs } from "./_file_io.ts";
import { buildBatch, EOF_MARKER, EOF_MARKER_SIZE, scanBatches, type ScanResult } from "./_journal_format.ts";

export interface JournalLocation {
  file: number;
  offset: number;
  size: number;
}

export interface JournalOptions {
  directory: string;
  maxFileLength: number;
  checksum: boolean;
  preallocate: boolean;
  /** Scan every file at open, not only the last one. */
  checkAllFiles: boolean;
  archiveDirectory?: string;
}

interface DataFile {
  id: number;
  path: string;
  /** Logical end of data (where the next batch goes); only known for scanned files. */
  length: number;
}

const FILE_NAME = /^db-(\d+)\.log$/;

export function journalFileName(id: number): string {
  return `db-${id}.log`;
}

/** Compares journal locations in journal order. */
export function compareLocations(
  a: { file: number; offset: number },
  b: { file: number; offset: number },
): number {
  return a.file - b.file || a.offset - b.offset;
}

export class Journal {
  readonly #fs: StoreFs;
  readonly #options: JournalOptions;
  readonly #log: Logger;
  readonly #files = new Map<number, DataFile>();
  #current: DataFile | null = null;
  #handle: StoreFile | null = null;
  /** Files written since their last fdatasync. */
  readonly #unsynced = new Map<number, StoreFile>();
  #forceRoll = false;
  /** Where a failed batch may have left valid-looking bytes that must be overwritten first. */
  #staleTail: { handle: StoreFile; at: number } | null = null;
  #lastAppend: JournalLocation | null = null;

  constructor(fs: StoreFs, options: JournalOptions, log: Logger) {
    this.#fs = fs;
    this.#options = options;
    this.#log = log;
  }

  get directory(): string {
    return this.#options.directory;
  }

  /** Location of the last record appended (or found at open). */
  get lastAppend(): JournalLocation | null {
    return this.#lastAppend;
  }

  get hasUnsynced(): boolean {
    return this.#unsynced.size > 0;
  }

  /** Journal file ids in order. */
  fileIds(): number[] {
    return [...this.#files.keys()].sort((a, b) => a - b);
  }

  hasFile(id: number): boolean {
    return this.#files.has(id);
  }

  get currentFileId(): number {
    return this.#current?.id ?? 0;
  }

  /** Logical end of data in a file, or -1 when the file was not scanned. */
  endOf(id: number): number {
    return this.#files.get(id)?.length ?? -1;
  }

  pathOf(id: number): string {
    return joinPath(this.#options.directory, journalFileName(id));
  }

  /**
   * Lists the files and finds the end of data in the last one (or in all with
   * `checkAllFiles`). A torn tail is cut off: an EOF marker goes where the bad
   * batch started, and a warning names the file and offset.
   */
  open(): void {
    this.#fs.mkdirp(this.#options.directory);
    const ids: number[] = [];
    for (const name of this.#fs.list(this.#options.directory)) {
      const m = FILE_NAME.exec(name);
      if (m) ids.push(Number(m[1]));
    }
    ids.sort((a, b) => a - b);
    for (const id of ids) {
      const path = this.pathOf(id);
      const f = this.#fs.open(path);
      let size: number;
      try {
        size = f.size();
      } finally {
        f.close();
      }
      if (size === 0) continue; // kahadb.md 2.1: zero-length files are ignored
      this.#files.set(id, { id, path, length: -1 });
    }
    const present = this.fileIds();
    const toCheck = this.#options.checkAllFiles ? present : present.slice(-1);
    for (const id of toCheck) {
      const scan = this.scanFile(id);
      const file = this.#files.get(id)!;
      file.length = scan.end;
      for (const p of scan.problems) {
        if (p.kind === "torn") {
          this.#log.warn(
            `Journal ${file.path}: the batch at offset ${p.offset} is incomplete (${p.reason}); ` +
              `the journal is truncated there and that batch is discarded`,
          );
          this.#invalidateAt(file, p.offset);
        } else {
          this.#log.warn(
            `Journal ${file.path}: corrupt data at offsets ${p.offset}-${p.end} (${p.reason}) is skipped; ` +
              `records in that range are lost`,
          );
        }
      }
      const lastBatch = scan.batches.at(-1);
      const lastRecord = lastBatch?.records.at(-1);
      if (id === present.at(-1) && lastRecord) {
        this.#lastAppend = { file: id, offset: lastRecord.offset, size: lastRecord.size };
      }
    }
    const last = present.at(-1);
    if (last !== undefined) {
      this.#current = this.#files.get(last)!;
      this.#handle = this.#fs.open(this.#current.path);
    }
  }

  /** Writes an EOF marker over the start of a bad batch so later scans stop there. */
  #invalidateAt(file: DataFile, offset: number): void {
    const f = this.#fs.open(file.path);
    try {
      f.writeAt(EOF_MARKER, offset);
    } finally {
      f.close();
    }
  }

  /** Reads a whole file and walks its batches. */
  scanFile(id: number, options: { from?: number } = {}): ScanResult {
    const data = this.readFile(id);
    return scanBatches(data, { from: options.from, verify: true });
  }

  readFile(id: number): Uint8Array {
    const file = this.#files.get(id);
    if (!file) throw new Error(`Journal file ${journalFileName(id)} does not exist`);
    const f = this.#fs.open(file.path);
    try {
      const size = f.size();
      const data = new Uint8Array(size);
      const n = f.readAt(data, 0);
      return data.subarray(0, n);
    } finally {
      f.close();
    }
  }

  /** Bytes `[start, end)` of a file (fewer if the file is shorter). */
  readRange(id: number, start: number, end: number): Uint8Array {
    const file = this.#files.get(id);
    if (!file) throw new Error(`Journal file ${journalFileName(id)} does not exist`);
    const f = this.#fs.open(file.path);
    try {
      const data = new Uint8Array(end - start);
      const n = f.readAt(data, start);
      return data.subarray(0, n);
    } finally {
      f.close();
    }
  }

  /**
   * Appends one write batch holding `payloads` and returns each record's
   * location. A batch never spans files: when it does not fit, a new file is
   * started first. On an I/O error nothing is appended (the next batch goes
   * to the same offset) and the error is rethrown.
   */
  append(payloads: readonly Uint8Array[]): JournalLocation[] {
    if (this.#staleTail) {
      // A rejected batch must never be read back, even if the next batch goes to another file.
      this.#staleTail.handle.writeAt(EOF_MARKER, this.#staleTail.at);
      this.#staleTail = null;
    }
    const batch = buildBatch(payloads, this.#options.checksum);
    const needed = batch.length + EOF_MARKER_SIZE;
    if (
      !this.#current || this.#forceRoll ||
      (this.#current.length > 0 && this.#current.length + needed >= this.#options.maxFileLength)
    ) {
      this.#roll();
    }
    const file = this.#current!;
    const handle = this.#handle!;
    const at = file.length;
    try {
      handle.writeAt(batch.bytes, at);
    } catch (err) {
      // Best effort: make sure a partly written batch is not read back after a crash. If this
      // fails too, the next batch overwrites the range anyway.
      try {
        handle.writeAt(EOF_MARKER, at);
      } catch {
        this.#staleTail = { handle, at }; // retried before the next append
      }
      throw err;
    }
    file.length = at + batch.length;
    this.#unsynced.set(file.id, handle);
    const locations = batch.recordOffsets.map((o, i) => ({
      file: file.id,
      offset: at + o,
      size: batch.recordSizes[i],
    }));
    this.#lastAppend = locations.at(-1) ?? this.#lastAppend;
    return locations;
  }

  /** The next append starts a new file (ack compaction reserves a file of its own). */
  finishFile(): void {
    this.#forceRoll = true;
  }

  #roll(): void {
    const id = (this.fileIds().at(-1) ?? 0) + 1;
    const path = this.pathOf(id);
    const handle = this.#fs.open(path, { create: true });
    try {
      handle.truncate(0);
      handle.writeAt(EOF_MARKER, 0);
      // Sparse preallocation (kahadb.md 2.1): the file is maxFileLength bytes from the start.
      if (this.#options.preallocate) {
        handle.writeAt(EOF_MARKER, this.#options.maxFileLength - EOF_MARKER_SIZE);
      }
    } catch (err) {
      handle.close();
      try {
        this.#fs.remove(path);
      } catch {
        // left as a zero-length or partial file; the next open ignores or rescans it
      }
      throw err;
    }
    if (this.#handle && !this.#unsynced.has(this.#current!.id)) this.#handle.close();
    this.#handle = handle;
    this.#current = { id, path, length: 0 };
    this.#files.set(id, this.#current);
    this.#forceRoll = false;
  }

  /** fdatasync of every file written since its last sync. */
  async sync(): Promise<void> {
    const pending = [...this.#unsynced];
    this.#unsynced.clear();
    try {
      for (const [id, handle] of pending) {
        await handle.syncData();
        if (handle !== this.#handle && !this.#unsynced.has(id)) handle.close();
      }
    } catch (err) {
      for (const [id, handle] of pending) if (!this.#unsynced.has(id)) this.#unsynced.set(id, handle);
      throw err;
    }
  }

  /** Deletes a journal file, or moves it to the archive directory. */
  removeFile(id: number, archive: boolean): void {
    const file = this.#files.get(id);
    if (!file || file === this.#current) return;
    const handle = this.#unsynced.get(id);
    if (handle) {
      handle.close();
      this.#unsynced.delete(id);
    }
    if (archive && this.#options.archiveDirectory) {
      this.#fs.mkdirp(this.#options.archiveDirectory);
      this.#fs.rename(file.path, joinPath(this.#options.archiveDirectory, journalFileName(id)));
    } else {
      this.#fs.remove(file.path);
    }
    this.#files.delete(id);
  }

  close(): void {
    for (const [, handle] of this.#unsynced) if (handle !== this.#handle) handle.close();
    this.#unsynced.clear();
    this.#handle?.close();
    this.#handle = null;
  }

  describeError(err: unknown): string {
    return `${this.#options.directory}: ${osErrorText(err)}`;
  }
}
