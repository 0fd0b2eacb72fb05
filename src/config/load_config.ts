import { dirname, join, resolve } from "node:path";
import { BeanReader } from "./_beans.ts";
import { readBroker } from "./_broker.ts";
import { LoadContext } from "./_context.ts";
import { isPlaceholderConfigurer, loadPlaceholderFiles, type ReadTextFile } from "./_placeholder_files.ts";
import type { BrokerConfig } from "./broker_config.ts";
import { ConfigError, type ConfigWarning } from "./errors.ts";
import { placeholderLookup } from "./placeholders.ts";
import { parseXmlTree, type XmlElement } from "./xml_tree.ts";

/** Where placeholder values come from. */
export interface LoadConfigOptions {
  /** Environment for `${env.NAME}` / `${NAME}`; default Deno.env (read only when a placeholder needs it). */
  env?: Record<string, string>;
  /** Extra placeholder values (like Java -D properties), consulted after the activemq.* built-ins. */
  properties?: Record<string, string>;
  /** ${activemq.base} and ${activemq.home}; default the parent of the conf directory. */
  base?: string;
  /** ${activemq.conf}; default the directory of the configuration file. */
  conf?: string;
  /** ${activemq.data}; default <base>/data. */
  data?: string;
}

/** The configuration and every warning about what it contains but this broker ignores. */
export interface LoadedConfig {
  config: BrokerConfig;
  /** In file order. */
  warnings: ConfigWarning[];
}

/**
 * Reads and validates an activemq.xml file.
 *
 * @example
 * ```ts
 * const { config, warnings } = await loadConfigFile("conf/activemq.xml");
 * for (const w of warnings) console.warn(w.message);
 * console.log(config.transportConnectors.map((c) => c.uri.raw));
 * ```
 */
export async function loadConfigFile(path: string, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  let xml: string;
  try {
    xml = await Deno.readTextFile(path);
  } catch (err) {
    throw new ConfigError(
      `${path}: cannot read the configuration file: ${(err as Error).message}`,
      undefined,
      {
        cause: err,
      },
    );
  }
  return parseConfigXml(xml, { ...options, file: path });
}

/**
 * Parses activemq.xml text: a Spring `<beans>` document holding a `<broker>`, or a bare `<broker>`.
 * `file` names the file in messages and is where ${activemq.conf} defaults from. Properties files
 * named by a PropertyPlaceholderConfigurer are read synchronously.
 *
 * @example
 * ```ts
 * const { config } = parseConfigXml(
 *   `<broker xmlns="http://activemq.apache.org/schema/core" persistent="false">
 *      <transportConnectors><transportConnector name="stomp" uri="stomp://0.0.0.0:0"/></transportConnectors>
 *    </broker>`,
 *   { file: "inline.xml" },
 * );
 * config.persistenceAdapter.kind; // "memory"
 * ```
 */
export function parseConfigXml(xml: string, options: LoadConfigOptions & { file: string }): LoadedConfig {
  const { file } = options;
  const root = parseXmlTree(xml, file);
  const builtins = builtinProperties(options);
  const fileProperties: Record<string, string> = {};
  const lookup = placeholderLookup({
    builtins,
    properties: options.properties ?? {},
    fileProperties,
    env: () => options.env ?? readEnvironment(),
  });
  const ctx = new LoadContext(file, lookup);

  let brokerElements: XmlElement[];
  let topLevel: XmlElement[];
  if (root.name === "broker") {
    brokerElements = [root];
    topLevel = [];
  } else if (root.name === "beans") {
    topLevel = root.children;
    brokerElements = topLevel.filter((el) => el.name === "broker");
  } else {
    throw ctx.error(
      root,
      `Unexpected root element; accepted: <beans> (Spring) containing <broker>, or <broker>`,
    );
  }
  if (brokerElements.length === 0) {
    throw ctx.error(
      root,
      `No <broker> element; accepted: <broker xmlns="http://activemq.apache.org/schema/core" …> inside <beans>`,
    );
  }
  if (brokerElements.length > 1) {
    throw ctx.error(
      brokerElements[1],
      `Only one <broker> per file is supported (the first is at line ${brokerElements[0].line})`,
    );
  }

  // Properties files first: every other value may use their placeholders.
  for (const el of topLevel) {
    if (isPlaceholderConfigurer(el)) {
      Object.assign(
        fileProperties,
        loadPlaceholderFiles(el, ctx, builtins["activemq.conf"], readTextFileIfExists),
      );
    }
  }

  const beans = new BeanReader(ctx);
  const topLevelBeans = topLevel.filter((el) => el.name === "bean" && !isPlaceholderConfigurer(el));
  const definitions = topLevelBeans.flatMap((el) => beans.readTopLevel(el) ?? []);
  beans.linkReferences();

  const config = readBroker(brokerElements[0], ctx, builtins["activemq.data"]);
  config.source = file;

  for (const el of topLevel) {
    if (el.name === "import") {
      const resource = ctx.attribute(el, "resource");
      const why = /jetty/i.test(resource?.value ?? "")
        ? "the web console is configured by this broker's own admin settings, not jetty.xml"
        : "put everything the broker needs in this file";
      ctx.warn(el, `imports are not supported and this one is ignored; ${why}`, resource);
    } else if (el.name !== "bean" && el.name !== "broker" && el.name !== "property-placeholder") {
      ctx.unsupported(el);
    }
  }

  for (const bean of definitions) {
    if (!ctx.referencedBeans.has(bean)) {
      const { file, line } = bean.location;
      const subject = `<bean>${bean.id === undefined ? "" : ` "${bean.id}"`} (${bean.className})`;
      ctx.warnings.push({
        location: bean.location,
        message: `${file}:${line}: ${subject} is not used by the broker and is ignored`,
      });
    }
  }
  for (const [id, bean] of ctx.beans) {
    if (bean.id === id) config.beans[id] = bean;
  }
  // Stable sort: warnings in the order an operator reads the file.
  ctx.warnings.sort((a, b) => a.location.line - b.location.line || a.location.column - b.location.column);
  return { config, warnings: ctx.warnings };
}

function builtinProperties(options: LoadConfigOptions & { file: string }): Record<string, string> {
  const props = options.properties ?? {};
  const conf = options.conf ?? props["activemq.conf"] ?? dirname(resolve(options.file));
  const base = options.base ?? props["activemq.base"] ?? dirname(resolve(conf));
  const data = options.data ?? props["activemq.data"] ?? join(base, "data");
  const home = props["activemq.home"] ?? base;
  return { "activemq.base": base, "activemq.conf": conf, "activemq.data": data, "activemq.home": home };
}

function readEnvironment(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch (err) {
    throw new ConfigError(
      `A placeholder needs environment variables, which cannot be read (${(err as Error).message}); ` +
        `run with --allow-env or pass options.env`,
      undefined,
      { cause: err },
    );
  }
}

const readTextFileIfExists: ReadTextFile = (path) => {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
};
