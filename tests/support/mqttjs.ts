/**
 * MQTT.js (the npm `mqtt` package, pinned) as tests use it: connections that never
 * reconnect by themselves, an inbox with bounded waits, and an ending that leaves no timer
 * or socket behind.
 */
// Pinned exactly: the 5.x client the tests were written against.
import mqtt from "npm:mqtt@5.16.0";
import type { IClientOptions, IPublishPacket, MqttClient } from "npm:mqtt@5.16.0";
import { Inbox as Queue } from "./inbox.ts";

export { mqtt };
export type { IClientOptions, IPublishPacket, MqttClient };

export interface Received {
  topic: string;
  payload: Uint8Array;
  text: string;
  packet: IPublishPacket;
}

/** Messages a client receives, in order, with bounded waits. */
export class Inbox {
  // Never closed (the client's close is not watched here), so waits end only by timing out.
  readonly #messages = new Queue<Received>({ awaited: "a message", missing: "message" });

  constructor(client: MqttClient) {
    client.on("message", (topic, payload, packet) => {
      this.#messages.push({
        topic,
        payload: new Uint8Array(payload),
        text: new TextDecoder().decode(payload),
        packet,
      });
    });
  }

  /** The next message; fails after `timeoutMs`. */
  next(timeoutMs = 5000): Promise<Received> {
    return this.#messages.take(undefined, timeoutMs);
  }

  /** Messages that arrive within `ms` (for asserting that nothing (more) comes). */
  collectFor(ms: number): Promise<Received[]> {
    return this.#messages.collectFor(ms);
  }
}

export interface TestClient extends AsyncDisposable {
  client: MqttClient;
  inbox: Inbox;
  /** The CONNACK's Session Present flag. */
  sessionPresent: boolean;
}

/** Connects MQTT.js (no automatic reconnect, 5 s connect timeout) and collects its messages. */
export async function connectMqttJs(url: string, options: IClientOptions = {}): Promise<TestClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  const inbox = new Inbox(client);
  let sessionPresent = false;
  try {
    await new Promise<void>((resolve, reject) => {
      client.once("connect", (connack) => {
        sessionPresent = connack.sessionPresent;
        resolve();
      });
      client.once("error", reject);
      client.once("close", () => reject(new Error("Closed before CONNACK")));
    });
  } catch (err) {
    await end(client, true);
    throw err;
  }
  return { client, inbox, sessionPresent, [Symbol.asyncDispose]: () => end(client, true) };
}

/** Ends a client: `force` drops the socket without DISCONNECT, as a network failure would. */
export function end(client: MqttClient, force = false): Promise<void> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    timer = setTimeout(done, 5000);
    client.end(force, {}, done);
  });
}

/** Drops the client's socket without DISCONNECT (a network failure), then ends the client. */
export async function crash(client: MqttClient): Promise<void> {
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  client.stream.destroy();
  await closed;
  await end(client, true);
}

/** Resolves when `client` emits `event`, or fails after `timeoutMs`. */
export function once<T = unknown>(client: MqttClient, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`No '${event}' within ${timeoutMs} ms`)), timeoutMs);
    // deno-lint-ignore no-explicit-any
    (client as any).once(event, (arg: T) => {
      clearTimeout(timer);
      resolve(arg);
    });
  });
}
