/**
 * Broker processes on a KahaDB directory, for crash tests: the config, start
 * (port read from the log), and the journal surgery a crash can leave behind
 * (a torn last batch). The journal is read here independently of the store's
 * own scanner, by the layout of kahadb.md section 2.
 */
import assert from "node:assert/strict";
import { type BrokerProcess, spawnBroker, writeConfig } from "./process.ts";
import { type Ledger, withTimeout } from "./stomp_load.ts";

export interface PersistentBrokerConfig {
  brokerName: string;
  dataDirectory: string;
  /** `<kahaDB>` attributes besides `directory` (which is `<dataDirectory>/kahadb`). */
  kahaDB?: Record<string, string>;
}

/** An activemq.xml with a KahaDB store and one STOMP connector on a free loopback port. */
export function persistentBrokerXml(c: PersistentBrokerConfig): string {
  const attributes = Object.entries({ directory: kahaDBDirectory(c), ...c.kahaDB })
    .map(([k, v]) => `${k}="${v}"`).join(" ");
  return `<beans xmlns="http://www.springframework.org/schema/beans">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="${c.brokerName}" dataDirectory="${c.dataDirectory}">
    <persistenceAdapter>
      <kahaDB ${attributes}/>
    </persistenceAdapter>
    <transportConnectors>
      <transportConnector name="stomp" uri="stomp://127.0.0.1:0"/>
    </transportConnectors>
  </broker>
</beans>
`;
}

export function kahaDBDirectory(c: PersistentBrokerConfig): string {
  return `${c.dataDirectory}/kahadb`;
}

/** Writes the config into the data directory's parent-free temp dir; returns the file path. */
export function writePersistentConfig(c: PersistentBrokerConfig): Promise<string> {
  return writeConfig(persistentBrokerXml(c));
}

/** Starts `main.ts start --config <path>` without waiting for anything. */
export function spawnPersistentBroker(configPath: string, logLevel = "info"): BrokerProcess {
  return spawnBroker(["start", "--config", configPath, "--log-level", logLevel]);
}

/** Waits for the STOMP connector's log line and "Broker … started"; returns the bound port. */
export async function waitStarted(
  proc: BrokerProcess,
  brokerName: string,
  timeoutMs = 15_000,
): Promise<number> {
  const line = await proc.waitFor(/Listening for connections at: stomp:\/\/127\.0\.0\.1:\d+/, timeoutMs);
  await proc.waitFor(new RegExp(`Broker ${brokerName} started`), timeoutMs);
  return Number(/:(\d+)\s*$/.exec(line)![1]);
}

/** `kill -9`, then waits (bounded) for the process to be gone. */
export async function killHard(proc: BrokerProcess): Promise<void> {
  try {
    proc.child.kill("SIGKILL");
  } catch { /* already gone */ }
  const status = await withTimeout(proc.exited(), 10_000, "the killed broker to exit", proc.output);
  if (status.signal !== "SIGKILL") {
    throw new Error(
      `The broker exited with ${JSON.stringify(status)} before it was killed:\n${proc.output()}`,
    );
  }
}

/** The number in "KahaDB store … recovered N messages" of the last start in `output`. */
export function recoveredCount(output: string): number {
  const all = [...output.matchAll(/KahaDB store .* recovered (\d+) messages/g)];
  if (all.length === 0) throw new Error(`No "recovered N messages" line in:\n${output}`);
  return Number(all.at(-1)![1]);
}

/**
 * The issue's guarantee after a crash and restart, id by id: `after` (what
 * the restarted broker delivered) holds every confirmed send that was not
 * acked, nothing whose ack was confirmed, nothing twice and nothing never
 * sent; `log` is the restarted broker's output (its recovered count must
 * match).
 */
export function assertNothingLost(ledger: Ledger, after: string[], log: string): void {
  const afterSet = new Set(after);
  const detail = (what: string, ids: string[]) =>
    `${what}: ${ids.slice(0, 10).join(", ")}${ids.length > 10 ? ` … (${ids.length})` : ""}\n${log}`;
  const seen = new Set<string>();
  const duplicates = after.filter((id) => seen.has(id) || !seen.add(id));
  assert.deepEqual(duplicates, [], detail("delivered twice after the restart", duplicates));
  const invented = after.filter((id) => !ledger.sent.has(id));
  assert.deepEqual(invented, [], detail("never sent", invented));
  const resurrected = after.filter((id) => ledger.acked.has(id));
  assert.deepEqual(resurrected, [], detail("acked (ack confirmed) but delivered again", resurrected));
  // An ack written but not confirmed may or may not have been stored: either outcome is correct.
  const lost = [...ledger.receipted].filter((id) => !ledger.ackSent.has(id) && !afterSet.has(id));
  assert.deepEqual(lost, [], detail("confirmed, never acked, and not delivered after the restart", lost));
  assert.equal(after.length, recoveredCount(log), "the drain saw exactly what the store recovered");

  // The load exercised what it is meant to: confirmed acks, and deliveries left unacknowledged.
  assert.ok(ledger.acked.size > 100, `acks were confirmed before the kill (${ledger.acked.size})`);
  const deliveredBefore = new Set(ledger.delivered);
  assert.ok(
    after.some((id) => deliveredBefore.has(id) && !ledger.ackSent.has(id)),
    "messages delivered but not acked before the kill came back",
  );
}

// ---- the journal, read by its layout (kahadb.md 2.2 and 2.4) ---------------------------------

const CONTROL_SIZE = 28;
const BATCH_MAGIC = [0x00, 0x00, 0x00, 0x1c, 0x02, ...new TextEncoder().encode("WRITE BATCH")];
const EOF_SIZE_FIELD = 0x2d714d61;

/** `db-N.log` names in a KahaDB directory, by N. */
export function journalFileNames(directory: string): string[] {
  return [...Deno.readDirSync(directory)].map((e) => e.name).filter((n) => /^db-\d+\.log$/.test(n))
    .sort((a, b) => Number(a.slice(3, -4)) - Number(b.slice(3, -4)));
}

/**
 * Where the data of a journal file ends: walks batch control records from
 * offset 0 (each says how many record bytes follow) until an EOF marker or a
 * zero header. Returns that offset and the offset of the last batch.
 */
export function journalEnd(data: Uint8Array): { end: number; lastBatch: number } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let o = 0;
  let lastBatch = -1;
  while (o + 5 <= data.length) {
    const size = view.getInt32(o);
    const type = data[o + 4];
    if ((size === EOF_SIZE_FIELD && type === 0x34) || (size === 0 && type === 0)) break;
    if (!BATCH_MAGIC.every((b, i) => data[o + i] === b)) {
      throw new Error(`No WRITE BATCH control record at offset ${o}`);
    }
    lastBatch = o;
    o += CONTROL_SIZE + view.getInt32(o + 16);
  }
  return { end: o, lastBatch };
}

/** Adler-32 (the batch checksum, kahadb.md 2.2). */
function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const x of bytes) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A complete write batch (control record + one user record per payload), without the EOF marker. */
export function writeBatch(payloads: Uint8Array[]): Uint8Array {
  const records = payloads.reduce((n, p) => n + 5 + p.length, 0);
  const out = new Uint8Array(CONTROL_SIZE + records);
  const view = new DataView(out.buffer);
  out.set(BATCH_MAGIC, 0);
  view.setInt32(16, records);
  let at = CONTROL_SIZE;
  for (const p of payloads) {
    view.setInt32(at, 5 + p.length);
    out[at + 4] = 1;
    out.set(p, at + 5);
    at += 5 + p.length;
  }
  view.setUint32(24, adler32(out.subarray(CONTROL_SIZE)));
  return out;
}

/**
 * What a crash in the middle of writing a batch leaves: the first `keep`
 * bytes of `batch` at the end of the last journal file's data, over its EOF
 * marker. Returns the file and the offset where the torn batch starts.
 */
export function appendTornBatch(
  directory: string,
  batch: Uint8Array,
  keep: number,
): { file: string; offset: number } {
  const file = journalFileNames(directory).at(-1);
  if (!file) throw new Error(`No journal file in ${directory}`);
  const path = `${directory}/${file}`;
  const { end } = journalEnd(Deno.readFileSync(path));
  const f = Deno.openSync(path, { write: true });
  try {
    f.seekSync(end, Deno.SeekMode.Start);
    const part = batch.subarray(0, keep);
    let at = 0;
    while (at < part.length) at += f.writeSync(part.subarray(at));
  } finally {
    f.close();
  }
  return { file, offset: end };
}
