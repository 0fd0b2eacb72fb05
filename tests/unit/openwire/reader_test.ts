import assert from "node:assert/strict";
import {
  createCommand,
  createWireFormatInfo,
  type DataStructure,
  encodeCommand,
  negotiateWireFormat,
  NO_FRAME_SIZE_LIMIT as NO_LIMIT,
  OpenWireEncodeCache,
  type OpenWireEvent,
  OpenWireReader,
  PRE_NEGOTIATION_FORMAT,
  type WireFormat,
} from "../../../src/protocol/openwire/codec.ts";
import { STRUCTS } from "../../../src/protocol/openwire/_schema.ts";
import * as C from "./_captures.ts";
import { ALL_TYPES, concat, int, pick, project, randomSplit, rng, sample } from "./_samples.ts";

function format(overrides: Partial<WireFormat> = {}): WireFormat {
  return {
    version: 12,
    tightEncodingEnabled: true,
    cacheEnabled: true,
    cacheSize: 1024,
    sizePrefixDisabled: false,
    stackTraceEnabled: true,
    maxFrameSize: 1 << 20,
    maxFrameSizeEnabled: true,
    ...overrides,
  };
}

function commands(events: OpenWireEvent[]): DataStructure[] {
  return events.map((e) => {
    if (e.kind !== "command") throw new Error(`unexpected error event: ${e.message}`);
    return e.command;
  });
}

function negotiatedReader(f: WireFormat): OpenWireReader {
  const reader = new OpenWireReader({ maxFrameSize: f.maxFrameSize });
  reader.setFormat(f);
  return reader;
}

Deno.test("the handshake: WireFormatInfo, pause, setFormat decodes what followed in the same chunk", () => {
  const reader = new OpenWireReader({ maxFrameSize: 104857600 });
  assert.equal(reader.negotiated, false);
  // The client's WireFormatInfo and its tight ConnectionInfo arrive in one chunk.
  const events = reader.push(concat([C.CLIENT_WIRE_FORMAT_INFO, C.CONNECTION_INFO_TIGHT]));
  assert.equal(events.length, 1);
  const info = commands(events)[0];
  assert.equal(info.type, 1);
  const negotiated = negotiateWireFormat(createWireFormatInfo({ maxFrameSize: 104857600 }), info as never);
  const later = commands(reader.setFormat(negotiated));
  assert.equal(later.length, 1);
  assert.equal(later[0].type, 3);
  assert.equal((later[0] as { clientId: string }).clientId, "cap-client");
  assert.equal(reader.negotiated, true);
  assert.equal(reader.format.tightEncodingEnabled, true);
});

Deno.test("the handshake byte by byte", () => {
  const reader = new OpenWireReader();
  const all = concat([C.CLIENT_WIRE_FORMAT_INFO, C.CONNECTION_INFO_TIGHT]);
  const seen: DataStructure[] = [];
  for (let i = 0; i < all.length; i++) {
    for (const c of commands(reader.push(all.subarray(i, i + 1)))) {
      seen.push(c);
      if (c.type === 1) seen.push(...commands(reader.setFormat(format({ maxFrameSize: 1e8 }))));
    }
  }
  assert.deepStrictEqual(seen.map((c) => c.type), [1, 3]);
});

for (const tight of [false, true]) {
  for (const sizePrefixDisabled of [false, true]) {
    for (const cacheEnabled of [false, true]) {
      Deno.test(`random commands in random splits decode in order (tight=${tight}, prefix=${!sizePrefixDisabled}, cache=${cacheEnabled})`, () => {
        const r = rng(7 + (tight ? 1 : 0) + (sizePrefixDisabled ? 2 : 0) + (cacheEnabled ? 4 : 0));
        for (const version of [1, 6, 9, 11, 12]) {
          const f = format({
            version,
            tightEncodingEnabled: tight,
            sizePrefixDisabled,
            cacheEnabled,
            cacheSize: 200,
          });
          const encoder = new OpenWireEncodeCache(f.cacheSize);
          const reader = negotiatedReader(f);
          const sent: DataStructure[] = [];
          const frames: Uint8Array[] = [];
          for (let i = 0; i < 60; i++) {
            const type = pick(r, ALL_TYPES.filter((t) => STRUCTS[t]!.since <= version && t !== 0));
            const value = sample(r, type, version);
            sent.push(project(value, version, true)!);
            frames.push(encodeCommand(value, f, encoder));
          }
          const got: DataStructure[] = [];
          for (const chunk of randomSplit(r, concat(frames))) got.push(...commands(reader.push(chunk)));
          assert.deepStrictEqual(got, sent);
        }
      });
    }
  }
}

Deno.test("an oversized size prefix is refused from the 4 header bytes alone", () => {
  const reader = negotiatedReader(format({ maxFrameSize: 1024 }));
  const events = reader.push(new Uint8Array([0x7f, 0xff, 0xff, 0xff]));
  assert.deepStrictEqual(events, [{
    kind: "error",
    message: "Frame size of 2147483647 bytes larger than max allowed 1024 bytes",
    tooLarge: true,
  }]);
  // Dead afterwards.
  assert.deepStrictEqual(reader.push(new Uint8Array(10)), []);
  // Also before negotiation, and when the header is split.
  const early = new OpenWireReader({ maxFrameSize: 4096 });
  assert.deepStrictEqual(early.push(new Uint8Array([0x00, 0x01])), []);
  const e = early.push(new Uint8Array([0x00, 0x01]));
  assert.equal(e.length, 1);
  assert.equal(e[0].kind === "error" && e[0].tooLarge, true);
  // Exactly the limit is fine.
  const ok = negotiatedReader(format({ tightEncodingEnabled: false, cacheEnabled: false, maxFrameSize: 15 }));
  const frame = encodeCommand(
    createCommand(30, { correlationId: 3 }),
    format({ tightEncodingEnabled: false, cacheEnabled: false }),
  );
  assert.equal(frame.length - 4, 10);
  assert.equal(commands(ok.push(frame)).length, 1);
});

Deno.test("without a size prefix a huge declared byte array is refused before it is buffered", () => {
  const f = format({
    sizePrefixDisabled: true,
    tightEncodingEnabled: false,
    cacheEnabled: false,
    maxFrameSize: 4096,
  });
  const reader = negotiatedReader(f);
  // PartialCommand (60): commandId, then byte-array present with length 2^31-1.
  const events = reader.push(new Uint8Array([60, 0, 0, 0, 1, 1, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
  assert.equal(events.length, 1);
  assert.equal(events[0].kind, "error");
  assert.equal(events[0].kind === "error" && events[0].tooLarge, true);
});

Deno.test("unknown types, bad lengths and malformed frames are error events", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array([0, 0, 0, 2, 77, 0]), /Unknown data type: 77/],
    [new Uint8Array([0, 0, 0, 0]), /Invalid frame length 0/],
    [new Uint8Array([0xff, 0xff, 0xff, 0xff]), /Invalid frame length -1/],
    // A Response whose frame ends inside correlationId.
    [new Uint8Array([0, 0, 0, 6, 30, 0, 0, 0, 0, 1]), /run past the frame length/],
    // A ConnectionId whose string is not modified UTF-8.
    [new Uint8Array([0, 0, 0, 5, 120, 1, 0, 1, 0xff]), /modified UTF-8/],
  ];
  for (const [bytes, pattern] of cases) {
    const reader = negotiatedReader(format({ tightEncodingEnabled: false, cacheEnabled: false }));
    const events = reader.push(bytes);
    assert.equal(events.length, 1, String(pattern));
    assert.equal(events[0].kind, "error");
    assert.match((events[0] as { message: string }).message, pattern);
  }
});

Deno.test("a reference to an empty cache slot yields null; an out-of-range index is an error", () => {
  const f = format({ tightEncodingEnabled: false, cacheSize: 16 });
  const reader = negotiatedReader(f);
  // SessionInfo: commandId, rr, sessionId cached: new=0, index 3 → null.
  const ok = commands(reader.push(new Uint8Array([0, 0, 0, 9, 4, 0, 0, 0, 1, 0, 0, 0, 3])));
  assert.equal((ok[0] as { sessionId: unknown }).sessionId, null);
  const bad = reader.push(new Uint8Array([0, 0, 0, 9, 4, 0, 0, 0, 1, 0, 0, 0, 16]));
  assert.match((bad[0] as { message: string }).message, /Cache index 16 out of range/);
});

Deno.test("the NULL frame is skipped; trailing bytes inside a delimited frame are ignored", () => {
  const f = format({ tightEncodingEnabled: false, cacheEnabled: false });
  const reader = negotiatedReader(f);
  const response = encodeCommand(createCommand(30, { correlationId: 9 }), f);
  const padded = new Uint8Array(response.length + 2);
  padded.set(response);
  new DataView(padded.buffer).setInt32(0, response.length - 4 + 2);
  const got = commands(reader.push(concat([new Uint8Array([0, 0, 0, 1, 0]), padded, response])));
  assert.deepStrictEqual(got.map((c) => (c as { correlationId: number }).correlationId), [9, 9]);
});

Deno.test("deeply nested structures are refused without blowing the stack", () => {
  // DataResponse(data = DataResponse(data = ...)) 10,000 levels deep, loose, no cache.
  const depth = 10000;
  // Type, commandId, responseRequired, correlationId; then per level: present, type, the same fields.
  const body: number[] = [32, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < depth; i++) body.push(1, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  body.push(0);
  const frame = new Uint8Array(4 + body.length);
  new DataView(frame.buffer).setInt32(0, body.length);
  frame.set(body, 4);
  const reader = negotiatedReader(
    format({ tightEncodingEnabled: false, cacheEnabled: false, maxFrameSize: 1e9 }),
  );
  const events = reader.push(frame);
  assert.equal(events.length, 1);
  assert.match((events[0] as { message: string }).message, /nested deeper than 32/);
});

Deno.test("fuzz: 24,000 random, mutated and truncated inputs in random splits never throw", () => {
  const r = rng(424242);
  const formats: WireFormat[] = [];
  for (const tight of [false, true]) {
    for (const sizePrefixDisabled of [false, true]) {
      for (const cacheEnabled of [false, true]) {
        formats.push(
          format({
            tightEncodingEnabled: tight,
            sizePrefixDisabled,
            cacheEnabled,
            cacheSize: 64,
            maxFrameSize: 1 << 16,
            version: pick(r, [1, 6, 10, 12]),
          }),
        );
      }
    }
  }
  const valid: [WireFormat, Uint8Array][] = [];
  for (const f of formats) {
    const cache = new OpenWireEncodeCache(f.cacheSize);
    for (let i = 0; i < 40; i++) {
      const type = pick(r, ALL_TYPES.filter((t) => STRUCTS[t]!.since <= f.version));
      valid.push([f, encodeCommand(sample(r, type, f.version), f, cache)]);
    }
  }
  let cases = 0;
  let errors = 0;
  let commandsSeen = 0;
  for (let i = 0; i < 24000; i++) {
    let f: WireFormat | undefined;
    let bytes: Uint8Array;
    const kind = i % 4;
    if (kind === 0) {
      // Pure noise, sometimes behind a plausible size prefix.
      bytes = new Uint8Array(int(r, 0, 120));
      for (let j = 0; j < bytes.length; j++) bytes[j] = int(r, 0, 255);
      if (bytes.length > 5 && r() < 0.5) new DataView(bytes.buffer).setInt32(0, bytes.length - 4);
      f = r() < 0.3 ? undefined : pick(r, formats);
    } else {
      const [vf, frame] = pick(r, valid);
      f = vf;
      bytes = frame.slice();
      if (kind === 1) {
        for (let m = int(r, 1, 4); m > 0; m--) bytes[int(r, 0, bytes.length - 1)] = int(r, 0, 255);
      } else if (kind === 2) {
        bytes = bytes.slice(0, int(r, 0, bytes.length - 1));
        if (!f.sizePrefixDisabled && bytes.length >= 4 && r() < 0.5) {
          new DataView(bytes.buffer).setInt32(0, bytes.length - 4);
        }
      } else {
        bytes = concat([bytes, pick(r, valid)[1]]);
        bytes[int(r, 0, bytes.length - 1)] ^= 1 << int(r, 0, 7);
      }
    }
    const reader = new OpenWireReader({ maxFrameSize: 1 << 16 });
    if (f !== undefined) reader.setFormat(f);
    for (const chunk of randomSplit(r, bytes)) {
      const events = reader.push(chunk);
      for (const e of events) {
        if (e.kind === "error") {
          errors++;
          assert.equal(typeof e.message, "string");
          assert.equal(typeof e.tooLarge, "boolean");
        } else {
          commandsSeen++;
          assert.equal(typeof e.command.type, "number");
          if (e.command.type === 1) reader.setFormat(f ?? PRE_NEGOTIATION_FORMAT);
        }
      }
    }
    cases++;
  }
  assert.equal(cases, 24000);
  assert.ok(errors > 1000, `errors ${errors}`);
  assert.ok(commandsSeen > 1000, `commands ${commandsSeen}`);
});

Deno.test("the connector's limit still applies when the negotiated format disables the check", () => {
  const reader = new OpenWireReader({ maxFrameSize: 1000 });
  reader.setFormat(format({ maxFrameSizeEnabled: false, maxFrameSize: NO_LIMIT }));
  const events = reader.push(new Uint8Array([0, 0, 0x10, 0]));
  assert.equal(events.length, 1);
  assert.match((events[0] as { message: string }).message, /larger than max allowed 1000 bytes/);
  // And the negotiated limit applies below it.
  const tighter = new OpenWireReader({ maxFrameSize: 1000 });
  tighter.setFormat(format({ maxFrameSize: 100 }));
  assert.match(
    (tighter.push(new Uint8Array([0, 0, 0, 101]))[0] as { message: string }).message,
    /max allowed 100 bytes/,
  );
});
