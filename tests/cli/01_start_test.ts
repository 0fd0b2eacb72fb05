import assert from "node:assert/strict";
import { RawStomp } from "../support/raw_stomp.ts";
import { brokerXml, spawnBroker, writeConfig } from "../support/process.ts";

Deno.test("cli: start logs each connector and 'Broker <name> started', and stops on SIGTERM", async () => {
  const config = await writeConfig(brokerXml(`<transportConnector name="stomp" uri="stomp://127.0.0.1:0"/>`));
  await using proc = spawnBroker(["start", "--config", config]);
  const listening = await proc.waitFor(/Listening for connections at: stomp:\/\/127\.0\.0\.1:\d+/);
  await proc.waitFor(/Broker test-broker started/);
  const port = Number(/:(\d+)\s*$/.exec(listening)![1]);
  await using client = await RawStomp.connect(port);
  await client.send("SEND", { destination: "/queue/cli", receipt: "1" }, "hi");
  assert.equal((await client.next()).command, "RECEIPT");
  proc.child.kill("SIGTERM");
  const status = await proc.exited();
  assert.equal(status.code, 0, proc.output());
  assert.match(proc.output(), /Broker test-broker stopped/);
});

Deno.test("cli: SIGINT stops the broker gracefully too", async () => {
  const config = await writeConfig(brokerXml(`<transportConnector name="stomp" uri="stomp://127.0.0.1:0"/>`));
  await using proc = spawnBroker(["start", "-c", config]);
  await proc.waitFor(/Broker test-broker started/);
  proc.child.kill("SIGINT");
  assert.equal((await proc.exited()).code, 0);
});

Deno.test("cli: an unknown transport scheme stops start-up and names the nearest scheme", async () => {
  const config = await writeConfig(
    brokerXml(`<transportConnector name="bad" uri="autotnio://0.0.0.0:61616"/>`),
  );
  await using proc = spawnBroker(["start", "--config", config]);
  const status = await proc.exited();
  assert.notEqual(status.code, 0);
  assert.match(proc.output(), /Transport scheme NOT recognized: \[autotnio\]/);
  assert.match(proc.output(), /auto\+nio/);
  assert.match(
    proc.output(),
    /activemq\.xml:4: <transportConnector/,
    "the error names file, line and element",
  );
});

Deno.test("cli: a port in use names the connector and the port", async () => {
  using blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (blocker.addr as Deno.NetAddr).port;
  const config = await writeConfig(
    brokerXml(`<transportConnector name="my-stomp" uri="stomp://127.0.0.1:${port}"/>`),
  );
  await using proc = spawnBroker(["start", "--config", config]);
  const status = await proc.exited();
  assert.notEqual(status.code, 0);
  assert.match(proc.output(), new RegExp(`my-stomp.*${port}.*in use`));
});

Deno.test("cli: the issue's five connectors load: STOMP starts, the others are reported as not available", async () => {
  // The block from the acceptance criteria, with free ports so tests can run side by side.
  const opts = "maximumConnections=1000&amp;wireFormat.maxFrameSize=104857600";
  const config = await writeConfig(brokerXml(`
      <transportConnector name="openwire" uri="tcp://0.0.0.0:0?${opts}"/>
      <transportConnector name="amqp" uri="amqp://0.0.0.0:0?${opts}"/>
      <transportConnector name="stomp" uri="stomp://0.0.0.0:0?${opts}"/>
      <transportConnector name="mqtt" uri="mqtt://0.0.0.0:0?${opts}"/>
      <transportConnector name="ws" uri="ws://0.0.0.0:0?${opts}"/>`));
  await using proc = spawnBroker(["start", "--config", config]);
  await proc.waitFor(/Broker test-broker started/);
  // Every connector is accounted for: it listens, or it is reported as not available yet.
  const schemes: Record<string, string> = {
    openwire: "tcp",
    amqp: "amqp",
    stomp: "stomp",
    mqtt: "mqtt",
    ws: "ws",
  };
  for (const [name, scheme] of Object.entries(schemes)) {
    const listening = new RegExp(`Listening for connections at: ${scheme}://0\\.0\\.0\\.0:\\d+`).test(
      proc.output(),
    );
    const reported = new RegExp(`Transport connector ${name} \\(.*\\) is not available yet`).test(
      proc.output(),
    );
    assert.ok(listening !== reported, `${name}: listening=${listening}, reported unavailable=${reported}`);
  }
  assert.match(proc.output(), /Listening for connections at: stomp:\/\/0\.0\.0\.0:\d+/);
});

Deno.test("cli: a config error names file, line and element and exits non-zero", async () => {
  const config = await writeConfig(`<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core" persistent="maybe"/>
</beans>
`);
  await using proc = spawnBroker(["start", "--config", config]);
  const status = await proc.exited();
  assert.equal(status.code, 1);
  assert.match(proc.output(), /activemq\.xml:2: <broker persistent="maybe">.*accepted: true, false/);
});

Deno.test("cli: --help on every command", async () => {
  for (const args of [["--help"], ["start", "--help"], ["help"]]) {
    await using proc = spawnBroker(args);
    const status = await proc.exited();
    assert.equal(status.code, 0, `${args.join(" ")}: ${proc.output()}`);
    assert.match(proc.output(), /Usage: activemq/);
  }
  await using bad = spawnBroker(["frobnicate"]);
  assert.equal((await bad.exited()).code, 2);
  assert.match(bad.output(), /Unknown command 'frobnicate'/);
});
