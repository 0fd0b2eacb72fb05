/**
 * The store worker: the only code that opens a KahaDB directory's files.
 * Created by `KahaDBPersistenceAdapter`; list this file in deno.json
 * `compile.include`.
 */
/// <reference lib="deno.worker" />
import { serializeError } from "../../broker/errors.ts";
import { BatchingPort, type PostTarget } from "../../bus/batching_port.ts";
import { postingLogger, StoreHost } from "./_host.ts";
import type { MainToWorker, WorkerToMain } from "./_protocol.ts";

const port = new BatchingPort<WorkerToMain>(self as unknown as PostTarget);
let host: StoreHost | null = null;

function handle(cmd: MainToWorker): void {
  if (cmd.k === "init") {
    host = new StoreHost(postingLogger((m) => port.post(m), cmd.debug));
    host.notify(cmd);
    return;
  }
  if (cmd.k === "abortStart") {
    host?.notify(cmd);
    return;
  }
  const id = cmd.id;
  if (!host) {
    port.post({
      k: "reply",
      id,
      error: { code: "illegal-state", message: "The store worker was not initialised" },
    });
    return;
  }
  host.run(cmd).then(
    (reply) => port.post({ k: "reply", id, value: reply.value }, reply.transfer),
    (err) => port.post({ k: "reply", id, error: serializeError(err) }),
  );
}

self.onmessage = (event: MessageEvent<MainToWorker[]>) => {
  for (const cmd of event.data) handle(cmd);
};
