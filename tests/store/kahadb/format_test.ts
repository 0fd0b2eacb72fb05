/**
 * Journal bytes: Adler-32, the batch layout, KahaDB command protobuf and the
 * worked examples of kahadb.md section 10.
 */
import assert from "node:assert/strict";
import { adler32 } from "../../../src/store/kahadb/_adler32.ts";
import { decodeCommand, encodeCommand, type KahaCommand } from "../../../src/store/kahadb/_commands.ts";
import {
  BATCH_HEADER,
  buildBatch,
  EOF_MARKER,
  scanBatches,
} from "../../../src/store/kahadb/_journal_format.ts";
import { ProtoReader, ProtoWriter } from "../../../src/store/kahadb/_protobuf.ts";
import {
  decodeSubscriptionInfo,
  encodeSubscriptionInfo,
} from "../../../src/store/kahadb/_subscription_info.ts";
import { parseKahaDBOptions } from "../../../src/store/kahadb/_options.ts";

const ascii = (s: string) => new TextEncoder().encode(s);
const hex = (s: string) => new Uint8Array(s.trim().split(/\s+/).map((b) => parseInt(b, 16)));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

function naiveAdler(b: Uint8Array): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return (s * 65536 + a) >>> 0;
}

Deno.test("Adler-32 matches known vectors and a naive implementation", () => {
  assert.equal(adler32(new Uint8Array(0)), 1);
  assert.equal(adler32(ascii("a")), 0x00620062);
  assert.equal(adler32(ascii("abc")), 0x024d0127);
  assert.equal(adler32(ascii("Wikipedia")), 0x11e60398);
  const big = new Uint8Array(100_000).map((_, i) => (i * 7919) & 0xff);
  big.fill(0xff, 0, 20_000); // worst case for the running sums
  assert.equal(adler32(big), naiveAdler(big));
  assert.equal(adler32(big.subarray(40_000), adler32(big.subarray(0, 40_000))), adler32(big));
});

// kahadb.md 10.1: the first batch of a real 5.17.2 journal.
const EXAMPLE_10_1 = hex(`
  00 00 00 1c 02 57 52 49 54 45 20 42 41 54 43 48
  00 00 00 2c 00 00 00 00 b7 34 09 05 00 00 00 2c
  01 00 25 0a 23 4c 4f 41 44 45 44 20 57 65 64 20
  4e 6f 76 20 32 35 20 31 30 3a 35 38 3a 32 38 20
  55 54 43 20 32 30 32 36`);

Deno.test("a write batch has the byte layout of kahadb.md 2.2 (worked example 10.1)", () => {
  assert.deepEqual(BATCH_HEADER, hex("00 00 00 1C 02 57 52 49 54 45 20 42 41 54 43 48"));
  assert.deepEqual(EOF_MARKER, hex("2D 71 4D 61 34"));
  const payload = encodeCommand({ kind: "trace", message: "LOADED Wed Nov 25 10:58:28 UTC 2026" });
  const batch = buildBatch([payload], true);
  assert.deepEqual(batch.bytes, concat(EXAMPLE_10_1, EOF_MARKER));
  assert.equal(batch.length, 72);
  assert.deepEqual(batch.recordOffsets, [28]);
  assert.deepEqual(batch.recordSizes, [44]);
  assert.equal(adler32(EXAMPLE_10_1.subarray(28)), 0xb7340905);
  // Without checksums the int64 is zero and readers skip the check.
  const unchecked = buildBatch([payload], false);
  assert.deepEqual(unchecked.bytes.subarray(20, 28), new Uint8Array(8));

  const scan = scanBatches(concat(EXAMPLE_10_1, EOF_MARKER, new Uint8Array(100)));
  assert.equal(scan.end, 72);
  assert.deepEqual(scan.problems, []);
  const cmd = decodeCommand(scan.batches[0].records[0].payload);
  assert.deepEqual(cmd, { kind: "trace", message: "LOADED Wed Nov 25 10:58:28 UTC 2026" });
});

Deno.test("worked example 10.2: a KahaAddMessageCommand's framing and fields", () => {
  const id = "ID:vm-43305-1795604460792-1:1:1:1:4";
  const message = new Uint8Array(221).map((_, i) => i & 0xff);
  const payload = encodeCommand({
    kind: "add",
    destination: { type: 0, name: "PEND.Q" },
    messageId: id,
    message,
    priority: 9,
    prioritySupported: false,
  });
  assert.deepEqual(payload.subarray(0, 3), hex("01 95 02")); // entry 1, varint 277
  assert.equal(payload.length, 3 + 277); // record size 285 = 5 + 280
  assert.deepEqual(payload.subarray(3, 15), hex("12 0a 08 00 12 06 50 45 4e 44 2e 51"));
  assert.deepEqual(payload.subarray(15, 17), hex("1a 23"));
  assert.deepEqual(payload.subarray(17, 52), ascii(id));
  assert.deepEqual(payload.subarray(52, 55), hex("22 dd 01"));
  assert.deepEqual(payload.subarray(-4), hex("28 09 30 00"));
  const back = decodeCommand(payload);
  assert.equal(back.kind, "add");
  if (back.kind !== "add") return;
  assert.equal(back.messageId, id);
  assert.equal(back.priority, 9);
  assert.equal(back.prioritySupported, false);
  assert.deepEqual(back.message, message);
});

Deno.test("worked example 10.3: local transaction ids number both fields 1", () => {
  const connectionId = "ID:vm-43305-1795604460792-1:1";
  const payload = encodeCommand({ kind: "commit", tx: { local: { connectionId, transactionId: 1 } } });
  assert.deepEqual(payload, concat(hex("04 25 0a 23 0a 21 0a 1d"), ascii(connectionId), hex("08 01")));
  assert.deepEqual(decodeCommand(payload), {
    kind: "commit",
    tx: { local: { connectionId, transactionId: 1 } },
  });
  // The wire type alone tells the fields apart, in either order.
  const swapped = new ProtoWriter().message(1, (i) => i.message(1, (l) => l.int64(1, 7).string(1, "c")))
    .finish();
  const framed = concat(new Uint8Array([4, swapped.length]), swapped);
  assert.deepEqual(decodeCommand(framed), {
    kind: "commit",
    tx: { local: { connectionId: "c", transactionId: 7 } },
  });
});

// kahadb.md 10.4, the record as the real broker wrote it.
const EXAMPLE_10_4 = concat(
  hex("07 46 0a 0a 08 01 12 06"),
  ascii("PEND.T"),
  hex("12 09"),
  ascii("pend:dsub"),
  hex("18 00 22 2b 00 00 00 27 37 01 00 04"),
  ascii("pend"),
  hex("01 65 01 00 06"),
  ascii("PEND.T"),
  hex("00 01 00 04"),
  ascii("dsub"),
  hex("01 65 01 00 06"),
  ascii("PEND.T"),
  hex("00"),
);

Deno.test("worked example 10.4: a durable subscription record with its OpenWire SubscriptionInfo", () => {
  const sub = {
    clientId: "pend",
    subscriptionName: "dsub",
    destination: { type: "topic" as const, name: "PEND.T" },
  };
  const payload = encodeCommand({
    kind: "subscription",
    destination: { type: 1, name: "PEND.T" },
    subscriptionKey: "pend:dsub",
    retroactive: false,
    subscriptionInfo: encodeSubscriptionInfo(sub),
  });
  assert.deepEqual(payload, EXAMPLE_10_4);
  const back = decodeCommand(EXAMPLE_10_4);
  assert.equal(back.kind, "subscription");
  if (back.kind !== "subscription") return;
  assert.deepEqual(decodeSubscriptionInfo(back.subscriptionInfo!), sub);
});

Deno.test("SubscriptionInfo keeps selector, noLocal and any text (modified UTF-8)", () => {
  const sub = {
    clientId: "app\u0000é",
    subscriptionName: "sub 😀",
    destination: { type: "topic" as const, name: "prices.>" },
    selector: "region = 'EU'",
    noLocal: true,
  };
  const bytes = encodeSubscriptionInfo(sub);
  assert.deepEqual(decodeSubscriptionInfo(bytes), sub);
  // U+0000 is C0 80 and the emoji two 3-byte surrogates, as Java writes them.
  const at = bytes.findIndex((b, i) => b === 0xc0 && bytes[i + 1] === 0x80);
  assert.ok(at > 0);
  assert.ok(bytes.findIndex((b, i) => b === 0xed && bytes[i + 3] === 0xed) > 0);
  assert.throws(() => decodeSubscriptionInfo(bytes.subarray(0, 10)));
});

Deno.test("every KahaDB command survives encode and decode", () => {
  const dest = { type: 1 as const, name: "T" };
  const xa = {
    xa: { formatId: -5, branchQualifier: new Uint8Array([1]), globalTransactionId: new Uint8Array([2, 3]) },
  };
  const commands: KahaCommand[] = [
    { kind: "trace", message: "hello" },
    {
      kind: "add",
      tx: xa,
      destination: dest,
      messageId: "m1",
      message: new Uint8Array([9]),
      priority: 7,
      prioritySupported: true,
    },
    { kind: "remove", destination: dest, messageId: "m1", ack: new Uint8Array(0), subscriptionKey: "c:s" },
    {
      kind: "remove",
      tx: { local: { connectionId: "conn", transactionId: 2 ** 40 } },
      destination: dest,
      messageId: "m2",
    },
    { kind: "prepare", tx: xa },
    { kind: "commit", tx: xa },
    { kind: "rollback", tx: xa },
    { kind: "removeDestination", destination: { type: 2, name: "tq" } },
    { kind: "subscription", destination: dest, subscriptionKey: "c:s" },
    { kind: "producerAudit", data: new Uint8Array([1, 2]) },
    { kind: "ackFileMap", data: new Uint8Array([3]) },
    {
      kind: "update",
      message: {
        kind: "add",
        destination: dest,
        messageId: "m3",
        message: new Uint8Array(300),
        priority: 4,
        prioritySupported: false,
      },
    },
    { kind: "rewrittenDataFile", sourceDataFileId: 3, rewriteType: 1, skipIfSourceExists: true },
    { kind: "other", entryType: 11, data: new ProtoWriter().string(1, "scheduler").finish() },
  ];
  for (const c of commands) assert.deepEqual(decodeCommand(encodeCommand(c)), c, c.kind);
});

Deno.test("protobuf: negative int32 takes 10 bytes, unknown fields are skipped", () => {
  const w = new ProtoWriter().int32(1, -1).string(99, "future field").bytes(98, new Uint8Array(3)).int32(
    2,
    300,
  );
  const bytes = w.finish();
  assert.deepEqual(bytes.subarray(0, 11), hex("08 ff ff ff ff ff ff ff ff ff 01"));
  const r = new ProtoReader(bytes);
  const seen: [number, number][] = [];
  while (r.next()) {
    if (r.field === 1 || r.field === 2) seen.push([r.field, r.int32()]);
    else r.skip();
  }
  assert.deepEqual(seen, [[1, -1], [2, 300]]);
  // A destination with an extra field still decodes.
  const dest = new ProtoWriter().int32(1, 0).string(2, "Q").int32(7, 1).finish();
  const remove = new ProtoWriter().bytes(2, dest).string(3, "id").bool(42, true).finish();
  assert.deepEqual(decodeCommand(concat(new Uint8Array([2, remove.length]), remove)), {
    kind: "remove",
    destination: { type: 0, name: "Q" },
    messageId: "id",
  });
});

Deno.test("scanning stops at a torn batch and skips a corrupt one in the middle", () => {
  const p = (s: string) => encodeCommand({ kind: "trace", message: s });
  const a = buildBatch([p("a")], true);
  const b = buildBatch([p("b"), p("bb")], true);
  const c = buildBatch([p("c")], true);
  const file = concat(
    a.bytes.subarray(0, a.length),
    b.bytes.subarray(0, b.length),
    c.bytes,
    new Uint8Array(64),
  );

  const whole = scanBatches(file);
  assert.equal(whole.batches.length, 3);
  assert.equal(whole.end, a.length + b.length + c.length);

  const torn = file.slice(0, a.length + b.length + c.length - 3);
  const t = scanBatches(torn);
  assert.equal(t.batches.length, 2);
  assert.deepEqual(t.problems.map((x) => [x.kind, x.offset]), [["torn", a.length + b.length]]);
  assert.equal(t.end, a.length + b.length);

  const flipped = file.slice();
  flipped[a.length + 27] ^= 0xff; // checksum byte of the middle batch
  const f = scanBatches(flipped);
  assert.equal(f.batches.length, 2);
  assert.deepEqual(f.problems.map((x) => [x.kind, x.offset]), [["corrupt", a.length]]);
  assert.equal(f.end, a.length + b.length + c.length);
});

Deno.test("kahaDB options: sizes, defaults, aliases and bad values", () => {
  const d = parseKahaDBOptions("/data", {});
  assert.equal(d.journalMaxFileLength, 32 * 1024 * 1024);
  assert.equal(d.journalDiskSyncStrategy, "always");
  assert.equal(d.checkpointInterval, 5000);
  assert.equal(d.cleanupInterval, 30000);
  assert.equal(d.lockAcquireSleepInterval, 10000);
  assert.equal(d.indexDirectory, "/data");
  const o = parseKahaDBOptions("/data", {
    journalMaxFileLength: "64 kb",
    journalMaxWriteBatchSize: "32mb",
    enableJournalDiskSyncs: "false",
    archiveDataLogs: "TRUE",
  });
  assert.equal(o.journalMaxFileLength, 64 * 1024);
  assert.equal(o.journalMaxWriteBatchSize, 32 * 1024 * 1024);
  assert.equal(o.journalDiskSyncStrategy, "never");
  assert.equal(o.archiveDataLogs, true);
  assert.equal(
    parseKahaDBOptions("/d", { journalDiskSyncStrategy: "PERIODIC" }).journalDiskSyncStrategy,
    "periodic",
  );
  assert.throws(
    () => parseKahaDBOptions("/d", { journalDiskSyncStrategy: "sometimes" }),
    /journalDiskSyncStrategy="sometimes"; accepted: always, periodic, never/,
  );
  assert.throws(() => parseKahaDBOptions("/d", { journalMaxFileLength: "lots" }), /journalMaxFileLength/);
  assert.throws(() => parseKahaDBOptions("/d", { checkpointInterval: "-1" }), /checkpointInterval/);
});
