/**
 * Runtime values and the operators on them, with SQL three-valued logic:
 * `null` is UNKNOWN, and every operator given an UNKNOWN operand answers
 * UNKNOWN unless the spec says otherwise (IS NULL, AND/OR short-cuts).
 *
 * Numbers are JS `number` (JMS int, float, double) or `bigint` (JMS long, and
 * integer literals beyond 2^53). JavaScript's relational operators and `==`
 * compare a `number` with a `bigint` exactly, which is what promotion from
 * integer to floating types needs; arithmetic converts explicitly.
 */
import type { Message } from "../../message/message.ts";

/** What an expression evaluates to. Lists come only from MAKELIST/SPLIT. */
export type Value = string | number | bigint | boolean | null | readonly Value[];

export type Evaluator<T extends Value = Value> = (message: Message) => T;

export const KIND_NUMBER = 1;
export const KIND_STRING = 2;
export const KIND_BOOLEAN = 3;
export const KIND_OTHER = 4;

export function kindOf(v: Value): number {
  switch (typeof v) {
    case "number":
    case "bigint":
      return KIND_NUMBER;
    case "string":
      return KIND_STRING;
    case "boolean":
      return KIND_BOOLEAN;
    default:
      return KIND_OTHER;
  }
}

export const OP_EQ = 0;
export const OP_LT = 1;
export const OP_LE = 2;
export const OP_GT = 3;
export const OP_GE = 4;

const INTEGER_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?$/;

/**
 * convert_string_expressions (STOMP): a string compared with a number is read
 * as a number, with a boolean as `'true'` (any case) or false. `undefined`
 * when the string is no number, which makes the comparison FALSE.
 */
export function convertString(s: string, toKind: number): Value | undefined {
  if (toKind === KIND_BOOLEAN) return s.toLowerCase() === "true";
  if (toKind !== KIND_NUMBER) return undefined;
  const t = s.trim();
  if (INTEGER_TEXT.test(t)) {
    const b = BigInt(t);
    return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
  }
  if (FLOAT_TEXT.test(t)) {
    const last = t.charCodeAt(t.length - 1);
    const digits = last > 57 /* a suffix letter */ ? t.slice(0, -1) : t;
    return Number(digits);
  }
  return undefined;
}

/**
 * `=`, `<`, `<=`, `>`, `>=`. Values of different types are not comparable and
 * give FALSE (JMS 1.1 §3.8.1.2, and ActiveMQ), except that `convert` lets a
 * string meet a number or boolean as one. Strings and booleans order as in
 * Java (`compareTo`), which ActiveMQ allows for property-to-property compares.
 */
export function compareValues(op: number, a: Value, b: Value, convert: boolean): boolean | null {
  if (a === null || b === null) return null;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === KIND_OTHER || kb === KIND_OTHER) return false;
  if (ka !== kb) {
    if (!convert) return false;
    if (ka === KIND_STRING) {
      const c = convertString(a as string, kb);
      if (c === undefined) return false;
      a = c;
    } else if (kb === KIND_STRING) {
      const c = convertString(b as string, ka);
      if (c === undefined) return false;
      b = c;
    } else {
      return false;
    }
  }
  // Same kind now (number/bigint mixes count as one kind); the casts only quiet
  // the type checker, the operators are exact for every pair that reaches here.
  const x = a as number;
  const y = b as number;
  switch (op) {
    case OP_EQ:
      // Loose equality on purpose: it compares number with bigint by value.
      // deno-lint-ignore eqeqeq
      return x == y;
    case OP_LT:
      return x < y;
    case OP_LE:
      return x <= y;
    case OP_GT:
      return x > y;
    default:
      return x >= y;
  }
}

/** Equality used by INLIST: like `=` without conversion, never UNKNOWN. */
export function sameValue(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  return compareValues(OP_EQ, a, b, false) === true;
}

export const ARITH_ADD = 0;
export const ARITH_SUB = 1;
export const ARITH_MUL = 2;
export const ARITH_DIV = 3;
export const ARITH_MOD = 4;

function isNumeric(v: Value): v is number | bigint {
  return typeof v === "number" || typeof v === "bigint";
}

/** How ActiveMQ turns a value into text for `'a' + x`. */
export function valueToString(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(valueToString).join(", ")}]`;
  return String(v);
}

/**
 * `+ - * / %`. Division and modulo are always floating point (ActiveMQ
 * promotes both to double), and a zero divisor gives UNKNOWN instead of
 * Infinity/NaN. `'text' + x` concatenates, as in ActiveMQ. Integer overflow
 * does not wrap as Java's int/long would: results are exact.
 */
export function arithmetic(op: number, a: Value, b: Value): Value {
  if (a === null || b === null) return null;
  if (op === ARITH_ADD && typeof a === "string") return a + valueToString(b);
  if (!isNumeric(a) || !isNumeric(b)) return null;

  if (op === ARITH_DIV || op === ARITH_MOD) {
    const x = Number(a);
    const y = Number(b);
    if (y === 0) return null;
    return op === ARITH_DIV ? x / y : x % y;
  }

  if (typeof a === "number" && typeof b === "number") {
    return op === ARITH_ADD ? a + b : op === ARITH_SUB ? a - b : a * b;
  }
  // At least one long: stay exact while both sides are integers.
  if (
    (typeof a === "bigint" || Number.isSafeInteger(a)) && (typeof b === "bigint" || Number.isSafeInteger(b))
  ) {
    const x = BigInt(a);
    const y = BigInt(b);
    return op === ARITH_ADD ? x + y : op === ARITH_SUB ? x - y : x * y;
  }
  const x = Number(a);
  const y = Number(b);
  return op === ARITH_ADD ? x + y : op === ARITH_SUB ? x - y : x * y;
}

export function negate(v: Value): Value {
  if (typeof v === "number") return -v;
  if (typeof v === "bigint") return -v;
  return null;
}

/** A literal integer as the evaluator carries it: `number` when exact, else `bigint`. */
export function narrowInteger(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}
