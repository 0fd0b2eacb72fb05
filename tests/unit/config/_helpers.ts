import assert from "node:assert/strict";
import {
  ConfigError,
  type LoadConfigOptions,
  type LoadedConfig,
  parseConfigXml,
} from "../../../src/config/mod.ts";

export const FILE = "conf/activemq.xml";

/** Fixed activemq.* directories and an empty environment, so tests do not depend on the host. */
export const OPTIONS: LoadConfigOptions = {
  base: "/opt/amq",
  conf: "/opt/amq/conf",
  data: "/var/amq",
  env: {},
};

/** Parses lines joined by "\n", so line N of the array is line N+1 of the file. */
export function load(lines: string[], options: LoadConfigOptions = {}): LoadedConfig {
  return parseConfigXml(lines.join("\n"), { ...OPTIONS, ...options, file: FILE });
}

/** A <broker> around the given lines, starting at line 2 (line 1 is the broker start tag). */
export function broker(inner: string[], attributes = ""): string[] {
  return [`<broker xmlns="http://activemq.apache.org/schema/core"${attributes}>`, ...inner, `</broker>`];
}

/** Asserts a ConfigError with a location on `line` whose message matches. */
export function assertConfigError(fn: () => unknown, line: number, pattern: RegExp): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${caught}`);
  assert.equal(caught.location?.line, line, caught.message);
  assert.ok(caught.message.startsWith(`${FILE}:${line}: `), caught.message);
  assert.match(caught.message, pattern);
  return caught;
}
