// Runs in headless Chromium: a minimal STOMP-over-WebSocket client and MQTT.js's browser
// build (the global `mqtt`) talking to the broker's ws:// connector. The test drives it
// through `globalThis.browserTest`.
"use strict";
/* global mqtt */

/** A tiny STOMP 1.2 client over a WebSocket: enough to CONNECT, SUBSCRIBE, SEND, receive. */
function stompClient(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ["v12.stomp"]);
    let buffer = "";
    const waiting = [];
    const frames = [];
    const deliver = (frame) => {
      const w = waiting.shift();
      if (w) w(frame);
      else frames.push(frame);
    };
    const next = () => new Promise((r) => frames.length > 0 ? r(frames.shift()) : waiting.push(r));
    const send = (command, headers, body = "") => {
      const head = Object.entries(headers).map(([k, v]) => `${k}:${v}\n`).join("");
      ws.send(`${command}\n${head}\n${body}\0`);
    };
    ws.onmessage = (event) => {
      buffer += typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data);
      for (let end = buffer.indexOf("\0"); end >= 0; end = buffer.indexOf("\0")) {
        const raw = buffer.slice(0, end).replace(/^\n+/, "");
        buffer = buffer.slice(end + 1);
        if (raw.length === 0) continue; // heart-beat
        const split = raw.indexOf("\n\n");
        const lines = raw.slice(0, split).split("\n");
        const headers = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(":");
          if (!(line.slice(0, colon) in headers)) headers[line.slice(0, colon)] = line.slice(colon + 1);
        }
        deliver({ command: lines[0], headers, body: raw.slice(split + 2) });
      }
    };
    ws.onerror = () => reject(new Error("STOMP WebSocket failed"));
    ws.onopen = async () => {
      send("CONNECT", { "accept-version": "1.2", host: location.hostname });
      const connected = await next();
      if (connected.command !== "CONNECTED") return reject(new Error(`STOMP: ${connected.command}`));
      resolve({ ws, send, next });
    };
  });
}

function withTimeout(promise, ms, what) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`Timed out: ${what}`)), ms)),
  ]);
}

globalThis.browserTest = {
  stomp: undefined,
  mqtt: undefined,
  mqttMessage: undefined,

  /** Connects both clients and subscribes; resolves once both subscriptions are confirmed. */
  async start(wsUrl) {
    this.stomp = await withTimeout(stompClient(wsUrl), 5000, "STOMP CONNECT");
    this.stomp.send("SUBSCRIBE", { id: "in", destination: "/topic/browser.in", receipt: "sub" });
    const receipt = await withTimeout(this.stomp.next(), 5000, "STOMP RECEIPT");
    if (receipt.command !== "RECEIPT") throw new Error(`STOMP: ${receipt.command}`);

    this.mqtt = mqtt.connect(wsUrl, { clientId: "browser", protocolVersion: 5, reconnectPeriod: 0 });
    this.mqttMessage = new Promise((resolve) => {
      this.mqtt.on(
        "message",
        (topic, payload) => resolve({ topic, text: new TextDecoder().decode(payload) }),
      );
    });
    await withTimeout(
      new Promise((resolve, reject) => {
        this.mqtt.once("connect", resolve);
        this.mqtt.once("error", reject);
      }),
      5000,
      "MQTT CONNACK",
    );
    await withTimeout(this.mqtt.subscribeAsync("browser/in2", { qos: 1 }), 5000, "MQTT SUBACK");
    return { mqtt: typeof mqtt.connect, connected: this.mqtt.connected };
  },

  /** What arrived from the TCP clients; and the page answers over both protocols. */
  async exchange() {
    const frame = await withTimeout(this.stomp.next(), 5000, "STOMP MESSAGE");
    const message = await withTimeout(this.mqttMessage, 5000, "MQTT message");
    this.stomp.send(
      "SEND",
      { destination: "/topic/browser.out", receipt: "sent" },
      "from the browser over STOMP",
    );
    await withTimeout(this.stomp.next(), 5000, "STOMP RECEIPT of SEND");
    await withTimeout(
      this.mqtt.publishAsync("browser/out", "from the browser over MQTT", { qos: 1 }),
      5000,
      "MQTT PUBACK",
    );
    return {
      stomp: { command: frame.command, destination: frame.headers.destination, body: frame.body },
      mqtt: message,
    };
  },

  async stop() {
    this.stomp?.send("DISCONNECT", {});
    this.stomp?.ws.close();
    await this.mqtt?.endAsync();
    return true;
  },
};
