import { ConfigError } from "./errors.ts";

const UNIT_FACTORS: Record<string, number> = {
  "": 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

// Number, optional blank, optional k/m/g/t, optional "b" or "ib" ("64 mb", "1 GiB", "1024", "2g").
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i;

/**
 * Parses an ActiveMQ memory size such as `"100 gb"`, `"64mb"`, `"1 kb"` or `"1024"` into bytes.
 * Units are 1024-based and case-insensitive. Throws a {@link ConfigError} (without location) on
 * anything else.
 *
 * @example
 * ```ts
 * parseByteSize("64 mb"); // 67108864
 * parseByteSize("1024"); // 1024
 * ```
 */
export function parseByteSize(text: string): number {
  const match = SIZE_PATTERN.exec(text.trim());
  if (match) {
    const bytes = Math.floor(Number(match[1]) * UNIT_FACTORS[match[2].toLowerCase()]);
    if (Number.isSafeInteger(bytes)) return bytes;
  }
  throw new ConfigError(
    `Invalid size "${text}"; accepted: a whole number of bytes, optionally followed by kb, mb, gb or tb ` +
      `(1024-based), e.g. "64 mb" or "100 gb"`,
  );
}
