/**
 * `db.data`, `db.redo` and `db.free`: a file of fixed-size pages with a
 * double-write buffer (kahadb.md 4.1, 4.2, 5.4, 5.5 describe ActiveMQ's; this
 * is our own page format with the same file roles).
 *
 * db.data
 *   bytes 0-4095   file header: two copies (at 0 and 2048) of a `key=value`
 *                  text block padded with spaces, each ending in `checksum=`
 *                  (Adler-32 of the text before it). The valid copy with the
 *                  higher metaDataTxId wins, so a torn header write is harmless.
 *   page n         at 4096 + n × pageSize. Header (21 bytes): int8 type
 *                  (0 FREE, 1 PART, 2 END), int64 txId, int64 next (PART: next
 *                  page id; END: end of data in this page), int32 Adler-32 of
 *                  the whole page with this field zeroed. A value is a chain of
 *                  pages; every page of a chain carries the same txId.
 *   page 0         the root: "KIDX", version, int64 txId, int64 pageCount,
 *                  then the store's metadata (see _index_pages.ts).
 * db.redo          int64-aligned header page: "KDBREDO1", int64 txId,
 *                  int32 Adler-32 of the entries, int32 pageCount; then
 *                  pageCount × (int64 pageId, page image). Written and synced
 *                  before any page of the same checkpoint reaches db.data, and
 *                  re-applied at open after an unclean stop when it is whole and
 *                  not older than page 0.
 * db.free          "KDBFREE1", int32 rangeCount, ranges (int64 first, int64 last),
 *                  int32 Adler-32; written at clean shutdown, deleted at open.
 */
import type { Logger } from "../../log.ts";
import { adler32 } from "./_adler32.ts";
import { ByteReader, ByteWriter, CorruptDataError } from "./_binary.ts";
import { joinPath, type StoreFile, type StoreFs } from "./_file_io.ts";

export const PAGE_SIZE = 4096;
const FILE_HEADER_SIZE = 4096;
const PAGE_HEADER_SIZE = 21;
const PAGE_PART = 1;
const PAGE_END = 2;
const ROOT_MAGIC = 0x4b494458; // "KIDX"
const ROOT_VERSION = 1;
const REDO_MAGIC = "KDBREDO1";
const FREE_MAGIC = "KDBFREE1";
const FILE_TYPE = "deno-activemq-kahadb-index";

/** The index cannot be read; the store rebuilds it from the journal. */
export class IndexCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IndexCorruptError";
  }
}

/** db.data is ActiveMQ's own index (a B-tree page file); we rebuild ours from the journal. */
export class ForeignIndexError extends IndexCorruptError {
  constructor(message: string) {
    super(message);
    this.name = "ForeignIndexError";
  }
}

const ACTIVEMQ_FILE_TYPE = "org.apache.activemq.store.kahadb.disk.page.PageFile";

export interface PageFileOptions {
  directory: string;
  recoveryFile: boolean;
  diskSyncs: boolean;
}

export interface OpenResult {
  fresh: boolean;
  cleanShutdown: boolean;
  /** Free pages came from db.free (otherwise the caller computes them from what is reachable). */
  freeListLoaded: boolean;
  redoPagesApplied: number;
}

interface FileHeader {
  cleanShutdown: boolean;
  freePages: number;
  metaDataTxId: number;
}

export class PageFile {
  readonly #fs: StoreFs;
  readonly #options: PageFileOptions;
  readonly #log: Logger;
  #file: StoreFile | null = null;
  #headerTxId = 0;
  /** Pages ever allocated (page 0 is the root). */
  #pageCount = 1;
  #free: number[] = [];
  /** Freed in the checkpoint being built; reusable once it is committed. */
  #freeing: number[] = [];
  readonly #pending = new Map<number, Uint8Array>();
  #txId = 0;

  constructor(fs: StoreFs, options: PageFileOptions, log: Logger) {
    this.#fs = fs;
    this.#options = options;
    this.#log = log;
  }

  get dataPath(): string {
    return joinPath(this.#options.directory, "db.data");
  }
  get redoPath(): string {
    return joinPath(this.#options.directory, "db.redo");
  }
  get freePath(): string {
    return joinPath(this.#options.directory, "db.free");
  }
  get txId(): number {
    return this.#txId;
  }
  get pageCount(): number {
    return this.#pageCount;
  }
  get freePageCount(): number {
    return this.#free.length;
  }

  /** Opens (or creates) db.data, re-applying db.redo and loading db.free as needed. */
  open(): OpenResult {
    this.#fs.mkdirp(this.#options.directory);
    const exists = this.#fs.exists(this.dataPath);
    this.#file = this.#fs.open(this.dataPath, { create: true });
    if (!exists || this.#file.size() < FILE_HEADER_SIZE + PAGE_SIZE) {
      this.#file.truncate(0);
      for (const p of [this.redoPath, this.freePath]) if (this.#fs.exists(p)) this.#fs.remove(p);
      this.#pageCount = 1;
      this.#writeHeader({ cleanShutdown: false, freePages: 0, metaDataTxId: 0 });
      return { fresh: true, cleanShutdown: false, freeListLoaded: false, redoPagesApplied: 0 };
    }
    const header = this.#readHeader();
    // A clean header is only written after the last checkpoint reached db.data and was synced,
    // so db.redo matters only after an unclean stop (kahadb.md 5.4).
    let redoPagesApplied = 0;
    if (!header.cleanShutdown && this.#options.recoveryFile && this.#fs.exists(this.redoPath)) {
      redoPagesApplied = this.#applyRedo();
    }
    let freeListLoaded = false;
    if (this.#fs.exists(this.freePath)) {
      if (header.cleanShutdown && header.freePages > 0) freeListLoaded = this.#loadFreeList(header.freePages);
      this.#fs.remove(this.freePath);
    } else if (header.cleanShutdown && header.freePages === 0) {
      freeListLoaded = true;
    }
    this.#writeHeader({ cleanShutdown: false, freePages: -1, metaDataTxId: this.#headerTxId + 1 });
    return { fresh: false, cleanShutdown: header.cleanShutdown, freeListLoaded, redoPagesApplied };
  }

  // ------------------------------------------------------------ file header

  #headerText(h: FileHeader): string {
    const body = [
      "#",
      `#${new Date().toISOString()}`,
      `fileType=${FILE_TYPE}`,
      "fileTypeVersion=1",
      `pageSize=${PAGE_SIZE}`,
      `cleanShutdown=${h.cleanShutdown}`,
      `freePages=${h.freePages}`,
      `lastTxId=${this.#txId}`,
      `metaDataTxId=${h.metaDataTxId}`,
      "",
    ].join("\n");
    return `${body}checksum=${adler32(new TextEncoder().encode(body))}\n`;
  }

  #writeHeader(h: FileHeader): void {
    const copy = new TextEncoder().encode(this.#headerText(h));
    const block = new Uint8Array(FILE_HEADER_SIZE).fill(0x20);
    block.set(copy, 0);
    block.set(copy, FILE_HEADER_SIZE / 2);
    this.#file!.writeAt(block, 0);
    this.#headerTxId = h.metaDataTxId;
  }

  #readHeader(): FileHeader {
    const block = new Uint8Array(FILE_HEADER_SIZE);
    this.#file!.readAt(block, 0);
    if (new TextDecoder().decode(block).includes(`fileType=${ACTIVEMQ_FILE_TYPE}`)) {
      throw new ForeignIndexError(`${this.dataPath} is an index written by ActiveMQ`);
    }
    const copies = [block.subarray(0, 2048), block.subarray(2048)].map(parseHeaderCopy)
      .filter((c): c is FileHeader => c !== null);
    if (copies.length === 0) throw new IndexCorruptError(`${this.dataPath}: the file header is unreadable`);
    const best = copies.reduce((a, b) => b.metaDataTxId > a.metaDataTxId ? b : a);
    this.#headerTxId = best.metaDataTxId;
    return best;
  }

  /** Records a clean close and the number of pages saved in db.free. */
  async #closeHeader(freePages: number): Promise<void> {
    this.#writeHeader({ cleanShutdown: true, freePages, metaDataTxId: this.#headerTxId + 1 });
    if (this.#options.diskSyncs) await this.#file!.syncData();
  }

  // ----------------------------------------------------------------- pages

  #pageOffset(id: number): number {
    return FILE_HEADER_SIZE + id * PAGE_SIZE;
  }

  #readPage(id: number): Uint8Array {
    const page = new Uint8Array(PAGE_SIZE);
    const n = this.#file!.readAt(page, this.#pageOffset(id));
    if (n < PAGE_SIZE) {
      throw new IndexCorruptError(`${this.dataPath}: page ${id} is beyond the end of the file`);
    }
    const view = new DataView(page.buffer);
    const stored = view.getUint32(17);
    view.setUint32(17, 0);
    if (adler32(page) !== stored) {
      throw new IndexCorruptError(`${this.dataPath}: page ${id} has a bad checksum`);
    }
    view.setUint32(17, stored);
    return page;
  }

  /** The bytes of a page chain, and the pages it occupies. */
  readChain(head: number): { data: Uint8Array; pages: number[]; txId: number } {
    const parts: Uint8Array[] = [];
    const pages: number[] = [];
    let id = head;
    let txId = -1;
    for (;;) {
      if (id <= 0 || id >= this.#pageCount || pages.length > this.#pageCount) {
        throw new IndexCorruptError(`${this.dataPath}: page chain from ${head} reaches bad page ${id}`);
      }
      const page = this.#readPage(id);
      const view = new DataView(page.buffer);
      const type = page[0];
      const pageTx = Number(view.getBigInt64(1));
      if (txId === -1) txId = pageTx;
      else if (pageTx !== txId) {
        throw new IndexCorruptError(`${this.dataPath}: page ${id} belongs to another write than its chain`);
      }
      pages.push(id);
      const next = Number(view.getBigInt64(9));
      if (type === PAGE_PART) {
        parts.push(page.subarray(PAGE_HEADER_SIZE));
        id = next;
      } else if (type === PAGE_END) {
        if (next < PAGE_HEADER_SIZE || next > PAGE_SIZE) {
          throw new IndexCorruptError(`${this.dataPath}: page ${id} has a bad data length`);
        }
        parts.push(page.subarray(PAGE_HEADER_SIZE, next));
        break;
      } else {
        throw new IndexCorruptError(`${this.dataPath}: page ${id} of a chain is marked free`);
      }
    }
    let total = 0;
    for (const p of parts) total += p.length;
    const data = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      data.set(p, o);
      o += p.length;
    }
    return { data, pages, txId };
  }

  #image(type: number, txId: number, next: number, data: Uint8Array): Uint8Array {
    const page = new Uint8Array(PAGE_SIZE);
    const view = new DataView(page.buffer);
    page[0] = type;
    view.setBigInt64(1, BigInt(txId));
    view.setBigInt64(9, BigInt(next));
    page.set(data, PAGE_HEADER_SIZE);
    view.setUint32(17, adler32(page));
    return page;
  }

  #allocate(): number {
    return this.#free.pop() ?? this.#pageCount++;
  }

  /**
   * Stages `data` as a page chain for the next commit, reusing `oldPages` in
   * order, allocating more if it grew and releasing the rest if it shrank.
   */
  writeChain(oldPages: readonly number[], data: Uint8Array): number[] {
    const perPage = PAGE_SIZE - PAGE_HEADER_SIZE;
    const count = Math.max(1, Math.ceil(data.length / perPage));
    const pages = oldPages.slice(0, count);
    while (pages.length < count) pages.push(this.#allocate());
    this.release(oldPages.slice(count));
    const txId = this.#txId + 1;
    for (let i = 0; i < count; i++) {
      const chunk = data.subarray(i * perPage, Math.min(data.length, (i + 1) * perPage));
      const last = i === count - 1;
      const image = this.#image(
        last ? PAGE_END : PAGE_PART,
        txId,
        last ? PAGE_HEADER_SIZE + chunk.length : pages[i + 1],
        chunk,
      );
      this.#pending.set(pages[i], image);
    }
    return pages;
  }

  /** Pages no longer used; they become reusable after the next commit. */
  release(pages: readonly number[]): void {
    for (const p of pages) this.#freeing.push(p);
  }

  /** Stages the root page: our own fields, then the caller's metadata. */
  writeRoot(meta: Uint8Array): void {
    const txId = this.#txId + 1;
    const body = new ByteWriter(meta.length + 32)
      .u32(ROOT_MAGIC).u32(ROOT_VERSION).i64(txId).i64(this.#pageCount).blob(meta).finish();
    if (body.length > PAGE_SIZE - PAGE_HEADER_SIZE) throw new RangeError("Index metadata exceeds one page");
    this.#pending.set(0, this.#image(PAGE_END, txId, PAGE_HEADER_SIZE + body.length, body));
  }

  /** Reads the root page: the committed transaction id and the caller's metadata. */
  readRoot(): { txId: number; meta: Uint8Array } {
    const page = this.#readPage(0);
    const view = new DataView(page.buffer);
    const end = Number(view.getBigInt64(9));
    if (page[0] !== PAGE_END || end > PAGE_SIZE) {
      throw new IndexCorruptError(`${this.dataPath}: bad root page`);
    }
    try {
      const r = new ByteReader(page.subarray(PAGE_HEADER_SIZE, end));
      if (r.u32() !== ROOT_MAGIC) throw new IndexCorruptError(`${this.dataPath}: not an index root page`);
      if (r.u32() !== ROOT_VERSION) throw new IndexCorruptError(`${this.dataPath}: unknown index version`);
      const txId = r.i64();
      this.#pageCount = r.i64();
      this.#txId = txId;
      return { txId, meta: r.blob().slice() };
    } catch (err) {
      if (err instanceof CorruptDataError) throw new IndexCorruptError(`${this.dataPath}: ${err.message}`);
      throw err;
    }
  }

  get hasPendingWrites(): boolean {
    return this.#pending.size > 0;
  }

  /**
   * Writes the staged pages: first all of them to db.redo (+ sync), then in
   * place to db.data (+ sync). A crash in the second step is repaired from
   * db.redo at the next open; a crash in the first leaves db.data as it was.
   */
  async commit(): Promise<void> {
    const txId = this.#txId + 1;
    const ids = [...this.#pending.keys()].sort((a, b) => a - b);
    if (this.#options.recoveryFile) {
      const redo = new Uint8Array(PAGE_SIZE + ids.length * (8 + PAGE_SIZE));
      const view = new DataView(redo.buffer);
      let o = PAGE_SIZE;
      for (const id of ids) {
        view.setBigInt64(o, BigInt(id));
        redo.set(this.#pending.get(id)!, o + 8);
        o += 8 + PAGE_SIZE;
      }
      redo.set(new TextEncoder().encode(REDO_MAGIC), 0);
      view.setBigInt64(8, BigInt(txId));
      view.setUint32(16, adler32(redo.subarray(PAGE_SIZE)));
      view.setUint32(20, ids.length);
      const f = this.#fs.open(this.redoPath, { create: true });
      try {
        f.writeAt(redo, 0);
        if (this.#options.diskSyncs) await f.syncData();
      } finally {
        f.close();
      }
    }
    for (const id of ids) this.#file!.writeAt(this.#pending.get(id)!, this.#pageOffset(id));
    if (this.#options.diskSyncs) await this.#file!.syncData();
    this.#pending.clear();
    this.#txId = txId;
    this.#free.push(...this.#freeing);
    this.#freeing = [];
  }

  /** Drops staged pages after a failed commit attempt is abandoned. */
  discardPending(): void {
    this.#pending.clear();
  }

  #applyRedo(): number {
    const f = this.#fs.open(this.redoPath);
    let data: Uint8Array;
    try {
      data = new Uint8Array(f.size());
      f.readAt(data, 0);
    } finally {
      f.close();
    }
    if (data.length < PAGE_SIZE) return 0;
    if (new TextDecoder().decode(data.subarray(0, 8)) !== REDO_MAGIC) return 0;
    const view = new DataView(data.buffer);
    const txId = Number(view.getBigInt64(8));
    const sum = view.getUint32(16);
    const count = view.getUint32(20);
    const end = PAGE_SIZE + count * (8 + PAGE_SIZE);
    if (end > data.length || adler32(data.subarray(PAGE_SIZE, end)) !== sum) {
      this.#log.debug(`${this.redoPath} holds an incomplete batch; db.data was not touched by it`);
      return 0;
    }
    let rootTx = -1;
    try {
      rootTx = Number(new DataView(this.#readPage(0).buffer).getBigInt64(1));
    } catch {
      // a torn root page: the redo batch holds its replacement
    }
    if (rootTx > txId) return 0;
    for (let o = PAGE_SIZE; o < end; o += 8 + PAGE_SIZE) {
      const id = Number(view.getBigInt64(o));
      this.#file!.writeAt(data.subarray(o + 8, o + 8 + PAGE_SIZE), this.#pageOffset(id));
    }
    this.#log.debug(`Re-applied ${count} index pages of checkpoint ${txId} from ${this.redoPath}`);
    return count;
  }

  // ------------------------------------------------------------- free list

  /** After an unclean shutdown: every page not reachable from the root is free. */
  setFreeFromReachable(reachable: ReadonlySet<number>): void {
    this.#free = [];
    for (let id = this.#pageCount - 1; id >= 1; id--) if (!reachable.has(id)) this.#free.push(id);
  }

  #loadFreeList(expected: number): boolean {
    const f = this.#fs.open(this.freePath);
    try {
      const data = new Uint8Array(f.size());
      f.readAt(data, 0);
      if (data.length < 16 || new TextDecoder().decode(data.subarray(0, 8)) !== FREE_MAGIC) return false;
      const body = data.subarray(0, data.length - 4);
      const sum = new DataView(data.buffer).getUint32(data.length - 4);
      if (adler32(body) !== sum) return false;
      const r = new ByteReader(body, 8);
      const ranges = r.u32();
      const free: number[] = [];
      for (let i = 0; i < ranges; i++) {
        const first = r.i64();
        const last = r.i64();
        for (let p = last; p >= first; p--) free.push(p);
      }
      if (free.length !== expected) return false;
      this.#free = free;
      return true;
    } catch {
      return false;
    } finally {
      f.close();
    }
  }

  #writeFreeList(): number {
    const ids = [...this.#free, ...this.#freeing].sort((a, b) => a - b);
    if (ids.length === 0) return 0;
    const ranges: [number, number][] = [];
    for (const id of ids) {
      const last = ranges.at(-1);
      if (last && last[1] + 1 === id) last[1] = id;
      else ranges.push([id, id]);
    }
    const w = new ByteWriter().bytes(new TextEncoder().encode(FREE_MAGIC)).u32(ranges.length);
    for (const [a, b] of ranges) w.i64(a).i64(b);
    const body = w.finish();
    const out = new ByteWriter(body.length + 4).bytes(body).u32(adler32(body)).finish();
    const f = this.#fs.open(this.freePath, { create: true });
    try {
      f.truncate(0);
      f.writeAt(out, 0);
    } finally {
      f.close();
    }
    return ids.length;
  }

  /** Closes the file; `clean` writes db.free and marks the header as cleanly shut down. */
  async close(clean: boolean): Promise<void> {
    if (!this.#file) return;
    try {
      if (clean) await this.#closeHeader(this.#writeFreeList());
    } finally {
      this.#file.close();
      this.#file = null;
    }
  }
}

function parseHeaderCopy(bytes: Uint8Array): FileHeader | null {
  const text = new TextDecoder().decode(bytes);
  const at = text.indexOf("checksum=");
  if (at < 0) return null;
  const body = text.slice(0, at);
  const sum = Number(/^checksum=(\d+)/.exec(text.slice(at))?.[1]);
  if (adler32(new TextEncoder().encode(body)) !== sum) return null;
  const props = new Map<string, string>();
  for (const line of body.split("\n")) {
    const eq = line.indexOf("=");
    if (!line.startsWith("#") && eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1));
  }
  if (props.get("fileType") !== FILE_TYPE || Number(props.get("pageSize")) !== PAGE_SIZE) return null;
  return {
    cleanShutdown: props.get("cleanShutdown") === "true",
    freePages: Number(props.get("freePages") ?? -1),
    metaDataTxId: Number(props.get("metaDataTxId") ?? 0),
  };
}
