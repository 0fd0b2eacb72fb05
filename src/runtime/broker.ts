/**
 * A running broker: the core plus one worker per transport connector, started
 * from a typed config (or an activemq.xml file) and stopped in order.
 */
import { BrokerService } from "../broker/broker_service.ts";
import { type BrokerConfig, type ConfigWarning, defaultBrokerConfig, loadConfigFile } from "../config/mod.ts";
import { logger, type LogLevel, logLevel, setLogLevel } from "../log.ts";
import { type ConnectorHandle, startConnector } from "../transport/connector_host.ts";
import { isProtocolAvailable } from "../transport/protocols.ts";
import { VmConnection, type VmConnectionOptions } from "../vm/vm_client.ts";
import { RUNTIME_ALLOWANCE } from "../memory_pressure.ts";
import { configureProcessMemoryPressure } from "./process_memory.ts";
import { FileTempStore } from "../store/temp_file_store.ts";
import { createPersistenceAdapter, type PersistenceAdapter } from "../store/mod.ts";

export interface BrokerStartOptions {
  /** Log threshold for the broker and its workers (default: the current one, `info`). */
  logLevel?: LogLevel;
  /** Extra `${name}` values for an activemq.xml file. */
  properties?: Record<string, string>;
  /** Use this store instead of the one the config names (tests, embedders with their own store). */
  store?: PersistenceAdapter;
  /** Aborts start-up, e.g. while waiting for another broker's store lock. */
  signal?: AbortSignal;
  /** The broker's clock for expiry (tests move time instead of waiting). */
  now?: () => number;
}

const log = logger("broker");

export class Broker implements AsyncDisposable {
  readonly config: BrokerConfig;
  readonly service: BrokerService;
  readonly connectors: readonly ConnectorHandle[];
  readonly warnings: readonly ConfigWarning[];
  readonly store: PersistenceAdapter;
  readonly #tempStore: FileTempStore;
  #stopped = false;

  private constructor(
    config: BrokerConfig,
    service: BrokerService,
    connectors: ConnectorHandle[],
    warnings: ConfigWarning[],
    store: PersistenceAdapter,
    tempStore: FileTempStore,
  ) {
    this.#tempStore = tempStore;
    this.config = config;
    this.service = service;
    this.connectors = connectors;
    this.warnings = warnings;
    this.store = store;
  }

  /**
   * Starts a broker from an activemq.xml path or a config object. Fields left
   * out of the object take ActiveMQ's defaults; `persistent: false` keeps
   * messages in memory.
   *
   * @example
   * ```ts
   * const broker = await Broker.start({ brokerName: "embedded", persistent: false });
   * await broker.stop();
   * ```
   */
  static async start(
    source: Partial<BrokerConfig> | string,
    options: BrokerStartOptions = {},
  ): Promise<Broker> {
    if (options.logLevel) setLogLevel(options.logLevel);
    let warnings: ConfigWarning[] = [];
    let config: BrokerConfig;
    if (typeof source === "string") {
      const loaded = await loadConfigFile(source, { properties: options.properties });
      config = loaded.config;
      warnings = loaded.warnings;
      for (const w of warnings) log.warn(`${w.location.file}:${w.location.line}: ${w.message}`);
    } else {
      config = { ...defaultBrokerConfig(), ...source };
      if (!config.persistent && source.persistenceAdapter === undefined) {
        config.persistenceAdapter = { kind: "memory" };
      }
    }
    const store = options.store ?? createPersistenceAdapter(config);
    const recovered = await store.start({ signal: options.signal });
    // Non-persistent overflow of destinations without producer flow control (opened on first use).
    const tempStore = new FileTempStore(`${config.dataDirectory}/tmp_storage`, config.systemUsage.tempLimit);
    const service = new BrokerService(config, { store, now: options.now, tempStore });
    // Dead message bodies are collected early once the process is past what its memoryUsage allows for.
    const rssBudget = service.systemUsage.limit + RUNTIME_ALLOWANCE;
    configureProcessMemoryPressure(rssBudget);
    try {
      service.recover(recovered);
    } catch (err) {
      await store.stop();
      throw err;
    }
    const available = config.transportConnectors.filter((c) => {
      if (isProtocolAvailable(c.uri)) return true;
      log.warn(
        `Transport connector ${c.name} (${c.uri.raw}) is not available yet in this version and is not started`,
      );
      return false;
    });
    const started = await Promise.allSettled(
      available.map((c, i) =>
        startConnector(service, c, {
          connectorIndex: i,
          brokerName: config.brokerName,
          logLevel: logLevel(),
          rssBudget,
          sslContext: config.sslContext?.attributes,
        })
      ),
    );
    const connectors = started.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
    const failure = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) {
      await Promise.allSettled(connectors.map((c) => c.stop()));
      await service.stop();
      await store.stop();
      throw failure.reason;
    }
    for (const c of connectors) {
      log.info(`Listening for connections at: ${c.config.uri.scheme}://${c.config.uri.host}:${c.port}`);
    }
    log.info(`Broker ${config.brokerName} started`);
    return new Broker(config, service, connectors, warnings, store, tempStore);
  }

  /** The connector with this name, e.g. `stomp`. */
  connector(name: string): ConnectorHandle | undefined {
    return this.connectors.find((c) => c.name === name);
  }

  /**
   * An in-process (vm://) connection: no socket, no thread hop.
   *
   * @example
   * ```ts
   * const conn = await broker.connect();
   * await conn.send("queue://orders", "hello");
   * ```
   */
  connect(options: VmConnectionOptions = {}): Promise<VmConnection> {
    return VmConnection.open(this.service, options);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    log.info(`Broker ${this.config.brokerName} stopping`);
    await Promise.allSettled(this.connectors.map((c) => c.stop()));
    await this.service.stop();
    await this.store.stop();
    this.#tempStore.close();
    log.info(`Broker ${this.config.brokerName} stopped`);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
