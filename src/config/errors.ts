/** Where in a configuration file something was written. Lines and columns are 1-based. */
export interface ConfigLocation {
  file: string;
  line: number;
  column: number;
  /** Local name of the element, without namespace prefix (e.g. `transportConnector`). */
  element: string;
}

/**
 * A configuration that cannot be used. When it comes from a file the message starts with
 * `file:line: <element attr="value">:` and says what is accepted, so the operator can fix it
 * without reading code.
 *
 * @example
 * ```ts
 * try {
 *   parseConfigXml("<broker persistent='yes'/>", { file: "conf/activemq.xml" });
 * } catch (err) {
 *   if (err instanceof ConfigError) console.error(err.message, err.location?.line);
 * }
 * ```
 */
export class ConfigError extends Error {
  readonly location?: ConfigLocation;
  constructor(message: string, location?: ConfigLocation, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
    this.location = location;
  }
}

/** Something in the configuration that is not supported and was ignored (one per element or attribute). */
export interface ConfigWarning {
  location: ConfigLocation;
  /** Starts with `file:line:` so it can be logged as is. */
  message: string;
}

/** `file:line` of a location, the prefix of every message about it. */
export function formatLocation(location: ConfigLocation): string {
  return `${location.file}:${location.line}`;
}
