import assert from "node:assert/strict";

/** The README's embedding example must run as written and print what its comment says. */
Deno.test("README: the embedding example runs and prints 'order #1 EU'", async () => {
  const root = new URL("../../", import.meta.url);
  const readme = await Deno.readTextFile(new URL("README.md", root));
  const section = readme.slice(readme.indexOf("## Embedding"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, "README has a ts block under '## Embedding'");
  const dir = await Deno.makeTempDir({ prefix: "readme-" });
  try {
    const file = `${dir}/example.ts`;
    await Deno.writeTextFile(file, code.replace('"./mod.ts"', JSON.stringify(new URL("mod.ts", root).href)));
    const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", file], env: { NO_COLOR: "1" } })
      .output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(stdout, /^order #1 EU$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
