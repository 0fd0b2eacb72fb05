/**
 * The broker core: all routing state lives here and nowhere else. It knows no
 * protocol and touches no socket or file; connectors reach it through
 * `BrokerGateway.connect`, directly (vm://) or over the worker bus.
 */
import type { BrokerConfig } from "../config/mod.ts";
import {
  compositeMembers,
  type Destination,
  isComposite,
  isTemporary,
  isTopicLike,
  isWildcardPattern,
  qualifiedName,
} from "../message/destination.ts";
import { isExpired, type Message } from "../message/message.ts";
import { type Logger, logger } from "../log.ts";
import { Consumer, type Inflight } from "./consumer.ts";
import { deadLetterCopy, deadLetterDestination } from "./dead_letter.ts";
import { BrokerError } from "./errors.ts";
import { PolicyMap } from "./policy.ts";
import { Queue } from "./queue.ts";
import { MemoryUsage } from "./memory_usage.ts";
import { CompositeDestination, DEFAULT_VIRTUAL_TOPIC, VirtualTopic } from "./virtual_destinations.ts";
import { RedeliveryPlugin } from "./redelivery.ts";
import type { TempStore } from "./temp_store.ts";
import {
  isScheduled,
  SCHEDULED_JOB_ID,
  Scheduler,
  SCHEDULER_ACTION,
  SCHEDULER_MANAGEMENT,
  SCHEDULER_STORE,
} from "./scheduler.ts";
import {
  advisoryMessage,
  advisoryTopics,
  destinationInfo,
  isAdvisoryTopic,
  isDestinationAdvisory,
} from "./advisories.ts";
import type { AdvisoryData } from "../message/message.ts";
import { parseSelector, type Selector } from "./selector/mod.ts";
import { type SubscriptionHooks, TopicSubscription } from "./topic_subscription.ts";
import {
  type PersistenceAdapter,
  type RecoveredState,
  type RecoveredTransaction,
  type StoreOperation,
  type XaTransactionId,
  xidKey,
} from "../store/persistence_adapter.ts";
import type { QueuedMessage } from "./message_list.ts";
import type {
  AckInfo,
  BrokerGateway,
  BrokerSession,
  ConnectionInfo,
  ConnectionListener,
  ConsumerInfo,
} from "./types.ts";
import { wildcardMatches } from "./wildcard.ts";

interface TransactionOp {
  consumer: Consumer;
  inflight: Inflight;
  poison: boolean;
  cause?: string;
}

interface Transaction {
  sends: Message[];
  acks: TransactionOp[];
  xid?: XaTransactionId;
}

/** An XA branch after phase one; `tx` is absent for branches recovered from the store. */
interface PreparedTransaction {
  id: string;
  xid: XaTransactionId;
  tx?: Transaction;
  operations: StoreOperation[];
  /** Queue messages the branch acknowledged, held back from consumers until its outcome. */
  held: { queue: Queue; entry: QueuedMessage }[];
}

interface ConnectionState {
  info: ConnectionInfo;
  listener: ConnectionListener;
  consumers: Map<string, Consumer>;
  transactions: Map<string, Transaction>;
  temporaries: Set<string>;
  tempSeq: number;
  closed: boolean;
}

export interface DestinationStats {
  destination: Destination;
  pending: number;
  consumers: number;
}

export class BrokerService implements BrokerGateway {
  readonly config: BrokerConfig;
  readonly log: Logger;
  readonly policies: PolicyMap;
  readonly #connections = new Map<string, ConnectionState>();
  readonly #clientIds = new Map<string, string>();
  readonly #queues = new Map<string, Queue>();
  readonly #topics = new Set<string>();
  readonly #exactTopicSubs = new Map<string, Set<TopicSubscription>>();
  readonly #wildcardTopicSubs = new Set<TopicSubscription>();
  readonly #durables = new Map<string, TopicSubscription>();
  readonly #wildcardQueueConsumers = new Set<Consumer>();
  readonly #temporaries = new Map<string, string>();
  readonly #hooks: SubscriptionHooks;
  readonly #store: PersistenceAdapter | undefined;
  readonly #tempStore: TempStore | undefined;
  /** Store operations produced by the call in progress; written as one batch when it returns. */
  #ops: StoreOperation[] = [];
  #collecting = false;
  /** Set while applying work the store already has (see #withoutStore). */
  #storeOff = false;
  #flushScheduled = false;
  #stopped = false;
  #expirySweep: ReturnType<typeof setInterval> | undefined;
  #destinationPurge: ReturnType<typeof setInterval> | undefined;
  /** When each topic last had a subscriber or a message (for gcInactiveDestinations). */
  readonly #topicActive = new Map<string, number>();
  /** The broker's memoryUsage; every destination's usage is a child of it. */
  readonly systemUsage: MemoryUsage;
  readonly #usages = new Map<string, MemoryUsage>();
  readonly #virtualTopics: VirtualTopic[];
  readonly #composites = new Map<string, CompositeDestination>();
  /** Consumer queues per virtual topic name; dropped whenever a queue comes or goes. */
  #virtualTopicQueues = new Map<string, Queue[]>();
  readonly #redelivery: RedeliveryPlugin | undefined;
  readonly #scheduler: Scheduler | undefined;
  /** The retained message of each topic (`ActiveMQ.Retain`), by qualified topic name. */
  readonly #retained = new Map<string, Message>();
  /** Shared subscriptions by group and destination. */
  readonly #shared = new Map<string, TopicSubscription>();
  /** Prepared XA branches by transaction id, whichever connection prepared them. */
  readonly #prepared = new Map<string, PreparedTransaction>();
  /** Messages waiting out a redelivery delay. */
  readonly #redeliveryTimers = new Set<ReturnType<typeof setTimeout>>();
  /** When a destination last logged that its producers are blocked (one line per 30 s). */
  readonly #blockedLogged = new Map<string, number>();
  /** Sends held by producer flow control since start. */
  blockedSends = 0;

  constructor(
    config: BrokerConfig,
    options: { now?: () => number; store?: PersistenceAdapter; tempStore?: TempStore } = {},
  ) {
    this.config = config;
    this.log = logger("broker");
    this.policies = new PolicyMap(config.policyEntries, config.defaultPolicy);
    this.#store = options.store;
    this.#tempStore = options.tempStore;
    this.systemUsage = new MemoryUsage("memoryUsage", systemMemoryLimit(config));
    this.#virtualTopics = config.useVirtualTopics
      ? (config.virtualTopics ?? [DEFAULT_VIRTUAL_TOPIC]).map((v) => new VirtualTopic(v))
      : [];
    this.#scheduler = config.schedulerSupport
      ? new Scheduler({
        now: options.now ?? Date.now,
        run: (work) => {
          this.run(work).catch((err) => this.log.error("Running scheduled jobs failed", err));
        },
        deliver: (message) => this.#route(message),
        persist: (jobId, job) => {
          this.#storeOp({ op: "remove", destination: SCHEDULER_STORE, messageId: jobId });
          if (job) this.#storeOp({ op: "add", destination: SCHEDULER_STORE, message: job });
        },
      }, { maxRepeatAllowed: Number(config.attributes.maxSchedulerRepeatAllowed ?? 1000) })
      : undefined;
    this.#redelivery = config.redeliveryPlugin
      ? new RedeliveryPlugin(config.redeliveryPlugin, config.redeliveryPolicies)
      : undefined;
    for (const c of config.compositeDestinations ?? []) {
      const composite = new CompositeDestination(c);
      this.#composites.set(composite.key, composite);
    }
    const now = options.now ?? Date.now;
    this.#hooks = {
      now,
      expired: (destination, message) => this.#expired(destination, message, true),
      removed: (destination, message) => this.#removed(destination, message),
      released: (sub, message) => {
        if (sub.durable && message.persistent) {
          this.#storeOp({
            op: "ack",
            destination: message.destination,
            subscription: sub.durable,
            messageId: message.messageId,
          });
        }
      },
    };
    for (const d of config.destinations) this.#ensureDestination({ type: d.type, name: d.name });
    const period = expirySweepPeriod(config);
    if (period > 0) this.#expirySweep = setInterval(() => this.run(() => this.#sweepExpired()), period);
    // ActiveMQ only collects inactive destinations when this broker attribute is set.
    const purgePeriod = Number(config.attributes.schedulePeriodForDestinationPurge ?? 0);
    if (purgePeriod > 0) {
      this.#destinationPurge = setInterval(
        () => this.run(() => this.#purgeInactiveDestinations()),
        purgePeriod,
      );
    }
  }

  /** `gcInactiveDestinations`: queues with no consumer and no message for `inactiveTimoutBeforeGC` go away. */
  #purgeInactiveDestinations(): void {
    const now = this.#hooks.now();
    for (const [key, q] of [...this.#queues]) {
      if (!q.idle || isTemporary(q.destination)) {
        q.lastActive = now;
        continue;
      }
      const policy = this.policies.entryFor(q.destination);
      if (!policy?.gcInactiveDestinations) continue;
      if (now - q.lastActive < (policy.inactiveTimoutBeforeGC ?? 60_000)) continue;
      this.log.info(
        `${key} was inactive for longer than ${policy.inactiveTimoutBeforeGC ?? 60_000} ms and is removed`,
      );
      this.#queues.delete(key);
      this.#virtualTopicQueues.clear();
      this.#storeOp({ op: "removeDestination", destination: q.destination });
      this.#advise(advisoryTopics.destination(q.destination), destinationInfo(q.destination, "remove"));
    }
    for (const key of [...this.#topics]) {
      const t = parseQualified(key);
      if (isAdvisoryTopic(t) || isTemporary(t)) continue;
      if (this.#exactTopicSubs.has(key)) {
        this.#topicActive.set(key, now);
        continue;
      }
      const policy = this.policies.entryFor(t);
      if (!policy?.gcInactiveDestinations) continue;
      const since = this.#topicActive.get(key) ?? now;
      this.#topicActive.set(key, since);
      const timeout = policy.inactiveTimoutBeforeGC ?? 60_000;
      if (now - since < timeout) continue;
      this.log.info(`${key} was inactive for longer than ${timeout} ms and is removed`);
      this.#topics.delete(key);
      this.#topicActive.delete(key);
      this.#advise(advisoryTopics.destination(t), destinationInfo(t, "remove"));
    }
  }

  /** Destinations the broker knows (queues and topics), for tests and the admin API. */
  destinationNames(): string[] {
    return [...this.#queues.keys(), ...this.#topics];
  }

  /** The periodic expiry check of every queue whose policy has `expireMessagesPeriod` > 0. */
  #sweepExpired(): void {
    for (const q of this.#queues.values()) {
      if ((this.policies.entryFor(q.destination)?.expireMessagesPeriod ?? DEFAULT_EXPIRE_PERIOD) > 0) {
        q.expire();
      }
    }
  }

  /** Expiry: advisory, out of the store (when it was stored), and to the DLQ per processExpired. */
  #expired(destination: Destination, message: Message, stored: boolean): void {
    if (this.log.debugEnabled) {
      this.log.debug(`Expired message ${message.messageId} dropped from ${qualifiedName(destination)}`);
    }
    this.#advise(advisoryTopics.expired(destination), { type: "MessageId", value: message.messageId }, {
      orignalMessageId: message.messageId,
    });
    if (isTopicLike(destination)) return;
    if (stored) this.#removed(destination, message);
    this.#deadLetter(message, `Message Expired. Expiration:${message.expiration}`, true);
  }

  // ---- store -------------------------------------------------------------------

  #removed(destination: Destination, message: Message): void {
    if (message.persistent && !isTemporary(destination)) {
      this.#storeOp({ op: "remove", destination, messageId: message.messageId });
    }
  }

  #storeOp(op: StoreOperation): void {
    if (!this.#store) return;
    if (this.#storeOff) return;
    this.#ops.push(op);
    // Work outside a session call (timers, recovery) is written at the end of the turn.
    if (!this.#collecting && !this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        if (this.#collecting) return;
        this.#flushOps().catch((err) => this.log.error("Writing to the message store failed", err));
      });
    }
  }

  #flushOps(): Promise<void> {
    const ops = this.#ops;
    if (ops.length === 0 || !this.#store) return Promise.resolve();
    this.#ops = [];
    return this.#store.write(ops, { sync: true });
  }

  /**
   * Runs one core operation and writes what it changed in the store as one
   * atomic batch; resolves once the store has it (producers and acks are
   * confirmed only then).
   */
  run<T>(fn: () => T): Promise<T> {
    let result: T;
    this.#collecting = true;
    try {
      result = fn();
    } catch (err) {
      // Whatever the call changed before it failed is still written.
      this.#collecting = false;
      this.#flushOps().catch((e) => this.log.error("Writing to the message store failed", e));
      return Promise.reject(err);
    } finally {
      this.#collecting = false;
    }
    if (this.#ops.length === 0) return Promise.resolve(result);
    return this.#flushOps().then(() => result);
  }

  /** Rebuilds destinations and durable subscriptions from what the store recovered. */
  recover(state: RecoveredState): void {
    const topicMessages = new Map<string, Message>();
    let queued = 0;
    for (const d of state.destinations) {
      if (d.destination.type === RETAINED_STORE.type && d.destination.name === RETAINED_STORE.name) {
        for (const m of d.messages) {
          const topic = m.originalDestination ?? m.destination;
          this.#retained.set(qualifiedName(topic), {
            ...m,
            destination: topic,
            originalDestination: undefined,
          });
        }
        continue;
      }
      if (d.destination.type === SCHEDULER_STORE.type && d.destination.name === SCHEDULER_STORE.name) {
        if (this.#scheduler) this.#scheduler.recover(d.messages);
        else {
          // Scheduling was turned off since: the jobs are delivered now rather than lost.
          this.log.warn(`${d.messages.length} scheduled message(s) delivered now: schedulerSupport is off`);
          for (const m of d.messages) {
            this.#storeOp({ op: "remove", destination: SCHEDULER_STORE, messageId: m.messageId });
            this.#route({
              ...m,
              destination: m.originalDestination ?? m.destination,
              originalDestination: undefined,
            });
          }
        }
        continue;
      }
      if (isTopicLike(d.destination)) {
        for (const m of d.messages) topicMessages.set(m.messageId, m);
        this.#topics.add(qualifiedName(d.destination));
        continue;
      }
      const q = this.#queue(d.destination);
      for (const m of d.messages) q.restore(m);
      queued += d.messages.length;
    }
    for (const s of state.subscriptions) {
      const selector = s.selector ? parseSelector(s.selector) : undefined;
      const sub = new TopicSubscription(s.destination, {
        durable: { clientId: s.clientId, subscriptionName: s.subscriptionName },
        selector,
        selectorText: s.selector,
        noLocal: s.noLocal,
        ownerConnectionId: "",
        usage: this.#usageFor(s.destination),
      }, this.#hooks);
      for (const id of s.pending) {
        const m = topicMessages.get(id);
        if (m) sub.restore(m);
      }
      this.#durables.set(durableKey(s.clientId, s.subscriptionName), sub);
      this.#indexSubscription(sub);
    }
    this.#recoverPrepared(state.prepared);
    if (queued > 0 || state.subscriptions.length > 0) {
      this.log.info(
        `Recovered ${queued} queued message(s) in ${state.destinations.length} destination(s) and ` +
          `${state.subscriptions.length} durable subscription(s)`,
      );
    }
  }

  get brokerName(): string {
    return this.config.brokerName;
  }

  connect(info: ConnectionInfo, listener: ConnectionListener): Promise<BrokerSession> {
    if (this.#stopped) return Promise.reject(new BrokerError("illegal-state", "Broker is stopped"));
    const previous = this.#connections.get(info.connectionId);
    if (previous) {
      // The same connection id again: a client reconnecting (failover) before the broker noticed its
      // old socket die. The new connection takes over, as in ActiveMQ.
      this.log.info(`Connection ${info.connectionId} reconnected; closing its previous instance`);
      this.closeConnection(previous);
      try {
        previous.listener.closed("Connection taken over by a new connection with the same id");
      } catch (err) {
        this.log.error(`Closing connection ${info.connectionId} failed`, err);
      }
    }
    if (info.clientId !== undefined) {
      const holder = this.#clientIds.get(info.clientId);
      if (holder !== undefined) {
        const from = this.#connections.get(holder)?.info.remoteAddress ?? "unknown";
        return Promise.reject(
          new BrokerError(
            "invalid-client-id",
            `Broker: ${this.brokerName} - Client: ${info.clientId} already connected from ${from}`,
          ),
        );
      }
      this.#clientIds.set(info.clientId, info.connectionId);
    }
    const state: ConnectionState = {
      info,
      listener,
      consumers: new Map(),
      transactions: new Map(),
      temporaries: new Set(),
      tempSeq: 0,
      closed: false,
    };
    this.#connections.set(info.connectionId, state);
    this.#advise(advisoryTopics.connection(), connectionInfo(info));
    return Promise.resolve(new Session(this, state));
  }

  /**
   * Closes every connection (their unacknowledged messages return to their
   * destinations) and resolves once the store has what that changed.
   * Connectors are stopped by whoever started them.
   */
  stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#expirySweep);
    this.#scheduler?.stop();
    clearInterval(this.#destinationPurge);
    for (const t of this.#redeliveryTimers) clearTimeout(t);
    this.#redeliveryTimers.clear();
    this.systemUsage.wakeAll();
    return this.run(() => {
      for (const state of [...this.#connections.values()]) {
        this.closeConnection(state);
        try {
          state.listener.closed("Broker is shutting down");
        } catch (err) {
          this.log.error(`Closing connection ${state.info.connectionId} failed`, err);
        }
      }
    });
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Backlog and consumer counts, for tests, the CLI and later the admin API. */
  stats(): DestinationStats[] {
    const out: DestinationStats[] = [];
    for (const q of this.#queues.values()) {
      out.push({ destination: q.destination, pending: q.pending.size, consumers: q.consumers.length });
    }
    for (const subs of [...this.#exactTopicSubs.values(), this.#wildcardTopicSubs]) {
      for (const s of subs) {
        out.push({ destination: s.destination, pending: s.pending.size, consumers: s.consumer ? 1 : 0 });
      }
    }
    return out;
  }

  queueSize(name: string): number {
    return this.#queues.get(`queue://${name}`)?.pending.size ?? 0;
  }

  // ---- consumers -------------------------------------------------------------

  addConsumer(state: ConnectionState, info: ConsumerInfo): void {
    if (state.consumers.has(info.consumerId)) {
      throw new BrokerError(
        "illegal-state",
        `Consumer id '${info.consumerId}' is already in use on this connection`,
      );
    }
    const selectorText = info.selector?.trim();
    const selector = selectorText
      ? parseSelector(selectorText, { convertStringExpressions: info.convertStringExpressions })
      : undefined;
    const destinations = isComposite(info.destination)
      ? compositeMembers(info.destination)
      : [info.destination];
    for (const d of destinations) this.#checkDestinationName(d);

    if (info.browser) {
      this.#browse(state, info, destinations, selector);
      return;
    }
    const first = destinations[0];
    const kind = info.subscriptionName !== undefined
      ? "durableTopic"
      : isTopicLike(first)
      ? "topic"
      : "queue";
    const prefetch = this.policies.prefetchFor(first, kind, info.prefetch);
    const consumer = new Consumer(info, state.info.connectionId, prefetch, selector, state.listener);
    // Validate everything before attaching anything, so a refused consumer leaves no trace.
    for (const d of destinations) {
      if (isTemporary(d) && !isWildcardPattern(d) && !this.#temporaries.has(qualifiedName(d))) {
        throw new BrokerError("invalid-destination", `The destination ${qualifiedName(d)} does not exist.`);
      }
      if (info.subscriptionName !== undefined) this.#checkDurable(state, info, d);
    }
    state.consumers.set(info.consumerId, consumer);
    for (const d of destinations) {
      if (isTopicLike(d)) this.#subscribeTopic(state, consumer, d, selector);
      else this.#subscribeQueue(consumer, d);
    }
    for (const d of destinations) {
      if (isAdvisoryTopic(d)) continue;
      this.#advise(advisoryTopics.consumer(d), consumerInfo(consumer, d), {
        consumerCount: this.#consumerCount(d),
      });
    }
  }

  #browse(
    state: ConnectionState,
    info: ConsumerInfo,
    destinations: Destination[],
    selector?: Selector,
  ): void {
    for (const d of destinations) {
      if (isTopicLike(d)) {
        throw new BrokerError("invalid-destination", `Cannot browse a topic: ${qualifiedName(d)}`);
      }
    }
    for (const d of destinations) {
      for (const q of this.#matchingQueues(d)) {
        for (const message of q.browse()) {
          if (selector && !selector.matches(message)) continue;
          state.listener.deliver({ consumerId: info.consumerId, message });
        }
      }
    }
    state.listener.browseEnd(info.consumerId);
  }

  #matchingQueues(d: Destination): Queue[] {
    if (!isWildcardPattern(d)) {
      const q = this.#queues.get(qualifiedName(d));
      return q ? [q] : [];
    }
    return [...this.#queues.values()].filter((q) =>
      q.destination.type === d.type && wildcardMatches(d.name, q.destination.name)
    );
  }

  #subscribeQueue(consumer: Consumer, d: Destination): void {
    if (isWildcardPattern(d)) {
      this.#wildcardQueueConsumers.add(consumer);
      for (const q of this.#matchingQueues(d)) q.addConsumer(consumer);
      // A queue literally named like the pattern is also consumed (ActiveMQ semantics).
      if (!this.#queues.has(qualifiedName(d))) this.#queue(d).addConsumer(consumer);
      return;
    }
    this.#queue(d).addConsumer(consumer);
  }

  #checkDurable(state: ConnectionState, info: ConsumerInfo, d: Destination): void {
    if (!isTopicLike(d)) {
      throw new BrokerError(
        "invalid-destination",
        `A durable subscription needs a topic, not ${qualifiedName(d)}`,
      );
    }
    const clientId = state.info.clientId;
    if (clientId === undefined) {
      throw new BrokerError(
        "illegal-state",
        "You cannot create a durable subscriber without specifying a unique clientID on a Connection",
      );
    }
    const existing = this.#durables.get(durableKey(clientId, info.subscriptionName!));
    if (existing?.consumer) {
      throw new BrokerError(
        "illegal-state",
        `Durable consumer is in use for client: ${clientId} and subscriptionName: ${info.subscriptionName}`,
      );
    }
  }

  #subscribeTopic(state: ConnectionState, consumer: Consumer, d: Destination, selector?: Selector): void {
    const info = consumer.info;
    if (info.shareGroup !== undefined && info.subscriptionName === undefined) {
      const key = `${info.shareGroup}\u0000${qualifiedName(d)}`;
      let shared = this.#shared.get(key);
      if (!shared) {
        shared = new TopicSubscription(d, {
          selector,
          noLocal: info.noLocal,
          ownerConnectionId: state.info.connectionId,
          usage: this.#usageFor(d),
          shareGroup: info.shareGroup,
        }, this.#hooks);
        this.#shared.set(key, shared);
        this.#indexSubscription(shared);
        if (info.retroactive) this.#replayRetained(shared);
      }
      shared.attach(consumer);
      return;
    }
    if (info.subscriptionName === undefined) {
      const sub = new TopicSubscription(d, {
        selector,
        noLocal: info.noLocal,
        ownerConnectionId: state.info.connectionId,
        usage: this.#usageFor(d),
      }, this.#hooks);
      sub.pendingLimit = this.policies.entryFor(d)?.pendingMessageLimit ?? -1;
      this.#indexSubscription(sub);
      if (info.retroactive) this.#replayRetained(sub);
      sub.attach(consumer);
      if (isAdvisoryTopic(d) && this.config.advisorySupport) this.#replayAdvisories(sub);
      return;
    }
    const clientId = state.info.clientId!;
    const key = durableKey(clientId, info.subscriptionName);
    let sub = this.#durables.get(key);
    const selectorText = selector
      ? (info.convertStringExpressions ? `convert_string_expressions:${selector.text}` : selector.text)
      : undefined;
    const sameDefinition = sub && qualifiedName(sub.destination) === qualifiedName(d) &&
      (sub.selectorText ?? "") === (selectorText ?? "") && sub.noLocal === (info.noLocal ?? false);
    if (sub && !sameDefinition) {
      // ActiveMQ replaces a durable subscription whose topic or selector changed.
      this.log.info(
        `Durable subscription ${clientId}:${info.subscriptionName} changed topic or selector; recreating it`,
      );
      this.#dropSubscription(sub);
      this.#durables.delete(key);
      this.#storeOp({
        op: "unsubscribe",
        subscription: { clientId, subscriptionName: info.subscriptionName },
      });
      sub = undefined;
    }
    if (!sub) {
      sub = new TopicSubscription(d, {
        durable: { clientId, subscriptionName: info.subscriptionName },
        selector,
        selectorText,
        noLocal: info.noLocal,
        ownerConnectionId: state.info.connectionId,
        usage: this.#usageFor(d),
      }, this.#hooks);
      this.#durables.set(key, sub);
      this.#indexSubscription(sub);
      if (info.retroactive) this.#replayRetained(sub);
      this.#storeOp({
        op: "subscribe",
        subscription: {
          clientId,
          subscriptionName: info.subscriptionName,
          destination: d,
          selector: selectorText,
          noLocal: info.noLocal ?? false,
        },
      });
    }
    sub.attach(consumer);
  }

  #indexSubscription(sub: TopicSubscription): void {
    if (isWildcardPattern(sub.destination)) {
      this.#wildcardTopicSubs.add(sub);
      return;
    }
    const key = qualifiedName(sub.destination);
    let set = this.#exactTopicSubs.get(key);
    if (!set) this.#exactTopicSubs.set(key, set = new Set());
    set.add(sub);
    this.#noteTopic(sub.destination);
  }

  #dropSubscription(sub: TopicSubscription): void {
    if (isWildcardPattern(sub.destination)) this.#wildcardTopicSubs.delete(sub);
    else {
      const key = qualifiedName(sub.destination);
      const set = this.#exactTopicSubs.get(key);
      set?.delete(sub);
      if (set && set.size === 0) this.#exactTopicSubs.delete(key);
    }
    // A durable subscription's messages are released in the store by its unsubscribe.
    sub.clear();
  }

  removeConsumer(state: ConnectionState, consumerId: string, lastDeliveredMessageId?: string): void {
    const consumer = state.consumers.get(consumerId);
    if (!consumer) return; // already gone, e.g. a browser that finished
    state.consumers.delete(consumerId);
    this.#closeConsumer(consumer, lastDeliveredMessageId);
  }

  /**
   * `lastDeliveredMessageId`: the last message the application got; those
   * delivered after it sat unseen in the client's prefetch and return without
   * counting as redelivered.
   */
  #closeConsumer(consumer: Consumer, lastDeliveredMessageId?: string): void {
    consumer.closed = true;
    for (const t of consumer.pullTimers) clearTimeout(t);
    consumer.pullTimers.clear();
    this.#wildcardQueueConsumers.delete(consumer);
    const sources = [...consumer.sources];
    for (const source of sources) {
      if (source instanceof Queue) source.removeConsumer(consumer);
      else if (source instanceof TopicSubscription) {
        source.detach(consumer);
        if (source.shareGroup !== undefined) {
          if (source.consumers.length === 0) {
            this.#shared.delete(`${source.shareGroup}\u0000${qualifiedName(source.destination)}`);
            this.#dropSubscription(source);
          }
        } else if (!source.durable) this.#dropSubscription(source);
      }
    }
    this.#adviseConsumerRemoved(consumer);
    // Unacknowledged messages go back, counted as redelivered. Those acked in
    // an open transaction stay with the transaction.
    const touched = new Set<{ dispatch(): void }>();
    // Delivered in order: those up to the last the application got count as redelivered.
    let counted = lastDeliveredMessageId === undefined || consumer.inflight.has(lastDeliveredMessageId);
    for (const [id, inflight] of [...consumer.inflight]) {
      const seen = counted;
      if (id === lastDeliveredMessageId) counted = false;
      if (inflight.transactionId !== undefined) continue;
      consumer.take(id);
      if (
        inflight.source instanceof TopicSubscription && !inflight.source.durable &&
        inflight.source.consumers.length === 0
      ) {
        inflight.source.discard(inflight.entry);
        continue;
      }
      inflight.source.redeliver(inflight.entry, seen);
      touched.add(inflight.source);
    }
    for (const s of touched) s.dispatch();
  }

  removeDurableSubscription(state: ConnectionState, subscriptionName: string): void {
    const clientId = state.info.clientId;
    const key = durableKey(clientId ?? "", subscriptionName);
    const sub = this.#durables.get(key);
    if (!sub) {
      throw new BrokerError(
        "invalid-destination",
        `No durable subscription exists for: ${subscriptionName}`,
      );
    }
    if (sub.consumer) {
      throw new BrokerError(
        "illegal-state",
        `Durable consumer is in use for client: ${clientId} and subscriptionName: ${subscriptionName}`,
      );
    }
    this.#durables.delete(key);
    this.#dropSubscription(sub);
    this.#storeOp({ op: "unsubscribe", subscription: sub.durable! });
  }

  // ---- sending ---------------------------------------------------------------

  send(state: ConnectionState, message: Message, transactionId?: string): void {
    const destinations = isComposite(message.destination)
      ? compositeMembers(message.destination)
      : [message.destination];
    for (const d of destinations) {
      this.#checkDestinationName(d);
      if (
        isTemporary(d) && !this.#temporaries.has(qualifiedName(d)) && !this.config.allowTempAutoCreationOnSend
      ) {
        throw new BrokerError("invalid-destination", `The destination ${qualifiedName(d)} does not exist.`);
      }
    }
    message.producerConnectionId ??= state.info.connectionId;
    if (transactionId !== undefined) {
      this.#transaction(state, transactionId).sends.push(message);
      return;
    }
    this.#route(message);
  }

  #route(message: Message): void {
    if (this.#scheduler) {
      if (message.destination.name === SCHEDULER_MANAGEMENT) {
        this.#manageScheduler(message);
        return;
      }
      if (isScheduled(message)) {
        this.#scheduler.schedule(message);
        return;
      }
    }
    if (isComposite(message.destination)) {
      for (const d of compositeMembers(message.destination)) this.#route({ ...message, destination: d });
      return;
    }
    if (isExpired(message, this.#hooks.now())) {
      // Expired on arrival: never stored, but otherwise the expiry path (advisory, DLQ) as in ActiveMQ.
      this.log.debug(
        `Message ${message.messageId} to ${qualifiedName(message.destination)} expired on arrival`,
      );
      this.#expired(message.destination, message, false);
      return;
    }
    const d = message.destination;
    const composite = this.#composites.size > 0 ? this.#composites.get(qualifiedName(d)) : undefined;
    if (composite) {
      for (const target of composite.targets(message)) {
        this.#route({
          ...message,
          destination: target,
          originalDestination: message.originalDestination ?? d,
        });
      }
      if (composite.config.forwardOnly) return;
    }
    const stored = message.persistent && !isTemporary(d);
    if (!isTopicLike(d)) {
      // The add goes to the store before any ack of it can (ops keep their order).
      if (stored) this.#storeOp({ op: "add", destination: d, message });
      this.#queue(d).enqueue(message);
      return;
    }
    const key = qualifiedName(d);
    this.#noteTopic(d);
    if (this.#destinationPurge !== undefined) this.#topicActive.set(key, this.#hooks.now());
    const retain = message.properties[RETAIN];
    if (retain === true || retain === "true") this.#retain(key, message);
    const targets: TopicSubscription[] = [];
    const exact = this.#exactTopicSubs.get(key);
    if (exact) { for (const sub of exact) if (sub.accepts(message)) targets.push(sub); }
    for (const sub of this.#wildcardTopicSubs) {
      if (
        sub.destination.type === d.type && wildcardMatches(sub.destination.name, d.name) &&
        sub.accepts(message)
      ) {
        targets.push(sub);
      }
    }
    if (stored) {
      const durable = targets.flatMap((t) => t.durable ? [t.durable] : []);
      if (durable.length > 0) this.#storeOp({ op: "add", destination: d, message, subscriptions: durable });
    }
    for (const sub of targets) sub.enqueue(message);
    if (this.#virtualTopics.length > 0) this.#routeToVirtualTopicQueues(message);
  }

  /**
   * `ActiveMQ.Retain`: the topic keeps this message for retroactive
   * subscribers (an empty body clears it). Kept in the store whatever the
   * message's own persistence, as MQTT expects retained messages to survive.
   */
  #retain(topicKey: string, message: Message): void {
    const previous = this.#retained.get(topicKey);
    if (previous) this.#storeOp({ op: "remove", destination: RETAINED_STORE, messageId: previous.messageId });
    if (!message.body || message.body.byteLength === 0) {
      this.#retained.delete(topicKey);
      return;
    }
    this.#retained.set(topicKey, message);
    this.#storeOp({
      op: "add",
      destination: RETAINED_STORE,
      message: { ...message, destination: RETAINED_STORE, originalDestination: message.destination },
    });
  }

  /** A retroactive subscriber first gets the retained message of every topic it matches. */
  #replayRetained(sub: TopicSubscription): void {
    for (const m of this.#retained.values()) {
      const t = m.destination;
      if (t.type !== sub.destination.type || !wildcardMatches(sub.destination.name, t.name)) continue;
      if (!sub.accepts(m)) continue;
      sub.enqueue({ ...m, properties: { ...m.properties, [RETAINED]: true } });
    }
  }

  /** Virtual topics: every consumer queue of the topic gets its own copy. */
  #routeToVirtualTopicQueues(message: Message): void {
    const topic = message.destination;
    const vt = this.#virtualTopics.find((v) => v.appliesTo(topic));
    if (!vt) return;
    let queues = this.#virtualTopicQueues.get(topic.name);
    if (!queues) {
      queues = [...this.#queues.values()].filter((q) =>
        q.destination.type === "queue" && vt.isConsumerQueue(q.destination.name, topic.name)
      );
      this.#virtualTopicQueues.set(topic.name, queues);
    }
    for (const q of queues) {
      if (vt.config.selectorAware && !q.consumers.some((c) => c.accepts(message))) continue;
      const copy = vt.copyFor(message, q.destination);
      if (copy.persistent) this.#storeOp({ op: "add", destination: q.destination, message: copy });
      q.enqueue(copy);
    }
  }

  #queue(d: Destination): Queue {
    const key = qualifiedName(d);
    let q = this.#queues.get(key);
    if (!q) {
      q = new Queue(d, this.#hooks, {
        prioritized: this.policies.entryFor(d)?.prioritizedMessages ?? false,
        allConsumersExclusive: this.policies.entryFor(d)?.allConsumersExclusiveByDefault ?? false,
        spillTo: (this.policies.entryFor(d)?.producerFlowControl ?? true) ? undefined : this.#tempStore,
        usage: this.#usageFor(d),
      });
      this.#queues.set(key, q);
      this.#virtualTopicQueues.clear();
      this.#advise(advisoryTopics.destination(d), destinationInfo(d, "add"));
      for (const c of this.#wildcardQueueConsumers) {
        for (
          const pattern of isComposite(c.info.destination)
            ? compositeMembers(c.info.destination)
            : [c.info.destination]
        ) {
          if (
            pattern.type === d.type && isWildcardPattern(pattern) && wildcardMatches(pattern.name, d.name)
          ) {
            q.addConsumer(c);
            break;
          }
        }
      }
    }
    return q;
  }

  #ensureDestination(d: Destination): void {
    if (isTopicLike(d)) this.#noteTopic(d);
    else this.#queue(d);
  }

  /** Remembers a topic; the first time, destination advisories announce it. */
  #noteTopic(d: Destination): void {
    const key = qualifiedName(d);
    if (this.#topics.has(key)) return;
    this.#topics.add(key);
    if (!isAdvisoryTopic(d)) this.#advise(advisoryTopics.destination(d), destinationInfo(d, "add"));
  }

  /**
   * `ActiveMQ.Scheduler.Management`: AMQ_SCHEDULER_ACTION = BROWSE (jobs go
   * to the message's reply-to), REMOVE (scheduledJobId) or REMOVEALL, with
   * optional ACTION_START_TIME / ACTION_END_TIME bounds.
   */
  #manageScheduler(request: Message): void {
    const scheduler = this.#scheduler!;
    const action = String(request.properties[SCHEDULER_ACTION] ?? "").toUpperCase();
    const start = Number(request.properties.ACTION_START_TIME ?? 0);
    const end = request.properties.ACTION_END_TIME === undefined
      ? Infinity
      : Number(request.properties.ACTION_END_TIME);
    if (action === "REMOVE") {
      scheduler.remove(String(request.properties[SCHEDULED_JOB_ID] ?? ""));
    } else if (action === "REMOVEALL") {
      scheduler.removeAll(start, end);
    } else if (action === "BROWSE") {
      if (!request.replyTo) return;
      let n = 0;
      for (const job of scheduler.browse(start, end)) {
        // As ActiveMQ lists jobs: a non-persistent Advisory copy with its own id, naming where it goes.
        this.#route({
          ...job.message,
          messageId: `${request.messageId}:browse:${++n}`,
          type: "Advisory",
          destination: request.replyTo,
          originalDestination: job.message.destination,
          persistent: false,
          properties: { ...job.message.properties, [SCHEDULED_JOB_ID]: job.id },
        });
      }
    } else {
      this.log.warn(
        `Unknown ${SCHEDULER_ACTION} '${action}' sent to ${SCHEDULER_MANAGEMENT} (accepted: BROWSE, REMOVE, REMOVEALL)`,
      );
    }
  }

  // ---- advisories ------------------------------------------------------------------

  #advise(
    topic: Destination,
    data: AdvisoryData,
    properties: Record<string, string | number | boolean> = {},
  ): void {
    if (!this.config.advisorySupport || !this.#hasTopicSubscribers(topic)) return;
    this.#route(advisoryMessage(topic, data, this.#origin(), properties, this.#hooks.now()));
  }

  #origin(): { brokerName: string; brokerId: string } {
    return { brokerName: this.brokerName, brokerId: `ID:${this.brokerName}` };
  }

  #hasTopicSubscribers(topic: Destination): boolean {
    if ((this.#exactTopicSubs.get(qualifiedName(topic))?.size ?? 0) > 0) return true;
    for (const sub of this.#wildcardTopicSubs) {
      if (sub.destination.type === topic.type && wildcardMatches(sub.destination.name, topic.name)) {
        return true;
      }
    }
    return false;
  }

  #consumerCount(d: Destination): number {
    if (isTopicLike(d)) return this.#exactTopicSubs.get(qualifiedName(d))?.size ?? 0;
    return this.#queues.get(qualifiedName(d))?.consumers.length ?? 0;
  }

  #adviseConsumerRemoved(consumer: Consumer): void {
    const d = consumer.info.destination;
    for (const member of isComposite(d) ? compositeMembers(d) : [d]) {
      if (isAdvisoryTopic(member)) continue;
      this.#advise(advisoryTopics.consumer(member), { type: "RemoveInfo", objectId: consumer.id }, {
        consumerCount: this.#consumerCount(member),
      });
    }
  }

  /**
   * A new subscriber of an advisory topic first hears about what already
   * exists: one advisory per connection, destination or consumer.
   */
  #replayAdvisories(sub: TopicSubscription): void {
    const topic = sub.destination;
    const send = (data: AdvisoryData, properties: Record<string, string | number | boolean> = {}) =>
      sub.enqueue(advisoryMessage(topic, data, this.#origin(), properties, this.#hooks.now()));
    if (topic.name === advisoryTopics.connection().name) {
      for (const c of this.#connections.values()) send(connectionInfo(c.info));
      return;
    }
    if (isDestinationAdvisory(topic)) {
      for (const q of this.#queues.values()) {
        if (advisoryTopics.destination(q.destination).name === topic.name) {
          send(destinationInfo(q.destination, "add"));
        }
      }
      for (const key of this.#topics) {
        const t = parseQualified(key);
        if (!isAdvisoryTopic(t) && advisoryTopics.destination(t).name === topic.name) {
          send(destinationInfo(t, "add"));
        }
      }
      return;
    }
    for (const state of this.#connections.values()) {
      for (const c of state.consumers.values()) {
        const d = c.info.destination;
        for (const member of isComposite(d) ? compositeMembers(d) : [d]) {
          if (advisoryTopics.consumer(member).name === topic.name) {
            send(consumerInfo(c, member), { consumerCount: this.#consumerCount(member) });
          }
        }
      }
    }
  }

  #checkDestinationName(d: Destination): void {
    if (d.name.trim().length === 0) {
      throw new BrokerError(
        "invalid-destination",
        `Destination name must not be empty: '${qualifiedName(d)}'`,
      );
    }
  }

  // ---- producer flow control ----------------------------------------------------

  #usageFor(d: Destination): MemoryUsage {
    const key = qualifiedName(d);
    let usage = this.#usages.get(key);
    if (!usage) {
      usage = new MemoryUsage(key, this.policies.entryFor(d)?.memoryLimit ?? 0, this.systemUsage);
      this.#usages.set(key, usage);
    }
    return usage;
  }

  /**
   * Producer flow control: undefined when the message may go in now; otherwise
   * a promise that resolves once there is room (the send is held), or rejects
   * with a ResourceAllocationException-style error (sendFailIfNoSpace, timeout).
   */
  spaceFor(message: Message): Promise<void> | undefined {
    const destinations = isComposite(message.destination)
      ? compositeMembers(message.destination)
      : [message.destination];
    const full = destinations.map((d) => ({ d, usage: this.#usageFor(d) })).filter((x) => x.usage.full);
    if (full.length === 0) return undefined;
    const { d, usage } = full[0];
    const policy = this.policies.entryFor(d);
    if (!(policy?.producerFlowControl ?? true)) return undefined;
    const limit = usage.fullOne!;
    const error = () =>
      new BrokerError(
        "resource-limit",
        `Usage Manager Memory Limit reached on ${qualifiedName(d)}: ${limit.name} uses ${limit.used} of ` +
          `${limit.limit} bytes`,
      );
    if (policy?.sendFailIfNoSpace ?? this.config.systemUsage.sendFailIfNoSpace ?? false) {
      return Promise.reject(error());
    }
    this.blockedSends++;
    const key = qualifiedName(d);
    const now = Date.now();
    if (now - (this.#blockedLogged.get(key) ?? 0) >= BLOCKED_WARNING_INTERVAL) {
      this.#blockedLogged.set(key, now);
      this.log.warn(
        `Memory limit reached on ${key} (${limit.name}: ${limit.used} of ${limit.limit} bytes); producers ` +
          `are blocked until consumers free space (producer flow control; ${this.blockedSends} sends held so far)`,
      );
    }
    const wait = (async () => {
      for (;;) {
        const blocking = destinations.map((x) => this.#usageFor(x)).find((u) => u.full);
        if (!blocking || this.#stopped) return;
        await blocking.waitForSpace();
      }
    })();
    const timeout = policy?.sendFailIfNoSpaceAfterTimeout ??
      this.config.systemUsage.sendFailIfNoSpaceAfterTimeout;
    if (timeout === undefined || timeout <= 0) return wait;
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      wait,
      new Promise<void>((_, reject) => timer = setTimeout(() => reject(error()), timeout)),
    ]).finally(() => clearTimeout(timer));
  }

  // ---- acknowledgements -----------------------------------------------------

  ack(state: ConnectionState, ack: AckInfo): void {
    const consumer = state.consumers.get(ack.consumerId);
    if (!consumer) {
      throw new BrokerError("illegal-state", `No consumer '${ack.consumerId}' on this connection`);
    }
    const cumulative = ack.kind === "standard" || ack.kind === "delivered" ||
      (ack.kind === "poison" && ack.cumulative === true);
    const inflights = cumulative
      ? consumer.upTo(ack.messageId)
      : (consumer.inflight.has(ack.messageId) ? [consumer.inflight.get(ack.messageId)!] : undefined);
    if (!inflights) {
      throw new BrokerError("illegal-state", `Unexpected ACK received for message-id [${ack.messageId}]`);
    }
    if (ack.kind === "delivered") {
      for (const inflight of inflights) consumer.release(inflight);
      for (const s of consumer.sources) s.dispatch();
      return;
    }
    if (ack.kind === "expired") {
      for (const inflight of inflights) {
        consumer.take(inflight.entry.message.messageId);
        inflight.source.discard(inflight.entry);
        this.#hooks.expired(inflight.entry.message.destination, inflight.entry.message);
        if (inflight.source instanceof TopicSubscription) {
          this.#hooks.released(inflight.source, inflight.entry.message);
        }
      }
      for (const s of consumer.sources) s.dispatch();
      return;
    }
    const poison = ack.kind === "poison";
    if (ack.transactionId !== undefined) {
      const tx = this.#transaction(state, ack.transactionId);
      for (const inflight of inflights) {
        consumer.markTransacted(inflight, ack.transactionId);
        tx.acks.push({ consumer, inflight, poison, cause: ack.cause });
      }
    } else {
      for (const inflight of inflights) this.#settle(consumer, inflight, poison, ack.cause);
    }
    for (const s of consumer.sources) s.dispatch();
  }

  #settle(consumer: Consumer, inflight: Inflight, poison: boolean, cause?: string): void {
    consumer.take(inflight.entry.message.messageId);
    const entry = inflight.entry;
    if (!poison) {
      inflight.source.acknowledge(entry);
      return;
    }
    let reason = cause ?? "Message was refused by the consumer (NACK)";
    if (this.#redelivery) {
      const decision = this.#redelivery.decide(entry.message.destination, entry.redeliveryCounter);
      if (decision.kind === "redeliver") {
        // The message stays stored; it returns to its destination once the delay is over,
        // stamped with the delay used (ActiveMQ's redeliveryDelay property).
        entry.message = {
          ...entry.message,
          properties: { ...entry.message.properties, redeliveryDelay: decision.delay },
        };
        const timer = setTimeout(() => {
          this.#redeliveryTimers.delete(timer);
          this.run(() => {
            inflight.source.redeliver(entry);
            inflight.source.dispatch();
          }).catch((err) => this.log.error("Redelivering a message failed", err));
        }, decision.delay);
        this.#redeliveryTimers.add(timer);
        return;
      }
      inflight.source.acknowledge(entry);
      if (decision.kind === "drop") {
        this.log.debug(`Message ${entry.message.messageId} dropped: ${decision.cause}`);
        return;
      }
      reason = decision.cause;
    } else {
      inflight.source.acknowledge(entry);
    }
    this.#deadLetter({ ...entry.message, redeliveryCounter: entry.redeliveryCounter }, reason);
  }

  #deadLetter(message: Message, cause: string, expired = false): void {
    const from = message.originalDestination ?? message.destination;
    const strategy = this.policies.deadLetterStrategyFor(from);
    const dlq = expired && !(strategy.processExpired ?? true)
      ? undefined
      : deadLetterDestination(strategy, message);
    if (!dlq || (dlq.type === message.destination.type && dlq.name === message.destination.name)) {
      this.log.debug(`Dead message ${message.messageId} from ${qualifiedName(from)} dropped: ${cause}`);
      return;
    }
    this.#route(deadLetterCopy(message, dlq, cause, strategy, this.#hooks.now()));
    this.#advise(advisoryTopics.dlq(from), { type: "MessageId", value: message.messageId }, {
      orignalMessageId: message.messageId,
      dlqDeliveryFailureCause: cause,
    });
  }

  // ---- transactions -----------------------------------------------------------

  #transaction(state: ConnectionState, transactionId: string): Transaction {
    const tx = state.transactions.get(transactionId);
    if (!tx) throw new BrokerError("transaction", `Invalid transaction id: ${transactionId}`);
    return tx;
  }

  beginTransaction(state: ConnectionState, transactionId: string, xid?: XaTransactionId): void {
    if (state.transactions.has(transactionId) || this.#prepared.has(transactionId)) {
      throw new BrokerError("transaction", `The transaction ${transactionId} was already started`);
    }
    state.transactions.set(transactionId, { sends: [], acks: [], xid });
  }

  /**
   * Commits an open transaction of this connection (local, or XA in one
   * phase). A prepared XA branch is committed with `commitPrepared`.
   */
  commitTransaction(state: ConnectionState, transactionId: string): void {
    const tx = this.#transaction(state, transactionId);
    state.transactions.delete(transactionId);
    this.#apply(tx);
  }

  #apply(tx: Transaction): void {
    for (const message of tx.sends) this.#route(message);
    const touched = new Set<Consumer>();
    for (const op of tx.acks) {
      this.#settle(op.consumer, op.inflight, op.poison, op.cause);
      touched.add(op.consumer);
    }
    for (const c of touched) for (const s of c.sources) s.dispatch();
  }

  rollbackTransaction(state: ConnectionState, transactionId: string): void {
    const tx = this.#transaction(state, transactionId);
    state.transactions.delete(transactionId);
    this.#rollback(tx);
  }

  #rollback(tx: Transaction): void {
    const touched = new Set<{ dispatch(): void }>();
    for (const op of tx.acks) {
      op.consumer.take(op.inflight.entry.message.messageId);
      if (
        op.inflight.source instanceof TopicSubscription && op.inflight.source.consumers.length === 0 &&
        !op.inflight.source.durable
      ) {
        op.inflight.source.discard(op.inflight.entry);
        continue;
      }
      op.inflight.source.redeliver(op.inflight.entry);
      touched.add(op.inflight.source);
    }
    for (const s of touched) s.dispatch();
  }

  hasOpenTransaction(state: ConnectionState, transactionId: string): boolean {
    return state.transactions.has(transactionId);
  }

  /**
   * XA phase one: the branch leaves its connection (a prepared branch outlives
   * it) and its store operations are made durable as a prepared transaction.
   */
  async prepareTransaction(state: ConnectionState, transactionId: string): Promise<void> {
    const tx = this.#transaction(state, transactionId);
    if (!tx.xid) {
      throw new BrokerError("transaction", `Transaction ${transactionId} is not an XA transaction`);
    }
    state.transactions.delete(transactionId);
    const prepared: PreparedTransaction = {
      id: transactionId,
      xid: tx.xid,
      tx,
      operations: this.#operationsOf(tx),
      held: [],
    };
    this.#prepared.set(transactionId, prepared);
    if (this.#store) {
      try {
        await this.#store.prepare(tx.xid, prepared.operations);
      } catch (err) {
        this.#prepared.delete(transactionId);
        this.#rollback(tx);
        throw err;
      }
    }
  }

  /** Commits a prepared branch: the store first, then what it means in memory. */
  async commitPrepared(transactionId: string): Promise<void> {
    const p = this.#prepared.get(transactionId);
    if (!p) throw new BrokerError("transaction", `Invalid transaction id: ${transactionId}`);
    if (this.#store) await this.#store.commitPrepared(p.xid);
    this.#prepared.delete(transactionId);
    this.#withoutStore(() => {
      if (p.tx) this.#apply(p.tx);
      else this.#applyRecovered(p);
    });
  }

  async rollbackPrepared(transactionId: string): Promise<void> {
    const p = this.#prepared.get(transactionId);
    if (!p) throw new BrokerError("transaction", `Invalid transaction id: ${transactionId}`);
    if (this.#store) await this.#store.rollbackPrepared(p.xid);
    this.#prepared.delete(transactionId);
    if (p.tx) this.#rollback(p.tx);
    for (const h of p.held) {
      h.queue.redeliver(h.entry);
      h.queue.dispatch();
    }
  }

  isPrepared(transactionId: string): boolean {
    return this.#prepared.has(transactionId);
  }

  recoverTransactions(): XaTransactionId[] {
    return [...this.#prepared.values()].map((p) => p.xid);
  }

  forgetTransaction(transactionId: string): void {
    this.#prepared.delete(transactionId);
  }

  /** Runs in-memory work whose store side is already done (a prepared branch's commit). */
  #withoutStore(fn: () => void): void {
    this.#storeOff = true;
    try {
      fn();
    } finally {
      this.#storeOff = false;
    }
  }

  /** The store operations a transaction's commit will cause, computed at prepare time. */
  #operationsOf(tx: Transaction): StoreOperation[] {
    const ops: StoreOperation[] = [];
    for (const message of tx.sends) {
      const members = isComposite(message.destination)
        ? compositeMembers(message.destination)
        : [message.destination];
      for (const d of members) {
        if (!message.persistent || isTemporary(d)) continue;
        const m = { ...message, destination: d };
        if (!isTopicLike(d)) {
          ops.push({ op: "add", destination: d, message: m });
          continue;
        }
        const subscriptions = [...this.#durables.values()]
          .filter((s) =>
            s.destination.type === d.type && wildcardMatches(s.destination.name, d.name) && s.accepts(m)
          )
          .map((s) => s.durable!);
        if (subscriptions.length > 0) ops.push({ op: "add", destination: d, message: m, subscriptions });
      }
    }
    for (const { inflight, poison } of tx.acks) {
      const message = inflight.entry.message;
      if (!message.persistent) continue;
      const source = inflight.source;
      if (source instanceof Queue) {
        ops.push({ op: "remove", destination: source.destination, messageId: message.messageId });
      } else if (source instanceof TopicSubscription && source.durable) {
        ops.push({
          op: "ack",
          destination: message.destination,
          subscription: source.durable,
          messageId: message.messageId,
        });
      }
      if (poison) {
        const strategy = this.policies.deadLetterStrategyFor(
          message.originalDestination ?? message.destination,
        );
        const dlq = deadLetterDestination(strategy, message);
        if (dlq) {
          const copy = deadLetterCopy(
            message,
            dlq,
            "Message was refused by the consumer (NACK)",
            strategy,
            this.#hooks.now(),
          );
          ops.push({ op: "add", destination: dlq, message: copy });
        }
      }
    }
    return ops;
  }

  /** Prepared branches found in the store at start: their acked messages stay held until the outcome. */
  #recoverPrepared(recovered: RecoveredTransaction[]): void {
    for (const r of recovered) {
      const id = xidKey(r.xid);
      const held: PreparedTransaction["held"] = [];
      for (const op of r.operations) {
        if (op.op !== "remove") continue;
        const q = this.#queues.get(qualifiedName(op.destination));
        const entry = q?.take(op.messageId);
        if (q && entry) held.push({ queue: q, entry });
      }
      this.#prepared.set(id, { id, xid: r.xid, operations: r.operations, held });
    }
    if (recovered.length > 0) {
      this.log.info(`${recovered.length} prepared XA transaction(s) recovered, in doubt`);
    }
  }

  #applyRecovered(p: PreparedTransaction): void {
    for (const op of p.operations) {
      if (op.op === "add") this.#route(op.message);
    }
    for (const h of p.held) h.queue.acknowledge(h.entry);
  }

  // ---- pull consumers (prefetch 0) ---------------------------------------------

  pull(state: ConnectionState, consumerId: string, timeoutMs: number): void {
    const consumer = state.consumers.get(consumerId);
    if (!consumer) throw new BrokerError("illegal-state", `No consumer '${consumerId}' on this connection`);
    if (consumer.prefetch > 0) return; // ActiveMQ ignores pulls from consumers with prefetch
    consumer.pullCredit++;
    const before = consumer.pullCredit;
    for (const s of consumer.sources) s.dispatch();
    if (consumer.pullCredit < before) return; // a message went out
    const expire = () => {
      if (consumer.closed || consumer.pullCredit === 0) return;
      consumer.pullCredit--;
      state.listener.pullExpired?.(consumerId);
    };
    if (timeoutMs === 0) expire();
    else if (timeoutMs > 0) consumer.pullTimers.add(setTimeout(() => expire(), timeoutMs));
  }

  // ---- temporary destinations ------------------------------------------------

  createTemporaryDestination(
    state: ConnectionState,
    type: "temp-queue" | "temp-topic",
    name?: string,
  ): Destination {
    const d: Destination = { type, name: name ?? `${state.info.connectionId}:${++state.tempSeq}` };
    const key = qualifiedName(d);
    if (name !== undefined) {
      const owner = this.#temporaries.get(key);
      if (owner === state.info.connectionId) return d; // created before (e.g. replayed after failover)
      if (owner !== undefined) {
        throw new BrokerError("invalid-destination", `The temporary destination ${key} already exists`);
      }
    }
    this.#temporaries.set(key, state.info.connectionId);
    state.temporaries.add(key);
    this.#ensureDestination(d);
    return d;
  }

  deleteTemporaryDestination(state: ConnectionState, d: Destination): void {
    const key = qualifiedName(d);
    if (this.#temporaries.get(key) !== state.info.connectionId) {
      throw new BrokerError(
        "invalid-destination",
        `The destination ${key} is not a temporary destination of this connection`,
      );
    }
    this.#removeTemporary(key);
    state.temporaries.delete(key);
  }

  #removeTemporary(key: string): void {
    this.#temporaries.delete(key);
    const removed = parseQualified(key);
    this.#advise(advisoryTopics.destination(removed), destinationInfo(removed, "remove"));
    this.#topics.delete(key);
    const q = this.#queues.get(key);
    if (q) {
      for (const c of [...q.consumers]) q.removeConsumer(c);
      q.purge();
      this.#queues.delete(key);
      this.#virtualTopicQueues.clear();
    }
    const subs = this.#exactTopicSubs.get(key);
    if (subs) { for (const s of [...subs]) this.#dropSubscription(s); }
  }

  // ---- connections -------------------------------------------------------------

  closeConnection(state: ConnectionState): void {
    if (state.closed) return;
    state.closed = true;
    for (const tx of state.transactions.values()) this.#rollback(tx);
    state.transactions.clear();
    for (const consumer of state.consumers.values()) this.#closeConsumer(consumer);
    state.consumers.clear();
    for (const key of state.temporaries) this.#removeTemporary(key);
    state.temporaries.clear();
    if (
      state.info.clientId !== undefined &&
      this.#clientIds.get(state.info.clientId) === state.info.connectionId
    ) {
      this.#clientIds.delete(state.info.clientId);
    }
    this.#connections.delete(state.info.connectionId);
    this.#advise(advisoryTopics.connection(), { type: "RemoveInfo", objectId: state.info.connectionId });
  }
}

function connectionInfo(info: ConnectionInfo): AdvisoryData {
  // ActiveMQ blanks the password in connection advisories.
  return {
    type: "ConnectionInfo",
    connectionId: info.connectionId,
    clientId: info.clientId,
    userName: info.userName,
    clientIp: info.remoteAddress,
    connector: info.connector,
  };
}

function consumerInfo(consumer: Consumer, d: Destination): AdvisoryData {
  return {
    type: "ConsumerInfo",
    consumerId: consumer.id,
    connectionId: consumer.connectionId,
    destination: qualifiedName(d),
    selector: consumer.info.selector,
    prefetchSize: consumer.prefetch,
    subscriptionName: consumer.info.subscriptionName,
    noLocal: consumer.info.noLocal ?? false,
    exclusive: consumer.info.exclusive ?? false,
    priority: consumer.priority,
  };
}

function parseQualified(key: string): Destination {
  const at = key.indexOf("://");
  return { type: key.slice(0, at) as Destination["type"], name: key.slice(at + 3) };
}

/** Set by a publisher to keep a message as its topic's retained message. */
const RETAIN = "ActiveMQ.Retain";
/** Set on the copy a retroactive subscriber gets of a retained message. */
const RETAINED = "ActiveMQ.Retained";
/** Where retained messages are kept in the message store. */
const RETAINED_STORE: Destination = { type: "queue", name: "ActiveMQ.Retained.Store" };

const DEFAULT_EXPIRE_PERIOD = 30_000;
const BLOCKED_WARNING_INTERVAL = 30_000;
/** ActiveMQ's default memoryUsage, and the heap -Xmx1g gives a JVM broker (for percentOfJvmHeap). */
const DEFAULT_MEMORY_LIMIT = 1024 * 1024 * 1024;

function systemMemoryLimit(config: BrokerConfig): number {
  const usage = config.systemUsage;
  if (usage.memoryLimit !== undefined) return usage.memoryLimit;
  if (usage.memoryPercentOfJvmHeap !== undefined) {
    return Math.floor(DEFAULT_MEMORY_LIMIT * usage.memoryPercentOfJvmHeap / 100);
  }
  return DEFAULT_MEMORY_LIMIT;
}

/** One sweep timer for the broker, at the shortest `expireMessagesPeriod` any policy asks for. */
function expirySweepPeriod(config: BrokerConfig): number {
  const periods = [...config.policyEntries, ...(config.defaultPolicy ? [config.defaultPolicy] : [])]
    .map((e) => e.expireMessagesPeriod ?? DEFAULT_EXPIRE_PERIOD)
    .filter((p) => p > 0);
  return periods.length > 0 ? Math.min(...periods) : DEFAULT_EXPIRE_PERIOD;
}

function durableKey(clientId: string, subscriptionName: string): string {
  return `${clientId}\u0000${subscriptionName}`;
}

/** One connection's handle on the broker; every method is safe to call after close (it throws). */
class Session implements BrokerSession {
  readonly #broker: BrokerService;
  readonly #state: ConnectionState;

  constructor(broker: BrokerService, state: ConnectionState) {
    this.#broker = broker;
    this.#state = state;
  }

  get connectionId(): string {
    return this.#state.info.connectionId;
  }

  /**
   * Set while a send is held by flow control: later sends queue behind it, so
   * they keep their order. Other calls (acks above all) go ahead: an ack on this
   * very connection may be what frees the space (ActiveMQ parks a held send the
   * same way and keeps reading the connection).
   */
  #pending: Promise<void> | undefined;

  #serial<T>(op: () => Promise<T>): Promise<T> {
    if (!this.#pending) return op();
    return this.#hold(this.#pending.then(op));
  }

  #hold<T>(p: Promise<T>): Promise<T> {
    const tail: Promise<void> = p.then(() => {}, () => {});
    this.#pending = tail;
    tail.then(() => {
      if (this.#pending === tail) this.#pending = undefined;
    });
    return p;
  }

  #run<T>(fn: () => T): Promise<T> {
    if (this.#state.closed) {
      return Promise.reject(new BrokerError("illegal-state", "The connection is already closed"));
    }
    return this.#broker.run(fn);
  }

  addConsumer(info: ConsumerInfo): Promise<void> {
    return this.#run(() => this.#broker.addConsumer(this.#state, info));
  }
  removeConsumer(consumerId: string, options?: { lastDeliveredMessageId?: string }): Promise<void> {
    return this.#run(() =>
      this.#broker.removeConsumer(this.#state, consumerId, options?.lastDeliveredMessageId)
    );
  }
  removeDurableSubscription(subscriptionName: string): Promise<void> {
    return this.#run(() => this.#broker.removeDurableSubscription(this.#state, subscriptionName));
  }
  send(message: Message, transactionId?: string): Promise<void> {
    return this.#serial(() => {
      const held = transactionId === undefined ? this.#broker.spaceFor(message) : undefined;
      const send = () => this.#run(() => this.#broker.send(this.#state, message, transactionId));
      if (!held) return send();
      // Later sends of this connection wait behind the held one, so their order is kept.
      return this.#hold(held.then(send));
    });
  }
  ack(ack: AckInfo): Promise<void> {
    return this.#run(() => this.#broker.ack(this.#state, ack));
  }
  beginTransaction(transactionId: string, xid?: XaTransactionId): Promise<void> {
    return this.#run(() => this.#broker.beginTransaction(this.#state, transactionId, xid));
  }
  commitTransaction(transactionId: string): Promise<void> {
    if (
      this.#broker.hasOpenTransaction(this.#state, transactionId) || !this.#broker.isPrepared(transactionId)
    ) {
      return this.#run(() => this.#broker.commitTransaction(this.#state, transactionId));
    }
    return this.#broker.commitPrepared(transactionId);
  }
  rollbackTransaction(transactionId: string): Promise<void> {
    if (
      this.#broker.hasOpenTransaction(this.#state, transactionId) || !this.#broker.isPrepared(transactionId)
    ) {
      return this.#run(() => this.#broker.rollbackTransaction(this.#state, transactionId));
    }
    return this.#broker.rollbackPrepared(transactionId);
  }
  prepareTransaction(transactionId: string): Promise<void> {
    return this.#run(() => this.#broker.prepareTransaction(this.#state, transactionId)).then((prepared) =>
      prepared
    );
  }
  recoverTransactions(): Promise<XaTransactionId[]> {
    return this.#run(() => this.#broker.recoverTransactions());
  }
  forgetTransaction(transactionId: string): Promise<void> {
    return this.#run(() => this.#broker.forgetTransaction(transactionId));
  }
  pull(consumerId: string, timeoutMs: number): Promise<void> {
    return this.#run(() => this.#broker.pull(this.#state, consumerId, timeoutMs));
  }
  createTemporaryDestination(
    type: "temp-queue" | "temp-topic",
    options?: { name?: string },
  ): Promise<Destination> {
    return this.#run(() => this.#broker.createTemporaryDestination(this.#state, type, options?.name));
  }
  deleteTemporaryDestination(destination: Destination): Promise<void> {
    return this.#run(() => this.#broker.deleteTemporaryDestination(this.#state, destination));
  }
  close(): Promise<void> {
    return this.#broker.run(() => this.#broker.closeConnection(this.#state));
  }
}
