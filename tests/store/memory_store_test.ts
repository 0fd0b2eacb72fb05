import { MemoryPersistenceAdapter } from "../../src/store/memory_persistence_adapter.ts";
import { storeConformance } from "./conformance.ts";

// The memory store "restarts" as the same instance: what it holds lives as long as the process.
storeConformance("memory", () => {
  const store = new MemoryPersistenceAdapter();
  return Promise.resolve({ open: () => store, cleanup: () => Promise.resolve() });
});
