/** `push` never throws, whatever the input and however it is split. */
import assert from "node:assert/strict";
import {
  encodePacket,
  type MqttPacket,
  type MqttParseEvent,
  MqttParser,
  type MqttSide,
  type MqttVersion,
} from "../../../src/protocol/mqtt/codec.ts";
import { bytes, packets, pick, randomSplits, rng, VERSIONS } from "./_helpers.ts";
import { randomConversation } from "./_random.ts";
import { mutate as mutateBytes } from "../../support/random.ts";

const REASON_CODES = new Set([0x81, 0x82, 0x84, 0x85, 0x95]);

function newParser(side: MqttSide, version: MqttVersion, maxPacketSize?: number): MqttParser {
  const p = new MqttParser({ side, maxPacketSize });
  if (side === "client") p.version = version;
  return p;
}

/** MQTT's special bytes: packet types and flags, lengths, topic separators and wildcards. */
const INTERESTING = [
  0x00,
  0x01,
  0x02,
  0x7f,
  0x80,
  0xff,
  0xc0,
  0xed,
  0x23,
  0x2b,
  0x2f,
  0x26,
  0x0b,
  0x10,
  0x30,
];

function mutate(r: () => number, input: Uint8Array): Uint8Array {
  return mutateBytes(r, input, { interesting: INTERESTING, flipBits: true });
}

function assertWellFormed(events: MqttParseEvent[]): void {
  assert.ok(Array.isArray(events));
  events.forEach((event, index) => {
    if (event.kind === "packet") {
      assert.equal(typeof event.packet.type, "string");
    } else {
      assert.equal(event.kind, "error");
      assert.ok(event.message.length > 0);
      assert.ok(!event.message.startsWith("Internal"), event.message);
      assert.ok(
        REASON_CODES.has(event.reasonCode),
        `reason 0x${event.reasonCode.toString(16)}: ${event.message}`,
      );
      assert.ok(event.returnCode === undefined || event.returnCode === 1 || event.returnCode === 2);
      assert.equal(index, events.length - 1, "nothing follows an error");
    }
  });
}

/** Pushes the chunks, checking every push; returns all events. */
function feed(p: MqttParser, chunks: Uint8Array[]): MqttParseEvent[] {
  const all: MqttParseEvent[] = [];
  let dead = false;
  for (const chunk of chunks) {
    let got: MqttParseEvent[] = [];
    try {
      got = p.push(chunk);
    } catch (e) {
      assert.fail(`push threw ${e}`);
    }
    assertWellFormed(got);
    if (dead) assert.deepEqual(got, [], "a dead parser stays silent");
    if (got.some((e) => e.kind === "error")) dead = true;
    all.push(...got);
  }
  return all;
}

Deno.test("fuzz: 20,000 random, truncated and mutated packet streams in random splits", () => {
  const r = rng(0x5eed);
  let validPackets = 0;
  let errors = 0;
  let mutatedButParsed = 0;
  for (let iteration = 0; iteration < 20_000; iteration++) {
    const side: MqttSide = r() < 0.6 ? "server" : "client";
    const version = pick(r, VERSIONS);
    const input: MqttPacket[] = randomConversation(r, version, side);
    const encoded = bytes(...input.map((p) => encodePacket(p, version)));
    const mutated = r() < 0.6;
    const wire = mutated ? mutate(r, encoded) : encoded;
    const limit = r() < 0.15 ? 10 + Math.floor(r() * 200) : undefined;

    const events = feed(newParser(side, version, limit), randomSplits(r, wire));
    const reference = newParser(side, version, limit);
    const whole = reference.push(wire);
    assert.deepEqual(events, whole, "split-independent");
    const failed = events.some((e) => e.kind === "error");
    if (failed) errors++;
    if (!mutated && limit === undefined) {
      assert.deepEqual(packets(events), input);
      assert.ok(!failed);
      validPackets += input.length;
    } else if (mutated && !failed) {
      mutatedButParsed++;
    }
    // Whatever was decoded re-encodes, and parses back to the same packet.
    if (iteration % 4 === 0) {
      // A mutated CONNECT may have switched the version: use the one the parser settled on.
      const p = newParser(side, reference.version);
      for (const packet of packets(events)) {
        const again = p.push(encodePacket(packet, reference.version));
        assert.deepEqual(again, [{ kind: "packet", packet }]);
      }
    }
  }
  assert.ok(validPackets > 10_000, `valid packets ${validPackets}`);
  assert.ok(errors > 5_000, `errors ${errors}`);
  assert.ok(mutatedButParsed > 100, `mutations that still parse ${mutatedButParsed}`);
});

Deno.test("fuzz: arbitrary bytes, and bytes after a valid CONNECT, never make push throw", () => {
  const r = rng(42);
  const alphabet = [
    0x00,
    0x10,
    0x20,
    0x30,
    0x32,
    0x62,
    0x82,
    0xa2,
    0xc0,
    0xe0,
    0xf0,
    0x04,
    0x05,
    0x7f,
    0x80,
    0xff,
  ];
  for (let iteration = 0; iteration < 10_000; iteration++) {
    const version = pick(r, VERSIONS);
    const side: MqttSide = r() < 0.5 ? "server" : "client";
    const noise = new Uint8Array(Math.floor(r() * 200)).map(() =>
      r() < 0.6 ? pick(r, alphabet) : Math.floor(r() * 256)
    );
    const prefix = side === "server" && r() < 0.7
      ? encodePacket({ type: "connect", clientId: "f", clean: true, keepAlive: 0 }, version)
      : new Uint8Array();
    const wire = bytes(prefix, noise);
    const limit = r() < 0.3 ? 1 + Math.floor(r() * 100) : undefined;
    const events = feed(newParser(side, version, limit), randomSplits(r, wire));
    assert.deepEqual(events, newParser(side, version, limit).push(wire));
  }
});

Deno.test("fuzz: mutated CONNECT packets, the part of the protocol every connection goes through", () => {
  const r = rng(1234);
  let accepted = 0;
  for (let iteration = 0; iteration < 5_000; iteration++) {
    const version = pick(r, VERSIONS);
    const [connect] = randomConversation(r, version, "server", 1);
    const wire = mutate(r, encodePacket(connect, version));
    const p = new MqttParser();
    const events = feed(p, randomSplits(r, wire));
    assert.deepEqual(events, new MqttParser().push(wire));
    if (events.some((e) => e.kind === "packet")) {
      accepted++;
      assert.ok([3, 4, 5].includes(p.version));
    }
  }
  assert.ok(accepted > 50, `accepted ${accepted}`);
});
