/**
 * Scheduled (delayed and repeated) delivery, ActiveMQ's `schedulerSupport`
 * (semantics.md §12): AMQ_SCHEDULED_DELAY, _PERIOD, _REPEAT and _CRON hold a
 * message back and send copies to its destination when they are due.
 * One timer, armed for the earliest job.
 */
import { CronExpressionParser } from "npm:cron-parser@5.10.6";
import type { Destination } from "../message/destination.ts";
import type { Message } from "../message/message.ts";
import { BrokerError } from "./errors.ts";

export const SCHEDULED_DELAY = "AMQ_SCHEDULED_DELAY";
export const SCHEDULED_PERIOD = "AMQ_SCHEDULED_PERIOD";
export const SCHEDULED_REPEAT = "AMQ_SCHEDULED_REPEAT";
export const SCHEDULED_CRON = "AMQ_SCHEDULED_CRON";
export const SCHEDULED_JOB_ID = "scheduledJobId";
export const SCHEDULER_ACTION = "AMQ_SCHEDULER_ACTION";
export const SCHEDULER_MANAGEMENT = "ActiveMQ.Scheduler.Management";
/** Where persistent jobs are kept in the message store (never dispatched as a queue). */
export const SCHEDULER_STORE: Destination = { type: "queue", name: "ActiveMQ.Scheduler.Store" };
/** Properties of a stored job: when it runs next and how many runs are left. */
const JOB_NEXT = "AMQ_SCHEDULER_JOB_NEXT";
const JOB_REMAINING = "AMQ_SCHEDULER_JOB_REMAINING";
const JOB_RUNS = "AMQ_SCHEDULER_JOB_RUNS";
/** Whether the job's own message was persistent (every job is stored, as ActiveMQ's scheduler does). */
const JOB_PERSISTENT = "AMQ_SCHEDULER_JOB_PERSISTENT";
const SCHEDULING_PROPERTIES = [SCHEDULED_DELAY, SCHEDULED_PERIOD, SCHEDULED_REPEAT, SCHEDULED_CRON];

export interface ScheduledJob {
  id: string;
  /** The message as sent; its destination is where copies go. */
  message: Message;
  next: number;
  period: number;
  /** Deliveries still to come after `next`; -1 = no end (cron). */
  remaining: number;
  cron?: string;
  runs: number;
}

export interface SchedulerHooks {
  now(): number;
  /** Runs the timer's work as one broker operation (so its store writes form one batch). */
  run(work: () => void): void;
  /** A copy is due at its destination. */
  deliver(message: Message): void;
  /** A persistent job changed (`job`) or is gone (`undefined`); the store keeps the latest. */
  persist(jobId: string, job: Message | undefined): void;
}

export function isScheduled(message: Message): boolean {
  return message.properties[SCHEDULED_JOB_ID] === undefined &&
    SCHEDULING_PROPERTIES.some((p) => message.properties[p] !== undefined && message.properties[p] !== null);
}

function numberProperty(message: Message, name: string): number {
  const v = message.properties[name];
  if (v === undefined || v === null) return 0;
  const n = typeof v === "bigint" ? Number(v) : Number(v);
  if (!Number.isFinite(n) || n < 0) {
    throw new BrokerError(
      "protocol",
      `Scheduling property ${name} must be a non-negative number, got '${String(v)}'`,
    );
  }
  return n;
}

function nextCron(expression: string, after: number): number {
  try {
    return CronExpressionParser.parse(expression, { currentDate: new Date(after) }).next().getTime();
  } catch (err) {
    throw new BrokerError("protocol", `Invalid ${SCHEDULED_CRON} '${expression}': ${(err as Error).message}`);
  }
}

export class Scheduler {
  readonly #hooks: SchedulerHooks;
  readonly #maxRepeat: number;
  /** Sorted by `next`, earliest first. */
  #jobs: ScheduledJob[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #stopped = false;

  constructor(hooks: SchedulerHooks, options: { maxRepeatAllowed?: number } = {}) {
    this.#hooks = hooks;
    this.#maxRepeat = options.maxRepeatAllowed ?? 1000;
  }

  get size(): number {
    return this.#jobs.length;
  }

  /** Takes a message with scheduling properties; throws on invalid ones (before anything is kept). */
  schedule(message: Message): ScheduledJob {
    const now = this.#hooks.now();
    const delay = numberProperty(message, SCHEDULED_DELAY);
    const period = numberProperty(message, SCHEDULED_PERIOD);
    let repeat = numberProperty(message, SCHEDULED_REPEAT);
    if (repeat > this.#maxRepeat) repeat = this.#maxRepeat;
    const cronValue = message.properties[SCHEDULED_CRON];
    const cron = typeof cronValue === "string" && cronValue.trim() !== "" ? cronValue.trim() : undefined;
    const next = cron ? nextCron(cron, now) : now + delay;
    const job: ScheduledJob = {
      id: message.messageId,
      message,
      next,
      period,
      remaining: cron ? -1 : (period > 0 ? repeat : 0),
      cron,
      runs: 0,
    };
    this.#insert(job);
    this.#persist(job);
    this.#arm();
    return job;
  }

  /** Jobs recovered from the store (stored by `persist`). */
  recover(stored: Message[]): void {
    for (const m of stored) {
      const next = Number(m.properties[JOB_NEXT] ?? this.#hooks.now());
      const remaining = Number(m.properties[JOB_REMAINING] ?? 0);
      const runs = Number(m.properties[JOB_RUNS] ?? 0);
      const message: Message = {
        ...m,
        persistent: m.properties[JOB_PERSISTENT] !== false,
        destination: m.originalDestination ?? m.destination,
        properties: { ...m.properties },
      };
      for (const p of [JOB_NEXT, JOB_REMAINING, JOB_RUNS, JOB_PERSISTENT]) delete message.properties[p];
      message.originalDestination = undefined;
      const cronValue = message.properties[SCHEDULED_CRON];
      this.#insert({
        id: m.messageId,
        message,
        next,
        period: numberProperty(message, SCHEDULED_PERIOD),
        remaining,
        cron: typeof cronValue === "string" && cronValue.trim() !== "" ? cronValue.trim() : undefined,
        runs,
      });
    }
    this.#arm();
  }

  browse(start = 0, end = Infinity): ScheduledJob[] {
    return this.#jobs.filter((j) => j.next >= start && j.next <= end);
  }

  remove(jobId: string): boolean {
    const i = this.#jobs.findIndex((j) => j.id === jobId);
    if (i < 0) return false;
    const [job] = this.#jobs.splice(i, 1);
    this.#hooks.persist(job.id, undefined);
    this.#arm();
    return true;
  }

  removeAll(start = 0, end = Infinity): number {
    const gone = this.browse(start, end);
    for (const j of gone) this.remove(j.id);
    return gone.length;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Sends every due job's copy and reschedules repeats; the timer calls this. */
  runDue(): void {
    const now = this.#hooks.now();
    while (this.#jobs.length > 0 && this.#jobs[0].next <= now) {
      const job = this.#jobs.shift()!;
      job.runs++;
      this.#hooks.deliver(this.#copy(job, now));
      if (job.cron) job.next = nextCron(job.cron, Math.max(now, job.next));
      else if (job.remaining > 0) {
        job.remaining--;
        job.next += job.period;
      } else {
        this.#hooks.persist(job.id, undefined);
        continue;
      }
      this.#insert(job);
      this.#persist(job);
    }
    this.#arm();
  }

  /** What goes to the destination: no scheduling properties, a job id, expiry counted from now. */
  #copy(job: ScheduledJob, now: number): Message {
    const m = job.message;
    const properties: Message["properties"] = { ...m.properties, [SCHEDULED_JOB_ID]: job.id };
    for (const p of SCHEDULING_PROPERTIES) delete properties[p];
    const ttl = m.expiration > 0 ? m.expiration - m.timestamp : 0;
    const repeating = job.cron !== undefined || job.period > 0;
    return {
      ...m,
      // Each delivery of a repeating job is a message of its own (the run count survives restarts).
      messageId: repeating ? `${m.messageId}:${job.runs}` : m.messageId,
      timestamp: now,
      expiration: ttl > 0 ? now + ttl : 0,
      properties,
    };
  }

  /** Every job is kept in the store, whatever its message's delivery mode (as ActiveMQ's scheduler). */
  #persist(job: ScheduledJob): void {
    this.#hooks.persist(job.id, {
      ...job.message,
      persistent: true,
      destination: SCHEDULER_STORE,
      originalDestination: job.message.destination,
      properties: {
        ...job.message.properties,
        [JOB_NEXT]: job.next,
        [JOB_REMAINING]: job.remaining,
        [JOB_RUNS]: job.runs,
        [JOB_PERSISTENT]: job.message.persistent,
      },
    });
  }

  #insert(job: ScheduledJob): void {
    let lo = 0;
    let hi = this.#jobs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#jobs[mid].next <= job.next) lo = mid + 1;
      else hi = mid;
    }
    this.#jobs.splice(lo, 0, job);
  }

  #arm(): void {
    if (this.#stopped) return;
    const first = this.#jobs[0];
    if (!first) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerAt = Infinity;
      return;
    }
    if (this.#timer !== undefined && this.#timerAt <= first.next) return;
    clearTimeout(this.#timer);
    this.#timerAt = first.next;
    // Timers cap at ~24.8 days; a later job is re-armed when this one fires.
    const wait = Math.min(Math.max(0, first.next - this.#hooks.now()), 2 ** 31 - 1);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#hooks.run(() => this.runDue());
    }, wait);
  }
}
