/**
 * Adler-32 (RFC 1950 section 8.2), the checksum of KahaDB journal batches
 * (kahadb.md 2.2) and of our index pages.
 */
const MOD = 65521;
// Largest run of bytes after which `b` still fits in a signed 31-bit integer
// (255·n(n+1)/2 + (n+1)·65520 < 2^31), so V8 keeps both sums as small integers.
const CHUNK = 3800;

/**
 * Adler-32 of `data`, continuing from `start` (1 for a fresh checksum).
 *
 * @example
 * ```ts
 * adler32(new TextEncoder().encode("Wikipedia")); // 0x11E60398
 * ```
 */
export function adler32(data: Uint8Array, start = 1): number {
  let a = start & 0xffff;
  let b = (start >>> 16) & 0xffff;
  const n = data.length;
  let i = 0;
  while (i < n) {
    const end = Math.min(i + CHUNK, n);
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}
