/**
 * The process-level pieces of memory pressure handling (see
 * src/memory_pressure.ts): the resident size, and glibc's `malloc_trim`, which
 * returns freed heap memory to the system. `malloc_trim` is reached through
 * FFI; without `--allow-ffi`, or on a C library without it, there is simply no
 * trimming.
 */
import { configureMemoryPressure } from "../memory_pressure.ts";

let trimmer: (() => void) | null | undefined;

function mallocTrim(): (() => void) | undefined {
  if (trimmer !== undefined) return trimmer ?? undefined;
  trimmer = null;
  if (Deno.build.os !== "linux") return undefined;
  try {
    const libc = Deno.dlopen("libc.so.6", { malloc_trim: { parameters: ["usize"], result: "i32" } });
    trimmer = () => void libc.symbols.malloc_trim(0n);
  } catch {
    // No FFI permission or no glibc: memory is still collected, just not trimmed.
  }
  return trimmer ?? undefined;
}

/** Sets up memory pressure handling for this thread (main or a worker). */
export function configureProcessMemoryPressure(rssBudget: number): void {
  configureMemoryPressure({ rssBudget, readRss: () => Deno.memoryUsage().rss, trim: mallocTrim() });
}
