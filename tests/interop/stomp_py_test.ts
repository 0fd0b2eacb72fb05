/**
 * Interop: Python's stomp.py (Debian package python3-stomp) against the broker.
 * stomp_py_client.py does what a new stomp.py user would and prints JSON; this
 * test starts the broker, runs the script with a time limit and checks the JSON
 * against ActiveMQ 5.17's behaviour.
 *
 * stomp.py is an external tool: missing, it fails the test when CI=true and is
 * skipped with a loud warning otherwise.
 */
import assert from "node:assert/strict";
import { startTestBroker } from "../support/broker.ts";

const PYTHON = "/usr/bin/python3"; // Debian's python, where apt installs python3-stomp
const SCRIPT = new URL("./stomp_py_client.py", import.meta.url).pathname;
const SCRIPT_TIME_LIMIT_MS = 30_000;

interface PyFrame {
  body: string;
  headers: Record<string, string>;
}

interface PyResult {
  failure?: string;
  trace?: string;
  connected: Record<string, string>;
  work: PyFrame[];
  dlq: PyFrame;
  tx: string[];
  leftover_messages: PyFrame[];
  errors: { message: string; body: string }[];
  stomp_py_version: string;
}

Deno.test("stomp.py: 1.2 session with client-individual ack, NACK to DLQ and transactions", async () => {
  const missing = await missingStompPy();
  if (missing) {
    const message = `${missing}; install it with: apt-get install -y python3-stomp`;
    if (Deno.env.get("CI") === "true") assert.fail(`stomp.py interop test cannot run: ${message}`);
    console.warn(`\n!!! SKIPPED stomp.py interop test: ${message} (this fails when CI=true) !!!\n`);
    return;
  }
  await using tb = await startTestBroker();
  const { code, stdout, stderr } = await runLimited(PYTHON, [SCRIPT, String(tb.stompPort)]);
  let result: PyResult;
  try {
    result = JSON.parse(stdout);
  } catch {
    assert.fail(`stomp_py_client.py printed no JSON (exit ${code}).\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
  assert.equal(result.failure, undefined, `stomp_py_client.py failed:\n${result.trace}\nstderr:\n${stderr}`);
  assert.equal(code, 0, stderr);

  assert.equal(result.connected["version"], "1.2");
  assert.equal(result.connected["server"], "ActiveMQ/5.17.2");
  assert.equal(result.connected["session"], "stomp-py-interop", "session echoes the client-id");

  assert.deepEqual(result.work.map((m) => m.body), ["one", "two", "three"]);
  for (const m of result.work) {
    assert.equal(m.headers["destination"], "/queue/py.work");
    assert.equal(m.headers["subscription"], "work");
    assert.equal(m.headers["persistent"], "true");
    assert.equal(m.headers["origin"], "stomp.py");
    assert.match(m.headers["message-id"], /^ID:/);
    // stomp.py always sends content-length, which makes ActiveMQ store a BytesMessage,
    // so the MESSAGE carries content-length too.
    assert.equal(m.headers["content-length"], String(new TextEncoder().encode(m.body).length));
  }
  const ackIds = result.work.map((m) => m.headers["ack"]);
  assert.ok(ackIds.every((id) => id), "STOMP 1.2 client-individual MESSAGEs carry an ack id");
  assert.equal(new Set(ackIds).size, 3, "ack ids are distinct");

  assert.equal(result.dlq.body, "two", "the NACKed message went to ActiveMQ.DLQ");
  assert.equal(result.dlq.headers["destination"], "/queue/ActiveMQ.DLQ");
  assert.equal(result.dlq.headers["original-destination"], "/queue/py.work");
  assert.equal(result.dlq.headers["message-id"], result.work[1].headers["message-id"]);

  assert.deepEqual(result.tx, ["outside", "committed", "after"], "aborted send never arrives");
  assert.deepEqual(result.leftover_messages, []);
  assert.deepEqual(result.errors, []);

  for (const queue of ["py.work", "ActiveMQ.DLQ", "py.tx", "py.txack"]) {
    assert.equal(tb.broker.service.queueSize(queue), 0, `queue ${queue} is empty`);
  }
});

/** Why stomp.py cannot run here, or undefined when it can. */
async function missingStompPy(): Promise<string | undefined> {
  try {
    const { code } = await runLimited(PYTHON, ["-c", "import stomp"]);
    return code === 0 ? undefined : `Python module 'stomp' (Debian package python3-stomp) is not installed`;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return `${PYTHON} not found (Debian package python3)`;
    throw err;
  }
}

/** Runs a program to completion, killing it after SCRIPT_TIME_LIMIT_MS. */
async function runLimited(
  program: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), SCRIPT_TIME_LIMIT_MS);
  try {
    const out = await new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: abort.signal,
    }).output();
    const decoder = new TextDecoder();
    const stderr = decoder.decode(out.stderr);
    if (abort.signal.aborted) {
      assert.fail(
        `${program} ${args.join(" ")} was killed after ${SCRIPT_TIME_LIMIT_MS} ms.\nstderr:\n${stderr}`,
      );
    }
    return { code: out.code, stdout: decoder.decode(out.stdout), stderr };
  } finally {
    clearTimeout(timer);
  }
}
