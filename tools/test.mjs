// `npm test`: setup (k6 and friends), both type checks, the build, then every test/**/*.test.ts
// under node:test. Plain Node ESM so it starts before anything else is installed or built.

import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const npx = process.platform === "win32" ? "npx.cmd" : "npx";
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** Runs one step; a failed step stops everything unless `keepGoing`, which only records it. */
function step(title, command, args, { keepGoing = false } = {}) {
  process.stdout.write(`\n== ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: process.env });
  if (result.error) throw result.error;
  if (result.status === 0) return true;
  process.stdout.write(`\nnpm test: "${title}" failed (exit ${result.status ?? result.signal})\n`);
  if (!keepGoing) process.exit(result.status ?? 1);
  return false;
}

/** Every *.test.ts under test/, sorted so runs are repeatable. */
function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(full));
    else if (entry.isFile() && entry.name.endsWith(".test.ts")) found.push(path.relative(root, full));
  }
  return found.sort();
}

step("setup", npx, ["tsx", "tools/setup/setup.ts"]);
// A type error fails the run, but the tests still run so one report shows everything.
const typesOk = step("typecheck", npm, ["run", "--silent", "typecheck"], { keepGoing: true });
// Formatting and lint findings fail the run too, after the tests have reported.
const lintOk = step("lint", npm, ["run", "--silent", "lint"], { keepGoing: true });
step("build", npm, ["run", "--silent", "build"]);

const files = process.argv.length > 2 ? process.argv.slice(2) : findTests(path.join(root, "test"));
if (files.length === 0) {
  process.stdout.write("npm test: no test files under test/\n");
  process.exit(1);
}
// The k6 and emulator tests measure timing on machines with as few as two cores, so each file
// gets the machine to itself: one file at a time (tests inside a file run in order too).
const concurrency = process.env.GEMINI_TEST_CONCURRENCY ?? "1";
process.stdout.write(`\n== tests (${files.length} files, concurrency ${concurrency})\n`);
// TAP everywhere (node picks "spec" on a terminal), so the closing "# pass" / "# fail" lines are
// the same for a developer and in CI logs.
const reporter = process.env.GEMINI_TEST_REPORTER ?? "tap";
const run = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-timeout=600000", `--test-reporter=${reporter}`, ...files],
  {
    cwd: root,
    stdio: "inherit",
    env: process.env,
  },
);
if (run.error) throw run.error;
if (!typesOk) process.stdout.write(`\nnpm test: failed — the type check failed (see "== typecheck" above)\n`);
if (!lintOk)
  process.stdout.write(`\nnpm test: failed — lint or formatting failed (see "== lint" above; npm run format fixes formatting)\n`);
process.exit(typesOk && lintOk ? (run.status ?? 1) : 1);
