/**
 * Headless Chromium driven over the Chrome DevTools Protocol: launch it with a fresh
 * profile, open a page, evaluate expressions in it (awaiting promises), and shut everything
 * down. Only Deno's own WebSocket is used; no npm driver.
 */
import { ToolProcess } from "./tools.ts";

export const CHROMIUM = "/usr/bin/chromium";

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class Chromium implements AsyncDisposable {
  readonly #process: ToolProcess;
  readonly #ws: WebSocket;
  readonly #profile: string;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  readonly #closed: Promise<void>;

  private constructor(process: ToolProcess, ws: WebSocket, profile: string) {
    this.#process = process;
    this.#ws = ws;
    this.#profile = profile;
    ws.onmessage = (e) => {
      const msg = JSON.parse(String(e.data));
      const p = msg.id !== undefined ? this.#pending.get(msg.id) : undefined;
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`CDP: ${msg.error.message}`));
      else p.resolve(msg.result);
    };
    this.#closed = new Promise((resolve) => ws.addEventListener("close", () => resolve()));
  }

  static async launch(path = CHROMIUM): Promise<Chromium> {
    const profile = await Deno.makeTempDir({ prefix: "amq-chromium-" });
    const process = new ToolProcess(path, [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Containers often have a tiny /dev/shm; Chromium then crashes without this.
      "--disable-dev-shm-usage",
      `--user-data-dir=${profile}`,
      "--remote-debugging-address=127.0.0.1",
      "--remote-debugging-port=0",
      "about:blank",
    ]);
    try {
      const line = await process.waitFor(/DevTools listening on ws:\/\//, 20_000);
      const url = line.slice(line.indexOf("ws://")).trim();
      const ws = new WebSocket(url);
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error(`Cannot reach Chromium's DevTools at ${url}`));
      });
      return new Chromium(process, ws, profile);
    } catch (err) {
      await process[Symbol.asyncDispose]();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
      throw err;
    }
  }

  /** One CDP command; fails after `timeoutMs`. */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string, timeoutMs = 10_000) {
    const id = this.#nextId++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reply = new Promise<any>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`CDP ${method} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    this.#ws.send(JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params }));
    return reply.finally(() => clearTimeout(timer));
  }

  /** Opens `url` in a new tab and returns a handle to evaluate in it. */
  async open(url: string): Promise<Page> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this, sessionId);
    await this.send("Page.enable", {}, sessionId);
    await this.send("Page.navigate", { url }, sessionId);
    return page;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.send("Browser.close", {}, undefined, 3000);
    } catch { /* killed below anyway */ }
    this.#ws.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#closed, new Promise((r) => timer = setTimeout(r, 3000))]);
    clearTimeout(timer);
    await this.#process[Symbol.asyncDispose]();
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }
}

export class Page {
  readonly #browser: Chromium;
  readonly #sessionId: string;

  constructor(browser: Chromium, sessionId: string) {
    this.#browser = browser;
    this.#sessionId = sessionId;
  }

  /** Evaluates `expression` in the page, awaiting a promise it returns; throws what the page throws. */
  async evaluate<T>(expression: string, timeoutMs = 10_000): Promise<T> {
    const result = await this.#browser.send(
      "Runtime.evaluate",
      {
        expression,
        awaitPromise: true,
        returnByValue: true,
        timeout: timeoutMs,
      },
      this.#sessionId,
      timeoutMs + 1000,
    );
    if (result.exceptionDetails) {
      const d = result.exceptionDetails;
      throw new Error(`In the page: ${d.exception?.description ?? d.text}`);
    }
    return result.result.value as T;
  }

  /** Resolves once the page's load event has fired (its scripts have run). */
  loaded(timeoutMs = 10_000): Promise<void> {
    return this.evaluate(
      `new Promise((resolve) => document.readyState === "complete"
        ? resolve(true)
        : addEventListener("load", () => resolve(true), { once: true }))`,
      timeoutMs,
    );
  }
}
