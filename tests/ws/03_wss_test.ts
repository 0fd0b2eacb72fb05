import assert from "node:assert/strict";
import { parseTransportUri } from "../../src/config/mod.ts";
import { startTestBroker } from "../support/broker.ts";

const CLIENT = new URL("./wss_stomp_client.ts", import.meta.url).pathname;

/** A throwaway CA and a localhost certificate it signed (rustls refuses a CA as the server's certificate). */
async function testCertificates(dir: string): Promise<{ ca: string; cert: string; key: string } | undefined> {
  const run = async (args: string[]) => {
    const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
      .output()
      .catch(() => undefined);
    return out?.success === true;
  };
  await Deno.writeTextFile(
    `${dir}/leaf.ext`,
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
  );
  const ok = await run([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=test-ca",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  ]) &&
    await run([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=localhost",
      "-keyout",
      "key.pem",
      "-out",
      "leaf.csr",
    ]) &&
    await run([
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      "leaf.ext",
      "-out",
      "cert.pem",
    ]);
  return ok ? { ca: `${dir}/ca.pem`, cert: `${dir}/cert.pem`, key: `${dir}/key.pem` } : undefined;
}

Deno.test("wss: STOMP over TLS WebSocket with a PEM certificate from transport.certFile/keyFile", async () => {
  const dir = await Deno.makeTempDir({ prefix: "amq-wss-" });
  try {
    const pem = await testCertificates(dir);
    if (!pem) {
      if (Deno.env.get("CI") === "true") {
        throw new Error("openssl is needed for the wss test (Debian package openssl)");
      }
      console.warn("\n*** SKIPPED wss test: openssl is not available ***\n");
      return;
    }
    await using b = await startTestBroker({
      configure: (config) => {
        config.transportConnectors.push({
          name: "wss",
          uri: parseTransportUri(
            `wss://127.0.0.1:0?transport.certFile=${pem.cert}&transport.keyFile=${pem.key}`,
          ),
        });
      },
    });
    const port = b.broker.connector("wss")!.port;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--cert", pem.ca, CLIENT, `wss://localhost:${port}`],
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const result = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.deepEqual(result, {
      protocol: "v12.stomp",
      connected: "CONNECTED",
      receipt: "RECEIPT",
      body: "over tls",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
