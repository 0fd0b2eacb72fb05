/**
 * LIKE patterns, compiled once per selector into a matcher function.
 *
 * Why no RegExp: a pattern such as `'%a%a%a%a%a%b'` becomes a backtracking
 * regex that takes polynomial time in the message's property length, and any
 * client can send one. The wildcard matcher below is O(pattern × text) in the
 * worst case and needs no escaping of regex metacharacters at all, so
 * `'a.c'` can only ever match the three characters `a.c`.
 *
 * Characters are UTF-16 code units, as in Java: `_` matches one code unit.
 */

const ANY_ONE = -1; // `_`
const ANY_SEQUENCE = -2; // `%`

/**
 * Pattern elements: a code unit to match literally, ANY_ONE or ANY_SEQUENCE.
 * After the escape character, `_`, `%` and the escape character itself are
 * literal; before anything else the escape character is an ordinary
 * character (ActiveMQ's lenient reading rather than an error).
 */
function elements(pattern: string, escape: string | null): number[] {
  const esc = escape === null ? -3 : escape.charCodeAt(0);
  const out: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === esc && i + 1 < pattern.length) {
      const n = pattern.charCodeAt(i + 1);
      if (n === 95 || n === 37 || n === esc) {
        out.push(n);
        i++;
        continue;
      }
    }
    if (c === 37 /* % */) {
      // `%%` is the same as `%`.
      if (out[out.length - 1] !== ANY_SEQUENCE) out.push(ANY_SEQUENCE);
    } else if (c === 95 /* _ */) {
      out.push(ANY_ONE);
    } else {
      out.push(c);
    }
  }
  return out;
}

function literalText(els: readonly number[]): string | null {
  let s = "";
  for (const e of els) {
    if (e < 0) return null;
    s += String.fromCharCode(e);
  }
  return s;
}

/** Compiles a LIKE pattern (already unquoted) into a matcher. */
export function compileLike(pattern: string, escape: string | null): (text: string) => boolean {
  const els = elements(pattern, escape);
  const n = els.length;

  // Shapes that cover most real selectors get a plain string operation.
  const whole = literalText(els);
  if (whole !== null) return (s) => s === whole;
  if (n === 1 && els[0] === ANY_SEQUENCE) return () => true;
  const startsAny = els[0] === ANY_SEQUENCE;
  const endsAny = els[n - 1] === ANY_SEQUENCE;
  const middle = literalText(els.slice(startsAny ? 1 : 0, endsAny ? n - 1 : n));
  if (middle !== null) {
    if (startsAny && endsAny) return (s) => s.includes(middle);
    if (endsAny) return (s) => s.startsWith(middle);
    if (startsAny) return (s) => s.endsWith(middle);
  }

  const pat = Int32Array.from(els);
  return (s) => wildcardMatch(pat, s);
}

/**
 * Classic wildcard matching: on a mismatch, go back to just after the last
 * `%` and let it swallow one more character. Never revisits an earlier `%`,
 * which is what bounds the work.
 */
function wildcardMatch(pat: Int32Array, s: string): boolean {
  const m = pat.length;
  const n = s.length;
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < n) {
    if (p < m) {
      const e = pat[p];
      if (e === ANY_SEQUENCE) {
        starP = p++;
        starI = i;
        continue;
      }
      if (e === ANY_ONE || e === s.charCodeAt(i)) {
        p++;
        i++;
        continue;
      }
    }
    if (starP < 0) return false;
    p = starP + 1;
    i = ++starI;
  }
  while (p < m && pat[p] === ANY_SEQUENCE) p++;
  return p === m;
}
