import { SaxesParser } from "npm:saxes@6.0.0";
import { ConfigError } from "./errors.ts";

/** One attribute, with the position of its name. */
export interface XmlAttribute {
  /** Name as written, e.g. "xsi:schemaLocation". */
  qname: string;
  /** Name without prefix. */
  name: string;
  prefix: string;
  /** Entity references already decoded (`&amp;` is `&`). */
  value: string;
  line: number;
  column: number;
}

/** An element with its position (the `<` of its start tag), attributes, child elements and text. */
export interface XmlElement {
  qname: string;
  /** Local name: prefixes and namespaces never matter to the loader. */
  name: string;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** Concatenated character data (text and CDATA) directly inside the element, untrimmed. */
  text: string;
  line: number;
  column: number;
}

function localName(qname: string): { prefix: string; name: string } {
  const colon = qname.indexOf(":");
  return colon < 0
    ? { prefix: "", name: qname }
    : { prefix: qname.slice(0, colon), name: qname.slice(colon + 1) };
}

/**
 * Parses an XML document into a small element tree with line/column numbers. Namespace declarations
 * are kept as ordinary attributes and not checked (a config with an unbound prefix still loads).
 * A malformed document is a {@link ConfigError} at the position saxes reports.
 *
 * @example
 * ```ts
 * const root = parseXmlTree('<beans>\n  <broker brokerName="b"/>\n</beans>', "activemq.xml");
 * root.children[0].name; // "broker"
 * root.children[0].line; // 2
 * ```
 */
export function parseXmlTree(xml: string, file: string): XmlElement {
  const lineStarts = [0];
  for (let i = xml.indexOf("\n"); i >= 0; i = xml.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const positionOf = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };

  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let pendingAttributes: XmlAttribute[] = [];
  let tagStart = { line: 1, column: 1 };

  parser.on("error", (err) => {
    const detail = err.message.replace(/^(?:[^:\s]*:)?\d+:\d+: /, "");
    throw new ConfigError(
      `${file}:${parser.line}: XML is not well-formed: ${detail}`,
      { file, line: parser.line, column: parser.column + 1, element: stack.at(-1)?.name ?? "" },
    );
  });
  parser.on("opentagstart", (tag) => {
    // saxes reports this event after the character that ends the name, which may be a newline;
    // the '<' is found by searching back from its UTF-16 offset.
    const offset = xml.lastIndexOf(`<${tag.name}`, parser.position);
    tagStart = positionOf(offset < 0 ? parser.position : offset);
    pendingAttributes = [];
  });
  parser.on("attribute", (attr) => {
    const { prefix, name } = localName(attr.name);
    pendingAttributes.push({
      qname: attr.name,
      name,
      prefix,
      value: attr.value,
      ...positionOf(attributeStart(xml, parser.position, attr.name)),
    });
  });
  parser.on("opentag", (tag) => {
    const element: XmlElement = {
      qname: tag.name,
      name: localName(tag.name).name,
      attributes: pendingAttributes,
      children: [],
      text: "",
      line: tagStart.line,
      column: tagStart.column,
    };
    pendingAttributes = [];
    const parent = stack.at(-1);
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on("closetag", () => {
    stack.pop();
  });
  parser.on("text", (text) => {
    const current = stack.at(-1);
    if (current) current.text += text;
  });
  parser.on("cdata", (text) => {
    const current = stack.at(-1);
    if (current) current.text += text;
  });

  parser.write(xml).close();
  if (root === undefined) {
    throw new ConfigError(`${file}: the file has no XML root element; expected <beans> or <broker>`);
  }
  return root;
}

/**
 * Offset of an attribute's name, found from the offset just past its closing quote (where saxes
 * reports the attribute): back to the opening quote (a value cannot contain its own quote
 * character), over `=` and blanks, then the name.
 */
function attributeStart(xml: string, end: number, qname: string): number {
  const quote = xml[end - 1];
  let i = xml.lastIndexOf(quote, end - 2) - 1;
  while (i > 0 && /\s/.test(xml[i])) i--;
  if (xml[i] === "=") i--;
  while (i > 0 && /\s/.test(xml[i])) i--;
  const start = i - qname.length + 1;
  return xml.startsWith(qname, start) ? start : end;
}
