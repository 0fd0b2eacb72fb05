import { isPlumbing, type LoadContext } from "./_context.ts";
import type { BeanDefinition } from "./broker_config.ts";
import type { XmlElement } from "./xml_tree.ts";

// Spring's own <bean> attributes: they describe the bean's life cycle, which has no meaning here.
const BEAN_ATTRIBUTES = new Set([
  "id",
  "name",
  "class",
  "scope",
  "lazy-init",
  "init-method",
  "destroy-method",
  "depends-on",
  "primary",
  "autowire",
  "autowire-candidate",
]);

const VALUE_CHILDREN = ["value", "ref", "idref", "bean", "list", "set", "array", "null", "props", "map"];

/** A `ref` whose target is only known once every top-level bean has been read. */
interface PendingRef {
  bean: BeanDefinition;
  property: string;
  id: string;
  el: XmlElement;
}

/**
 * Reads Spring bean definitions: top-level ones first (all of them, so that a reference may point
 * forward), then their `ref`s are linked.
 */
export class BeanReader {
  readonly #ctx: LoadContext;
  readonly #pending: PendingRef[] = [];

  constructor(ctx: LoadContext) {
    this.#ctx = ctx;
  }

  /** Reads a top-level `<bean>` and registers it under its id and aliases. */
  readTopLevel(el: XmlElement): BeanDefinition | undefined {
    const bean = this.read(el);
    if (!bean) return undefined;
    const names = [bean.id, ...(this.#ctx.string(el, "name") ?? "").split(/[,; ]+/)]
      .filter((n): n is string => n !== undefined && n !== "");
    for (const name of names) {
      const existing = this.#ctx.beans.get(name);
      if (existing) {
        throw this.#ctx.error(
          el,
          `Bean id "${name}" is already used by the bean at line ${existing.location.line}; accepted: unique ids`,
        );
      }
      this.#ctx.beans.set(name, bean);
    }
    return bean;
  }

  /** Links every pending `ref` to its bean; an unknown id is an error listing the known ids. */
  linkReferences(): void {
    for (const ref of this.#pending) {
      const target = this.#ctx.beans.get(ref.id);
      if (!target) {
        // bean() throws the error that names the existing ids.
        this.#ctx.bean(ref.id, ref.el);
      }
      ref.bean.properties[ref.property] = target!;
    }
    this.#pending.length = 0;
  }

  read(el: XmlElement): BeanDefinition | undefined {
    const ctx = this.#ctx;
    const className = ctx.string(el, "class");
    if (className === undefined || className.trim() === "") {
      ctx.unsupported(el, "a <bean> without a class attribute (parent or factory beans) cannot be read");
      return undefined;
    }
    const bean: BeanDefinition = { className: className.trim(), properties: {}, location: ctx.location(el) };
    const id = ctx.string(el, "id");
    if (id !== undefined) bean.id = id;

    for (const attr of el.attributes) {
      if (isPlumbing(attr) || BEAN_ATTRIBUTES.has(attr.qname)) continue;
      if (attr.prefix === "p") {
        // p-namespace shorthand: p:url="…" is a property, p:dataSource-ref="ds" a reference.
        if (attr.name.endsWith("-ref")) {
          this.#pending.push({
            bean,
            property: attr.name.slice(0, -4),
            id: ctx.resolve(attr.value, el, attr),
            el,
          });
        } else {
          bean.properties[attr.name] = ctx.resolve(attr.value, el, attr);
        }
        continue;
      }
      ctx.warn(el, `attribute ${attr.qname} is not supported yet and is ignored`, attr);
    }

    for (const child of el.children) {
      if (child.name === "property") this.#readProperty(child, bean);
      else if (child.name === "description") continue;
      else ctx.unsupported(child);
    }
    return bean;
  }

  #readProperty(el: XmlElement, bean: BeanDefinition): void {
    const ctx = this.#ctx;
    const name = ctx.string(el, "name");
    if (name === undefined || name === "") {
      throw ctx.error(el, `A <property> needs a name attribute; accepted: <property name="…" value="…"/>`);
    }
    const value = ctx.string(el, "value");
    const ref = ctx.string(el, "ref");
    if (value !== undefined) {
      bean.properties[name] = value;
      return;
    }
    if (ref !== undefined) {
      this.#pending.push({ bean, property: name, id: ref, el });
      return;
    }
    if (el.children.length !== 1) {
      throw ctx.error(
        el,
        `Property "${name}" needs exactly one value; accepted: a value or ref attribute, or one of ` +
          VALUE_CHILDREN.map((c) => `<${c}>`).join(", "),
      );
    }
    const child = el.children[0];
    switch (child.name) {
      case "value":
        bean.properties[name] = ctx.text(child);
        return;
      case "ref":
      case "idref": {
        const id = ctx.string(child, "bean") ?? ctx.string(child, "local") ?? ctx.string(child, "parent");
        if (id === undefined) {
          throw ctx.error(child, `A <${child.name}> needs a bean attribute; accepted: bean="id"`);
        }
        if (child.name === "idref") bean.properties[name] = id;
        else this.#pending.push({ bean, property: name, id, el: child });
        return;
      }
      case "bean": {
        const inner = this.read(child);
        if (inner) bean.properties[name] = inner;
        return;
      }
      case "list":
      case "set":
      case "array":
        bean.properties[name] = this.#readList(child);
        return;
      case "null":
        // An explicit null is the same as not setting the property.
        return;
      default:
        ctx.unsupported(child, `property "${name}" of ${bean.className} is not set`);
    }
  }

  #readList(el: XmlElement): string[] {
    const values: string[] = [];
    for (const item of el.children) {
      if (item.name === "value") values.push(this.#ctx.text(item));
      else this.#ctx.unsupported(item, "only <value> items of a list can be read");
    }
    return values;
  }
}
