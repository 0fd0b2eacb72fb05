/**
 * Recursive-descent parser from tokens to a small AST, plus the static checks
 * ActiveMQ makes while parsing (semantics.md §5.1): the whole selector and
 * every AND/OR/NOT operand must be boolean, `<`/`>`/BETWEEN take no string,
 * boolean or NULL literal, `= NULL` is rejected (use IS NULL), IN needs a
 * property on its left, and an ESCAPE literal is exactly one character.
 *
 * Precedence, loosest first: OR, AND, NOT, `=`/`<>`/IS, `<`/`>`/LIKE/BETWEEN/IN,
 * `+`/`-`, `*`/`/`/`%`, unary sign.
 */
import type { Keyword, Operator, Token } from "./_lexer.ts";
import { describeText, SelectorSyntaxError } from "./_syntax_error.ts";
import { FUNCTIONS } from "./_functions.ts";

/** Literal values: integers stay exact as `bigint`, floats are `number`. */
export type LiteralValue = string | bigint | number | boolean | null;

export type CompareOp = "=" | "<>" | "<" | "<=" | ">" | ">=";
export type ArithOp = "+" | "-" | "*" | "/" | "%";

export type Node =
  | { kind: "literal"; value: LiteralValue; pos: number }
  | { kind: "ident"; name: string; pos: number }
  /** A property standing alone where a boolean is needed (`trueProp AND x = 1`). */
  | { kind: "boolCast"; operand: Node; pos: number }
  | { kind: "and" | "or"; operands: Node[]; pos: number }
  | { kind: "not"; operand: Node; pos: number }
  | { kind: "compare"; op: CompareOp; left: Node; right: Node; pos: number }
  | { kind: "arith"; op: ArithOp; left: Node; right: Node; pos: number }
  | { kind: "negate"; operand: Node; pos: number }
  | { kind: "like"; operand: Node; pattern: string; escape: string | null; negated: boolean; pos: number }
  | { kind: "between"; operand: Node; low: Node; high: Node; negated: boolean; pos: number }
  | { kind: "in"; operand: Node; values: string[]; negated: boolean; pos: number }
  | { kind: "isNull"; operand: Node; negated: boolean; pos: number }
  | { kind: "call"; name: string; args: Node[]; pos: number };

/** Nesting deeper than this is refused rather than risking the stack. */
export const MAX_DEPTH = 400;

/** Parses a token list (ending with `eof`) into a boolean-valued AST. */
export function parseTokens(tokens: readonly Token[]): Node {
  return new Parser(tokens).parseSelector();
}

function describeToken(t: Token): string {
  if (t.kind === "eof") return "end of input";
  // A string token's text already carries its quotes.
  if (t.kind === "string") return `string ${t.text.length > 42 ? `${t.text.slice(0, 41)}…'` : t.text}`;
  return describeText(t.text);
}

function isBooleanNode(node: Node): boolean {
  switch (node.kind) {
    case "literal":
      return node.value === null || typeof node.value === "boolean";
    case "boolCast":
    case "and":
    case "or":
    case "not":
    case "compare":
    case "like":
    case "between":
    case "in":
    case "isNull":
      return true;
    case "call":
      return FUNCTIONS.get(node.name)?.returnsBoolean ?? false;
    default:
      return false;
  }
}

function describeNode(node: Node): string {
  switch (node.kind) {
    case "literal": {
      const v = node.value;
      if (v === null) return "NULL";
      if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
      if (typeof v === "string") return describeText(v);
      return String(v);
    }
    case "ident":
      return node.name;
    case "call":
      return `${node.name}(…)`;
    case "arith":
    case "negate":
      return "an arithmetic expression";
    default:
      return "a condition";
  }
}

class Parser {
  readonly #tokens: readonly Token[];
  #index = 0;
  #depth = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  parseSelector(): Node {
    const node = this.#parseOr();
    const t = this.#peek();
    if (t.kind !== "eof") throw this.#unexpected(t);
    return this.#asBoolean(node);
  }

  // ---- token helpers ----

  #peek(offset = 0): Token {
    const i = Math.min(this.#index + offset, this.#tokens.length - 1);
    return this.#tokens[i];
  }

  #next(): Token {
    const t = this.#peek();
    if (t.kind !== "eof") this.#index++;
    return t;
  }

  #isKeyword(k: Keyword, offset = 0): boolean {
    const t = this.#peek(offset);
    return t.kind === "keyword" && t.keyword === k;
  }

  #isOp(op: Operator, offset = 0): boolean {
    const t = this.#peek(offset);
    return t.kind === "op" && t.op === op;
  }

  #unexpected(t: Token): SelectorSyntaxError {
    if (t.kind === "eof") return new SelectorSyntaxError("unexpected end of input", t.pos);
    return new SelectorSyntaxError(
      `unexpected ${t.kind === "string" ? "" : "token "}${describeToken(t)}`,
      t.pos,
    );
  }

  #expectKeyword(k: Keyword): Token {
    const t = this.#peek();
    if (t.kind !== "keyword" || t.keyword !== k) {
      throw new SelectorSyntaxError(`expected ${k} but found ${describeToken(t)}`, t.pos);
    }
    return this.#next();
  }

  #expectOp(op: Operator): Token {
    const t = this.#peek();
    if (t.kind !== "op" || t.op !== op) {
      throw new SelectorSyntaxError(`expected '${op}' but found ${describeToken(t)}`, t.pos);
    }
    return this.#next();
  }

  #expectString(what: string): { value: string; pos: number } {
    const t = this.#peek();
    if (t.kind !== "string") {
      throw new SelectorSyntaxError(`${what} must be a string literal, found ${describeToken(t)}`, t.pos);
    }
    this.#next();
    return { value: t.value, pos: t.pos };
  }

  #enter(pos: number): void {
    if (++this.#depth > MAX_DEPTH) {
      throw new SelectorSyntaxError(`expression nested more than ${MAX_DEPTH} levels deep`, pos);
    }
  }

  #leave(): void {
    this.#depth--;
  }

  // ---- static checks ----

  #asBoolean(node: Node): Node {
    if (isBooleanNode(node)) return node;
    if (node.kind === "ident") return { kind: "boolCast", operand: node, pos: node.pos };
    throw new SelectorSyntaxError(`expected a condition but found ${describeNode(node)}`, node.pos);
  }

  /** Operands of `<`, `<=`, `>`, `>=` and BETWEEN. */
  #checkOrderable(node: Node, op: string): void {
    if (node.kind === "literal" && !(typeof node.value === "bigint" || typeof node.value === "number")) {
      throw new SelectorSyntaxError(`value ${describeNode(node)} cannot be compared with ${op}`, node.pos);
    }
    if (node.kind !== "literal" && isBooleanNode(node)) {
      throw new SelectorSyntaxError(`a condition cannot be compared with ${op}`, node.pos);
    }
  }

  /** Operands of `=` and `<>`. */
  #checkEquatable(left: Node, right: Node, op: string): void {
    for (const node of [left, right]) {
      if (node.kind === "literal" && node.value === null) {
        throw new SelectorSyntaxError(
          `NULL cannot be compared with ${op}; use IS NULL or IS NOT NULL`,
          node.pos,
        );
      }
    }
    if (left.kind === "literal" && right.kind === "literal") {
      const lb = typeof left.value === "boolean";
      const rb = typeof right.value === "boolean";
      if (lb !== rb) {
        throw new SelectorSyntaxError(
          `${describeNode(left)} cannot be compared with ${describeNode(right)}`,
          left.pos,
        );
      }
    }
  }

  // ---- grammar ----

  #parseOr(): Node {
    const first = this.#parseAnd();
    if (!this.#isKeyword("OR")) return first;
    const operands: Node[] = [];
    this.#pushFlat(operands, "or", this.#asBoolean(first));
    while (this.#isKeyword("OR")) {
      this.#next();
      this.#pushFlat(operands, "or", this.#asBoolean(this.#parseAnd()));
    }
    return { kind: "or", operands, pos: first.pos };
  }

  #parseAnd(): Node {
    const first = this.#parseNot();
    if (!this.#isKeyword("AND")) return first;
    const operands: Node[] = [];
    this.#pushFlat(operands, "and", this.#asBoolean(first));
    while (this.#isKeyword("AND")) {
      this.#next();
      this.#pushFlat(operands, "and", this.#asBoolean(this.#parseNot()));
    }
    return { kind: "and", operands, pos: first.pos };
  }

  /** `(a OR b) OR c` evaluates as one flat OR; keeps evaluation shallow. */
  #pushFlat(into: Node[], kind: "and" | "or", node: Node): void {
    if (node.kind === kind) into.push(...node.operands);
    else into.push(node);
  }

  /**
   * NOT binds looser than comparisons here, as JMS and SQL-92 define it, so
   * `NOT color = 'red'` means `NOT (color = 'red')`. ActiveMQ's grammar binds
   * NOT to the next primary, which makes that selector never match; a NOT in
   * operand position (`a = NOT b`) still parses as ActiveMQ does, in #parseUnary.
   */
  #parseNot(): Node {
    const t = this.#peek();
    if (t.kind === "keyword" && t.keyword === "NOT") {
      this.#next();
      this.#enter(t.pos);
      const operand = this.#asBoolean(this.#parseNot());
      this.#leave();
      return { kind: "not", operand, pos: t.pos };
    }
    return this.#parseEquality();
  }

  #parseEquality(): Node {
    let left = this.#parseComparison();
    for (;;) {
      const t = this.#peek();
      if (t.kind === "op" && (t.op === "=" || t.op === "<>")) {
        this.#next();
        const right = this.#parseComparison();
        this.#checkEquatable(left, right, t.op);
        left = { kind: "compare", op: t.op, left, right, pos: t.pos };
      } else if (t.kind === "keyword" && t.keyword === "IS") {
        this.#next();
        let negated = false;
        if (this.#isKeyword("NOT")) {
          this.#next();
          negated = true;
        }
        this.#expectKeyword("NULL");
        left = { kind: "isNull", operand: left, negated, pos: t.pos };
      } else {
        return left;
      }
    }
  }

  #parseComparison(): Node {
    let left = this.#parseAdditive();
    for (;;) {
      const t = this.#peek();
      if (t.kind === "op" && (t.op === "<" || t.op === "<=" || t.op === ">" || t.op === ">=")) {
        this.#next();
        const right = this.#parseAdditive();
        this.#checkOrderable(left, t.op);
        this.#checkOrderable(right, t.op);
        left = { kind: "compare", op: t.op, left, right, pos: t.pos };
        continue;
      }
      let negated = false;
      if (
        this.#isKeyword("NOT") &&
        (this.#isKeyword("LIKE", 1) || this.#isKeyword("BETWEEN", 1) || this.#isKeyword("IN", 1))
      ) {
        this.#next();
        negated = true;
      }
      const k = this.#peek();
      if (k.kind !== "keyword") return left;
      if (k.keyword === "LIKE") {
        this.#next();
        const pattern = this.#expectString("a LIKE pattern").value;
        let escape: string | null = null;
        if (this.#isKeyword("ESCAPE")) {
          this.#next();
          const e = this.#expectString("an ESCAPE character");
          if (e.value.length !== 1) {
            throw new SelectorSyntaxError(
              `the ESCAPE literal must be exactly one character, found ${describeText(e.value)}`,
              e.pos,
            );
          }
          escape = e.value;
        }
        left = { kind: "like", operand: left, pattern, escape, negated, pos: k.pos };
      } else if (k.keyword === "BETWEEN") {
        this.#next();
        const low = this.#parseAdditive();
        this.#expectKeyword("AND");
        const high = this.#parseAdditive();
        for (const node of [left, low, high]) this.#checkOrderable(node, "BETWEEN");
        left = { kind: "between", operand: left, low, high, negated, pos: k.pos };
      } else if (k.keyword === "IN") {
        this.#next();
        if (left.kind !== "ident") {
          throw new SelectorSyntaxError(
            `IN needs a property name on its left, found ${describeNode(left)}`,
            k.pos,
          );
        }
        this.#expectOp("(");
        const values = [this.#expectString("an IN list element").value];
        while (this.#isOp(",")) {
          this.#next();
          values.push(this.#expectString("an IN list element").value);
        }
        this.#expectOp(")");
        left = { kind: "in", operand: left, values, negated, pos: k.pos };
      } else {
        return left;
      }
    }
  }

  #parseAdditive(): Node {
    let left = this.#parseMultiplicative();
    for (;;) {
      const t = this.#peek();
      if (t.kind !== "op" || (t.op !== "+" && t.op !== "-")) return left;
      this.#next();
      const right = this.#parseMultiplicative();
      left = { kind: "arith", op: t.op, left, right, pos: left.pos };
    }
  }

  #parseMultiplicative(): Node {
    let left = this.#parseUnary();
    for (;;) {
      const t = this.#peek();
      if (t.kind !== "op" || (t.op !== "*" && t.op !== "/" && t.op !== "%")) return left;
      this.#next();
      const right = this.#parseUnary();
      left = { kind: "arith", op: t.op, left, right, pos: left.pos };
    }
  }

  #parseUnary(): Node {
    const t = this.#peek();
    if (t.kind === "op" && (t.op === "+" || t.op === "-")) {
      this.#next();
      this.#enter(t.pos);
      const operand = this.#parseUnary();
      this.#leave();
      if (t.op === "+") return operand;
      // Fold `-literal` so `-9223372036854775808` and `x > -1` stay literals.
      if (operand.kind === "literal") {
        if (typeof operand.value === "bigint") return { kind: "literal", value: -operand.value, pos: t.pos };
        if (typeof operand.value === "number") return { kind: "literal", value: -operand.value, pos: t.pos };
      }
      return { kind: "negate", operand, pos: t.pos };
    }
    if (t.kind === "keyword") {
      if (t.keyword === "NOT") {
        this.#next();
        this.#enter(t.pos);
        const operand = this.#asBoolean(this.#parseUnary());
        this.#leave();
        return { kind: "not", operand, pos: t.pos };
      }
      if (t.keyword === "XPATH" || t.keyword === "XQUERY") {
        throw new SelectorSyntaxError(`${t.keyword} selectors are not supported`, null);
      }
    }
    return this.#parsePrimary();
  }

  #parsePrimary(): Node {
    const t = this.#next();
    switch (t.kind) {
      case "string":
      case "integer":
      case "float":
        return { kind: "literal", value: t.value, pos: t.pos };
      case "keyword":
        if (t.keyword === "TRUE") return { kind: "literal", value: true, pos: t.pos };
        if (t.keyword === "FALSE") return { kind: "literal", value: false, pos: t.pos };
        if (t.keyword === "NULL") return { kind: "literal", value: null, pos: t.pos };
        throw this.#unexpected(t);
      case "ident":
        if (this.#isOp("(")) return this.#parseCall(t.name, t.pos);
        return { kind: "ident", name: t.name, pos: t.pos };
      case "op":
        if (t.op === "(") {
          this.#enter(t.pos);
          const inner = this.#parseOr();
          this.#leave();
          this.#expectOp(")");
          return inner;
        }
        throw this.#unexpected(t);
      default:
        throw this.#unexpected(t);
    }
  }

  /** ActiveMQ extension functions (INLIST, MAKELIST, SPLIT, REGEX). */
  #parseCall(name: string, pos: number): Node {
    const upper = name.toUpperCase();
    const spec = FUNCTIONS.get(upper);
    if (!spec) throw new SelectorSyntaxError(`unknown function ${describeText(name)}`, pos);
    this.#expectOp("(");
    this.#enter(pos);
    const args: Node[] = [];
    if (!this.#isOp(")")) {
      args.push(this.#parseOr());
      while (this.#isOp(",")) {
        this.#next();
        args.push(this.#parseOr());
      }
    }
    this.#leave();
    this.#expectOp(")");
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      const want = spec.minArgs === spec.maxArgs
        ? `${spec.minArgs}`
        : spec.maxArgs === Infinity
        ? `at least ${spec.minArgs}`
        : `${spec.minArgs} to ${spec.maxArgs}`;
      throw new SelectorSyntaxError(`${upper} takes ${want} argument(s), found ${args.length}`, pos);
    }
    spec.check?.(args, pos);
    return { kind: "call", name: upper, args, pos };
  }
}
