/** Shared pieces of the KahaDB store tests. */
import type { Logger } from "../../../src/log.ts";
import type { Message } from "../../../src/message/message.ts";
import type { Destination } from "../../../src/message/destination.ts";
import type { MessageCodec } from "../../../src/store/kahadb/mod.ts";
import { denoFs, type StoreFile, type StoreFs } from "../../../src/store/kahadb/_file_io.ts";

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  message: string;
}

/** A logger that keeps its lines (and prints nothing), with a hook to await a line. */
export function quietLog(
  lines: LogLine[] = [],
  debug = false,
): Logger & { lines: LogLine[]; waitFor(re: RegExp): Promise<LogLine> } {
  const waiters: { re: RegExp; resolve: (l: LogLine) => void }[] = [];
  const push = (level: LogLine["level"], message: string) => {
    const line = { level, message };
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.re.test(message)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  const log = {
    lines,
    debug: (m: string) => debug && push("debug", m),
    info: (m: string) => push("info", m),
    warn: (m: string) => push("warn", m),
    error: (m: string, err?: unknown) => push("error", err === undefined ? m : `${m}: ${err}`),
    debugEnabled: debug,
    child: () => log,
    waitFor(re: RegExp): Promise<LogLine> {
      const found = lines.find((l) => re.test(l.message));
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ re, resolve }));
    },
  };
  return log as Logger & { lines: LogLine[]; waitFor(re: RegExp): Promise<LogLine> };
}

/** A codec for unit tests that do not need OpenWire: JSON header + body. */
export const testCodec: MessageCodec = {
  encode(m: Message): Uint8Array {
    const { body, ...rest } = m;
    const head = new TextEncoder().encode(
      JSON.stringify(rest, (_k, v) => typeof v === "bigint" ? `${v}n` : v),
    );
    const out = new Uint8Array(4 + head.length + (body?.length ?? 0));
    new DataView(out.buffer).setUint32(0, head.length);
    out.set(head, 4);
    if (body) out.set(body, 4 + head.length);
    return out;
  },
  decode(b: Uint8Array): Message {
    const n = new DataView(b.buffer, b.byteOffset).getUint32(0);
    const rest = JSON.parse(new TextDecoder().decode(b.subarray(4, 4 + n)));
    return { ...rest, body: b.slice(4 + n) };
  },
};

let seq = 0;
export function msg(destination: Destination, text: string, extra: Partial<Message> = {}): Message {
  return {
    messageId: `ID:kahadb-test-1-0:1:1:1:${++seq}`,
    destination,
    priority: 4,
    expiration: 0,
    timestamp: 1_700_000_000_000 + seq,
    persistent: true,
    redeliveryCounter: 0,
    properties: {},
    bodyKind: "text",
    body: new TextEncoder().encode(text),
    ...extra,
  };
}

export function texts(messages: Message[]): string[] {
  return messages.map((m) => new TextDecoder().decode(m.body ?? new Uint8Array()));
}

export async function tempDir(t = "kahadb-test-"): Promise<string> {
  return await Deno.makeTempDir({ prefix: t });
}

/**
 * The real file system with hooks: fail writes (a full disk), hold fdatasync
 * until released, count calls.
 */
export class FaultFs implements StoreFs {
  /** Called before each write; return an error to make that write fail (after `partial` bytes). */
  failWrite:
    | ((path: string, data: Uint8Array, position: number) => { error: Error; partial: number } | null)
    | null = null;
  /** While set, syncData waits for it. */
  syncGate: Promise<void> | null = null;
  syncCalls = 0;
  /** Resolves once per syncData call that starts (tests await the n-th). */
  readonly syncStarted: (() => void)[] = [];
  writes = 0;

  open(path: string, options?: { create?: boolean }): StoreFile {
    const inner = denoFs.open(path, options);
    // deno-lint-ignore no-this-alias
    const fs = this;
    return {
      path,
      writeAt(data, position) {
        const fault = fs.failWrite?.(path, data, position);
        if (fault) {
          if (fault.partial > 0) inner.writeAt(data.subarray(0, fault.partial), position);
          throw fault.error;
        }
        fs.writes++;
        inner.writeAt(data, position);
      },
      readAt: (into, position) => inner.readAt(into, position),
      size: () => inner.size(),
      truncate: (n) => inner.truncate(n),
      async syncData() {
        fs.syncCalls++;
        fs.syncStarted.shift()?.();
        if (fs.syncGate) await fs.syncGate;
        await inner.syncData();
      },
      close: () => inner.close(),
    };
  }
  /** Resolves when the next syncData call starts. */
  nextSync(): Promise<void> {
    return new Promise((resolve) => this.syncStarted.push(resolve));
  }
  exists(path: string): boolean {
    return denoFs.exists(path);
  }
  remove(path: string): void {
    denoFs.remove(path);
  }
  rename(from: string, to: string): void {
    denoFs.rename(from, to);
  }
  mkdirp(path: string): void {
    denoFs.mkdirp(path);
  }
  list(dir: string): string[] {
    return denoFs.list(dir);
  }
}

/** "No space left on device", as the OS reports it. */
export function enospc(): Error {
  return new Error("No space left on device (os error 28)");
}

/**
 * The store's files as they are on disk right now, copied elsewhere: what a
 * crash at this moment would leave behind (the original keeps running).
 */
export async function crashCopy(directory: string): Promise<string> {
  const copy = await tempDir("kahadb-crash-");
  for await (const e of Deno.readDir(directory)) {
    if (e.isFile && e.name !== "lock") await Deno.copyFile(`${directory}/${e.name}`, `${copy}/${e.name}`);
  }
  return copy;
}

export function journalFiles(directory: string): string[] {
  return [...Deno.readDirSync(directory)].map((e) => e.name).filter((n) => /^db-\d+\.log$/.test(n))
    .sort((a, b) => Number(a.slice(3, -4)) - Number(b.slice(3, -4)));
}
