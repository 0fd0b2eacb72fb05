/**
 * A real browser: headless Chromium (Debian package `chromium`) opens a page served on
 * 127.0.0.1 that speaks STOMP over WebSocket (a small client in the page) and MQTT over
 * WebSocket (MQTT.js's browser build, read from Deno's npm cache, never a CDN), and
 * exchanges messages with TCP clients. The page reports what it got; the test asserts it.
 */
import assert from "node:assert/strict";
import { startMqttBroker } from "../support/mqtt_broker.ts";
import "../support/mqttjs.ts"; // puts npm:mqtt@5.16.0 in Deno's cache, for its browser build
import { Chromium } from "../support/chromium.ts";
import { RawMqtt } from "../support/raw_mqtt.ts";
import { RawStomp } from "../support/raw_stomp.ts";
import { requireTool } from "../support/tools.ts";
import { publish, subscribe } from "../mqtt/_helpers.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** MQTT.js's browser bundle from the npm package (dist/mqtt.min.js). */
async function mqttBrowserBundle(): Promise<Uint8Array<ArrayBuffer>> {
  const url = import.meta.resolve("npm:mqtt@5.16.0/dist/mqtt.min");
  if (!url.startsWith("file:")) throw new Error(`MQTT.js resolved to ${url}, not a file in Deno's npm cache`);
  return await Deno.readFile(new URL(url));
}

/** Serves the test page and its scripts on a free loopback port. */
async function servePage(): Promise<{ url: string } & AsyncDisposable> {
  const files: Record<string, { body: Uint8Array<ArrayBuffer>; type: string }> = {
    "/": {
      type: "text/html",
      body: te.encode(`<!doctype html>
<html><head><meta charset="utf-8"><title>ActiveMQ WebSocket test</title>
<script src="/mqtt.min.js"></script><script src="/page.js"></script></head>
<body>WebSocket test page</body></html>`),
    },
    "/mqtt.min.js": { type: "text/javascript", body: await mqttBrowserBundle() },
    "/page.js": {
      type: "text/javascript",
      body: await Deno.readFile(new URL("./page.js", import.meta.url)),
    },
  };
  const abort = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: abort.signal, onListen: () => {} },
    (req) => {
      const file = files[new URL(req.url).pathname];
      if (!file) return new Response("not found", { status: 404 });
      return new Response(file.body, { headers: { "content-type": file.type } });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    async [Symbol.asyncDispose]() {
      abort.abort();
      await server.finished;
    },
  };
}

Deno.test("browser: STOMP and MQTT.js over WebSocket in headless Chromium exchange messages with TCP clients", async () => {
  const chromium = requireTool("/usr/bin/chromium", "chromium", "browser: STOMP and MQTT.js over WebSocket");
  if (!chromium) return;
  await using b = await startMqttBroker({ ws: true });
  await using site = await servePage();
  await using browser = await Chromium.launch(chromium);
  const page = await browser.open(site.url);
  await page.loaded();

  const wsUrl = `ws://127.0.0.1:${b.wsPort}`;
  const started = await page.evaluate<{ mqtt: string; connected: boolean }>(
    `browserTest.start(${JSON.stringify(wsUrl)})`,
  );
  assert.deepEqual(started, { mqtt: "function", connected: true });

  // TCP clients: MQTT publishes to the page's STOMP subscription, STOMP to its MQTT one.
  await using tcpMqtt = await RawMqtt.connect(b.mqttPort, 4, { clientId: "tcp-mqtt" });
  await subscribe(tcpMqtt, "browser/out", 1);
  await using tcpStomp = await RawStomp.connect(b.stompPort);
  await tcpStomp.send("SUBSCRIBE", { id: "out", destination: "/topic/browser.out", receipt: "s" });
  assert.equal((await tcpStomp.next()).command, "RECEIPT");
  await publish(tcpMqtt, "browser/in", "to the browser's STOMP client", 1);
  await tcpStomp.send(
    "SEND",
    { destination: "/topic/browser.in2", receipt: "r" },
    "to the browser's MQTT client",
  );
  assert.equal((await tcpStomp.next()).command, "RECEIPT");

  const report = await page.evaluate<{
    stomp: { command: string; destination: string; body: string };
    mqtt: { topic: string; text: string };
  }>("browserTest.exchange()");
  assert.deepEqual(report.stomp, {
    command: "MESSAGE",
    destination: "/topic/browser.in",
    body: "to the browser's STOMP client",
  });
  assert.deepEqual(report.mqtt, { topic: "browser/in2", text: "to the browser's MQTT client" });

  // What the page sent, as the TCP clients see it.
  const viaStomp = await tcpMqtt.expect("publish");
  const viaMqtt = await tcpMqtt.expect("publish");
  assert.deepEqual(
    [viaStomp, viaMqtt].map((p) => `${p.topic}: ${td.decode(p.payload)}`).sort(),
    ["browser/out: from the browser over MQTT", "browser/out: from the browser over STOMP"],
  );
  const frames = [await tcpStomp.next(), await tcpStomp.next()].map((f) => f.body).sort();
  assert.deepEqual(frames, ["from the browser over MQTT", "from the browser over STOMP"]);
  assert.equal(await page.evaluate("browserTest.stop()"), true);
});
