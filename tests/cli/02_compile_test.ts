import assert from "node:assert/strict";
import { RawStomp } from "../support/raw_stomp.ts";
import { brokerXml, writeConfig } from "../support/process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Builds the single binary with `deno task compile` and runs it. Building needs
 * Deno's `denort` runtime: Deno downloads it, or takes it from DENORT_BIN. Where
 * neither works this test says so and skips (the only skip allowed in CI).
 */
Deno.test("compile: one executable that includes the connector workers serves STOMP", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amq-bin-" });
  try {
    const output = `${dir}/activemq`;
    const build = await new Deno.Command(Deno.execPath(), {
      args: ["compile", "-A", "--output", output, `${ROOT}main.ts`],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(build.stderr);
    if (build.code !== 0 && /denort/i.test(stderr) && !Deno.env.get("DENORT_BIN")) {
      console.warn(
        "\n*** SKIPPED compile test: Deno could not download its denort runtime here. " +
          "Set DENORT_BIN to a local denort binary to build and test the single executable. ***\n",
      );
      return;
    }
    assert.equal(build.code, 0, stderr);

    const config = await writeConfig(
      brokerXml(`<transportConnector name="stomp" uri="stomp://127.0.0.1:0"/>`),
    );
    const child = new Deno.Command(output, {
      args: ["start", "--config", config],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let text = "";
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const deadline = Date.now() + 15_000;
    let port = 0;
    while (!port && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      const m = /Listening for connections at: stomp:\/\/127\.0\.0\.1:(\d+)/.exec(text);
      if (m && /Broker test-broker started/.test(text)) port = Number(m[1]);
    }
    try {
      assert.ok(port, `binary did not start:\n${text}`);
      await using client = await RawStomp.connect(port);
      await client.send("SEND", { destination: "/queue/bin", receipt: "1" }, "from binary");
      assert.equal((await client.next()).command, "RECEIPT");
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await reader.cancel();
      await child.stderr.cancel();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
