// No module imports itself through others: a cycle makes load order matter (a value read before its
// module ran is undefined) and ties parts that should stand alone. Every .ts/.mjs file is walked.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../../tools/paths.ts";
import { findCycles, importGraph, relativeImports, sourceFiles } from "../helpers/import-graph.ts";

test("the repository has no import cycle", () => {
  const files = sourceFiles(REPO_ROOT);
  assert.ok(files.length > 100, `only ${files.length} source files found`);
  const cycles = findCycles(importGraph(files));
  const named = cycles.map((cycle) => cycle.map((file) => path.relative(REPO_ROOT, file)).join(" → "));
  assert.deepEqual(named, [], `import cycles:\n${named.join("\n")}`);
});

test("the check finds a cycle: two files importing each other, and one through a third file", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "gemini-cycles-"));
  try {
    await writeFile(path.join(dir, "a.ts"), 'import { b } from "./b.ts";\nexport const a = () => b;\n');
    await writeFile(path.join(dir, "b.ts"), 'import type { a } from "./a.ts";\nexport const b = 1 as unknown as typeof a;\n');
    await writeFile(path.join(dir, "c.mjs"), 'export { d } from "./sub/d.ts";\n');
    await writeFile(path.join(dir, "e.ts"), '// import { c } from "./c.mjs";\nexport const e = 1;\n');
    await mkdir(path.join(dir, "sub"));
    await writeFile(path.join(dir, "sub", "d.ts"), 'export const d = await import("../c.mjs");\n');
    const cycles = findCycles(importGraph(sourceFiles(dir))).map((cycle) => cycle.map((file) => path.relative(dir, file)).join(" → "));
    assert.deepEqual(cycles.sort(), ["a.ts → b.ts → a.ts", "c.mjs → sub/d.ts → c.mjs"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the resolver reads every import form and skips packages, builtins and comments", () => {
  const text = [
    'import x from "./x.ts";',
    'import { y, type Y } from "../y.ts";',
    'export * from "./z.ts";',
    'import "./side-effect.mjs";',
    'const lazy = await import("./lazy.ts");',
    'import { readFile } from "node:fs/promises";',
    'import { InfluxDB } from "@influxdata/influxdb-client";',
    '// import { gone } from "./commented.ts";',
  ].join("\n");
  const imports = relativeImports("/repo/tools/file.ts", text);
  assert.deepEqual(imports.sort(), [
    "/repo/tools/lazy.ts",
    "/repo/tools/side-effect.mjs",
    "/repo/tools/x.ts",
    "/repo/tools/z.ts",
    "/repo/y.ts",
  ]);
});
