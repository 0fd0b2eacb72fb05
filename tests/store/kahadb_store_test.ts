import { KahaDBPersistenceAdapter } from "../../src/store/kahadb/mod.ts";
import { storeConformance } from "./conformance.ts";
import { quietLog } from "./kahadb/_helpers.ts";

// Each open() is a new adapter (and a new store worker) on the same directory, as after a restart.
storeConformance("kahaDB", async () => {
  const directory = await Deno.makeTempDir({ prefix: "kahadb-conformance-" });
  return {
    open: () => new KahaDBPersistenceAdapter({ directory, options: {}, log: quietLog() }),
    cleanup: () => Deno.remove(directory, { recursive: true }),
  };
});
