/**
 * ActiveMQ wildcard matching on `.`-separated names: `*` is exactly one element,
 * `>` is zero or more trailing elements and only counts as the last element.
 * There are no partial-element wildcards (`FOO.B*` matches only `FOO.B*`).
 */
export function wildcardMatches(pattern: string, name: string): boolean {
  if (pattern === name) return true;
  const p = pattern.split(".");
  const n = name.split(".");
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === ">" && i === p.length - 1) return true;
    if (i >= n.length) return false;
    if (token === "*") continue;
    if (token !== n[i]) return false;
  }
  return p.length === n.length;
}
