import { didYouMean } from "./_edit_distance.ts";
import { ConfigError } from "./errors.ts";

/** The protocol a transport connector speaks, derived from its URI scheme. */
export type TransportProtocol =
  | "openwire"
  | "stomp"
  | "mqtt"
  | "amqp"
  | "ws"
  | "auto"
  | "vm"
  | "http"
  | "udp";

/** A parsed server-side transport URI such as `stomp+nio://0.0.0.0:61613?maximumConnections=1000`. */
export interface TransportUri {
  /** Lower-cased scheme, e.g. "stomp", "stomp+nio", "tcp", "auto+nio+ssl", "ws". */
  scheme: string;
  protocol: TransportProtocol;
  /** True for ssl, +ssl, wss and https. */
  tls: boolean;
  /** Host without IPv6 brackets; "0.0.0.0" when the URI has none. For vm:// this is the broker name. */
  host: string;
  /** 0 means "pick a free port". When the URI has no port, the protocol's default (see {@link defaultPort}). */
  port: number;
  /** Path after host:port, if the URI has one other than "/" (e.g. for ws). */
  path?: string;
  /** Every query option, decoded, with its full name (including the wireFormat. / transport. ones). */
  options: Record<string, string>;
  /** From the `maximumConnections` option. */
  maximumConnections?: number;
  /** From the `wireFormat.maxFrameSize` option. */
  maxFrameSize?: number;
  /** From the `trace` option (default false). */
  trace: boolean;
  /** `wireFormat.*` options without the prefix. */
  wireFormat: Record<string, string>;
  /** `transport.*` options without the prefix. */
  transport: Record<string, string>;
  /** The URI as written. */
  raw: string;
}

interface SchemeInfo {
  protocol: TransportProtocol;
  tls: boolean;
}

// Section 16 of specs/semantics.md. The "+nio" variants only change Java's threading model; here they
// behave like their plain counterparts but are kept distinct in `scheme`.
const SCHEMES: Record<string, SchemeInfo> = {
  "tcp": { protocol: "openwire", tls: false },
  "nio": { protocol: "openwire", tls: false },
  "ssl": { protocol: "openwire", tls: true },
  "nio+ssl": { protocol: "openwire", tls: true },
  "udp": { protocol: "udp", tls: false },
  "http": { protocol: "http", tls: false },
  "https": { protocol: "http", tls: true },
  "ws": { protocol: "ws", tls: false },
  "wss": { protocol: "ws", tls: true },
  "vm": { protocol: "vm", tls: false },
  "stomp": { protocol: "stomp", tls: false },
  "stomp+nio": { protocol: "stomp", tls: false },
  "stomp+ssl": { protocol: "stomp", tls: true },
  "stomp+nio+ssl": { protocol: "stomp", tls: true },
  "mqtt": { protocol: "mqtt", tls: false },
  "mqtt+nio": { protocol: "mqtt", tls: false },
  "mqtt+ssl": { protocol: "mqtt", tls: true },
  "mqtt+nio+ssl": { protocol: "mqtt", tls: true },
  "amqp": { protocol: "amqp", tls: false },
  "amqp+nio": { protocol: "amqp", tls: false },
  "amqp+ssl": { protocol: "amqp", tls: true },
  "amqp+nio+ssl": { protocol: "amqp", tls: true },
  "amqp+ws": { protocol: "amqp", tls: false },
  "amqp+wss": { protocol: "amqp", tls: true },
  "auto": { protocol: "auto", tls: false },
  "auto+nio": { protocol: "auto", tls: false },
  "auto+ssl": { protocol: "auto", tls: true },
  "auto+nio+ssl": { protocol: "auto", tls: true },
};

// Schemes a Java client understands but that cannot listen; named in the error so the operator
// knows the URI belongs in a client (or a network connector), not a transport connector.
const CLIENT_ONLY_SCHEMES = new Set([
  "failover",
  "discovery",
  "fanout",
  "multicast",
  "peer",
  "mock",
  "static",
]);

/**
 * Every scheme a transport connector accepts (section 16 of the semantics spec).
 *
 * @example
 * ```ts
 * KNOWN_TRANSPORT_SCHEMES.includes("stomp+nio"); // true
 * ```
 */
export const KNOWN_TRANSPORT_SCHEMES: readonly string[] = Object.freeze(Object.keys(SCHEMES));

/**
 * The port used when a URI has none. Plain/TLS pairs follow the usual registrations (MQTT 1883/8883,
 * AMQP 5672/5671) and ActiveMQ's documented ports (OpenWire 61616/61617, STOMP 61613/61612,
 * WebSocket 61614). vm has no port (0).
 *
 * @example
 * ```ts
 * defaultPort("mqtt", true); // 8883
 * ```
 */
export function defaultPort(protocol: TransportProtocol, tls: boolean): number {
  switch (protocol) {
    case "openwire":
    case "auto":
    case "udp":
      return tls ? 61617 : 61616;
    case "stomp":
      return tls ? 61612 : 61613;
    case "mqtt":
      return tls ? 8883 : 1883;
    case "amqp":
      return tls ? 5671 : 5672;
    case "ws":
      return 61614;
    case "http":
      return tls ? 8443 : 8080;
    case "vm":
      return 0;
  }
}

// scheme://authority[/path][?query][#fragment]
const URI_PATTERN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/;

/**
 * Parses a transport connector URI. Throws a {@link ConfigError} (without location) naming the
 * offending part and what is accepted.
 *
 * @example
 * ```ts
 * const uri = parseTransportUri("stomp://0.0.0.0:61613?maximumConnections=1000&wireFormat.maxFrameSize=104857600");
 * uri.protocol; // "stomp"
 * uri.maximumConnections; // 1000
 * uri.wireFormat.maxFrameSize; // "104857600"
 * ```
 */
export function parseTransportUri(uri: string): TransportUri {
  const raw = uri;
  const text = uri.trim();
  const schemeEnd = text.indexOf(":");
  if (schemeEnd <= 0) {
    throw new ConfigError(
      `Transport URI "${raw}" has no scheme; expected scheme://host:port?options, e.g. tcp://0.0.0.0:61616`,
    );
  }
  const scheme = text.slice(0, schemeEnd).toLowerCase();
  const info = SCHEMES[scheme];
  if (info === undefined) {
    const hint = CLIENT_ONLY_SCHEMES.has(scheme)
      ? " (a client-side scheme; a transport connector must listen)"
      : didYouMean(scheme, KNOWN_TRANSPORT_SCHEMES);
    throw new ConfigError(
      `Transport scheme NOT recognized: [${scheme}]${hint}; accepted: ${KNOWN_TRANSPORT_SCHEMES.join(", ")}`,
    );
  }

  const match = URI_PATTERN.exec(text);
  if (!match) {
    throw new ConfigError(
      `Transport URI "${raw}" is not of the form ${scheme}://host:port?options`,
    );
  }
  const [, , authority, rawPath, query] = match;
  const { host, port } = parseAuthority(authority, raw, info);
  const options = parseQuery(query ?? "", raw);

  const result: TransportUri = {
    scheme,
    protocol: info.protocol,
    tls: info.tls,
    host,
    port,
    options,
    trace: false,
    wireFormat: prefixed(options, "wireFormat."),
    transport: prefixed(options, "transport."),
    raw,
  };
  if (rawPath !== "" && rawPath !== "/") result.path = decode(rawPath, "path", raw);
  if ("trace" in options) result.trace = parseBoolean("trace", options.trace, raw);
  if ("maximumConnections" in options) {
    result.maximumConnections = parsePositiveInteger("maximumConnections", options.maximumConnections, raw);
  }
  if ("wireFormat.maxFrameSize" in options) {
    result.maxFrameSize = parsePositiveInteger(
      "wireFormat.maxFrameSize",
      options["wireFormat.maxFrameSize"],
      raw,
    );
  }
  return result;
}

function parseAuthority(authority: string, raw: string, info: SchemeInfo): { host: string; port: number } {
  if (authority.includes("@")) {
    throw new ConfigError(`Transport URI "${raw}" must not contain user information (user@host)`);
  }
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0) throw new ConfigError(`Transport URI "${raw}" has an unclosed IPv6 address bracket`);
    host = authority.slice(1, close);
    const rest = authority.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) {
      throw new ConfigError(
        `Transport URI "${raw}" has text after the IPv6 address; expected [address]:port`,
      );
    }
    portText = rest === "" ? undefined : rest.slice(1);
  } else {
    const colon = authority.lastIndexOf(":");
    host = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? undefined : authority.slice(colon + 1);
    if (host.includes(":")) {
      throw new ConfigError(
        `Transport URI "${raw}": an IPv6 host must be written in brackets, e.g. [::]:61616`,
      );
    }
  }
  if (host === "") host = info.protocol === "vm" ? "localhost" : "0.0.0.0";
  if (portText === undefined || portText === "") {
    return { host, port: defaultPort(info.protocol, info.tls) };
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new ConfigError(
      `Invalid port "${portText}" in transport URI "${raw}"; accepted: 0 (pick a free port) to 65535`,
    );
  }
  return { host, port: Number(portText) };
}

function parseQuery(query: string, raw: string): Record<string, string> {
  const options: Record<string, string> = {};
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    // Java's URLDecoder (used by ActiveMQ for query options) turns "+" into a space.
    const name = decode((eq < 0 ? part : part.slice(0, eq)).replaceAll("+", " "), "option name", raw);
    const value = eq < 0 ? "" : decode(part.slice(eq + 1).replaceAll("+", " "), `option ${name}`, raw);
    if (name === "") throw new ConfigError(`Transport URI "${raw}" has an option without a name ("${part}")`);
    options[name] = value;
  }
  return options;
}

function decode(text: string, what: string, raw: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ConfigError(
      `Invalid percent-encoding in the ${what} of transport URI "${raw}" ("${text}"); use %XX with two hex digits`,
    );
  }
}

function prefixed(options: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(options)) {
    if (name.startsWith(prefix) && name.length > prefix.length) out[name.slice(prefix.length)] = value;
  }
  return out;
}

function parsePositiveInteger(name: string, value: string, raw: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new ConfigError(
      `Invalid ${name}="${value}" in transport URI "${raw}"; accepted: a whole number >= 1`,
    );
  }
  return n;
}

function parseBoolean(name: string, value: string, raw: string): boolean {
  const lower = value.trim().toLowerCase();
  // "?trace" without a value reads as switching it on.
  if (lower === "true" || lower === "") return true;
  if (lower === "false") return false;
  throw new ConfigError(`Invalid ${name}="${value}" in transport URI "${raw}"; accepted: true, false`);
}
