/**
 * JMS message selectors (the SQL-92 subset of JMS 1.1 with ActiveMQ's
 * extensions, semantics.md §5): parse once per consumer, then match every
 * message with {@link Selector.matches}.
 *
 * @example
 * ```ts
 * import { parseSelector } from "./mod.ts";
 *
 * const selector = parseSelector("color = 'red' AND JMSPriority > 4");
 * // later, for each message offered to the consumer:
 * // if (selector.matches(message)) dispatch(message);
 * ```
 *
 * @module
 */
import type { Message } from "../../message/message.ts";
import { BrokerError } from "../errors.ts";
import { compileSelector } from "./_evaluate.ts";
import { tokenize } from "./_lexer.ts";
import { parseTokens } from "./_parser.ts";
import { SelectorSyntaxError } from "./_syntax_error.ts";
import type { Evaluator } from "./_values.ts";

/**
 * Options for {@link parseSelector}.
 *
 * @example
 * ```ts
 * import { parseSelector, type SelectorOptions } from "./mod.ts";
 *
 * const stomp: SelectorOptions = { convertStringExpressions: true };
 * parseSelector("count > 5", stomp); // matches a STOMP header count:'7'
 * ```
 */
export interface SelectorOptions {
  /**
   * STOMP mode: a string that reads as a number is compared with a number as
   * that number (and with a boolean as `'true'`/other). Also switched on by a
   * `convert_string_expressions:` prefix on the selector text.
   */
  convertStringExpressions?: boolean;
}

/**
 * A parsed selector.
 *
 * @example
 * ```ts
 * import { parseSelector } from "./mod.ts";
 *
 * const s = parseSelector("JMSType = 'order'");
 * s.text; // "JMSType = 'order'"
 * ```
 */
export interface Selector {
  /** The selector text exactly as given, prefix included. */
  readonly text: string;
  /**
   * True only when the selector evaluates to TRUE for the message; FALSE and
   * UNKNOWN (e.g. an absent property) do not match. Never throws.
   */
  matches(message: Message): boolean;
}

/** Turns on convertStringExpressions and is stripped before parsing (ActiveMQ). */
const CONVERT_PREFIX = "convert_string_expressions:";

/** Long selectors are cut in error messages, which protocols echo to clients. */
const MAX_QUOTED = 200;

class CompiledSelector implements Selector {
  readonly text: string;
  readonly #evaluate: Evaluator;

  constructor(text: string, evaluate: Evaluator) {
    this.text = text;
    this.#evaluate = evaluate;
  }

  matches(message: Message): boolean {
    try {
      return this.#evaluate(message) === true;
    } catch {
      // Only a malformed message (not the Message shape) can get here; a
      // selector error must not take the dispatch loop down with it.
      return false;
    }
  }
}

function quote(text: string): string {
  return `'${text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text}'`;
}

/**
 * Parses and compiles a selector. Throws `BrokerError` with code
 * `"invalid-selector"` (javax.jms.InvalidSelectorException) on any error,
 * quoting the selector and the position, e.g.
 * `Invalid selector 'color = ': unexpected end of input at position 8`.
 *
 * An empty selector means "no selector"; callers check for that themselves
 * (this function rejects it).
 *
 * @example
 * ```ts
 * import { parseSelector } from "./mod.ts";
 *
 * const s = parseSelector("size BETWEEN 1 AND 10 AND name LIKE 'a%'");
 * const stomp = parseSelector("convert_string_expressions:count > 5");
 * ```
 */
export function parseSelector(text: string, options: SelectorOptions = {}): Selector {
  try {
    if (typeof text !== "string") {
      throw new SelectorSyntaxError("the selector is not a string", null);
    }
    let convert = options.convertStringExpressions === true;
    let start = 0;
    if (text.startsWith(CONVERT_PREFIX)) {
      convert = true;
      start = CONVERT_PREFIX.length;
    }
    const root = parseTokens(tokenize(text, start));
    const evaluate = compileSelector(root, { convertStringExpressions: convert });
    return new CompiledSelector(text, evaluate);
  } catch (e) {
    if (e instanceof BrokerError) throw e;
    if (e instanceof SelectorSyntaxError) {
      // Errors without a position (XPATH/XQUERY) are about the selector as a
      // whole and read best as they are.
      const message = e.position === null
        ? e.message
        : `Invalid selector ${quote(text)}: ${e.message} at position ${e.position}`;
      throw new BrokerError("invalid-selector", message);
    }
    // Anything else (a RangeError from the stack, say) is still the
    // selector's fault as far as the client is concerned.
    throw new BrokerError(
      "invalid-selector",
      `Invalid selector ${quote(String(text))}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}
