/**
 * Seeded randomness for split and fuzz tests, so a failing case can be
 * replayed from its seed.
 */
export type Rng = () => number;

/** mulberry32: a small deterministic generator in [0, 1). */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: Rng, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}

/** Cuts input into chunks: often tiny (1-4 bytes), otherwise of any length. */
export function randomSplits(r: Rng, input: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  while (at < input.length) {
    const size = r() < 0.3 ? 1 + Math.floor(r() * 4) : 1 + Math.floor(r() * input.length);
    chunks.push(input.slice(at, at + size));
    at += size;
  }
  return chunks;
}

export interface MutateOptions {
  /** Bytes a codec treats specially (delimiters, flags); a function is asked once per edit. */
  interesting: readonly number[] | ((r: Rng) => readonly number[]);
  /** Also flip single bits. */
  flipBits?: boolean;
}

/** 1-4 random edits: truncate, overwrite, (flip a bit,) insert, delete a run, insert random bytes. */
export function mutate(r: Rng, input: Uint8Array, options: MutateOptions): Uint8Array {
  const out = Array.from(input);
  const edits = 1 + Math.floor(r() * 4);
  const kinds = options.flipBits
    ? ["truncate", "overwrite", "flip", "insert", "delete", "random"] as const
    : ["truncate", "overwrite", "insert", "delete", "random"] as const;
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (out.length + 1));
    const interesting = typeof options.interesting === "function"
      ? options.interesting(r)
      : options.interesting;
    switch (kinds[Math.floor(r() * kinds.length)]) {
      case "truncate":
        out.length = at;
        break;
      case "overwrite":
        out[Math.min(at, out.length - 1)] = pick(r, interesting);
        break;
      case "flip":
        out[Math.min(at, out.length - 1)] ^= 1 << Math.floor(r() * 8);
        break;
      case "insert":
        out.splice(at, 0, pick(r, interesting));
        break;
      case "delete":
        out.splice(at, 1 + Math.floor(r() * 8));
        break;
      case "random":
        out.splice(at, 0, ...Array.from({ length: Math.floor(r() * 20) }, () => Math.floor(r() * 256)));
    }
  }
  return new Uint8Array(out.filter((b) => b !== undefined));
}
