import assert from "node:assert/strict";
import { parseByteSize } from "../../../src/config/mod.ts";
import { closestMatch, editDistance } from "../../../src/config/_edit_distance.ts";
import { parseJavaProperties } from "../../../src/config/properties_file.ts";

Deno.test("byte size: units, spacing and case", () => {
  assert.equal(parseByteSize("1024"), 1024);
  assert.equal(parseByteSize("1 kb"), 1024);
  assert.equal(parseByteSize("64mb"), 64 * 1024 * 1024);
  assert.equal(parseByteSize("64 MB"), 64 * 1024 * 1024);
  assert.equal(parseByteSize("100 gb"), 100 * 1024 ** 3);
  assert.equal(parseByteSize("50 Gb"), 50 * 1024 ** 3);
  assert.equal(parseByteSize("2 t"), 2 * 1024 ** 4);
  assert.equal(parseByteSize("1 GiB"), 1024 ** 3);
  assert.equal(parseByteSize(" 20 Mb "), 20 * 1024 * 1024);
  assert.equal(parseByteSize("512 b"), 512);
  assert.equal(parseByteSize("1.5 kb"), 1536);
});

Deno.test("byte size: rejects what is not a size", () => {
  for (const bad of ["", "lots", "-1", "10 pb", "mb", "1e3", "9999999999 tb"]) {
    assert.throws(() => parseByteSize(bad), /Invalid size .*accepted: a whole number of bytes/, bad);
  }
});

Deno.test("java properties: separators, comments, continuations, escapes", () => {
  const props = parseJavaProperties([
    "# comment",
    "! also a comment",
    "a=1",
    "b : 2",
    "c 3",
    "  d=with spaces  ",
    "e=first \\",
    "   second",
    "f=tab\\there\\u0041",
    "g\\:colon=x",
    "empty=",
    "a=override",
  ].join("\n"));
  assert.deepEqual(props, {
    a: "override",
    b: "2",
    c: "3",
    d: "with spaces  ",
    e: "first second",
    f: "tab\thereA",
    "g:colon": "x",
    empty: "",
  });
});

Deno.test("edit distance: transpositions count once; far words get no suggestion", () => {
  assert.equal(editDistance("autotnio", "auto+nio"), 1);
  assert.equal(editDistance("stmop", "stomp"), 1);
  assert.equal(closestMatch("prefetch", ["queuePrefetch", "topicPrefetch"]), undefined);
  assert.equal(closestMatch("queuePrefecth", ["queuePrefetch", "topicPrefetch"]), "queuePrefetch");
});
