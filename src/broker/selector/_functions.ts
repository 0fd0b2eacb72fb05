/**
 * The ActiveMQ selector function extension (semantics.md §5.1):
 * `INLIST(list, value)`, `MAKELIST(a, b, …)`, `SPLIT(text, separator[, limit])`
 * and `REGEX(pattern, value)`. Names are matched case-insensitively.
 *
 * Regular expressions (the SPLIT separator, the REGEX pattern) must be string
 * literals so they are compiled once when the selector is parsed; they use
 * JavaScript regex syntax, which agrees with Java's for ordinary patterns.
 * REPLACE is not provided: it is an unknown function.
 */
import type { Node } from "./_parser.ts";
import { SelectorSyntaxError } from "./_syntax_error.ts";
import { type Evaluator, sameValue, type Value, valueToString } from "./_values.ts";

export interface FunctionSpec {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** A boolean-returning call may stand where a condition is expected. */
  readonly returnsBoolean: boolean;
  /** Parse-time checks of the arguments; throws SelectorSyntaxError. */
  readonly check?: (args: readonly Node[], pos: number) => void;
  readonly compile: (args: readonly Evaluator[], nodes: readonly Node[]) => Evaluator;
}

function literalRegex(node: Node, what: string, flags: string): RegExp {
  if (node.kind !== "literal" || typeof node.value !== "string") {
    throw new SelectorSyntaxError(`${what} must be a string literal`, node.pos);
  }
  try {
    return new RegExp(node.value, flags);
  } catch (e) {
    throw new SelectorSyntaxError(
      `${what} is not a valid regular expression: ${(e as Error).message}`,
      node.pos,
    );
  }
}

/**
 * Java's `String.split(regex, limit)`: limit > 0 caps the number of parts (the
 * last keeps the rest), limit 0 drops trailing empty parts, limit < 0 keeps
 * them; a zero-width match at the start never yields a leading empty part.
 */
function javaSplit(text: string, separator: RegExp, limit: number): string[] {
  const parts: string[] = [];
  let start = 0;
  let matched = false;
  separator.lastIndex = 0;
  while (limit <= 0 || parts.length < limit - 1) {
    const m = separator.exec(text);
    if (m === null) break;
    const end = m.index + m[0].length;
    if (m[0].length === 0) {
      if (m.index >= text.length) break;
      separator.lastIndex = m.index + 1;
      if (m.index === 0) continue;
    }
    matched = true;
    parts.push(text.slice(start, m.index));
    start = end;
  }
  if (!matched) return [text];
  parts.push(text.slice(start));
  if (limit === 0) {
    while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  }
  return parts;
}

export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  ["INLIST", {
    minArgs: 2,
    maxArgs: 2,
    returnsBoolean: true,
    compile: ([list, value]) => (m) => {
      const l = list(m);
      if (!Array.isArray(l)) return null;
      const v = value(m);
      return l.some((e: Value) => sameValue(e, v));
    },
  }],
  ["MAKELIST", {
    minArgs: 0,
    maxArgs: Infinity,
    returnsBoolean: false,
    compile: (args) => (m) => args.map((a) => a(m)),
  }],
  ["SPLIT", {
    minArgs: 2,
    maxArgs: 3,
    returnsBoolean: false,
    check: ([, separator]) => void literalRegex(separator, "the SPLIT separator", "g"),
    compile: ([text, , limit], nodes) => {
      const separator = literalRegex(nodes[1], "the SPLIT separator", "g");
      return (m) => {
        const t = text(m);
        if (typeof t !== "string") return null;
        let n = 0;
        if (limit) {
          const l = limit(m);
          if (typeof l === "bigint") n = Number(l);
          else if (typeof l === "number" && Number.isInteger(l)) n = l;
          else return null;
        }
        return javaSplit(t, separator, n);
      };
    },
  }],
  ["REGEX", {
    minArgs: 2,
    maxArgs: 2,
    returnsBoolean: true,
    check: ([pattern]) => void literalRegex(pattern, "the REGEX pattern", ""),
    compile: ([, value], nodes) => {
      const pattern = literalRegex(nodes[0], "the REGEX pattern", "");
      return (m) => {
        const v = value(m);
        // Unanchored search, like Java's Matcher.find(); NULL gives FALSE.
        return v === null ? false : pattern.test(valueToString(v));
      };
    },
  }],
]);
