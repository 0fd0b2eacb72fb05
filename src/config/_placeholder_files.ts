import { isAbsolute, join } from "node:path";
import type { LoadContext } from "./_context.ts";
import { parseJavaProperties } from "./properties_file.ts";
import type { XmlElement } from "./xml_tree.ts";

const CONFIGURER_CLASS =
  /(?:^|\.)(?:PropertyPlaceholderConfigurer|PropertySourcesPlaceholderConfigurer|PreferencesPlaceholderConfigurer)$/;

// Configurer settings that only tune how Spring orders or decodes its sources; accepted silently.
const HARMLESS_BEAN_PROPERTIES = new Set([
  "systemPropertiesModeName",
  "systemPropertiesMode",
  "searchSystemEnvironment",
  "order",
  "fileEncoding",
  "localOverride",
]);
const HARMLESS_ELEMENT_ATTRIBUTES = new Set([
  "system-properties-mode",
  "order",
  "file-encoding",
  "local-override",
]);

/** Reads a text file; undefined when it does not exist. Other failures throw. */
export type ReadTextFile = (path: string) => string | undefined;

/**
 * A `<bean class="…PropertyPlaceholderConfigurer">` or `<context:property-placeholder>`, which the
 * loader consumes itself (it is never a broker bean).
 */
export function isPlaceholderConfigurer(el: XmlElement): boolean {
  if (el.name === "property-placeholder") return true;
  if (el.name !== "bean") return false;
  const className = el.attributes.find((a) => a.name === "class")?.value.trim() ?? "";
  return CONFIGURER_CLASS.test(className);
}

interface Location {
  value: string;
  el: XmlElement;
}

/**
 * Loads the properties files a configurer names. A missing file is a warning (its placeholders
 * stay undefined, so a placeholder that needs them fails with its own location).
 */
export function loadPlaceholderFiles(
  el: XmlElement,
  ctx: LoadContext,
  confDirectory: string,
  readTextFile: ReadTextFile,
): Record<string, string> {
  const locations = el.name === "property-placeholder" ? elementLocations(el, ctx) : beanLocations(el, ctx);
  const properties: Record<string, string> = {};
  for (const location of locations) {
    const path = filePath(location, ctx, confDirectory);
    if (path === undefined) continue;
    let text: string | undefined;
    try {
      text = readTextFile(path);
    } catch (err) {
      throw ctx.error(location.el, `Cannot read properties file ${path}: ${(err as Error).message}`);
    }
    if (text === undefined) {
      ctx.warn(
        location.el,
        `properties file ${path} does not exist; the placeholders it would define are not set`,
      );
      continue;
    }
    Object.assign(properties, parseJavaProperties(text));
  }
  return properties;
}

function filePath(location: Location, ctx: LoadContext, confDirectory: string): string | undefined {
  const value = location.value.trim();
  if (value.startsWith("file:")) {
    // file:///etc/x, file:/etc/x and file:conf/x (relative to the working directory, as in Java).
    return value.replace(/^file:(\/\/(?=\/))?/, "");
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) && !/^[a-z]:[\\/]/i.test(value)) {
    ctx.warn(location.el, `location ${value} is not supported and is ignored; accepted: file: paths`);
    return undefined;
  }
  return isAbsolute(value) ? value : join(confDirectory, value);
}

function beanLocations(el: XmlElement, ctx: LoadContext): Location[] {
  const locations: Location[] = [];
  for (const property of el.children) {
    if (property.name !== "property") {
      if (property.name !== "description") ctx.unsupported(property);
      continue;
    }
    const name = ctx.string(property, "name") ?? "";
    if (name === "location" || name === "locations") {
      const value = ctx.string(property, "value");
      if (value !== undefined) locations.push({ value, el: property });
      for (const child of property.children) {
        if (child.name === "value") locations.push({ value: ctx.text(child), el: child });
        else if (child.name === "list" || child.name === "set" || child.name === "array") {
          for (const item of child.children) {
            if (item.name === "value") locations.push({ value: ctx.text(item), el: item });
            else ctx.unsupported(item, "only <value> locations can be read");
          }
        } else ctx.unsupported(child, "only <value> locations can be read");
      }
    } else if (name === "ignoreResourceNotFound") {
      // Missing files are warnings either way.
    } else if (!HARMLESS_BEAN_PROPERTIES.has(name)) {
      ctx.unsupported(property, `property "${name}" of the placeholder configurer`);
    }
  }
  return locations;
}

function elementLocations(el: XmlElement, ctx: LoadContext): Location[] {
  const locations: Location[] = [];
  for (const attr of el.attributes) {
    if (attr.name === "location") {
      for (const part of ctx.resolve(attr.value, el, attr).split(",")) {
        if (part.trim() !== "") locations.push({ value: part.trim(), el });
      }
    } else if (
      attr.name !== "ignore-resource-not-found" && !HARMLESS_ELEMENT_ATTRIBUTES.has(attr.name) &&
      attr.prefix !== "xmlns" && attr.qname !== "xmlns"
    ) {
      ctx.warn(el, `attribute ${attr.name} is not supported yet and is ignored`, attr);
    }
  }
  return locations;
}
