import assert from "node:assert/strict";
import { parseXmlTree } from "../../../src/config/xml_tree.ts";

Deno.test("xml tree: local names, positions of tags and attributes, text and CDATA", () => {
  const root = parseXmlTree(
    [
      `<?xml version="1.0"?>`,
      `<s:beans xmlns:s="urn:s">`,
      `  <amq:broker`,
      `      xmlns:amq="urn:amq"`,
      `      brokerName='a&amp;b'>`,
      `    <value>  text <![CDATA[<raw>]]> </value>`,
      `  </amq:broker>`,
      `</s:beans>`,
    ].join("\n"),
    "f.xml",
  );
  assert.equal(root.name, "beans");
  assert.equal(root.qname, "s:beans");
  assert.deepEqual([root.line, root.column], [2, 1]);
  const broker = root.children[0];
  assert.equal(broker.name, "broker");
  assert.deepEqual([broker.line, broker.column], [3, 3]);
  const attr = broker.attributes.find((a) => a.name === "brokerName")!;
  assert.equal(attr.value, "a&b");
  assert.deepEqual([attr.line, attr.column], [5, 7]);
  assert.equal(broker.children[0].text, "  text <raw> ");
});

Deno.test("xml tree: positions stay right after astral characters", () => {
  const root = parseXmlTree(`<a t="😀😀">\n  <b/></a>`, "f.xml");
  assert.deepEqual([root.children[0].line, root.children[0].column], [2, 3]);
});
