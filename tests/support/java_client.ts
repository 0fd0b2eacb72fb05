/**
 * The Java JMS client of the OpenWire tests: ActiveMQ's own client (Debian's
 * libactivemq-java) running the scenarios of tests/openwire/java/JmsScenarios.java.
 *
 * The sources are compiled once per content into tests/.work/openwire-java/<hash>
 * (gitignored): each process compiles into a private directory and renames it into place,
 * so tests running in parallel never see a half-written class directory.
 *
 * The JDK and the jars are external tools: when one is missing, `requireJavaClient` fails
 * the test under CI=true, naming the Debian package, and otherwise prints a loud warning
 * and returns undefined (the test then returns early).
 */
import assert from "node:assert/strict";

const JAVA_SOURCES = new URL("../openwire/java/", import.meta.url);
const WORK_DIR = new URL("../.work/openwire-java/", import.meta.url);
const JARS = "/usr/share/java";
const JAVA_TIME_LIMIT_MS = 60_000;

/** Jar → the Debian package that ships it. */
const REQUIRED_JARS: [jar: string, pkg: string][] = [
  ["activemq-client.jar", "libactivemq-java"],
  ["geronimo-jms_1.1_spec.jar", "libgeronimo-jms-1.1-spec-java"],
  ["geronimo-j2ee-management-1.1-spec.jar", "libgeronimo-j2ee-management-1.1-spec-java"],
  ["hawtbuf.jar", "libhawtbuf-java"],
  ["slf4j-api.jar", "libslf4j-java"],
];
/** Optional: silences slf4j's "no binding" warning. */
const OPTIONAL_JARS = ["slf4j-nop.jar"];

export interface JavaClient {
  java: string;
  classpath: string;
}

export interface ScenarioResult {
  scenario: string;
  ok: boolean;
  data: Record<string, unknown>;
  error?: string;
  trace?: string;
  ms: number;
}

let compiled: Promise<JavaClient | string> | undefined;

/**
 * The compiled client, or undefined after a warning when the JDK or a jar is missing
 * (a failed assertion instead when CI=true).
 */
export async function requireJavaClient(what: string): Promise<JavaClient | undefined> {
  compiled ??= prepare();
  const client = await compiled;
  if (typeof client !== "string") return client;
  const message = `${client}; install with: apt-get install -y libactivemq-java default-jdk-headless`;
  if (Deno.env.get("CI") === "true") assert.fail(`${what} cannot run: ${message}`);
  console.warn(`\n!!! SKIPPED ${what}: ${message} (this fails when CI=true) !!!\n`);
  return undefined;
}

/** Why the client cannot run (a sentence naming the Debian package), or the client. */
async function prepare(): Promise<JavaClient | string> {
  for (const tool of ["javac", "java"]) {
    if (!await runs(tool, ["-version"])) {
      return `'${tool}' not found (Debian package default-jdk-headless)`;
    }
  }
  const jars: string[] = [];
  for (const [jar, pkg] of REQUIRED_JARS) {
    const path = `${JARS}/${jar}`;
    if (!await exists(path)) return `${path} not found (Debian package ${pkg})`;
    jars.push(path);
  }
  for (const jar of OPTIONAL_JARS) {
    if (await exists(`${JARS}/${jar}`)) jars.push(`${JARS}/${jar}`);
  }
  const sources: string[] = [];
  for await (const entry of Deno.readDir(JAVA_SOURCES)) {
    if (entry.isFile && entry.name.endsWith(".java")) {
      sources.push(new URL(entry.name, JAVA_SOURCES).pathname);
    }
  }
  sources.sort();
  const hash = await digest([...sources, ...jars], sources);
  const target = new URL(`${hash}/`, WORK_DIR).pathname;
  const classpath = [target, ...jars].join(":");
  if (await exists(`${target}/JmsScenarios.class`)) return { java: "java", classpath };

  await Deno.mkdir(WORK_DIR, { recursive: true });
  const scratch = new URL(`tmp-${crypto.randomUUID()}/`, WORK_DIR).pathname;
  const out = await new Deno.Command("javac", {
    args: ["-nowarn", "-encoding", "UTF-8", "-d", scratch, "-cp", jars.join(":"), ...sources],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
    throw new Error(`javac failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  try {
    await Deno.rename(scratch, target);
  } catch {
    // Another test process got there first with the same classes.
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
  return { java: "java", classpath };
}

async function digest(names: string[], files: string[]): Promise<string> {
  const parts: Uint8Array[] = [new TextEncoder().encode(names.join("\n"))];
  for (const f of files) parts.push(await Deno.readFile(f));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(hash.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function runs(program: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(program, { args, stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

function javaArgs(client: JavaClient, main: string, args: string[]): string[] {
  // A small heap and no JIT tiers beyond C1 start faster; the scenarios are short.
  return ["-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp", client.classpath, main, ...args];
}

/**
 * Runs scenarios in one JVM (start-up costs ≈0.5 s) and returns each result by name.
 * Fails the test if the JVM exits badly, prints no result for a scenario, or outlives
 * the time limit.
 */
export async function runScenarios(
  client: JavaClient,
  brokerUrl: string,
  scenarios: string[],
): Promise<Map<string, ScenarioResult>> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), JAVA_TIME_LIMIT_MS);
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(client.java, {
      args: javaArgs(client, "JmsScenarios", [brokerUrl, ...scenarios]),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: abort.signal,
    }).output();
  } finally {
    clearTimeout(timer);
  }
  const decoder = new TextDecoder();
  const stdout = decoder.decode(out.stdout);
  const stderr = decoder.decode(out.stderr);
  if (abort.signal.aborted) assert.fail(`JmsScenarios was killed after ${JAVA_TIME_LIMIT_MS} ms.\n${stderr}`);
  const results = new Map<string, ScenarioResult>();
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const r = JSON.parse(line) as ScenarioResult;
    results.set(r.scenario, r);
  }
  for (const s of scenarios) {
    if (!results.has(s)) {
      assert.fail(`JmsScenarios printed no result for ${s} (exit ${out.code}).\n${stdout}\n${stderr}`);
    }
  }
  return results;
}

/** The data of a scenario that must have succeeded. */
export function scenarioData(
  results: Map<string, ScenarioResult>,
  scenario: string,
): Record<string, unknown> {
  const r = results.get(scenario);
  assert.ok(r, `no result for ${scenario}`);
  assert.ok(r.ok, `${scenario} failed: ${r.error}\n${r.trace}`);
  return r.data;
}

/** A JVM the test talks to through stdin/stdout lines (e.g. the failover scenario). */
export class JavaProcess implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #lines: string[] = [];
  #waiters: (() => void)[] = [];
  #ended = false;
  readonly #reading: Promise<void>;
  readonly #stderr: Promise<string>;
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;

  constructor(client: JavaClient, main: string, args: string[]) {
    this.#child = new Deno.Command(client.java, {
      args: javaArgs(client, main, args),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#timer = setTimeout(() => this.kill(), JAVA_TIME_LIMIT_MS);
    this.#writer = this.#child.stdin.getWriter();
    this.#reading = this.#read();
    this.#stderr = new Response(this.#child.stderr).text();
  }

  async #read(): Promise<void> {
    let rest = "";
    const decoder = new TextDecoder();
    for await (const chunk of this.#child.stdout) {
      rest += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = rest.indexOf("\n")) >= 0) {
        this.#lines.push(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
      this.#wake();
    }
    if (rest) this.#lines.push(rest);
    this.#ended = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** The next stdout line that parses as a JSON object. */
  async nextJson(timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#lines.length > 0) {
        const line = this.#lines.shift()!;
        if (line.startsWith("{")) return JSON.parse(line);
      }
      if (this.#ended) assert.fail(`the Java process ended without more output.\n${await this.#stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`no output from the Java process within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async writeLine(line: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(line + "\n"));
  }

  kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already ended */ }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    clearTimeout(this.#timer);
    await this.#writer.close().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const status = await Promise.race([
      this.#child.status,
      new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), 5000)),
    ]);
    clearTimeout(timer);
    if (status === undefined) this.kill();
    await this.#child.status;
    await this.#reading;
    await this.#stderr;
  }
}
