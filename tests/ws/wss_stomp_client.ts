/**
 * A STOMP-over-wss client run as its own process with `--cert <ca.pem>` (so
 * Deno's WebSocket trusts the test's self-signed certificate): sends one
 * message to a queue, receives it, prints JSON.
 */
const url = Deno.args[0];
const ws = new WebSocket(url, "v12.stomp");
const frames: string[] = [];
let wake: () => void = () => {};
ws.onmessage = (e) => {
  frames.push(String(e.data));
  wake();
};
const next = async (): Promise<string> => {
  const deadline = Date.now() + 5000;
  while (frames.length === 0) {
    if (Date.now() > deadline) throw new Error("no frame within 5 s");
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 200);
    });
  }
  return frames.shift()!;
};
await new Promise<void>((resolve, reject) => {
  ws.onopen = () => resolve();
  ws.onerror = (e) => reject(new Error(`WebSocket error: ${(e as ErrorEvent).message}`));
});
ws.send("CONNECT\naccept-version:1.2\nhost:localhost\n\n\0");
const connected = await next();
ws.send("SUBSCRIBE\nid:1\ndestination:/queue/secure\nreceipt:s\n\n\0");
const receipt = await next();
ws.send("SEND\ndestination:/queue/secure\n\nover tls\0");
const message = await next();
ws.close();
console.log(JSON.stringify({
  protocol: ws.protocol,
  connected: connected.split("\n")[0],
  receipt: receipt.split("\n")[0],
  body: message.slice(message.indexOf("\n\n") + 2).replace(/\0\n?$/, ""),
}));
