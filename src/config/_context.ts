import { didYouMean } from "./_edit_distance.ts";
import type { BeanDefinition } from "./broker_config.ts";
import { parseByteSize } from "./byte_size.ts";
import { ConfigError, type ConfigLocation, type ConfigWarning, formatLocation } from "./errors.ts";
import { PlaceholderError, type PlaceholderLookup, resolvePlaceholders } from "./placeholders.ts";
import type { XmlAttribute, XmlElement } from "./xml_tree.ts";

/** How an attribute is validated when the loader records it without giving it a typed field. */
export type AttributeKind = "boolean" | "integer" | "size" | "string";

/** Namespace declarations and xsi:* attributes are XML plumbing, never configuration. */
export function isPlumbing(attr: XmlAttribute): boolean {
  return attr.qname === "xmlns" || attr.prefix === "xmlns" || attr.prefix === "xsi";
}

/**
 * State shared by the parts of the loader: the file name, placeholder lookup, beans and the
 * warnings collected so far, plus the readers that turn attributes into typed values or errors.
 */
export class LoadContext {
  readonly file: string;
  readonly warnings: ConfigWarning[] = [];
  readonly beans = new Map<string, BeanDefinition>();
  /** Beans the broker refers to (directly or through other beans); the others get an "unused" warning. */
  readonly referencedBeans = new Set<BeanDefinition>();
  readonly #lookup: PlaceholderLookup;

  constructor(file: string, lookup: PlaceholderLookup) {
    this.file = file;
    this.#lookup = lookup;
  }

  location(el: XmlElement, attr?: XmlAttribute): ConfigLocation {
    return {
      file: this.file,
      line: attr?.line ?? el.line,
      column: attr ? attr.column : el.column,
      element: el.name,
    };
  }

  /** `<name attr="raw">` as used at the start of messages. */
  describe(el: XmlElement, attr?: XmlAttribute): string {
    return attr ? `<${el.name} ${attr.name}="${attr.value}">` : `<${el.name}>`;
  }

  /** A ConfigError at an element (or one of its attributes) whose message says what is accepted. */
  error(el: XmlElement, detail: string, attr?: XmlAttribute): ConfigError {
    const location = this.location(el, attr);
    return new ConfigError(`${formatLocation(location)}: ${this.describe(el, attr)}: ${detail}`, location);
  }

  /** A warning at an element (`<el> detail`) or one of its attributes (`<el attr="v">: detail`). */
  warn(el: XmlElement, detail: string, attr?: XmlAttribute): void {
    const location = this.location(el, attr);
    const separator = attr ? ": " : " ";
    this.warnings.push({
      location,
      message: `${formatLocation(location)}: ${this.describe(el, attr)}${separator}${detail}`,
    });
  }

  /** One warning for an element the loader does not handle; its subtree is not looked at. */
  unsupported(el: XmlElement, why?: string): void {
    this.warn(el, `is not supported yet and is ignored${why ? ` (${why})` : ""}`);
  }

  /** Substitutes placeholders; an unresolvable one is an error at this element/attribute. */
  resolve(text: string, el: XmlElement, attr?: XmlAttribute): string {
    try {
      return resolvePlaceholders(text, this.#lookup);
    } catch (err) {
      if (!(err instanceof PlaceholderError)) throw err;
      throw this.error(
        el,
        `${err.message}; define it in options.properties, a properties file loaded by a ` +
          `PropertyPlaceholderConfigurer, or the environment, or give a default: \${${err.placeholder}:value}`,
        attr,
      );
    }
  }

  attribute(el: XmlElement, name: string): XmlAttribute | undefined {
    return el.attributes.find((a) => a.name === name && !isPlumbing(a));
  }

  /** The attribute's value with placeholders resolved, or undefined when absent. */
  string(el: XmlElement, name: string): string | undefined {
    const attr = this.attribute(el, name);
    return attr && this.resolve(attr.value, el, attr);
  }

  /** The element's text, trimmed, placeholders resolved. */
  text(el: XmlElement): string {
    return this.resolve(el.text.trim(), el);
  }

  /** Every configuration attribute (not xmlns/xsi), placeholders resolved. */
  allAttributes(el: XmlElement): Record<string, string> {
    const out: Record<string, string> = {};
    for (const attr of el.attributes) {
      if (!isPlumbing(attr)) out[attr.name] = this.resolve(attr.value, el, attr);
    }
    return out;
  }

  boolean(el: XmlElement, name: string): boolean | undefined {
    const attr = this.attribute(el, name);
    if (!attr) return undefined;
    const value = this.resolve(attr.value, el, attr).trim();
    if (value.toLowerCase() === "true") return true;
    if (value.toLowerCase() === "false") return false;
    throw this.error(el, `Invalid value for ${name}${resolvedTo(attr, value)}; accepted: true, false`, attr);
  }

  integer(el: XmlElement, name: string, min = 0): number | undefined {
    const attr = this.attribute(el, name);
    if (!attr) return undefined;
    const value = this.resolve(attr.value, el, attr).trim();
    const n = /^[+-]?\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min) {
      const range = min === Number.MIN_SAFE_INTEGER ? "" : ` >= ${min}`;
      throw this.error(
        el,
        `Invalid value for ${name}${resolvedTo(attr, value)}; accepted: a whole number${range}`,
        attr,
      );
    }
    return n;
  }

  number(el: XmlElement, name: string, min = 0): number | undefined {
    const attr = this.attribute(el, name);
    if (!attr) return undefined;
    const value = this.resolve(attr.value, el, attr).trim();
    const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(n) || n < min) {
      throw this.error(
        el,
        `Invalid value for ${name}${resolvedTo(attr, value)}; accepted: a number >= ${min}`,
        attr,
      );
    }
    return n;
  }

  size(el: XmlElement, name: string): number | undefined {
    const attr = this.attribute(el, name);
    if (!attr) return undefined;
    const value = this.resolve(attr.value, el, attr);
    try {
      return parseByteSize(value);
    } catch (err) {
      if (!(err instanceof ConfigError) || err.location) throw err;
      throw this.error(
        el,
        `Invalid value for ${name}${
          resolvedTo(attr, value)
        }; accepted: a number of bytes, optionally with kb, mb, gb ` +
          `or tb, e.g. "64 mb"`,
        attr,
      );
    }
  }

  /** Checks an attribute the loader records untyped, so a wrong value fails here and not later. */
  check(el: XmlElement, name: string, kind: AttributeKind): void {
    if (kind === "boolean") this.boolean(el, name);
    else if (kind === "integer") this.integer(el, name, Number.MIN_SAFE_INTEGER);
    else if (kind === "size") this.size(el, name);
    else this.string(el, name);
  }

  /** A `#id` bean reference. An unknown id is an error that lists the ids that exist. */
  ref(el: XmlElement, name: string): BeanDefinition | undefined {
    const attr = this.attribute(el, name);
    if (!attr) return undefined;
    const value = this.resolve(attr.value, el, attr).trim();
    if (!value.startsWith("#")) {
      throw this.error(
        el,
        `${name} must refer to a bean; accepted: #id of a <bean id="…"> in this file`,
        attr,
      );
    }
    return this.bean(value.slice(1), el, attr);
  }

  /** Looks a bean up by id and marks it (and what it refers to) as used. */
  bean(id: string, el: XmlElement, attr?: XmlAttribute): BeanDefinition {
    const bean = this.beans.get(id);
    if (!bean) {
      const known = [...new Set([...this.beans.values()].map((b) => b.id).filter((x) => x !== undefined))];
      const accepted = known.length
        ? `defined bean ids: ${known.join(", ")}`
        : "no <bean> in this file has an id";
      throw this.error(el, `No bean with id "${id}"${didYouMean(id, known)}; ${accepted}`, attr);
    }
    this.markReferenced(bean);
    return bean;
  }

  markReferenced(bean: BeanDefinition): void {
    if (this.referencedBeans.has(bean)) return;
    this.referencedBeans.add(bean);
    for (const value of Object.values(bean.properties)) {
      if (typeof value === "object" && !Array.isArray(value)) this.markReferenced(value);
    }
  }

  /**
   * Warns once per attribute that is neither in `known` nor XML plumbing. `known` maps names to the
   * kind that is validated (typed attributes are validated by their reader and may map to "string").
   */
  warnUnknownAttributes(
    el: XmlElement,
    known: ReadonlyMap<string, AttributeKind> | ReadonlySet<string>,
  ): void {
    for (const attr of el.attributes) {
      if (isPlumbing(attr) || known.has(attr.name)) continue;
      this.warn(
        el,
        `attribute ${attr.name} is not supported yet and is ignored${didYouMean(attr.name, known.keys())}`,
        attr,
      );
    }
  }

  /** Validates the recorded-but-untyped attributes that are present. */
  checkKinds(el: XmlElement, kinds: ReadonlyMap<string, AttributeKind>): void {
    for (const attr of el.attributes) {
      const kind = kinds.get(attr.name);
      if (kind !== undefined && !isPlumbing(attr)) this.check(el, attr.name, kind);
    }
  }

  /** Fails when a single-valued child element appears twice. */
  checkSingletons(el: XmlElement, names: Iterable<string>): void {
    for (const name of names) {
      const found = el.children.filter((c) => c.name === name);
      if (found.length > 1) {
        throw this.error(
          found[1],
          `appears more than once in <${el.name}> (first at line ${found[0].line}); accepted: one`,
        );
      }
    }
  }
}

/** ` (resolved to "x")` when placeholders made the value differ from what is written. */
function resolvedTo(attr: XmlAttribute, value: string): string {
  return attr.value === value ? "" : ` (resolved to "${value}")`;
}

/** The element itself when it has attributes and no children, else its only `<name>` child. */
export function unwrap(el: XmlElement, name: string): XmlElement {
  const inner = el.children.filter((c) => c.name === name);
  return inner.length === 1 && el.children.length === 1 ? inner[0] : el;
}
