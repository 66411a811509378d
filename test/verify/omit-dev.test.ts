// Dependencies where they run: a clone installed without devDependencies (as a user's pipeline may
// install it) still runs `npm run verify`. It clones what is committed, so uncommitted work is not tested.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { start } from "../../emulator/index.ts";

const REPO = path.resolve(import.meta.dirname, "../..");

let folder = "";
let emulator: Awaited<ReturnType<typeof start>> | undefined;

before(async () => {
  folder = await mkdtemp(path.join(tmpdir(), "gemini-k6-omit-dev-"));
  emulator = await start({ port: 0, profile: "fast" });
});

after(async () => {
  await emulator?.close();
  await rm(folder, { recursive: true, force: true });
});

/** Runs a command to its end (killed after `timeoutMs`) and returns its exit code and output. */
function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test("the committed HEAD, cloned and installed with npm ci --omit=dev, runs npm run verify against the emulator (uncommitted changes are not part of it)", {
  timeout: 360_000,
}, async () => {
  const clone = path.join(folder, "repo");
  const cloned = await run("git", ["clone", "--quiet", REPO, clone], folder, {}, 60_000);
  assert.equal(cloned.code, 0, cloned.output);

  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const installed = await run(npm, ["ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund"], clone, {}, 240_000);
  assert.equal(installed.code, 0, installed.output);
  // The install really left out every package only devDependencies need (the lockfile marks them "dev"),
  // so whatever verify loads is a dependency. (@types/node is not among them: protobufjs depends on it.)
  const lock = JSON.parse(await readFile(path.join(clone, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
  const devOnly = Object.entries(lock.packages).filter(([where, entry]) => where !== "" && entry.dev === true);
  assert.ok(
    devOnly.some(([where]) => where === "node_modules/typescript"),
    "typescript is dev-only in the lockfile",
  );
  for (const [where] of devOnly) assert.ok(!existsSync(path.join(clone, where)), `${where} is dev-only but was installed`);

  const results = path.join(folder, "results");
  const runId = "20261203-000000-0de0";
  const verified = await run(
    npm,
    ["run", "--silent", "verify"],
    clone,
    { GEMINI_BASE_URL: emulator?.url ?? "", GEMINI_RESULTS_DIR: results, GEMINI_RUN_ID: runId },
    60_000,
  );
  assert.equal(verified.code, 0, verified.output);
  const verify = JSON.parse(await readFile(path.join(results, runId, "verify.json"), "utf8")) as {
    preflight: { ok: boolean; baseline: { calls: number } };
  };
  assert.equal(verify.preflight.ok, true);
  assert.equal(verify.preflight.baseline.calls, 10);
});
