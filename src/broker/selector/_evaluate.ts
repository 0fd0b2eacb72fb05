/**
 * Compiles the AST into nested closures once per selector, so matching a
 * message is a few function calls with no parsing, no allocation beyond the
 * values themselves and no regex construction.
 */
import type { Node } from "./_parser.ts";
import { MAX_DEPTH } from "./_parser.ts";
import { FUNCTIONS } from "./_functions.ts";
import { identifierReader } from "./_headers.ts";
import { compileLike } from "./_like.ts";
import { SelectorSyntaxError } from "./_syntax_error.ts";
import {
  ARITH_ADD,
  ARITH_DIV,
  ARITH_MOD,
  ARITH_MUL,
  ARITH_SUB,
  arithmetic,
  compareValues,
  type Evaluator,
  narrowInteger,
  negate,
  OP_EQ,
  OP_GE,
  OP_GT,
  OP_LE,
  OP_LT,
  type Value,
} from "./_values.ts";

export interface CompileOptions {
  /** STOMP's convert_string_expressions: numeric-looking strings meet numbers as numbers. */
  convertStringExpressions: boolean;
}

const COMPARE_OPS = { "=": OP_EQ, "<": OP_LT, "<=": OP_LE, ">": OP_GT, ">=": OP_GE } as const;
const ARITH_OPS = { "+": ARITH_ADD, "-": ARITH_SUB, "*": ARITH_MUL, "/": ARITH_DIV, "%": ARITH_MOD } as const;

function not(v: Value): boolean | null {
  return v === true ? false : v === false ? true : null;
}

/** Three-valued AND: FALSE wins, then UNKNOWN. */
function and(parts: readonly Evaluator[]): Evaluator<boolean | null> {
  if (parts.length === 2) {
    const [a, b] = parts;
    return (m) => {
      const x = a(m);
      if (x === false) return false;
      const y = b(m);
      if (y === false) return false;
      return x === true && y === true ? true : null;
    };
  }
  return (m) => {
    let unknown = false;
    for (const p of parts) {
      const v = p(m);
      if (v === false) return false;
      if (v !== true) unknown = true;
    }
    return unknown ? null : true;
  };
}

/** Three-valued OR: TRUE wins, then UNKNOWN. */
function or(parts: readonly Evaluator[]): Evaluator<boolean | null> {
  if (parts.length === 2) {
    const [a, b] = parts;
    return (m) => {
      const x = a(m);
      if (x === true) return true;
      const y = b(m);
      if (y === true) return true;
      return x === false && y === false ? false : null;
    };
  }
  return (m) => {
    let unknown = false;
    for (const p of parts) {
      const v = p(m);
      if (v === true) return true;
      if (v !== false) unknown = true;
    }
    return unknown ? null : false;
  };
}

class Compiler {
  readonly #convert: boolean;

  constructor(options: CompileOptions) {
    this.#convert = options.convertStringExpressions;
  }

  compile(node: Node, depth: number): Evaluator {
    // Left-associative chains (`1+1+1+…`) build deep trees without deep
    // parser recursion; refuse them here before they can exhaust the stack.
    if (depth > MAX_DEPTH) {
      throw new SelectorSyntaxError(`expression nested more than ${MAX_DEPTH} levels deep`, node.pos);
    }
    const d = depth + 1;
    const convert = this.#convert;
    switch (node.kind) {
      case "literal": {
        const v = typeof node.value === "bigint" ? narrowInteger(node.value) : node.value;
        return () => v;
      }
      case "ident":
        return identifierReader(node.name);
      case "boolCast": {
        // A property used as a condition: TRUE only for a boolean TRUE (ActiveMQ).
        const operand = this.compile(node.operand, d);
        return (m) => {
          const v = operand(m);
          return v === null ? null : v === true;
        };
      }
      case "and":
        return and(node.operands.map((o) => this.compile(o, d)));
      case "or":
        return or(node.operands.map((o) => this.compile(o, d)));
      case "not": {
        const operand = this.compile(node.operand, d);
        return (m) => not(operand(m));
      }
      case "compare": {
        const left = this.compile(node.left, d);
        const right = this.compile(node.right, d);
        if (node.op === "<>") {
          return (m) => not(compareValues(OP_EQ, left(m), right(m), convert));
        }
        const op = COMPARE_OPS[node.op];
        return (m) => compareValues(op, left(m), right(m), convert);
      }
      case "arith": {
        const left = this.compile(node.left, d);
        const right = this.compile(node.right, d);
        const op = ARITH_OPS[node.op];
        return (m) => arithmetic(op, left(m), right(m));
      }
      case "negate": {
        const operand = this.compile(node.operand, d);
        return (m) => negate(operand(m));
      }
      case "like": {
        const operand = this.compile(node.operand, d);
        const match = compileLike(node.pattern, node.escape);
        const negated = node.negated;
        return (m) => {
          const v = operand(m);
          if (v === null) return null;
          // A non-string is FALSE for LIKE, so TRUE for NOT LIKE (ActiveMQ).
          const r = typeof v === "string" && match(v);
          return negated ? !r : r;
        };
      }
      case "between": {
        const operand = this.compile(node.operand, d);
        const low = this.compile(node.low, d);
        const high = this.compile(node.high, d);
        if (node.negated) {
          // x NOT BETWEEN a AND b  ==  x < a OR x > b
          return (m) => {
            const v = operand(m);
            const below = compareValues(OP_LT, v, low(m), convert);
            if (below === true) return true;
            const above = compareValues(OP_GT, v, high(m), convert);
            if (above === true) return true;
            return below === false && above === false ? false : null;
          };
        }
        // x BETWEEN a AND b  ==  x >= a AND x <= b
        return (m) => {
          const v = operand(m);
          const ge = compareValues(OP_GE, v, low(m), convert);
          if (ge === false) return false;
          const le = compareValues(OP_LE, v, high(m), convert);
          if (le === false) return false;
          return ge === true && le === true ? true : null;
        };
      }
      case "in": {
        const operand = this.compile(node.operand, d);
        const negated = node.negated;
        const values = node.values;
        const set = values.length > 4 ? new Set(values) : null;
        return (m) => {
          const v = operand(m);
          // NULL and non-strings are UNKNOWN either way round (ActiveMQ).
          if (typeof v !== "string") return null;
          const found = set !== null ? set.has(v) : values.includes(v);
          return found !== negated;
        };
      }
      case "isNull": {
        const operand = this.compile(node.operand, d);
        const negated = node.negated;
        return (m) => (operand(m) === null) !== negated;
      }
      case "call": {
        const spec = FUNCTIONS.get(node.name)!;
        const args = node.args.map((a) => this.compile(a, d));
        return spec.compile(args, node.args);
      }
    }
  }
}

/** Compiles a parsed selector into `message → TRUE | FALSE | UNKNOWN`. */
export function compileSelector(root: Node, options: CompileOptions): Evaluator {
  return new Compiler(options).compile(root, 0);
}
