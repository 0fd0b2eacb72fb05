/**
 * Turns selector text into tokens. Pure: text in, tokens out.
 *
 * The token rules follow the JMS 1.1 selector syntax as ActiveMQ lexes it
 * (semantics.md §5.1): case-insensitive keywords, `''` inside string literals,
 * decimal/hex/octal integers with an optional `L`, floats such as `1.`, `.5`
 * and `1E3`, and `--` / `/* *\/` comments.
 */
import { describeText, SelectorSyntaxError } from "./_syntax_error.ts";

export const KEYWORDS = [
  "NOT",
  "AND",
  "OR",
  "BETWEEN",
  "LIKE",
  "ESCAPE",
  "IN",
  "IS",
  "TRUE",
  "FALSE",
  "NULL",
  "XPATH",
  "XQUERY",
] as const;
export type Keyword = typeof KEYWORDS[number];

export type Operator = "=" | "<>" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/" | "%" | "(" | ")" | ",";

export type Token =
  | { kind: "ident"; text: string; pos: number; name: string }
  | { kind: "keyword"; text: string; pos: number; keyword: Keyword }
  | { kind: "string"; text: string; pos: number; value: string }
  /** Integers are exact (`bigint`) whatever their size; the evaluator narrows them. */
  | { kind: "integer"; text: string; pos: number; value: bigint }
  | { kind: "float"; text: string; pos: number; value: number }
  | { kind: "op"; text: string; pos: number; op: Operator }
  | { kind: "eof"; text: string; pos: number };

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

// Identifiers may use any Unicode letter (JMS says "Java identifier"); ActiveMQ
// itself only lexes ASCII, so this accepts a superset of what it accepts.
const UNICODE_ID_START = /^[\p{L}\p{Nl}]$/u;
const UNICODE_ID_PART = /^[\p{L}\p{Nl}\p{Nd}\p{Mn}\p{Mc}]$/u;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function isAsciiIdStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */ || c === 36 /* $ */;
}

/** Length in code units of the identifier character at `i`, or 0 when there is none. */
function idCharLength(text: string, i: number, start: boolean): number {
  const c = text.charCodeAt(i);
  if (isAsciiIdStart(c) || (!start && isDigit(c))) return 1;
  if (c < 128 || Number.isNaN(c)) return 0;
  const cp = text.codePointAt(i)!;
  const ch = String.fromCodePoint(cp);
  return (start ? UNICODE_ID_START : UNICODE_ID_PART).test(ch) ? ch.length : 0;
}

function isWhitespace(c: number): boolean {
  // space, \t, \n, \r, \f: the set ActiveMQ skips.
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
}

function showChar(text: string, i: number): string {
  const cp = text.codePointAt(i)!;
  if (cp < 32 || cp === 127 || (cp >= 0x80 && cp < 0xa0)) {
    return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return `'${String.fromCodePoint(cp)}'`;
}

/**
 * Tokenizes `text` from offset `start` (past a `convert_string_expressions:`
 * prefix, say). Positions in the tokens are offsets into `text`. The last
 * token is always `eof`.
 */
export function tokenize(text: string, start = 0): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = start;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isWhitespace(c)) {
      i++;
      continue;
    }
    const next = i + 1 < n ? text.charCodeAt(i + 1) : -1;

    // Comments. `--` runs to the end of the line (or of the text: ActiveMQ
    // wants a newline there, which is a needless trap).
    if (c === 45 /* - */ && next === 45) {
      i += 2;
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      continue;
    }
    if (c === 47 /* / */ && next === 42 /* * */) {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new SelectorSyntaxError("unterminated comment", i);
      i = end + 2;
      continue;
    }

    if (c === 39 /* ' */) {
      i = readString(text, i, tokens);
      continue;
    }
    if (isDigit(c) || (c === 46 /* . */ && isDigit(next))) {
      i = readNumber(text, i, tokens);
      continue;
    }
    const idLen = idCharLength(text, i, true);
    if (idLen > 0) {
      const begin = i;
      i += idLen;
      for (let len = idCharLength(text, i, false); len > 0; len = idCharLength(text, i, false)) i += len;
      const word = text.slice(begin, i);
      const upper = word.toUpperCase();
      if (KEYWORD_SET.has(upper)) {
        tokens.push({ kind: "keyword", text: word, pos: begin, keyword: upper as Keyword });
      } else {
        tokens.push({ kind: "ident", text: word, pos: begin, name: word });
      }
      continue;
    }
    const op = readOperator(c, next);
    if (op === null) throw new SelectorSyntaxError(`unexpected character ${showChar(text, i)}`, i);
    tokens.push({ kind: "op", text: op, pos: i, op });
    i += op.length;
  }
  tokens.push({ kind: "eof", text: "", pos: n });
  return tokens;
}

function readOperator(c: number, next: number): Operator | null {
  switch (c) {
    case 61:
      return "=";
    case 60: // <
      if (next === 62) return "<>";
      return next === 61 ? "<=" : "<";
    case 62: // >
      return next === 61 ? ">=" : ">";
    case 43:
      return "+";
    case 45:
      return "-";
    case 42:
      return "*";
    case 47:
      return "/";
    case 37:
      return "%";
    case 40:
      return "(";
    case 41:
      return ")";
    case 44:
      return ",";
    default:
      return null;
  }
}

function readString(text: string, begin: number, tokens: Token[]): number {
  let value = "";
  let i = begin + 1;
  let chunk = i;
  for (;;) {
    const q = text.indexOf("'", i);
    if (q < 0) throw new SelectorSyntaxError("unterminated string literal", begin);
    if (text.charCodeAt(q + 1) === 39) {
      // '' is one quote inside the literal.
      value += text.slice(chunk, q + 1);
      i = q + 2;
      chunk = i;
      continue;
    }
    value += text.slice(chunk, q);
    tokens.push({ kind: "string", text: text.slice(begin, q + 1), pos: begin, value });
    return q + 1;
  }
}

function readNumber(text: string, begin: number, tokens: Token[]): number {
  const n = text.length;
  let i = begin;
  const c0 = text.charCodeAt(i);
  const c1 = text.charCodeAt(i + 1);
  if (c0 === 48 && (c1 === 120 || c1 === 88) /* 0x */) {
    i += 2;
    const digitsStart = i;
    while (i < n && isHexDigit(text.charCodeAt(i))) i++;
    if (i === digitsStart) {
      throw new SelectorSyntaxError(
        `invalid hexadecimal literal ${describeText(text.slice(begin, i))}`,
        begin,
      );
    }
    const value = BigInt(`0x${text.slice(digitsStart, i)}`);
    if (isLongSuffix(text.charCodeAt(i))) i++;
    tokens.push({ kind: "integer", text: text.slice(begin, i), pos: begin, value });
    return i;
  }

  while (i < n && isDigit(text.charCodeAt(i))) i++;
  const intEnd = i;
  let isFloat = false;
  if (text.charCodeAt(i) === 46 /* . */) {
    isFloat = true;
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 69 || e === 101 /* E e */) {
    let j = i + 1;
    const sign = text.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    if (isDigit(text.charCodeAt(j))) {
      isFloat = true;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      i = j;
    }
  }

  if (isFloat) {
    const value = Number(text.slice(begin, i));
    const s = text.charCodeAt(i);
    if (s === 102 || s === 70 || s === 100 || s === 68 /* f F d D */) i++;
    tokens.push({ kind: "float", text: text.slice(begin, i), pos: begin, value });
    return i;
  }

  const digits = text.slice(begin, intEnd);
  let value: bigint;
  if (digits.length > 1 && digits.charCodeAt(0) === 48) {
    // A leading zero means octal, as in Java and ActiveMQ.
    for (let k = 1; k < digits.length; k++) {
      if (digits.charCodeAt(k) > 55 /* 7 */) {
        throw new SelectorSyntaxError(`invalid octal literal ${describeText(digits)}`, begin);
      }
    }
    value = BigInt(`0o${digits.slice(1)}`);
  } else {
    value = BigInt(digits);
  }
  if (isLongSuffix(text.charCodeAt(i))) i++;
  tokens.push({ kind: "integer", text: text.slice(begin, i), pos: begin, value });
  return i;
}

function isLongSuffix(c: number): boolean {
  return c === 76 || c === 108; // L l
}
