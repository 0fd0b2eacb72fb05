/**
 * Runs `main.ts` as a real process and reads its log lines as they come, so a
 * test can wait for "Broker … started" instead of sleeping.
 */
const MAIN = new URL("../../main.ts", import.meta.url).pathname;

export interface BrokerProcess extends AsyncDisposable {
  child: Deno.ChildProcess;
  /** Resolves with the first output line matching `pattern`; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  output(): string;
  /** Resolves with the exit status, killing the process after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<Deno.CommandStatus>;
}

export function spawnBroker(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): BrokerProcess {
  const child = new Deno.Command(Deno.execPath(), {
    // The same V8 flags as `deno task start`.
    args: ["run", "-A", "--v8-flags=--expose-gc", MAIN, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let text = "";
  let ended = false;
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      wake();
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]).finally(() => {
    ended = true;
    wake();
  });
  const status = child.status;

  const exited = async (timeoutMs = 10_000) => {
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, timeoutMs);
    try {
      const s = await status;
      await pumps;
      return s;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    child,
    output: () => text,
    async waitFor(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = text.split("\n").find((l) => pattern.test(l));
        if (line !== undefined) return line;
        if (ended) throw new Error(`Process ended before printing ${pattern}:\n${text}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`Timed out waiting for ${pattern}:\n${text}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    exited,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await exited(5000);
    },
  };
}

/** A config file in a fresh temp directory; returns its path. */
export async function writeConfig(xml: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "amq-conf-" });
  const path = `${dir}/activemq.xml`;
  await Deno.writeTextFile(path, xml);
  return path;
}

export function brokerXml(connectors: string, brokerAttributes = 'persistent="false"'): string {
  return `<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="test-broker" ${brokerAttributes}>
    <transportConnectors>
${connectors}
    </transportConnectors>
  </broker>
</beans>
`;
}
