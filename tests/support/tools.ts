/**
 * External tools a test needs (mosquitto clients, Chromium). Under CI (`CI` set) a missing
 * tool fails the test, naming the Debian package to install; elsewhere the test warns loudly
 * and returns early, so a developer without the tool still runs the rest.
 */

/** The tool's path on PATH (or the absolute path given), or undefined. */
export function findTool(name: string): string | undefined {
  if (name.startsWith("/")) return exists(name) ? name : undefined;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir && exists(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The tool's path, or — outside CI — undefined after a loud warning (the test returns
 * early). Under CI a missing tool throws, so the test fails.
 */
export function requireTool(name: string, debianPackage: string, test: string): string | undefined {
  const path = findTool(name);
  if (path) return path;
  const message = `${name} is not installed: install the Debian package '${debianPackage}' ` +
    `(apt-get install -y ${debianPackage}) to run "${test}"`;
  if (Deno.env.get("CI")) throw new Error(message);
  console.warn(`\n!!!!!!!!!! SKIPPED: ${message} !!!!!!!!!!\n`);
  return undefined;
}

/** A child process whose output lines a test can wait for, with bounded waits. */
export class ToolProcess implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  #text = "";
  #ended = false;
  #waiters: (() => void)[] = [];
  readonly #pumps: Promise<void>;

  constructor(path: string, args: string[]) {
    this.child = new Deno.Command(path, { args, stdout: "piped", stderr: "piped", stdin: "null" }).spawn();
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.#text += chunk;
        this.#wake();
      }
    };
    this.#pumps = Promise.all([pump(this.child.stdout), pump(this.child.stderr)]).then(() => {
      this.#ended = true;
      this.#wake();
    });
  }

  get output(): string {
    return this.#text;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** The first output line matching `pattern`; fails on timeout or if the process ends first. */
  async waitFor(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.#text.split("\n").find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (this.#ended) throw new Error(`Process ended before printing ${pattern}:\n${this.#text}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out waiting for ${pattern}:\n${this.#text}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The exit status; the process is killed after `timeoutMs`. */
  async status(timeoutMs = 10_000): Promise<Deno.CommandStatus> {
    const timer = setTimeout(() => this.kill(), timeoutMs);
    try {
      const status = await this.child.status;
      await this.#pumps;
      return status;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    try {
      this.child.kill("SIGKILL");
    } catch { /* already gone */ }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.kill();
    await this.child.status;
    await this.#pumps;
  }
}

/** Runs a tool to completion (bounded) and returns its status and output. */
export async function runTool(
  path: string,
  args: string[],
  timeoutMs = 10_000,
): Promise<{ code: number; output: string }> {
  await using p = new ToolProcess(path, args);
  const status = await p.status(timeoutMs);
  return { code: status.code, output: p.output };
}
