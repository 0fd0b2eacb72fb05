/**
 * The WebSocket connector (`ws://`): an HTTP server that upgrades each request to a
 * WebSocket and runs STOMP or MQTT over it, chosen by the sub-protocol the client asks for
 * (semantics.md §16): `v12.stomp`, `v11.stomp`, `v10.stomp`, `stomp` → STOMP; `mqtt`,
 * `mqttv3.1` → MQTT; none → STOMP. Both protocols share the port. Runs in its own connector
 * worker, like every connector; `maximumConnections` and the protocols' frame size limits
 * apply as on TCP.
 */
import type { BrokerGateway } from "../broker/types.ts";
import type { TransportConnectorConfig } from "../config/mod.ts";
import { logger } from "../log.ts";
import { mqttProtocol } from "../protocol/mqtt/mod.ts";
import { stompProtocol } from "../protocol/stomp/mod.ts";
import type { ServedConnector } from "./listener.ts";
import { connectionIdPrefix, safeHostname, STOP_GRACE_MS } from "./listener.ts";
import type { ProtocolHandler } from "./protocol.ts";
import { WebSocketByteStream } from "./websocket_stream.ts";

interface SubProtocol {
  handler: ProtocolHandler;
  framing: "binary" | "text";
}

const STOMP: SubProtocol = { handler: stompProtocol, framing: "text" };
const MQTT: SubProtocol = { handler: mqttProtocol, framing: "binary" };

/** Sub-protocol names as ActiveMQ's WebSocket transport knows them. */
const SUB_PROTOCOLS: Readonly<Record<string, SubProtocol>> = {
  "v12.stomp": STOMP,
  "v11.stomp": STOMP,
  "v10.stomp": STOMP,
  "stomp": STOMP,
  "mqtt": MQTT,
  "mqttv3.1": MQTT,
};

/**
 * Picks the first sub-protocol of the client's list that we speak; `undefined` = none
 * offered or none known (the connection then speaks STOMP without naming a sub-protocol).
 *
 * @example
 * ```ts
 * chooseSubProtocol("foo, mqtt, stomp"); // "mqtt"
 * ```
 */
export function chooseSubProtocol(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const name of header.split(",")) {
    const trimmed = name.trim();
    if (SUB_PROTOCOLS[trimmed.toLowerCase()]) return trimmed;
  }
  return undefined;
}

export function serveWebSocketConnector(
  gateway: BrokerGateway,
  connector: TransportConnectorConfig,
  connectorIndex: number,
  brokerName?: string,
  sslContext?: Record<string, string>,
): Promise<ServedConnector> {
  const log = logger(connector.name);
  const uri = connector.uri;
  let tls: { cert: string; key: string } | undefined;
  if (uri.tls) {
    try {
      tls = readTlsMaterial(connector, sslContext);
    } catch (err) {
      return Promise.reject(err);
    }
  }
  const max = uri.maximumConnections ?? Number.POSITIVE_INFINITY;
  const abort = new AbortController();
  let stopRequested: () => void = () => {};
  const stopping = new Promise<void>((resolve) => stopRequested = resolve);
  const active = new Set<Promise<void>>();
  let seq = 0;
  let idPrefix = "";

  const handler = (request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response => {
    const remote = info.remoteAddr;
    const remoteAddress = `ws://${remote.hostname}:${remote.port}`;
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response(
        "This is an ActiveMQ WebSocket connector: connect with a WebSocket client (sub-protocol stomp or mqtt).\n",
        { status: 426, headers: { upgrade: "websocket", "content-type": "text/plain" } },
      );
    }
    if (active.size >= max) {
      log.warn(
        `Rejecting connection from ${remoteAddress}: exceeded the maximum number of allowed client connections ` +
          `(maximumConnections=${max})`,
      );
      return new Response("Too many connections\n", {
        status: 503,
        headers: { "content-type": "text/plain" },
      });
    }
    const chosen = chooseSubProtocol(request.headers.get("sec-websocket-protocol"));
    const sub = chosen ? SUB_PROTOCOLS[chosen.toLowerCase()] : STOMP;
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(request, chosen ? { protocol: chosen } : {});
    } catch (err) {
      return new Response(`Bad WebSocket request: ${err instanceof Error ? err.message : err}\n`, {
        status: 400,
      });
    }
    const stream = new WebSocketByteStream(upgraded.socket, { framing: sub.framing });
    const connectionId = `${idPrefix}:${++seq}`;
    const done: Promise<void> = sub.handler.handle(stream, {
      gateway,
      connector,
      connectionId,
      remoteAddress,
      log: log.child(connectionId),
      stopping,
      brokerName,
    }).catch((err) => log.error(`Connection ${connectionId} failed`, err))
      .finally(() => {
        stream.close();
        active.delete(done);
      });
    active.add(done);
    return upgraded.response;
  };

  return new Promise((resolve, reject) => {
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname: uri.host,
        port: uri.port,
        ...(tls ?? {}),
        signal: abort.signal,
        onListen: () => {},
        onError: (err) => {
          log.error("WebSocket connector request failed", err);
          return new Response("Internal error\n", { status: 500 });
        },
      }, handler);
    } catch (err) {
      const what = err instanceof Deno.errors.AddrInUse
        ? `port ${uri.port} is already in use (change the port in its uri or stop the other program)`
        : String(err);
      reject(
        new Error(`Transport connector ${connector.name} cannot listen on ${uri.host}:${uri.port}: ${what}`),
      );
      return;
    }
    const addr = server.addr;
    idPrefix = connectionIdPrefix(safeHostname(), addr.port, connectorIndex);
    resolve({
      hostname: addr.hostname,
      port: addr.port,
      async stop() {
        stopRequested();
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          Promise.allSettled([...active]),
          new Promise<void>((resolve) => timer = setTimeout(resolve, STOP_GRACE_MS)),
        ]);
        clearTimeout(timer);
        abort.abort();
        await server.finished.catch(() => {});
      },
    });
  });
}

/**
 * wss:// needs a certificate and its private key in PEM form: from the URI's
 * `transport.certFile` and `transport.keyFile`, or from `<sslContext keyStore=…>`
 * when that file is PEM holding both. A Java keystore (JKS/PKCS12) cannot be
 * read here; the error says how to convert it.
 */
function readTlsMaterial(
  connector: TransportConnectorConfig,
  sslContext: Record<string, string> | undefined,
): { cert: string; key: string } {
  const options = connector.uri.transport;
  const where = `Transport connector ${connector.name} (${connector.uri.raw})`;
  const read = (path: string, what: string) => {
    try {
      return Deno.readTextFileSync(path);
    } catch (err) {
      throw new Error(
        `${where}: cannot read the ${what} file ${path}: ${err instanceof Error ? err.message : err}`,
      );
    }
  };
  if (options.certFile !== undefined || options.keyFile !== undefined) {
    if (options.certFile === undefined || options.keyFile === undefined) {
      throw new Error(`${where}: give both transport.certFile and transport.keyFile (PEM files)`);
    }
    return { cert: read(options.certFile, "certificate"), key: read(options.keyFile, "private key") };
  }
  const keyStore = sslContext?.keyStore;
  if (keyStore !== undefined) {
    const pem = read(keyStore, "keyStore");
    const cert = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    const key = pem.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/);
    if (cert && key) return { cert: cert.join("\n"), key: key[0] };
    throw new Error(
      `${where}: the <sslContext> keyStore ${keyStore} is not a PEM file with a certificate and a private key. ` +
        `Java keystores cannot be read here; convert it (keytool -importkeystore to PKCS12, then ` +
        `openssl pkcs12 -nodes) or set transport.certFile and transport.keyFile on the uri`,
    );
  }
  throw new Error(
    `${where}: wss:// needs a certificate and private key: set transport.certFile and transport.keyFile ` +
      `(PEM) on the uri, or an <sslContext keyStore="…pem"/> holding both`,
  );
}
