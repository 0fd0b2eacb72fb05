/**
 * STOMP 1.1/1.2 header escaping ("Value Encoding" in both specifications).
 *
 * 1.1 defines `\\`, `\n` and `\c`; 1.2 adds `\r`. Every other backslash sequence is a
 * protocol error ("Undefined escape sequences such as \t MUST be treated as a fatal
 * protocol error"). Escaping works on strings: a backslash is ASCII and never appears
 * inside a multi-byte UTF-8 sequence, so string and byte processing agree.
 *
 * @module
 */

const BACKSLASH = 0x5c;

/**
 * Escapes a header name or value. STOMP 1.1 leaves CR alone (it has no `\r` escape),
 * which is what ActiveMQ does for 1.1 as well.
 */
export function escapeHeader(text: string, escapeCr: boolean): string {
  // Most names and values need no escaping; find the first character that does without
  // building anything (a charCode loop beats a RegExp test on strings this short).
  let first = 0;
  for (; first < text.length; first++) {
    const c = text.charCodeAt(first);
    if (c === BACKSLASH || c === 0x0a || c === 0x3a || (c === 0x0d && escapeCr)) break;
  }
  if (first === text.length) return text;
  let out = "";
  let from = 0;
  for (let i = first; i < text.length; i++) {
    let rep: string;
    switch (text.charCodeAt(i)) {
      case BACKSLASH:
        rep = "\\\\";
        break;
      case 0x0a:
        rep = "\\n";
        break;
      case 0x3a:
        rep = "\\c";
        break;
      case 0x0d:
        if (!escapeCr) continue;
        rep = "\\r";
        break;
      default:
        continue;
    }
    out += text.slice(from, i) + rep;
    from = i + 1;
  }
  return out + text.slice(from);
}

/**
 * Unescapes a header name or value. Returns the decoded string, or the index of the
 * backslash that starts an undefined escape sequence (a trailing lone backslash counts).
 */
export function unescapeHeader(text: string, allowCr: boolean): string | number {
  let bs = text.indexOf("\\");
  if (bs < 0) return text;
  let out = "";
  let from = 0;
  while (bs >= 0) {
    let rep: string;
    switch (text.charCodeAt(bs + 1)) {
      case BACKSLASH:
        rep = "\\";
        break;
      case 0x6e: // n
        rep = "\n";
        break;
      case 0x63: // c
        rep = ":";
        break;
      case 0x72: // r
        if (!allowCr) return bs; // STOMP 1.1 has no \r escape
        rep = "\r";
        break;
      default:
        return bs; // includes NaN: backslash at the end of the text
    }
    out += text.slice(from, bs) + rep;
    from = bs + 2;
    bs = text.indexOf("\\", from);
  }
  return out + text.slice(from);
}
