import assert from "node:assert/strict";
import { rng as prng } from "../../support/random.ts";
import { parseSelector } from "../../../src/broker/selector/mod.ts";
import { BrokerError } from "../../../src/broker/errors.ts";
import type { Message, PropertyValue } from "../../../src/message/message.ts";

// ---- a small message factory ----

function makeMessage(
  properties: Record<string, PropertyValue> = {},
  overrides: Partial<Message> = {},
): Message {
  return {
    messageId: "ID:host-1:1:1:1",
    destination: { type: "queue", name: "FOO.BAR" },
    priority: 4,
    expiration: 0,
    timestamp: 1_700_000_000_000,
    persistent: true,
    redeliveryCounter: 0,
    properties,
    bodyKind: "text",
    body: null,
    ...overrides,
  };
}

const PROPS: Record<string, PropertyValue> = {
  name: "James",
  location: "London",
  rank: 123,
  version: 2,
  zero: 0,
  negative: -5,
  half: 1.5,
  longProp: 123n,
  bigLong: 9007199254740993n, // 2^53 + 1: not representable as a number
  negLong: -5n,
  quote: "'In God We Trust'",
  foo: "_foo",
  punctuation: "!#$&()*+,-./:;<=>?@[\\]^`{|}~",
  dotted: "a.c",
  percent: "100%",
  under: "a_b",
  empty: "",
  multiline: "line1\nline2",
  trueProp: true,
  falseProp: false,
  numStr: "5",
  floatStr: "5.5",
  wordStr: "abc",
  boolStr: "TRUE",
  nullProp: null,
  list: "a,b,,c,,",
};

const MSG = makeMessage(PROPS);

function matches(selector: string, message: Message = MSG): boolean {
  return parseSelector(selector).matches(message);
}

/** TRUE, FALSE or UNKNOWN, read through `matches` of the selector and of its negation. */
function truth(expr: string, message: Message = MSG): "TRUE" | "FALSE" | "UNKNOWN" {
  const yes = matches(expr, message);
  const no = matches(`NOT (${expr})`, message);
  assert.ok(!(yes && no), `${expr} and its negation both matched`);
  return yes ? "TRUE" : no ? "FALSE" : "UNKNOWN";
}

function runTable(table: readonly (readonly [string, boolean])[], message: Message = MSG): void {
  const failures: string[] = [];
  for (const [selector, expected] of table) {
    let actual: boolean | string;
    try {
      actual = matches(selector, message);
    } catch (e) {
      actual = `threw ${(e as Error).message}`;
    }
    if (actual !== expected) failures.push(`${selector}: expected ${expected}, got ${actual}`);
  }
  assert.deepEqual(failures, []);
}

function assertInvalid(selector: string, messageIncludes?: string): void {
  assert.throws(
    () => parseSelector(selector),
    (e: unknown) => {
      assert.ok(e instanceof BrokerError, `${JSON.stringify(selector)} threw ${e}`);
      assert.equal(e.code, "invalid-selector");
      if (messageIncludes !== undefined) assert.ok(e.message.includes(messageIncludes), e.message);
      return true;
    },
    `expected ${JSON.stringify(selector)} to be rejected`,
  );
}

// ---- comparisons ----

Deno.test("selector: equality and comparison operators", () => {
  runTable([
    ["name = 'James'", true],
    ["name = 'james'", false], // case-sensitive
    ["name <> 'James'", false],
    ["name <> 'Bob'", true],
    ["'James' = name", true],
    ["rank = 123", true],
    ["rank <> 123", false],
    ["rank > 100", true],
    ["rank > 123", false],
    ["rank >= 123", true],
    ["rank >= 124", false],
    ["rank < 124", true],
    ["rank < 123", false],
    ["rank <= 123", true],
    ["rank <= 122", false],
    ["rank = 123.0", true], // int vs double promotion
    ["half = 1.5", true],
    ["half > 1", true],
    ["half < 2", true],
    ["rank + 0.5 > 123", true],
    ["negative < 0", true],
    ["negative = -5", true],
    ["trueProp = TRUE", true],
    ["trueProp = FALSE", false],
    ["falseProp = FALSE", true],
    ["trueProp <> FALSE", true],
    ["trueProp = falseProp", false],
    ["name = location", false],
    ["name > location", false], // 'James' < 'London', compared as Java does
    ["name < location", true],
    ["TRUE", true],
    ["FALSE", false],
    ["1 = 1", true],
    ["1 <> 1", false],
    ["'a' = 'a'", true],
    ["1.0 < 1.1", true],
    ["-1.1 < 1.0", true],
  ]);
});

Deno.test("selector: values of different types never compare equal", () => {
  assert.equal(truth("numStr = 5"), "FALSE");
  assert.equal(truth("numStr > 4"), "FALSE");
  assert.equal(truth("numStr <> 5"), "TRUE"); // NOT of FALSE
  assert.equal(truth("name = 5"), "FALSE");
  assert.equal(truth("rank = '123'"), "FALSE");
  assert.equal(truth("trueProp = 1"), "FALSE");
  assert.equal(truth("trueProp > 0"), "FALSE");
  assert.equal(truth("boolStr = TRUE"), "FALSE");
});

// ---- three-valued logic ----

Deno.test("selector: three-valued logic truth tables", () => {
  const table: [string, string][] = [
    // AND
    ["TRUE AND TRUE", "TRUE"],
    ["TRUE AND FALSE", "FALSE"],
    ["NULL AND FALSE", "FALSE"],
    ["FALSE AND NULL", "FALSE"],
    ["NULL AND TRUE", "UNKNOWN"],
    ["TRUE AND NULL", "UNKNOWN"],
    ["NULL AND NULL", "UNKNOWN"],
    // OR
    ["FALSE OR FALSE", "FALSE"],
    ["NULL OR TRUE", "TRUE"],
    ["TRUE OR NULL", "TRUE"],
    ["NULL OR FALSE", "UNKNOWN"],
    ["FALSE OR NULL", "UNKNOWN"],
    ["NULL OR NULL", "UNKNOWN"],
    // NOT
    ["NOT TRUE", "FALSE"],
    ["NOT FALSE", "TRUE"],
    ["NOT NULL", "UNKNOWN"],
    // The same with properties: absent ones are NULL.
    ["missing = 1 AND falseProp", "FALSE"],
    ["missing = 1 AND trueProp", "UNKNOWN"],
    ["missing = 1 OR trueProp", "TRUE"],
    ["missing = 1 OR falseProp", "UNKNOWN"],
    ["missing = 1", "UNKNOWN"],
    ["missing <> 1", "UNKNOWN"],
    ["missing > 1", "UNKNOWN"],
    ["missing + 1 = 2", "UNKNOWN"],
    ["nullProp = 'x'", "UNKNOWN"],
    ["missing", "UNKNOWN"],
    ["trueProp", "TRUE"],
    ["falseProp", "FALSE"],
    ["name", "FALSE"], // a non-boolean property used as a condition
    ["missing = 1 AND missing = 2 AND falseProp", "FALSE"],
    ["missing = 1 OR missing = 2 OR trueProp", "TRUE"],
    ["missing = 1 OR missing = 2 OR falseProp", "UNKNOWN"],
    ["(trueProp OR falseProp) AND trueProp", "TRUE"],
    ["(trueProp OR falseProp) AND falseProp", "FALSE"],
  ];
  const failures = table.filter(([e, want]) => truth(e) !== want).map(([e, want]) =>
    `${e}: want ${want}, got ${truth(e)}`
  );
  assert.deepEqual(failures, []);
});

Deno.test("selector: NOT applies to a whole comparison", () => {
  runTable([
    ["NOT name = 'James'", false],
    ["NOT name = 'Bob'", true],
    ["NOT rank > 200", true],
    ["NOT NOT trueProp", true],
    ["NOT trueProp AND trueProp", false],
    ["NOT falseProp AND trueProp", true],
    ["NOT falseProp OR falseProp", true],
    ["trueProp = NOT falseProp", true], // NOT in operand position, as ActiveMQ parses it
  ]);
});

Deno.test("selector: AND binds tighter than OR", () => {
  runTable([
    ["trueProp OR falseProp AND falseProp", true],
    ["(trueProp OR falseProp) AND falseProp", false],
    ["falseProp AND falseProp OR trueProp", true],
  ]);
});

// ---- arithmetic ----

Deno.test("selector: arithmetic", () => {
  runTable([
    ["rank + 2 = 125", true],
    ["(rank + 2) = 125", true],
    ["125 = (rank + 2)", true],
    ["rank + version = 125", true],
    ["rank - 2 = 121", true],
    ["rank - version = 121", true],
    ["rank * 2 = 246", true],
    ["rank * version = 246", true],
    ["rank / version = 61.5", true], // division is floating point (ActiveMQ)
    ["version / 2 = 1", true],
    ["rank % 10 = 3", true],
    ["7 % 2 = 1", true],
    ["-rank = -123", true],
    ["+rank = 123", true],
    ["- -rank = 123", true],
    ["2 + 3 * 4 = 14", true],
    ["(2 + 3) * 4 = 20", true],
    ["10 - 4 - 3 = 3", true], // left associative
    ["16 / 4 / 2 = 2", true],
    ["half * 2 = 3", true],
    ["1 + 1.5 = 2.5", true],
    ["name + '!' = 'James!'", true],
    ["name + 1 = 'James1'", true],
    ["rank + name = 1", false], // number + string is UNKNOWN
  ]);
});

Deno.test("selector: division or modulo by zero is UNKNOWN, not a crash", () => {
  assert.equal(truth("rank / 0 = 1"), "UNKNOWN");
  assert.equal(truth("rank / zero > 0"), "UNKNOWN");
  assert.equal(truth("rank / 0.0 > 0"), "UNKNOWN");
  assert.equal(truth("rank % 0 = 0"), "UNKNOWN");
  assert.equal(truth("longProp / 0 = 1"), "UNKNOWN");
  assert.equal(truth("longProp % 0 = 1"), "UNKNOWN");
  assert.equal(truth("rank / 0 = 1 OR trueProp"), "TRUE");
});

// ---- long (bigint) properties ----

Deno.test("selector: long properties compare exactly with number literals", () => {
  runTable([
    ["longProp = 123", true],
    ["longProp = 123.0", true],
    ["longProp > 122", true],
    ["longProp < 123.5", true],
    ["longProp BETWEEN 100 AND 200", true],
    ["longProp = rank", true],
    ["longProp + 1 = 124", true],
    ["longProp * 2 = 246", true],
    ["longProp - rank = 0", true],
    ["longProp / 2 = 61.5", true],
    ["longProp + 0.5 = 123.5", true],
    ["negLong = -5", true],
    ["-negLong = 5", true],
    ["bigLong = 9007199254740993", true],
    ["bigLong = 9007199254740992", false], // would be equal as doubles
    ["bigLong > 9007199254740992", true],
    ["bigLong - 1 = 9007199254740992", true],
    ["bigLong + 1 = 9007199254740994", true],
    ["bigLong = 9007199254740993L", true],
    ["bigLong > 1.0", true],
    ["9223372036854775807 > 9223372036854775806", true],
    ["-9223372036854775808 < 0", true],
  ]);
  const m = makeMessage({ SessionserverId: 1870414179n });
  assert.equal(matches("SessionserverId=1870414179", m), true);
  assert.equal(matches("SessionserverId=1234", m), false);
});

// ---- LIKE ----

Deno.test("selector: LIKE", () => {
  runTable([
    ["name LIKE 'James'", true],
    ["name LIKE 'Jam%'", true],
    ["name LIKE '%mes'", true],
    ["name LIKE '%am%'", true],
    ["name LIKE 'J_mes'", true],
    ["name LIKE 'J__es'", true],
    ["name LIKE 'J_es'", false],
    ["name LIKE '%'", true],
    ["name LIKE '%%'", true],
    ["name LIKE 'J%s'", true],
    ["name LIKE 'J%x'", false],
    ["name LIKE '_a%e_'", true],
    ["name LIKE 'james'", false], // case-sensitive
    ["name NOT LIKE 'Jam%'", false],
    ["name NOT LIKE 'Bob%'", true],
    ["empty LIKE ''", true],
    ["empty LIKE '%'", true],
    ["empty LIKE '_'", false],
    ["multiline LIKE 'line1%line2'", true], // % crosses newlines
    ["multiline LIKE 'line1_line2'", true],
    ["quote LIKE '''In G_d We Trust'''", true],
    ["quote LIKE '''In Gd_ We Trust'''", false],
    ["quote NOT LIKE '''In G_d We Trust'''", false],
    ["foo LIKE '%oo'", true],
    ["foo LIKE '%ar'", false],
    ["foo NOT LIKE '%ar'", true],
    ["name LIKE '%a%a%a%'", false],
    ["name LIKE '%a%e%'", true],
    ["name LIKE '%e%a%'", false],
  ]);
});

Deno.test("selector: LIKE treats regex metacharacters literally", () => {
  runTable([
    ["dotted LIKE 'a.c'", true],
    ["wordStr LIKE 'a.c'", false],
    ["wordStr LIKE 'a.*'", false],
    ["wordStr LIKE '[a-c]bc'", false],
    ["wordStr LIKE 'a|x'", false],
    ["wordStr LIKE '^abc$'", false],
    ["wordStr LIKE '(abc)'", false],
    ["wordStr LIKE 'ab?c'", false],
    ["wordStr LIKE 'ab+c'", false],
    ["wordStr LIKE '\\w+'", false],
    ["punctuation LIKE '!#$&()*+,-./:;<=>?@[\\]^`{|}~'", true],
    ["punctuation LIKE '!#$&()*+,-./:;<=>?@[\\]^`{|}_'", true],
    ["punctuation LIKE '!#$&()*+,-./%'", true],
  ]);
});

Deno.test("selector: LIKE with ESCAPE", () => {
  runTable([
    ["foo LIKE '!_%' ESCAPE '!'", true],
    ["quote LIKE '!_%' ESCAPE '!'", false],
    ["foo NOT LIKE '!_%' ESCAPE '!'", false],
    ["quote NOT LIKE '!_%' ESCAPE '!'", true],
    ["under LIKE 'a\\_b' ESCAPE '\\'", true],
    ["wordStr LIKE 'a\\_c' ESCAPE '\\'", false], // the escaped _ is not a wildcard
    ["percent LIKE '100\\%' ESCAPE '\\'", true],
    ["percent LIKE '%\\%' ESCAPE '\\'", true],
    ["name LIKE '%\\%' ESCAPE '\\'", false],
    ["percent LIKE '100x%' ESCAPE 'x'", true],
    ["under LIKE 'a__b' ESCAPE '_'", true], // `__` is a literal `_`
    ["wordStr LIKE 'a__c' ESCAPE '_'", false],
    ["under LIKE 'a__' ESCAPE '_'", false],
    ["punctuation LIKE '%||}~' ESCAPE '|'", true], // `||` is a literal `|`
    ["dotted LIKE 'a.c' ESCAPE '.'", true], // escape before an ordinary char is itself ordinary
    ["wordStr LIKE 'a.c' ESCAPE '.'", false],
    ["name LIKE 'Ja%' escape '!'", true],
  ]);
});

Deno.test("selector: LIKE on NULL is UNKNOWN, on a non-string FALSE", () => {
  assert.equal(truth("missing LIKE '%'"), "UNKNOWN");
  assert.equal(truth("missing NOT LIKE '%'"), "UNKNOWN");
  assert.equal(truth("rank LIKE '%'"), "FALSE");
  assert.equal(matches("rank NOT LIKE '1%'"), true);
});

Deno.test("selector: pathological LIKE patterns stay fast", () => {
  const m = makeMessage({ s: "a".repeat(20_000) });
  const s = parseSelector("s LIKE '%a%a%a%a%a%a%a%a%a%a%a%a%b'");
  const started = performance.now();
  assert.equal(s.matches(m), false);
  assert.ok(performance.now() - started < 2_000, "LIKE took too long");
});

// ---- BETWEEN, IN, IS NULL ----

Deno.test("selector: BETWEEN and NOT BETWEEN", () => {
  runTable([
    ["rank BETWEEN 100 AND 150", true],
    ["rank BETWEEN 123 AND 123", true],
    ["rank BETWEEN 10 AND 120", false],
    ["rank BETWEEN 150 AND 100", false],
    ["rank NOT BETWEEN 100 AND 150", false],
    ["rank NOT BETWEEN 10 AND 120", true],
    ["half BETWEEN 1 AND 2", true],
    ["rank BETWEEN version * 50 AND version * 70", true],
    ["rank between 100 and 150 and name = 'James'", true],
    ["rank BETWEEN 100 AND 150 AND rank BETWEEN 1 AND 2", false],
    ["-1 BETWEEN -2 AND 0", true],
  ]);
  assert.equal(truth("missing BETWEEN 1 AND 2"), "UNKNOWN");
  assert.equal(truth("missing NOT BETWEEN 1 AND 2"), "UNKNOWN");
  assert.equal(truth("rank BETWEEN missing AND 200"), "UNKNOWN");
  assert.equal(truth("rank BETWEEN missing AND 100"), "FALSE");
  assert.equal(truth("rank NOT BETWEEN missing AND 100"), "TRUE");
  assert.equal(truth("name BETWEEN 1 AND 2"), "FALSE");
});

Deno.test("selector: IN and NOT IN", () => {
  runTable([
    ["name IN ('James', 'Bob', 'Gromit')", true],
    ["name IN ('Bob', 'James', 'Gromit')", true],
    ["name IN ('Gromit', 'Bob', 'James')", true],
    ["name IN ('James')", true],
    ["name IN ('Gromit', 'Bob', 'Cheddar')", false],
    ["name NOT IN ('Gromit', 'Bob', 'Cheddar')", true],
    ["name NOT IN ('James', 'Bob')", false],
    ["name IN ('a', 'b', 'c', 'd', 'e', 'f', 'James')", true], // set lookup path
    ["name NOT IN ('a', 'b', 'c', 'd', 'e', 'f', 'g')", true],
    ["name IN ('james')", false],
    ["quote IN ('''In God We Trust''')", true],
    ["JMSType IN ('a', 'selector-test')", false],
  ]);
  assert.equal(truth("missing IN ('a')"), "UNKNOWN");
  assert.equal(truth("missing NOT IN ('a')"), "UNKNOWN");
  assert.equal(truth("rank IN ('123')"), "UNKNOWN"); // non-strings are UNKNOWN (ActiveMQ)
  const m = makeMessage({});
  assert.equal(matches("Command NOT IN ('MirrorLobbyRequest', 'MirrorLobbyReply')", m), false);
  m.properties.Command = "Cheese";
  assert.equal(matches("Command NOT IN ('MirrorLobbyRequest', 'MirrorLobbyReply')", m), true);
  m.properties.Command = "MirrorLobbyReply";
  assert.equal(matches("Command NOT IN ('MirrorLobbyRequest', 'MirrorLobbyReply')", m), false);
});

Deno.test("selector: IS NULL and IS NOT NULL", () => {
  runTable([
    ["missing IS NULL", true],
    ["missing IS NOT NULL", false],
    ["name IS NOT NULL", true],
    ["name IS NULL", false],
    ["nullProp IS NULL", true],
    ["empty IS NULL", false],
    ["falseProp IS NOT NULL", true],
    ["rank + missing IS NULL", true],
    ["NULL IS NULL", true],
    ["JMSType IS NOT NULL", false],
    ["JMSCorrelationID IS NULL", true],
    ["missing is null and name is not null", true],
    ["(missing = 1) IS NULL", true],
  ]);
});

// ---- header identifiers ----

Deno.test("selector: JMS header identifiers", () => {
  const m = makeMessage({ JMSXUserID: "propUser", JMSXGroupID: "not-used" }, {
    messageId: "ID:host-1:2:3:4",
    destination: { type: "queue", name: "FOO.BAR" },
    replyTo: { type: "temp-queue", name: "ID:reply-1" },
    correlationId: "corr-1",
    type: "selector-test",
    priority: 7,
    expiration: 1_700_000_060_000,
    timestamp: 1_700_000_000_000,
    persistent: true,
    redeliveryCounter: 2,
    groupId: "G1",
    groupSeq: 3,
    userId: "alice",
  });
  runTable([
    ["JMSDestination = 'queue://FOO.BAR'", true],
    ["JMSDestination LIKE 'queue://FOO.%'", true],
    ["JMSReplyTo = 'temp-queue://ID:reply-1'", true],
    ["JMSType = 'selector-test'", true],
    ["JMSType = 'crap'", false],
    ["JMSDeliveryMode = 'PERSISTENT'", true],
    ["JMSDeliveryMode = 'NON_PERSISTENT'", false],
    ["JMSPriority = 7", true],
    ["JMSPriority > 4", true],
    ["JMSPriority BETWEEN 5 AND 9", true],
    ["JMSMessageID = 'ID:host-1:2:3:4'", true],
    ["JMSTimestamp = 1700000000000", true],
    ["JMSTimestamp > 1699999999999", true],
    ["JMSCorrelationID = 'corr-1'", true],
    ["JMSExpiration = 1700000060000", true],
    ["JMSExpiration - JMSTimestamp = 60000", true],
    ["JMSRedelivered = TRUE", true],
    ["JMSRedelivered", true],
    ["JMSXDeliveryCount = 3", true],
    ["JMSXGroupID = 'G1'", true],
    ["JMSXGroupSeq = 3", true],
    ["JMSXUserID = 'alice'", true],
    ["jmspriority = 7", false], // header names are case-sensitive; this is a property
  ], m);

  const plain = makeMessage({}, { persistent: false });
  runTable([
    ["JMSDeliveryMode = 'NON_PERSISTENT'", true],
    ["JMSRedelivered = FALSE", true],
    ["JMSRedelivered", false],
    ["JMSXDeliveryCount = 1", true],
    ["JMSReplyTo IS NULL", true],
    ["JMSType IS NULL", true],
    ["JMSCorrelationID IS NULL", true],
    ["JMSXGroupID IS NULL", true],
    ["JMSXGroupSeq = 0", true],
    ["JMSXUserID IS NULL", true],
    ["JMSPriority = 4", true],
    ["JMSExpiration = 0", true],
  ], plain);

  // JMSXUserID falls back to the property; JMSDestination prefers the original destination.
  assert.equal(matches("JMSXUserID = 'propUser'", makeMessage({ JMSXUserID: "propUser" })), true);
  const moved = makeMessage({}, {
    destination: { type: "queue", name: "ActiveMQ.DLQ" },
    originalDestination: { type: "topic", name: "PRICES" },
  });
  assert.equal(matches("JMSDestination = 'topic://PRICES'", moved), true);
  assert.equal(matches("JMSDestination = 'queue://ActiveMQ.DLQ'", moved), false);
});

Deno.test("selector: property names that exist on Object.prototype read as NULL", () => {
  runTable([
    ["constructor IS NULL", true],
    ["toString IS NULL", true],
    ["__proto__ IS NULL", true],
    ["hasOwnProperty IS NULL", true],
  ]);
});

// ---- literals and lexical details ----

Deno.test("selector: numeric literals", () => {
  runTable([
    ["rank = 0x7B", true],
    ["rank = 0X7b", true],
    ["rank = 0173", true], // octal
    ["zero = 0", true],
    ["zero = 00", true],
    ["rank = 123L", true],
    ["rank = 123l", true],
    ["rank = 0x7BL", true],
    ["half = 1.5", true],
    ["half = 1.5f", true],
    ["half = 1.5D", true],
    ["half = 15E-1", true],
    ["half = 0.15e1", true],
    ["half = .15E+1", true],
    ["half = 3. / 2", true],
    ["rank = 1.23E2", true],
    ["1. < 1.1", true],
    ["-1.1 < 1.", true],
    ["1.E1 < 1.1E1", true],
    [".1 < .5", true],
    ["-.5 < .1", true],
    ["4E10 < 5E10", true],
    ["-5E8 < 2E2", true],
    ["4E+10 < 5E+10", true],
    ["4E-10 < 5E-10", true],
    ["0x10 = 16", true],
    ["010 = 8", true],
  ]);
});

Deno.test("selector: string literals, identifiers, keywords and comments", () => {
  const m = makeMessage({ $dollar: "d", _under: "u", a1_$: "x", "ünïcode": "yes", it: "it's" });
  runTable([
    ["$dollar = 'd'", true],
    ["_under = 'u'", true],
    ["a1_$ = 'x'", true],
    ["ünïcode = 'yes'", true],
    ["it = 'it''s'", true],
    ["'''' = ''''", true],
    ["'' = ''", true],
    ["it LIKE '%''%'", true],
  ], m);
  runTable([
    ["name = 'James' and rank < 200", true],
    ["name = 'James' AnD rank < 200", true],
    ["name = 'Bob' oR rank < 200", true],
    ["not name = 'Bob'", true],
    ["missing iS nUlL", true],
    ["name iN ('James')", true],
    ["name lIkE 'J%'", true],
    ["rank BeTwEeN 1 aNd 200", true],
    ["trueProp = true", true],
    ["falseProp = False", true],
    ["-- a comment\nname = 'James'", true],
    ["name = 'James' -- trailing comment", true],
    ["name = 'James' -- comment\n AND rank = 123", true],
    ["/* block */ name = /* inline */ 'James' /* end */", true],
    ["/* multi\nline */name='James'", true],
    ["name='James'AND(rank=123)", true],
    ["\n\tname\r\n=\f'James'  ", true],
    ["name = '--not a comment'", false],
    ["rank = 123/*x*/", true],
  ]);
});

// ---- convert_string_expressions ----

Deno.test("selector: convert_string_expressions compares numeric strings as numbers", () => {
  const s = parseSelector("convert_string_expressions:numStr = 5");
  assert.equal(s.text, "convert_string_expressions:numStr = 5");
  assert.equal(s.matches(MSG), true);

  const convert = (sel: string) => parseSelector(`convert_string_expressions:${sel}`).matches(MSG);
  const table: [string, boolean][] = [
    ["numStr = 5", true],
    ["numStr = 5.0", true],
    ["numStr > 4", true],
    ["numStr < 4", false],
    ["numStr BETWEEN 1 AND 10", true],
    ["5 = numStr", true],
    ["floatStr = 5.5", true],
    ["floatStr > 5", true],
    ["wordStr = 5", false],
    ["wordStr <> 5", true],
    ["boolStr = TRUE", true],
    ["name = 'James'", true],
    ["rank = 123", true],
  ];
  for (const [sel, want] of table) assert.equal(convert(sel), want, sel);

  // Without the prefix the same selectors do not match.
  assert.equal(matches("numStr = 5"), false);
  // The option does the same as the prefix.
  assert.equal(parseSelector("numStr > 4", { convertStringExpressions: true }).matches(MSG), true);
  assert.equal(parseSelector("numStr > 4", { convertStringExpressions: false }).matches(MSG), false);
  // A long string property against a long literal.
  const m = makeMessage({ id: "9007199254740993" });
  assert.equal(parseSelector("id = 9007199254740993", { convertStringExpressions: true }).matches(m), true);
  assert.equal(parseSelector("id = 9007199254740992", { convertStringExpressions: true }).matches(m), false);
});

// ---- functions ----

Deno.test("selector: INLIST, MAKELIST, SPLIT and REGEX functions", () => {
  runTable([
    ["INLIST(MAKELIST('a', 'b', 'James'), name)", true],
    ["INLIST(MAKELIST('a', 'b'), name)", false],
    ["inlist(makelist(1, 2, 123), rank)", true],
    ["INLIST(SPLIT(list, ','), 'c')", true],
    ["INLIST(SPLIT(list, ','), 'd')", false],
    ["INLIST(SPLIT(list, ','), '')", true],
    ["INLIST(SPLIT('a1b22c', '[0-9]+'), 'c')", true],
    ["INLIST(SPLIT('a,b,c', ',', 2), 'b,c')", true],
    ["NOT INLIST(MAKELIST('x'), name)", true],
    ["REGEX('^Ja', name)", true],
    ["REGEX('am', name)", true],
    ["REGEX('^am', name)", false],
    ["REGEX('12', rank)", true],
    ["REGEX('x', missing)", false],
    ["INLIST(name, 'James')", false], // not a list: UNKNOWN
  ]);
});

// ---- the text and the never-throw promises ----

Deno.test("selector: text is kept as given", () => {
  assert.equal(parseSelector(" a = 1 ").text, " a = 1 ");
});

Deno.test("selector: matches never throws, even for odd messages", () => {
  const odd = [
    makeMessage({ weird: { nested: true } as unknown as PropertyValue }),
    makeMessage({ undef: undefined as unknown as PropertyValue }),
    { properties: null } as unknown as Message,
    {} as unknown as Message,
    null as unknown as Message,
  ];
  const selectors = [
    "weird = 1",
    "weird + 1 = 2",
    "weird LIKE 'x'",
    "undef IS NULL",
    "JMSDestination = 'queue://A'",
    "JMSXDeliveryCount = 1",
    "name = 'x' OR rank > 1",
    "INLIST(MAKELIST(weird), weird)",
  ];
  for (const sel of selectors) {
    const s = parseSelector(sel);
    for (const m of odd) assert.equal(typeof s.matches(m), "boolean");
  }
  assert.equal(matches("undef IS NULL", odd[1]), true);
});

// ---- invalid selectors ----

Deno.test("selector: error messages quote the selector and the position", () => {
  assert.throws(() => parseSelector("color = "), {
    name: "BrokerError",
    message: "Invalid selector 'color = ': unexpected end of input at position 8",
  });
  assert.throws(() => parseSelector("a = 1 )"), {
    message: "Invalid selector 'a = 1 )': unexpected token ')' at position 6",
  });
  assert.throws(() => parseSelector("a = 'open"), {
    message: "Invalid selector 'a = 'open': unterminated string literal at position 4",
  });
  // Positions count the prefix, so they point into the text as the client sent it.
  assert.throws(() => parseSelector("convert_string_expressions:a ! 1"), {
    message: "Invalid selector 'convert_string_expressions:a ! 1': unexpected character '!' at position 29",
  });
  assert.throws(() => parseSelector("XPATH '//root/a'"), { message: "XPATH selectors are not supported" });
  assert.throws(() => parseSelector("XQUERY '/a'"), { message: "XQUERY selectors are not supported" });
  const e = (() => {
    try {
      parseSelector("a = ");
    } catch (err) {
      return err;
    }
  })();
  assert.ok(e instanceof BrokerError);
  assert.equal(e.javaClass, "javax.jms.InvalidSelectorException");
});

Deno.test("selector: invalid selectors throw BrokerError invalid-selector", () => {
  const invalid = [
    "",
    "   ",
    "-- only a comment",
    "color = ",
    "= 'a'",
    "=TEST 'test'",
    "a = 'unterminated",
    "a = 1 /* unterminated comment",
    "3+5",
    "True AND 3+5",
    "42",
    "'just a string'",
    "a = 1 OR 5",
    "NOT 5",
    "a = NULL",
    "NULL = a",
    "NULL <> a",
    "TRUE = 1",
    "1 = FALSE",
    "a > 'x'",
    "'x' < a",
    "a > TRUE",
    "a >= NULL",
    "(a = 1) > 2",
    "a BETWEEN 'a' AND 'z'",
    "a BETWEEN 1",
    "a BETWEEN 1 OR 2",
    "a LIKE 5",
    "a LIKE b",
    "a LIKE 'x' ESCAPE 'ab'",
    "a LIKE 'x' ESCAPE ''",
    "a LIKE 'x' ESCAPE",
    "a IN ()",
    "a IN (1, 2)",
    "a IN ('x',)",
    "a IN 'x'",
    "a IN ('x'",
    "'a' IN ('a')",
    "(a + 1) IN ('2')",
    "a IS 5",
    "a IS NOT",
    "a IS",
    "(a = 1",
    "a = 1)",
    "((a = 1)",
    "a == 1",
    "a != 1",
    "a = 1 AND",
    "OR a = 1",
    "AND",
    "a = 'x' b = 'y'",
    "a NOT = 1",
    "a # 1",
    'a = "double"',
    "a.b = 1",
    "a-b",
    "a = 09",
    "a = 0x",
    "a = 1e",
    "a = 1.2.3",
    "a = 1abc",
    "FOO(a)",
    "REPLACE(a, 'x', 'y') = 'z'",
    "INLIST(a)",
    "SPLIT(a, ',')",
    "REGEX(a, 'x')",
    "REGEX('(', a)",
    "INLIST(SPLIT(a, b), 'x')",
    "XPATH '//a'",
    "a = 1 OR XPATH '//a'",
    "XQUERY '/a'",
    "XPATH",
    "a = ,",
    "()",
    "a = (1 + )",
    "\u0000",
    "a = 1 \u00a0",
  ];
  assert.ok(invalid.length >= 20);
  for (const selector of invalid) assertInvalid(selector);
});

Deno.test("selector: very deep nesting is rejected, not a stack overflow", () => {
  assertInvalid(`${"(".repeat(10_000)}a = 1${")".repeat(10_000)}`, "nested");
  assertInvalid(`${"NOT ".repeat(10_000)}a`, "nested");
  assertInvalid(`a = ${"- ".repeat(10_000)}1`, "nested"); // spaced: `--` starts a comment
  assertInvalid(`a = ${Array(5_000).fill("1").join(" + ")}`, "nested");
  // Long flat chains are fine.
  const many = Array.from({ length: 2_000 }, (_, i) => `rank = ${i}`).join(" OR ");
  assert.equal(matches(many), true);
  const nested = `${"(".repeat(50)}rank = 123${")".repeat(50)}`;
  assert.equal(matches(nested), true);
});

// ---- fuzz ----

function checkOnlyBrokerErrors(input: string, messages: readonly Message[]): boolean {
  let selector;
  try {
    selector = parseSelector(input);
  } catch (e) {
    if (!(e instanceof BrokerError) || e.code !== "invalid-selector") {
      throw new Error(`${JSON.stringify(input)} threw ${e}`);
    }
    return false;
  }
  for (const m of messages) {
    const r = selector.matches(m);
    if (typeof r !== "boolean") throw new Error(`${JSON.stringify(input)} returned ${r}`);
  }
  return true;
}

Deno.test("selector: fuzz with random characters throws only BrokerError", () => {
  const random = prng(0x5e1ec7);
  const alphabet = "abcxyzABC_$019 .'\"()=<>!+-*/%,\n\t\\LIKEANDORNOTINISNULLTRUEFALSE0xE";
  const messages = [MSG, makeMessage({})];
  for (let i = 0; i < 4_000; i++) {
    const len = Math.floor(random() * 24);
    let s = "";
    for (let j = 0; j < len; j++) {
      s += random() < 0.02
        ? String.fromCharCode(Math.floor(random() * 0x10000))
        : alphabet[Math.floor(random() * alphabet.length)];
    }
    checkOnlyBrokerErrors(s, messages);
  }
});

Deno.test("selector: fuzz with random token sequences throws only BrokerError", () => {
  const random = prng(42);
  const tokens = [
    "name",
    "rank",
    "half",
    "longProp",
    "trueProp",
    "missing",
    "JMSPriority",
    "JMSType",
    "=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "(",
    ")",
    ",",
    "AND",
    "OR",
    "NOT",
    "LIKE",
    "ESCAPE",
    "BETWEEN",
    "IN",
    "IS",
    "NULL",
    "TRUE",
    "FALSE",
    "'James'",
    "'J%'",
    "'!'",
    "''",
    "0",
    "1",
    "123",
    "1.5",
    "0x7B",
    "9223372036854775808",
    "INLIST",
    "MAKELIST",
    "SPLIT",
    "REGEX",
    "XPATH",
  ];
  const messages = [MSG, makeMessage({}), makeMessage({ name: 5, rank: "x", trueProp: "yes" })];
  let valid = 0;
  for (let i = 0; i < 6_000; i++) {
    const len = 1 + Math.floor(random() * 10);
    const parts: string[] = [];
    for (let j = 0; j < len; j++) parts.push(tokens[Math.floor(random() * tokens.length)]);
    if (checkOnlyBrokerErrors(parts.join(" "), messages)) valid++;
  }
  // The generator must reach the evaluator too, not only the error paths.
  assert.ok(valid > 50, `only ${valid} valid selectors generated`);
});
