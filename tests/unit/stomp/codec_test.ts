import assert from "node:assert/strict";
import { mutate as mutateBytes, pick, randomSplits, rng } from "../../support/random.ts";
import {
  DEFAULT_STOMP_LIMITS,
  encodeStompFrame,
  header,
  HEARTBEAT_BYTES,
  type StompFrame,
  type StompLimits,
  type StompParseEvent,
  StompParser,
  type StompVersion,
} from "../../../src/protocol/stomp/codec.ts";

const te = new TextEncoder();
const td = new TextDecoder();

function bytes(...parts: (string | number[] | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((p) =>
    typeof p === "string" ? te.encode(p) : p instanceof Uint8Array ? p : new Uint8Array(p)
  );
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

function frame(
  command: string,
  headers: [string, string][] = [],
  body: string | Uint8Array = "",
): StompFrame {
  return { command, headers, body: typeof body === "string" ? te.encode(body) : body };
}

function parser(version: StompVersion = "1.2", limits?: Partial<StompLimits>): StompParser {
  const p = new StompParser(limits);
  p.version = version;
  return p;
}

/** Frames and errors only: heart-beats are coalesced per push, so they depend on the split. */
function significant(events: StompParseEvent[]): StompParseEvent[] {
  return events.filter((e) => e.kind !== "heartbeat");
}

function frames(events: StompParseEvent[]): StompFrame[] {
  return events.flatMap((e) => e.kind === "frame" ? [e.frame] : []);
}

function errors(events: StompParseEvent[]): { message: string; tooLarge: boolean }[] {
  return events.flatMap((e) => e.kind === "error" ? [{ message: e.message, tooLarge: e.tooLarge }] : []);
}

function pushAll(p: StompParser, chunks: Uint8Array[]): StompParseEvent[] {
  const all: StompParseEvent[] = [];
  for (const c of chunks) {
    const events = p.push(c);
    assert.ok(events.filter((e) => e.kind === "heartbeat").length <= 1, "at most one heart-beat per push");
    all.push(...events);
  }
  return all;
}

function parseOne(
  input: Uint8Array,
  version: StompVersion = "1.2",
  limits?: Partial<StompLimits>,
): StompParseEvent[] {
  return parser(version, limits).push(input);
}

function onlyError(events: StompParseEvent[]): { message: string; tooLarge: boolean } {
  const errs = errors(events);
  assert.equal(errs.length, 1, `expected one error, got ${JSON.stringify(events)}`);
  assert.equal(events[events.length - 1].kind, "error", "the error is the last event");
  return errs[0];
}

// ---------------------------------------------------------------------------------------
// Round trips and escaping

Deno.test("round trip for every version", () => {
  for (const version of ["1.0", "1.1", "1.2"] as const) {
    const input = [
      frame("SEND", [["destination", "/queue/a"], ["receipt", "r-1"]], "hello"),
      frame("MESSAGE", [["destination", "/topic/é✓"], ["message-id", "ID-1"], ["emoji", "😀"]], "body ✓"),
      frame("ACK", [["id", "12"]]),
      frame("DISCONNECT"),
      frame("SEND", [["content-length", "5"], ["destination", "/queue/b"]], new Uint8Array([1, 0, 2, 0, 3])),
      frame("SEND", [["a", "1"], ["a", "2"]], "dup"),
      frame("SEND", [["empty", ""], ["", "empty-name"]], ""),
    ];
    const p = parser(version);
    const events = pushAll(p, input.map((f) => encodeStompFrame(f, version)));
    assert.deepEqual(frames(events), input, `version ${version}`);
    assert.equal(errors(events).length, 0);
  }
});

Deno.test("encode terminates with NUL and newline and HEARTBEAT_BYTES is one EOL", () => {
  const out = encodeStompFrame(frame("RECEIPT", [["receipt-id", "7"]]), "1.2");
  assert.equal(td.decode(out), "RECEIPT\nreceipt-id:7\n\n\0\n");
  assert.deepEqual(HEARTBEAT_BYTES, new Uint8Array([0x0a]));
});

Deno.test("encode computes the UTF-8 length exactly, lone surrogates included", () => {
  const value = "a\u00e9\u20ac\u{1F600}\ud800x\udc00";
  const out = encodeStompFrame(frame("MESSAGE", [["k", value]], "B"), "1.2");
  const expectedHead = te.encode(`MESSAGE\nk:${value}\n\n`);
  assert.equal(out.length, expectedHead.length + 3);
  assert.deepEqual(out.subarray(0, expectedHead.length), expectedHead);
  assert.equal(td.decode(out.subarray(expectedHead.length)), "B\0\n");
});

Deno.test("1.0 escapes nothing and trims header values like ActiveMQ", () => {
  const f = frame("MESSAGE", [["key", "a:b\\c"]]);
  assert.equal(td.decode(encodeStompFrame(f, "1.0")), "MESSAGE\nkey:a:b\\c\n\n\0\n");
  const events = parseOne(te.encode("SEND\nkey:a\\cb\\t:c\nsp:  v  \n\n\0"), "1.0");
  assert.deepEqual(frames(events), [frame("SEND", [["key", "a\\cb\\t:c"], ["sp", "v"]])]);
});

Deno.test("1.0 and CONNECTED encoding turn CR and LF into spaces instead of breaking the frame", () => {
  const f = frame("MESSAGE", [["k", "a\nb\r\n\nforged:1"]], "x");
  const wire = encodeStompFrame(f, "1.0");
  assert.equal(td.decode(wire), "MESSAGE\nk:a b   forged:1\n\nx\0\n");
  const connected = encodeStompFrame(frame("CONNECTED", [["session", "a\nb"]]), "1.2");
  assert.equal(td.decode(connected), "CONNECTED\nsession:a b\n\n\0\n");
});

Deno.test("1.1 escapes backslash, LF and colon but not CR", () => {
  const f = frame("MESSAGE", [["k:x", "a\nb:c\\d\re"]]);
  const wire = encodeStompFrame(f, "1.1");
  assert.equal(td.decode(wire), "MESSAGE\nk\\cx:a\\nb\\cc\\\\d\re\n\n\0\n");
  assert.deepEqual(frames(parseOne(wire, "1.1")), [f]);
  const bad = onlyError(parseOne(te.encode("SEND\nk:a\\rb\n\n\0"), "1.1"));
  assert.match(bad.message, /^Undefined escape sequence "\\r"/);
});

Deno.test("1.2 escapes everything including CR, also a trailing CR", () => {
  const f = frame("MESSAGE", [["k:\r\n\\", "\r\nv:\\\r"]]);
  const wire = encodeStompFrame(f, "1.2");
  assert.equal(td.decode(wire), "MESSAGE\nk\\c\\r\\n\\\\:\\r\\nv\\c\\\\\\r\n\n\0\n");
  assert.deepEqual(frames(parseOne(wire, "1.2")), [f]);
});

Deno.test("CONNECT, STOMP and CONNECTED are never escaped or unescaped", () => {
  for (const command of ["CONNECT", "STOMP", "CONNECTED"]) {
    const f = frame(command, [["passcode", "a\\cb\\\\"], ["host", "h"]]);
    const wire = encodeStompFrame(f, "1.2");
    assert.equal(td.decode(wire), `${command}\npasscode:a\\cb\\\\\nhost:h\n\n\0\n`);
    assert.deepEqual(frames(parseOne(wire, "1.2")), [f]);
    assert.deepEqual(frames(parseOne(te.encode(`${command}\nlogin:\\t\n\n\0`), "1.1")), [
      frame(command, [["login", "\\t"]]),
    ]);
  }
});

Deno.test("the version set after CONNECT governs the frames parsed from then on", () => {
  const p = new StompParser();
  const connect = frames(p.push(te.encode("CONNECT\naccept-version: 1.1,1.2 \nlogin:a\\cb\n\n\0")));
  assert.deepEqual(connect, [frame("CONNECT", [["accept-version", "1.1,1.2"], ["login", "a\\cb"]])]);
  p.version = "1.2";
  const send = frames(p.push(te.encode("SEND\ndestination:/queue/a\\cb\nx: y \n\n\0")));
  assert.deepEqual(send, [frame("SEND", [["destination", "/queue/a:b"], ["x", " y "]])]);
});

Deno.test("onConnect sets the version for frames pipelined behind CONNECT in the same push", () => {
  const p = new StompParser();
  const seen: string[] = [];
  p.onConnect = (f) => {
    seen.push(f.command);
    return "1.2";
  };
  const events = p.push(
    te.encode("CONNECT\naccept-version:1.2\n\n\0SEND\ndestination:/queue/a\\cb\nx: y \n\n\0"),
  );
  assert.deepEqual(seen, ["CONNECT"]);
  assert.equal(p.version, "1.2");
  assert.deepEqual(frames(events)[1], frame("SEND", [["destination", "/queue/a:b"], ["x", " y "]]));
});

Deno.test("a header line is split on the first colon", () => {
  const events = parseOne(te.encode("SEND\nkey:a:b::\n\n\0"), "1.2");
  assert.deepEqual(frames(events), [frame("SEND", [["key", "a:b::"]])]);
});

Deno.test("header() returns the first occurrence", () => {
  const f = frame("SEND", [["a", "1"], ["b", "2"], ["a", "3"]]);
  assert.equal(header(f, "a"), "1");
  assert.equal(header(f, "b"), "2");
  assert.equal(header(f, "c"), undefined);
});

Deno.test("CRLF line endings are accepted for every version", () => {
  for (const version of ["1.0", "1.1", "1.2"] as const) {
    const events = parseOne(te.encode("SEND\r\ndestination:/queue/a\r\n\r\nbody\0"), version);
    assert.deepEqual(frames(events), [frame("SEND", [["destination", "/queue/a"]], "body")]);
  }
});

// ---------------------------------------------------------------------------------------
// Bodies

Deno.test("content-length bodies may contain NUL", () => {
  const body = new Uint8Array([0, 0, 65, 0, 10, 0]);
  const wire = bytes("SEND\ncontent-length:6\n\n", body, [0], "SEND\n\nnext\0");
  const events = parseOne(wire);
  assert.deepEqual(frames(events), [
    frame("SEND", [["content-length", "6"]], body),
    frame("SEND", [], "next"),
  ]);
});

Deno.test("content-length 0, surrounding blanks, a plus sign, and the first occurrence wins", () => {
  const events = parseOne(
    te.encode(
      "SEND\ncontent-length:0\n\n\0SEND\ncontent-length: 2 \ncontent-length:9\n\nab\0SEND\ncontent-length:+1\n\nz\0",
    ),
    "1.1",
  );
  assert.equal(errors(events).length, 0, JSON.stringify(events));
  assert.deepEqual(frames(events).map((f) => td.decode(f.body)), ["", "ab", "z"]);
});

Deno.test("without content-length the body ends at the first NUL", () => {
  const events = parseOne(te.encode("SEND\n\nab\0cd\0"));
  // "cd" is a command line that never ends; only the first frame is complete.
  assert.deepEqual(frames(events), [frame("SEND", [], "ab")]);
});

Deno.test("bodies are copies: mutating the pushed chunk later does not change them", () => {
  const chunk = te.encode("SEND\n\nabc\0SEND\ncontent-length:3\n\nxyz\0");
  const p = parser();
  const events = p.push(chunk);
  chunk.fill(0x21);
  assert.deepEqual(frames(events).map((f) => td.decode(f.body)), ["abc", "xyz"]);
  // Also when the body was accumulated over several pushes.
  const a = te.encode("SEND\n\nab");
  const b = te.encode("c\0");
  const q = parser();
  q.push(a);
  const later = q.push(b);
  a.fill(0x21);
  b.fill(0x21);
  assert.equal(td.decode(frames(later)[0].body), "abc");
});

// ---------------------------------------------------------------------------------------
// Heart-beats

Deno.test("heart-beats: LF and CRLF between frames, coalesced per push", () => {
  assert.deepEqual(parseOne(te.encode("\n")), [{ kind: "heartbeat" }]);
  assert.deepEqual(parseOne(te.encode("\r\n")), [{ kind: "heartbeat" }]);
  assert.deepEqual(parseOne(te.encode("\n\r\n\n\n\r\n")), [{ kind: "heartbeat" }]);

  const p = parser();
  assert.deepEqual(p.push(te.encode("\r")), []);
  assert.deepEqual(p.push(te.encode("\n")), [{ kind: "heartbeat" }]);
  assert.deepEqual(p.push(te.encode("\n")), [{ kind: "heartbeat" }]);

  const events = parseOne(te.encode("\nSEND\n\na\0\n\nSEND\n\nb\0\n"));
  assert.deepEqual(events.map((e) => e.kind), ["heartbeat", "frame", "frame"]);
});

Deno.test("blank or NUL-only lines between frames count as heart-beats (ActiveMQ trims the command line)", () => {
  const events = parseOne(te.encode("SEND\n\na\0\0\n \t\nSEND\n\nb\0"));
  assert.deepEqual(events.map((e) => e.kind), ["frame", "heartbeat", "frame"]);
  assert.deepEqual(frames(events).map((f) => td.decode(f.body)), ["a", "b"]);
});

Deno.test("the command line is trimmed but otherwise returned as is, garbage included", () => {
  const events = parseOne(bytes(" SEND \r\n\n\0", "SE\0ND\n\n\0", [0xff, 0x41, 0x0a, 0x0a, 0x00]));
  assert.deepEqual(frames(events).map((f) => f.command), ["SEND", "SE\0ND", "\ufffdA"]);
});

// ---------------------------------------------------------------------------------------
// Resumability

const MULTI = bytes(
  "\r\n",
  encodeStompFrame(frame("CONNECT", [["accept-version", "1.2"], ["host", "/"]]), "1.2"),
  encodeStompFrame(frame("SEND", [["destination", "/queue/é:x"], ["k\\", "a\r\nb"]], "text body"), "1.2"),
  "SEND\r\ncontent-length:4\r\nx:y\r\n\r\n\0\0\0\0\0\r\n",
  encodeStompFrame(frame("SEND", [["content-length", "3"]], new Uint8Array([0, 1, 0])), "1.2"),
  "\n\n",
  encodeStompFrame(frame("SUBSCRIBE", [["id", "0"], ["destination", "/topic/t"], ["ack", "client"]]), "1.2"),
  "DISCONNECT\nreceipt:77\n\n\0",
);

Deno.test("every split point of a multi-frame input gives the same frames", () => {
  const expected = significant(parseOne(MULTI));
  assert.equal(frames(expected).length, 6);
  assert.equal(errors(expected).length, 0);
  for (let at = 0; at <= MULTI.length; at++) {
    const events = pushAll(parser(), [MULTI.subarray(0, at), MULTI.subarray(at)]);
    assert.deepEqual(significant(events), expected, `split at ${at}`);
  }
});

Deno.test("every pair of split points gives the same frames", () => {
  const expected = significant(parseOne(MULTI));
  for (let a = 0; a <= MULTI.length; a += 3) {
    for (let b = a; b <= MULTI.length; b += 2) {
      const events = pushAll(parser(), [MULTI.subarray(0, a), MULTI.subarray(a, b), MULTI.subarray(b)]);
      assert.deepEqual(significant(events), expected, `split at ${a}, ${b}`);
    }
  }
});

Deno.test("byte-at-a-time feeding gives the same frames and the heart-beats", () => {
  const expected = significant(parseOne(MULTI));
  const p = parser();
  const events: StompParseEvent[] = [];
  for (let i = 0; i < MULTI.length; i++) events.push(...p.push(MULTI.subarray(i, i + 1)));
  assert.deepEqual(significant(events), expected);
  // Leading CRLF, one LF after each encoded frame, one CRLF after the raw frame, then "\n\n".
  assert.equal(events.filter((e) => e.kind === "heartbeat").length, 1 + 4 + 1 + 2);
});

Deno.test("errors are split-independent too", () => {
  const input = bytes(MULTI.subarray(0, 60), "SEND\nno colon here\n\n\0", "SEND\n\nnever\0");
  const expected = significant(parseOne(input));
  assert.equal(errors(expected).length, 1);
  for (let at = 0; at <= input.length; at++) {
    assert.deepEqual(significant(pushAll(parser(), [input.subarray(0, at), input.subarray(at)])), expected);
  }
});

Deno.test("empty pushes are harmless", () => {
  const p = parser();
  assert.deepEqual(p.push(new Uint8Array(0)), []);
  assert.deepEqual(p.push(te.encode("SEND\n\n")), []);
  assert.deepEqual(p.push(new Uint8Array(0)), []);
  assert.equal(frames(p.push(te.encode("x\0"))).length, 1);
});

// ---------------------------------------------------------------------------------------
// Limits

Deno.test("DEFAULT_STOMP_LIMITS match ActiveMQ", () => {
  assert.deepEqual({ ...DEFAULT_STOMP_LIMITS }, {
    maxFrameSize: Number.MAX_SAFE_INTEGER,
    maxDataLength: 100 * 1024 * 1024,
    maxHeaders: 1000,
    maxHeaderLength: 10 * 1024,
    maxCommandLength: 1024,
  });
});

Deno.test("command line limit, also before the line ends", () => {
  const limits = { maxCommandLength: 8 };
  assert.equal(errors(parseOne(te.encode("ABCDEFGH\n\n\0"), "1.2", limits)).length, 0);
  assert.equal(errors(parseOne(te.encode("ABCDEFGH\r\n\r\n\0"), "1.2", limits)).length, 0);
  const err = onlyError(parseOne(te.encode("ABCDEFGHI\n\n\0"), "1.2", limits));
  assert.deepEqual(err, { message: "Command line exceeds maxCommandLength 8", tooLarge: false });
  const p = parser("1.2", limits);
  assert.deepEqual(p.push(te.encode("ABCDEFGH")), []);
  assert.deepEqual(p.push(te.encode("\r")), []);
  assert.match(onlyError(p.push(te.encode("X"))).message, /^Command line exceeds maxCommandLength 8$/);
  assert.deepEqual(p.push(te.encode("\n\n\0")), [], "dead after an error");
});

Deno.test("header line limit, also before the line ends", () => {
  const limits = { maxHeaderLength: 10 };
  assert.equal(errors(parseOne(te.encode("SEND\nabcde:1234\n\n\0"), "1.2", limits)).length, 0);
  assert.equal(errors(parseOne(te.encode("SEND\r\nabcde:1234\r\n\r\n\0"), "1.2", limits)).length, 0);
  assert.deepEqual(onlyError(parseOne(te.encode("SEND\nabcde:12345\n\n\0"), "1.2", limits)), {
    message: "Header line exceeds maxHeaderLength 10",
    tooLarge: false,
  });
  const p = parser("1.2", limits);
  assert.deepEqual(p.push(te.encode("SEND\nx:")), []);
  assert.match(onlyError(p.push(new Uint8Array(100).fill(0x61))).message, /exceeds maxHeaderLength 10/);
});

Deno.test("header count limit", () => {
  const limits = { maxHeaders: 3 };
  assert.equal(frames(parseOne(te.encode("SEND\na:1\nb:2\nc:3\n\n\0"), "1.2", limits)).length, 1);
  assert.deepEqual(onlyError(parseOne(te.encode("SEND\na:1\nb:2\nc:3\nd:4\n\n\0"), "1.2", limits)), {
    message: "Header count 4 exceeds maxHeaders 3",
    tooLarge: false,
  });
});

Deno.test("content-length above maxDataLength fails as soon as the header block ends", () => {
  const p = parser("1.2", { maxDataLength: 1000 });
  const events = p.push(te.encode("SEND\ncontent-length:1001\n\n"));
  assert.deepEqual(onlyError(events), {
    message: "Content length 1001 exceeds maxDataLength 1000",
    tooLarge: true,
  });
  assert.equal(
    frames(parseOne(bytes("SEND\ncontent-length:1000\n\n", new Uint8Array(1000), [0]), "1.2", {
      maxDataLength: 1000,
    })).length,
    1,
  );
  const huge = onlyError(parseOne(te.encode("SEND\ncontent-length:99999999999999999999999\n\n")));
  assert.equal(huge.tooLarge, true);
  assert.match(huge.message, /^Content length 99999999999999999999999 exceeds maxDataLength 104857600$/);
});

Deno.test("content-length above maxFrameSize fails as soon as the header block ends", () => {
  const p = parser("1.2", { maxFrameSize: 1048576 });
  const head = te.encode("SEND\ncontent-length:2000000\n\n"); // 29 bytes of command and headers
  const err = onlyError(p.push(head));
  assert.deepEqual(err, {
    message: `Frame size ${2000000 + head.length} exceeds maxFrameSize 1048576`,
    tooLarge: true,
  });
});

Deno.test("a body without content-length fails once the frame exceeds maxFrameSize, before it is all pushed", () => {
  const p = parser("1.2", { maxFrameSize: 1000 });
  assert.deepEqual(p.push(te.encode("SEND\n\n")), []); // 6 bytes
  assert.deepEqual(p.push(new Uint8Array(600).fill(0x61)), []);
  const err = onlyError(p.push(new Uint8Array(600).fill(0x61)));
  assert.deepEqual(err, { message: "Frame exceeds maxFrameSize 1000", tooLarge: true });
  assert.deepEqual(p.push(new Uint8Array(5000).fill(0x61)), []);
  // Exactly at the limit is fine.
  const ok = parseOne(bytes("SEND\n\n", new Uint8Array(994).fill(0x62), [0]), "1.2", { maxFrameSize: 1000 });
  assert.equal(frames(ok)[0].body.length, 994);
});

Deno.test("a body without content-length is also bounded by maxDataLength", () => {
  const p = parser("1.2", { maxDataLength: 100 });
  assert.deepEqual(p.push(bytes("SEND\n\n", new Uint8Array(100).fill(0x61))), []);
  assert.deepEqual(onlyError(p.push(te.encode("b"))), {
    message: "Body exceeds maxDataLength 100",
    tooLarge: true,
  });
});

Deno.test("the header block counts towards maxFrameSize", () => {
  const err = onlyError(
    parseOne(te.encode("SEND\nk:0123456789\nl:0123456789\n\n\0"), "1.2", { maxFrameSize: 20 }),
  );
  assert.equal(err.tooLarge, true);
  assert.match(err.message, /^Frame exceeds maxFrameSize 20$/);
});

Deno.test("undefined limit fields fall back to the defaults", () => {
  const p = new StompParser({ maxHeaders: undefined, maxCommandLength: 4 });
  assert.equal(errors(p.push(te.encode("SEND\na:1\n\n\0"))).length, 0);
});

// ---------------------------------------------------------------------------------------
// Malformed input

Deno.test("a header line without a colon is an error", () => {
  const err = onlyError(parseOne(te.encode("SEND\nnocolon\n\n\0")));
  assert.deepEqual(err, { message: `Header line without ':' "nocolon"`, tooLarge: false });
});

Deno.test("undefined escape sequences are errors", () => {
  assert.match(
    onlyError(parseOne(te.encode("SEND\nk:a\\tb\n\n\0"))).message,
    /^Undefined escape sequence "\\t"/,
  );
  assert.match(
    onlyError(parseOne(te.encode("SEND\nk\\x:v\n\n\0"))).message,
    /^Undefined escape sequence "\\x"/,
  );
  assert.match(
    onlyError(parseOne(te.encode("SEND\nk:end\\\n\n\0"))).message,
    /^Undefined escape sequence "\\"/,
  );
});

Deno.test("invalid content-length values are errors", () => {
  for (const value of ["abc", "-1", "", "1.5", "0x10", "1 2"]) {
    const err = onlyError(parseOne(te.encode(`SEND\ncontent-length:${value}\n\n\0`)));
    assert.deepEqual(err, { message: `Invalid content-length "${value}"`, tooLarge: false }, value);
  }
});

Deno.test("invalid UTF-8 in a header is an error event, not an exception", () => {
  for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
    const err = onlyError(parseOne(bytes("SEND\nk:", bad, "\n\n\0")));
    assert.match(err.message, /^Invalid UTF-8 in header line /);
  }
  // A BOM is kept, not stripped.
  const bom = frames(parseOne(bytes("SEND\nk:", [0xef, 0xbb, 0xbf], "v\n\n\0")));
  assert.equal(bom[0].headers[0][1], "\ufeffv");
});

Deno.test("a missing NUL after the content-length bytes is an error", () => {
  const message = "Expected frame end (NUL) after content-length bytes";
  assert.deepEqual(onlyError(parseOne(te.encode("SEND\ncontent-length:2\n\nabc\0"))), {
    message,
    tooLarge: false,
  });
  const p = parser();
  assert.deepEqual(p.push(te.encode("SEND\ncontent-length:2\n\nab")), []);
  assert.deepEqual(onlyError(p.push(te.encode("\n"))), { message, tooLarge: false });
});

Deno.test("after an error the parser is dead and earlier frames of the same push are kept", () => {
  const p = parser();
  const events = p.push(te.encode("SEND\n\nok\0SEND\nbad\n\n\0SEND\n\nlost\0"));
  assert.deepEqual(events.map((e) => e.kind), ["frame", "error"]);
  assert.deepEqual(p.push(te.encode("SEND\n\nx\0")), []);
  assert.deepEqual(p.push(te.encode("\n")), []);
});

// ---------------------------------------------------------------------------------------
// Fuzz

const COMMANDS = [
  "SEND",
  "MESSAGE",
  "SUBSCRIBE",
  "ACK",
  "NACK",
  "BEGIN",
  "COMMIT",
  "ERROR",
  "RECEIPT",
  "X-CMD",
];
const NAME_CHARS = ["a", "b", "z", "-", "_", "1", "é", "✓", "😀", ":", "\\", "\n", "\r", " ", "."];
const VALUE_CHARS = [...NAME_CHARS, "\t", "/", "\u0000", "€"];

function randomText(r: () => number, chars: string[], max: number): string {
  let s = "";
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += pick(r, chars);
  return s;
}

/** A frame that survives an encode/parse round trip under `version`. */
function randomFrame(r: () => number, version: StompVersion): StompFrame {
  const command = pick(r, COMMANDS);
  const headers: [string, string][] = [];
  const count = Math.floor(r() * 6);
  for (let i = 0; i < count; i++) {
    let name = "h" + randomText(r, NAME_CHARS, 5);
    let value = randomText(r, VALUE_CHARS, 12);
    if (version === "1.0") {
      // Nothing is escaped: no colon in names, no line breaks, and values are trimmed.
      name = name.replace(/[:\r\n]/g, "_");
      value = value.replace(/[\r\n]/g, "_");
      while (value.length > 0 && value.charCodeAt(0) <= 0x20) value = value.slice(1);
      while (value.length > 0 && value.charCodeAt(value.length - 1) <= 0x20) value = value.slice(0, -1);
    } else if (version === "1.1") {
      value = value.replace(/\r$/, "_"); // a CR right before the EOL is part of the EOL
    }
    headers.push([name, value]);
  }
  const length = Math.floor(r() * (r() < 0.1 ? 3000 : 40));
  const body = new Uint8Array(length);
  for (let i = 0; i < length; i++) body[i] = Math.floor(r() * 256);
  if (r() < 0.5) {
    headers.splice(Math.floor(r() * (headers.length + 1)), 0, ["content-length", String(length)]);
  } else {
    for (let i = 0; i < length; i++) if (body[i] === 0) body[i] = 1;
  }
  return { command, headers, body };
}

/** STOMP's special bytes: NUL, EOLs, ':' and '\\', 0xff, a UTF-8 lead byte, space, and one random byte per edit. */
function mutate(r: () => number, input: Uint8Array): Uint8Array {
  return mutateBytes(r, input, {
    interesting: (r) => [0x00, 0x0a, 0x0d, 0x3a, 0x5c, 0xff, 0xc3, 0x20, Math.floor(r() * 256)],
  });
}

function assertWellFormed(events: StompParseEvent[]): void {
  assert.ok(Array.isArray(events));
  let heartbeats = 0;
  events.forEach((event, index) => {
    switch (event.kind) {
      case "frame": {
        const f = event.frame;
        assert.equal(typeof f.command, "string");
        assert.ok(f.command.length > 0);
        assert.ok(Array.isArray(f.headers));
        for (const h of f.headers) {
          assert.ok(
            Array.isArray(h) && h.length === 2 && typeof h[0] === "string" && typeof h[1] === "string",
          );
        }
        assert.ok(f.body instanceof Uint8Array);
        break;
      }
      case "heartbeat":
        heartbeats++;
        break;
      case "error":
        assert.equal(typeof event.message, "string");
        assert.ok(event.message.length > 0);
        assert.ok(!event.message.startsWith("Internal"), event.message);
        assert.equal(typeof event.tooLarge, "boolean");
        assert.equal(index, events.length - 1, "nothing follows an error");
        break;
      default:
        assert.fail(`unknown event ${JSON.stringify(event)}`);
    }
  });
  assert.ok(heartbeats <= 1);
}

Deno.test("fuzz: 20,000 random, truncated and mutated inputs in random splits", () => {
  const r = rng(0x5eed);
  const versions = ["1.0", "1.1", "1.2"] as const;
  let validFrames = 0;
  let errorsSeen = 0;
  for (let iteration = 0; iteration < 20_000; iteration++) {
    const version = pick(r, versions);
    const input = Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomFrame(r, version));
    const encoded = bytes(...input.map((f) => encodeStompFrame(f, version)));
    const mutated = r() < 0.6;
    const wire = mutated ? mutate(r, encoded) : encoded;
    const limits: Partial<StompLimits> = r() < 0.25
      ? {
        maxFrameSize: 50 + Math.floor(r() * 500),
        maxDataLength: Math.floor(r() * 100),
        maxHeaders: Math.floor(r() * 4),
        maxHeaderLength: 5 + Math.floor(r() * 30),
        maxCommandLength: 3 + Math.floor(r() * 6),
      }
      : {};

    const p = parser(version, limits);
    const events: StompParseEvent[] = [];
    let dead = false;
    for (const chunk of randomSplits(r, wire)) {
      const got = p.push(chunk);
      assertWellFormed(got);
      if (dead) assert.deepEqual(got, [], "a dead parser stays silent");
      if (got.some((e) => e.kind === "error")) dead = true;
      events.push(...got);
    }
    const whole = significant(parser(version, limits).push(wire));
    assert.deepEqual(significant(events), whole, "split-independent");
    if (dead) errorsSeen++;
    if (!mutated && Object.keys(limits).length === 0) {
      assert.deepEqual(frames(events), input);
      assert.equal(errors(events).length, 0);
      validFrames += input.length;
    }
  }
  assert.ok(validFrames > 10_000);
  assert.ok(errorsSeen > 1_000);
});

Deno.test("fuzz: arbitrary random bytes never make push throw", () => {
  const r = rng(42);
  for (let iteration = 0; iteration < 5_000; iteration++) {
    const alphabet = [0x00, 0x0a, 0x0d, 0x3a, 0x5c, 0x41, 0x6e, 0x63, 0xff, 0x80];
    const input = new Uint8Array(Math.floor(r() * 200)).map(() =>
      r() < 0.7 ? pick(r, alphabet) : Math.floor(r() * 256)
    );
    const p = parser(
      pick(r, ["1.0", "1.1", "1.2"] as const),
      r() < 0.5 ? { maxHeaderLength: 16, maxFrameSize: 100 } : {},
    );
    for (const chunk of randomSplits(r, input)) assertWellFormed(p.push(chunk));
  }
});

// ---------------------------------------------------------------------------------------
// Volume

Deno.test("10,000 small frames in one buffer", () => {
  const one = encodeStompFrame(
    frame("SEND", [["destination", "/queue/bench"], ["persistent", "true"]], "payload"),
    "1.2",
  );
  const all = new Uint8Array(one.length * 10_000);
  for (let i = 0; i < 10_000; i++) all.set(one, i * one.length);
  const events = parseOne(all);
  const parsed = frames(events);
  assert.equal(parsed.length, 10_000);
  assert.equal(errors(events).length, 0);
  assert.equal(header(parsed[9_999], "destination"), "/queue/bench");
  assert.equal(td.decode(parsed[5_000].body), "payload");
});
