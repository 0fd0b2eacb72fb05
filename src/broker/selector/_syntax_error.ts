/**
 * The error the lexer and parser throw. `mod.ts` turns it into a
 * `BrokerError("invalid-selector")` whose message quotes the selector, so the
 * pieces below never need to know the full text or the prefix.
 */
export class SelectorSyntaxError extends Error {
  /**
   * Offset in the selector text as given (prefix included). Null when the
   * error concerns the whole selector; the detail is then the full message.
   */
  readonly position: number | null;

  constructor(detail: string, position: number | null) {
    super(detail);
    this.name = "SelectorSyntaxError";
    this.position = position;
  }
}

/** How a piece of selector text is shown inside an error message. */
export function describeText(text: string, max = 40): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return `'${shown}'`;
}
