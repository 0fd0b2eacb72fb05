import type { LoadContext } from "./_context.ts";
import type { TransportConnectorConfig } from "./broker_config.ts";
import { ConfigError } from "./errors.ts";
import { parseTransportUri } from "./transport_uri.ts";
import type { XmlElement } from "./xml_tree.ts";

const ATTRIBUTES = new Set(["name", "uri"]);

/** `<transportConnectors><transportConnector name uri/>…`, appended to `connectors`. */
export function readTransportConnectors(
  el: XmlElement,
  ctx: LoadContext,
  connectors: TransportConnectorConfig[],
): void {
  for (const child of el.children) {
    if (child.name !== "transportConnector") {
      ctx.unsupported(child);
      continue;
    }
    const connector = readConnector(child, ctx);
    checkClashes(child, ctx, connector, connectors);
    connectors.push(connector);
  }
}

function readConnector(el: XmlElement, ctx: LoadContext): TransportConnectorConfig {
  ctx.warnUnknownAttributes(el, ATTRIBUTES);
  for (const child of el.children) ctx.unsupported(child);
  const uriAttr = ctx.attribute(el, "uri");
  if (uriAttr === undefined) {
    throw ctx.error(
      el,
      `Missing uri; accepted: uri="scheme://host:port?options", e.g. uri="tcp://0.0.0.0:61616"`,
    );
  }
  const text = ctx.resolve(uriAttr.value, el, uriAttr);
  try {
    const uri = parseTransportUri(text);
    const name = ctx.string(el, "name")?.trim() || text;
    return { name, uri, location: ctx.location(el) };
  } catch (err) {
    if (!(err instanceof ConfigError) || err.location) throw err;
    throw ctx.error(el, err.message, uriAttr);
  }
}

function checkClashes(
  el: XmlElement,
  ctx: LoadContext,
  connector: TransportConnectorConfig,
  existing: TransportConnectorConfig[],
): void {
  const sameName = existing.find((c) => c.name === connector.name);
  if (sameName) {
    throw ctx.error(
      el,
      `Duplicate transport connector name "${connector.name}" (also at line ${sameName.location?.line}); ` +
        `accepted: a unique name per connector`,
      ctx.attribute(el, "name") ?? ctx.attribute(el, "uri"),
    );
  }
  const { uri } = connector;
  if (uri.port === 0 || uri.protocol === "vm" || uri.protocol === "udp") return;
  const wildcard = (host: string) => host === "0.0.0.0" || host === "::";
  const samePort = existing.find((c) =>
    c.uri.port === uri.port && c.uri.protocol !== "vm" && c.uri.protocol !== "udp" &&
    (c.uri.host === uri.host || wildcard(c.uri.host) || wildcard(uri.host))
  );
  if (samePort) {
    throw ctx.error(
      el,
      `Port ${uri.port} is already used by transport connector "${samePort.name}" at line ` +
        `${samePort.location?.line}; accepted: a different port, or 0 to pick a free one`,
      ctx.attribute(el, "uri"),
    );
  }
}
