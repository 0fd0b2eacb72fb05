/**
 * The TCP accept loop of a connector: enforces `maximumConnections`, names each
 * connection, and hands the socket to the protocol handler. Runs inside the
 * connector worker (a socket cannot move between workers).
 */
import type { BrokerGateway } from "../broker/types.ts";
import type { TransportConnectorConfig } from "../config/mod.ts";
import { logger } from "../log.ts";
import { protocolFor } from "./protocols.ts";

export interface ServedConnector {
  hostname: string;
  port: number;
  stop(): Promise<void>;
}

/** How long a stopping connector waits for its connections to wind down. */
export const STOP_GRACE_MS = 2000;

export function serveConnector(
  gateway: BrokerGateway,
  connector: TransportConnectorConfig,
  connectorIndex: number,
  brokerName?: string,
): Promise<ServedConnector> {
  const log = logger(connector.name);
  const protocol = protocolFor(connector.uri.protocol);
  if (!protocol) {
    return Promise.reject(
      new Error(`Transport connector ${connector.name}: protocol ${connector.uri.protocol} is not available`),
    );
  }
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: connector.uri.host, port: connector.uri.port });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      return Promise.reject(
        new Error(
          `Transport connector ${connector.name} cannot listen on ${connector.uri.host}:${connector.uri.port}: ` +
            `port ${connector.uri.port} is already in use (change the port in its uri or stop the other program)`,
        ),
      );
    }
    return Promise.reject(
      new Error(
        `Transport connector ${connector.name} cannot listen on ${connector.uri.host}:${connector.uri.port}: ${err}`,
      ),
    );
  }
  const addr = listener.addr as Deno.NetAddr;
  const max = connector.uri.maximumConnections ?? Number.POSITIVE_INFINITY;
  const host = safeHostname();
  const idPrefix = connectionIdPrefix(host, addr.port, connectorIndex);
  let seq = 0;
  let stopRequested: () => void = () => {};
  const stopping = new Promise<void>((resolve) => stopRequested = resolve);
  const active = new Set<Promise<void>>();

  const acceptLoop = (async () => {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (err instanceof Deno.errors.BadResource || err instanceof Deno.errors.Interrupted) return;
        log.error("Accepting a connection failed", err);
        continue;
      }
      const remote = conn.remoteAddr as Deno.NetAddr;
      const remoteAddress = `tcp://${remote.hostname}:${remote.port}`;
      if (active.size >= max) {
        log.warn(
          `Rejecting connection from ${remoteAddress}: exceeded the maximum number of allowed client connections ` +
            `(maximumConnections=${max})`,
        );
        try {
          conn.close();
        } catch { /* already closed by the peer */ }
        continue;
      }
      try {
        conn.setNoDelay(true);
      } catch { /* not every platform supports it; latency only */ }
      const connectionId = `${idPrefix}:${++seq}`;
      const done: Promise<void> = protocol.handle(conn, {
        gateway,
        connector,
        connectionId,
        remoteAddress,
        log: log.child(connectionId),
        stopping,
        brokerName,
      }).catch((err) => log.error(`Connection ${connectionId} failed`, err))
        .finally(() => active.delete(done));
      active.add(done);
    }
  })();

  return Promise.resolve({
    hostname: addr.hostname,
    port: addr.port,
    async stop() {
      try {
        listener.close();
      } catch { /* already closed */ }
      stopRequested();
      await acceptLoop;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...active]),
        new Promise<void>((resolve) => timer = setTimeout(resolve, STOP_GRACE_MS)),
      ]);
      clearTimeout(timer);
    },
  });
}

/** `ID:<host>-<port>-<start time>-<connector index>`: what connection ids of a connector start with. */
export function connectionIdPrefix(host: string, port: number, connectorIndex: number): string {
  return `ID:${host}-${port}-${Date.now()}-${connectorIndex}`;
}

export function safeHostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}
