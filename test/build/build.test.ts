// Tests build.mjs: k6 imports stay external, nothing is imported from the network, source maps point into the
// .ts files, and the externals pattern really rejects what it should (on temporary copies, never in scenarios/).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureK6 } from "../../tools/setup/k6.ts";
import { cleanEnv } from "../helpers/k6.ts";

const run = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const BUILD = join(ROOT, "build.mjs");

let work: string;

/** A scratch tree shaped like the repo (scenarios/, lib/, data/), so relative imports and open() paths resolve. */
function scratchTree(scenarios: Record<string, string> | "copy"): { scenariosDir: string; outDir: string } {
  const dir = mkdtempSync(join(work, "tree-"));
  const scenariosDir = join(dir, "scenarios");
  if (scenarios === "copy") cpSync(join(ROOT, "scenarios"), scenariosDir, { recursive: true });
  else {
    mkdirSync(scenariosDir);
    for (const [name, text] of Object.entries(scenarios)) writeFileSync(join(scenariosDir, name), text);
  }
  symlinkSync(join(ROOT, "lib"), join(dir, "lib"));
  symlinkSync(join(ROOT, "data"), join(dir, "data"));
  return { scenariosDir, outDir: join(dir, "dist") };
}

async function build(tree: { scenariosDir: string; outDir: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BUILD, "--scenarios", tree.scenariosDir, "--out", tree.outDir], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every module specifier the bundle still imports: static, bare side-effect, dynamic, and require(). */
function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const patterns = [
    /^\s*import\s+[^"'`;]*?\s+from\s+["']([^"']+)["']/gm,
    /^\s*import\s+["']([^"']+)["']/gm,
    /^\s*export\s+[^"'`;]*?\s+from\s+["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) specifiers.push(match[1] ?? "");
  return specifiers;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), "gemini-k6-build-"));
});

after(() => {
  rmSync(work, { recursive: true, force: true });
});

test("every scenario builds; only k6 modules stay imported; nothing comes from the network", async () => {
  const tree = scratchTree("copy");
  const result = await build(tree);
  assert.equal(result.code, 0, result.stderr);
  const scenarios = readdirSync(tree.scenariosDir).filter((f) => f.endsWith(".ts"));
  assert.ok(scenarios.includes("moderation.ts"));
  for (const scenario of scenarios) {
    const name = scenario.replace(/\.ts$/, ".js");
    assert.match(result.stdout, new RegExp(`built .*dist/${name.replace(".", "\\.")} \\(`));
    const bundle = readFileSync(join(tree.outDir, name), "utf8");
    const imports = importsOf(bundle);
    assert.ok(imports.length > 0, "the bundle should import k6 modules");
    for (const specifier of imports) assert.match(specifier, /^k6(\/[a-z0-9/-]+)?$/, `${name} imports ${specifier}`);
    assert.ok(imports.includes("k6/http") && imports.includes("k6/execution"), imports.join(", "));
    assert.ok(!/^\s*import[^\n]*["'](https?:)?\/\//m.test(bundle), "no network imports");
    // Our own modules are inlined, not imported.
    assert.ok(bundle.includes("function parseConfig("));
  }
});

test("the inline source map maps the bundle back to scenarios/*.ts and lib/*.ts", async () => {
  const tree = scratchTree("copy");
  assert.equal((await build(tree)).code, 0);
  const bundle = readFileSync(join(tree.outDir, "moderation.js"), "utf8");
  const match = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(bundle);
  assert.ok(match, "inline source map at the end of the bundle");
  const map = JSON.parse(Buffer.from(match[1] ?? "", "base64").toString("utf8")) as {
    sources: string[];
    sourcesContent?: string[];
    mappings: string;
  };
  assert.ok(
    map.sources.some((s) => s.endsWith("scenarios/moderation.ts")),
    map.sources.join(", "),
  );
  assert.ok(map.sources.some((s) => s.endsWith("lib/config.ts")));
  assert.ok(map.mappings.length > 100);
  const index = map.sources.findIndex((s) => s.endsWith("scenarios/moderation.ts"));
  assert.equal(map.sourcesContent?.[index], readFileSync(join(ROOT, "scenarios", "moderation.ts"), "utf8"));
});

test("a k6 import that is not k6 itself (k6-utils) is not treated as external and fails the build", async () => {
  const tree = scratchTree({ "bad.ts": 'import { uuidv4 } from "k6-utils";\nexport default function () { uuidv4(); }\n' });
  const result = await build(tree);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^build failed: .*bad\.ts:1:\d+: Could not resolve "k6-utils"/m);
  assert.equal(existsSync(join(tree.outDir, "bad.js")), false);
});

test("a network import (the jslib pattern) fails the build with a clear message", async () => {
  const tree = scratchTree({
    "remote.ts":
      'import { textSummary } from "https://jslib.k6.io/k6-summary/0.0.1/index.js";\nexport function handleSummary(d: unknown) { return { stdout: textSummary(d) }; }\n',
  });
  const result = await build(tree);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /network import "https:\/\/jslib\.k6\.io\/k6-summary\/0\.0\.1\/index\.js" is not allowed/);
});

test("a Node built-in is not bundleable for k6 and fails the build", async () => {
  const tree = scratchTree({ "node.ts": 'import { readFileSync } from "node:fs";\nexport default function () { readFileSync("x"); }\n' });
  const result = await build(tree);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /build failed: .*node:fs/);
});

test("a syntax error exits non-zero with esbuild's message and location", async () => {
  const tree = scratchTree({ "broken.ts": "export default function () {\n  const x = ;\n}\n" });
  const result = await build(tree);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^build failed: .*broken\.ts:2:\d+: Unexpected ";"/m);
});

test("real k6 loads the bundle and reads its options (scenarios and thresholds) without running it", async () => {
  const tree = scratchTree("copy");
  assert.equal((await build(tree)).code, 0);
  // The k6 setup chose (the user's own when its version fits, else the one it built).
  const k6 = await ensureK6({ log: () => {} });
  const { stdout } = await run(k6, ["inspect", "--execution-requirements", join(tree.outDir, "moderation.js")], {
    env: { ...cleanEnv(), GEMINI_SCENARIO: "both", GEMINI_RATE: "3" },
  });
  const options = JSON.parse(stdout) as {
    scenarios: Record<string, { executor: string }>;
    thresholds: Record<string, unknown>;
    tags: Record<string, string>;
  };
  assert.equal(options.scenarios.closed_ramping_vus?.executor, "ramping-vus");
  assert.equal(options.scenarios.open_constant_arrival?.executor, "constant-arrival-rate");
  assert.ok("gemini_ttft" in options.thresholds && "gemini_goodput" in options.thresholds);
  assert.match(options.tags.testid ?? "", /^\d{8}-\d{6}-[0-9a-f]{4}$/);
  assert.equal(options.tags.model, "gemini-2.5-flash");
});
