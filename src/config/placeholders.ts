/**
 * `${name}` and `${name:default}` substitution, as Spring's PropertyPlaceholderConfigurer does it:
 * placeholders may nest (`${a:${b}}`), a value found for a name is itself resolved, and a name that
 * is found nowhere and has no default is an error.
 */

/** Finds the value of one placeholder name, or undefined. */
export type PlaceholderLookup = (name: string) => string | undefined;

/** Thrown by {@link resolvePlaceholders}; the loader turns it into a ConfigError with a location. */
export class PlaceholderError extends Error {
  readonly placeholder: string;
  constructor(placeholder: string, message: string) {
    super(message);
    this.name = "PlaceholderError";
    this.placeholder = placeholder;
  }
}

const MAX_DEPTH = 32;

/**
 * Replaces every placeholder in `text`.
 *
 * @example
 * ```ts
 * resolvePlaceholders("${activemq.data}/kahadb", (n) => n === "activemq.data" ? "/var/lib/amq" : undefined);
 * // "/var/lib/amq/kahadb"
 * resolvePlaceholders("${port:61616}", () => undefined); // "61616"
 * ```
 */
export function resolvePlaceholders(text: string, lookup: PlaceholderLookup): string {
  return resolve(text, lookup, []);
}

function resolve(text: string, lookup: PlaceholderLookup, stack: string[]): string {
  if (!text.includes("${")) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf("${", i);
    if (start < 0) break;
    const end = findClosingBrace(text, start + 2);
    if (end < 0) break; // An unterminated "${" is literal text, as in Spring.
    out += text.slice(i, start);
    const inner = resolve(text.slice(start + 2, end), lookup, stack);
    out += valueOf(inner, lookup, stack);
    i = end + 1;
  }
  return out + text.slice(i);
}

function valueOf(content: string, lookup: PlaceholderLookup, stack: string[]): string {
  let name = content;
  let value = lookup(content);
  let fallback: string | undefined;
  if (value === undefined) {
    const colon = content.indexOf(":");
    if (colon >= 0) {
      name = content.slice(0, colon);
      fallback = content.slice(colon + 1);
      value = lookup(name);
    }
  }
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new PlaceholderError(name, `Could not resolve placeholder '${name}'`);
  }
  if (stack.includes(name) || stack.length >= MAX_DEPTH) {
    throw new PlaceholderError(
      name,
      `Circular placeholder reference '${name}' (${[...stack, name].join(" -> ")})`,
    );
  }
  return resolve(value, lookup, [...stack, name]);
}

function findClosingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    if (text.startsWith("${", i)) {
      depth++;
      i++;
    } else if (text[i] === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** The value sources, in the order they are consulted. */
export interface PlaceholderSources {
  /** activemq.base, activemq.conf, activemq.data, activemq.home. */
  builtins: Record<string, string>;
  /** LoadConfigOptions.properties. */
  properties: Record<string, string>;
  /** Properties read from the PropertyPlaceholderConfigurer locations. */
  fileProperties: Record<string, string>;
  /** Environment variables; a function so the environment is only read when a lookup reaches it. */
  env: () => Record<string, string>;
}

/**
 * Builds the lookup the loader uses: built-ins, then options.properties, then properties files,
 * then environment variables (`${env.NAME}` or `${NAME}`).
 *
 * @example
 * ```ts
 * const lookup = placeholderLookup({ builtins: {}, properties: {}, fileProperties: {}, env: () => ({ HOME: "/root" }) });
 * lookup("env.HOME"); // "/root"
 * ```
 */
export function placeholderLookup(sources: PlaceholderSources): PlaceholderLookup {
  const { builtins, properties, fileProperties } = sources;
  let env: Record<string, string> | undefined;
  return (name) => {
    if (Object.hasOwn(builtins, name)) return builtins[name];
    if (Object.hasOwn(properties, name)) return properties[name];
    if (Object.hasOwn(fileProperties, name)) return fileProperties[name];
    env ??= sources.env();
    const envName = name.startsWith("env.") ? name.slice(4) : name;
    return Object.hasOwn(env, envName) ? env[envName] : undefined;
  };
}
