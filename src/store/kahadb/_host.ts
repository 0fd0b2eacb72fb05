/**
 * Runs the commands of the main-thread adapter against an engine. The store
 * worker uses it with a logger that posts lines back; the in-process mode of
 * the adapter uses it directly.
 */
import type { Logger } from "../../log.ts";
import type { StoreStats } from "../persistence_adapter.ts";
import { KahaDBEngine } from "./_engine.ts";
import type { StoreFs } from "./_file_io.ts";
import type { MainToWorker, RecoveredWire, WorkerToMain } from "./_protocol.ts";

export interface HostReply {
  value?: RecoveredWire | StoreStats;
  transfer?: ArrayBuffer;
}

export class StoreHost {
  readonly #log: Logger;
  readonly #fs?: StoreFs;
  #engine: KahaDBEngine | null = null;
  readonly #startAbort = new AbortController();

  constructor(log: Logger, fs?: StoreFs) {
    this.#log = log;
    this.#fs = fs;
  }

  get engine(): KahaDBEngine | null {
    return this.#engine;
  }

  /** Commands without a reply. */
  notify(cmd: Extract<MainToWorker, { k: "init" | "abortStart" }>): void {
    if (cmd.k === "abortStart") {
      this.#startAbort.abort(new DOMException("Waiting for the KahaDB store lock was aborted", "AbortError"));
      return;
    }
    this.#engine = new KahaDBEngine({
      directory: cmd.directory,
      options: cmd.options,
      log: this.#log,
      fs: this.#fs,
    });
  }

  async run(cmd: Exclude<MainToWorker, { k: "init" | "abortStart" }>): Promise<HostReply> {
    const engine = this.#engine;
    if (!engine) throw new Error("The store worker was not initialised");
    switch (cmd.k) {
      case "start": {
        const value = await engine.start(this.#startAbort.signal);
        return { value, transfer: value.data };
      }
      case "write":
        await engine.write(cmd.ops, cmd.sync);
        return {};
      case "prepare":
        await engine.prepare(cmd.xid, cmd.ops);
        return {};
      case "commitPrepared":
        await engine.commitPrepared(cmd.xid);
        return {};
      case "rollbackPrepared":
        await engine.rollbackPrepared(cmd.xid);
        return {};
      case "stats":
        return { value: engine.stats() };
      case "checkpoint":
        await engine.checkpoint();
        return {};
      case "cleanup":
        await engine.cleanup();
        return {};
      case "stop":
        await engine.stop();
        return {};
    }
  }
}

/** A Logger whose lines travel to the main thread (which owns the log output). */
export function postingLogger(post: (m: WorkerToMain) => void, debugEnabled: boolean): Logger {
  const log: Logger = {
    debug: (message) => {
      if (debugEnabled) post({ k: "log", level: "debug", message });
    },
    info: (message) => post({ k: "log", level: "info", message }),
    warn: (message) => post({ k: "log", level: "warn", message }),
    error: (message, err) => {
      const detail = err === undefined ? "" : `: ${err instanceof Error ? err.message : String(err)}`;
      post({ k: "log", level: "error", message: message + detail });
    },
    debugEnabled,
    child: () => log,
  };
  return log;
}
