/**
 * Parses the text of a Java `.properties` file (the format of ActiveMQ's credentials.properties):
 * `#`/`!` comments, `=`, `:` or blank separators, backslash line continuations and escapes
 * including `\uXXXX`. Later keys win, as in java.util.Properties.
 *
 * @example
 * ```ts
 * parseJavaProperties("activemq.username=system\nactivemq.password=manager\n");
 * // { "activemq.username": "system", "activemq.password": "manager" }
 * ```
 */
export function parseJavaProperties(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of logicalLines(text)) {
    const { key, value } = splitEntry(line);
    result[unescape(key)] = unescape(value);
  }
  return result;
}

function* logicalLines(text: string): Generator<string> {
  const physical = text.split(/\r\n|\r|\n/);
  let pending: string | undefined;
  for (const rawLine of physical) {
    // Leading blanks are dropped on every physical line, continuation lines included.
    const line = rawLine.replace(/^[ \t\f]+/, "");
    if (pending === undefined && (line === "" || line.startsWith("#") || line.startsWith("!"))) continue;
    const joined = (pending ?? "") + line;
    if (endsWithOddBackslashes(joined)) {
      pending = joined.slice(0, -1);
      continue;
    }
    pending = undefined;
    yield joined;
  }
  if (pending !== undefined) yield pending;
}

function endsWithOddBackslashes(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === "\\"; i--) count++;
  return count % 2 === 1;
}

function splitEntry(line: string): { key: string; value: string } {
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === "\\") {
      i += 2;
      continue;
    }
    if (c === "=" || c === ":" || c === " " || c === "\t" || c === "\f") break;
    i++;
  }
  const key = line.slice(0, i);
  let j = i;
  while (j < line.length && (line[j] === " " || line[j] === "\t" || line[j] === "\f")) j++;
  if (j < line.length && (line[j] === "=" || line[j] === ":")) j++;
  while (j < line.length && (line[j] === " " || line[j] === "\t" || line[j] === "\f")) j++;
  return { key, value: line.slice(j) };
}

const ESCAPES: Record<string, string> = { t: "\t", n: "\n", r: "\r", f: "\f" };

function unescape(text: string): string {
  if (!text.includes("\\")) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "\\" || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(text.slice(i + 1, i + 5), 16));
      i += 4;
    } else {
      out += ESCAPES[next] ?? next;
    }
  }
  return out;
}
