// The shapes are the kit's, not moderation's: the second scenario (test/fixtures/scenarios/haiku.ts),
// built on its own, runs as a smoke test and as a spike with its windows and recovery.

import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { start } from "../../emulator/index.ts";
import { REPO_ROOT } from "../../tools/paths.ts";
import { ensureK6 } from "../../tools/setup/k6.ts";
import { runCaptured } from "../helpers/exec.ts";
import { cleanEnv } from "../helpers/k6.ts";

const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "scenarios");

let work: string;
let emulator: Awaited<ReturnType<typeof start>>;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), "gemini-k6-shapes-"));
  const built = await runCaptured(process.execPath, ["build.mjs", "--scenarios", FIXTURES, "--out", path.join(work, "dist")], {
    cwd: REPO_ROOT,
    env: cleanEnv(),
    timeoutMs: 120_000,
  });
  assert.equal(built.code, 0, built.stderr);
  await mkdir(path.join(work, "data"));
  await copyFile(path.join(REPO_ROOT, "data", "prices.json"), path.join(work, "data", "prices.json"));
  await copyFile(path.join(FIXTURES, "data", "haiku-topics.json"), path.join(work, "data", "haiku-topics.json"));
  emulator = await start({ port: 0, profile: "fast" });
});

after(async () => {
  await emulator?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function runHaiku(runId: string, env: Record<string, string>) {
  const results = path.join(work, "results");
  await mkdir(path.join(results, runId), { recursive: true });
  const k6 = await ensureK6({ log: () => {} });
  const run = await runCaptured(k6, ["run", "--no-color", path.join(work, "dist", "haiku.js")], {
    cwd: work,
    env: { ...cleanEnv(), GEMINI_BASE_URL: emulator.url, GEMINI_RUN_ID: runId, GEMINI_RESULTS_DIR: results, ...env },
    timeoutMs: 120_000,
  });
  const summary = JSON.parse(await readFile(path.join(results, runId, "summary.json"), "utf8"));
  return { ...run, summary };
}

test("a new scenario file runs as a smoke test: one VU, its iterations, the strict criteria", async () => {
  const run = await runHaiku("haiku-smoke", { GEMINI_SHAPE: "smoke", GEMINI_SMOKE_ITERATIONS: "4" });
  assert.equal(run.code, 0, run.stderr.slice(-2000));
  assert.equal(run.summary.shape, "smoke");
  assert.equal(run.summary.metrics.gemini_request_duration.values.count, 4);
  assert.ok(
    run.summary.thresholds.some((t: { metric: string; expression: string }) => t.metric === "gemini_errors" && t.expression === "rate==0"),
  );
  assert.match(run.stdout, /gemini-k6 haiku · .* · shape smoke/);
});

test("a new scenario file runs as a spike, with its windows and recovery time", async () => {
  const run = await runHaiku("haiku-spike", {
    GEMINI_SHAPE: "spike",
    GEMINI_RATE: "5",
    GEMINI_SPIKE_MULTIPLIER: "3",
    GEMINI_SPIKE_BEFORE: "2s",
    GEMINI_SPIKE_RAMP: "1s",
    GEMINI_SPIKE_HOLD: "1s",
    GEMINI_SPIKE_AFTER: "4s",
    GEMINI_WINDOW: "1s",
    GEMINI_PREALLOCATED_VUS: "20",
  });
  assert.equal(run.code, 0, run.stdout.slice(-2000) + run.stderr.slice(-2000));
  assert.equal(run.summary.shape, "spike");
  assert.equal(run.summary.windows.length, 9);
  assert.ok("recoverySeconds" in run.summary.spike, JSON.stringify(run.summary.spike));
  assert.equal(
    run.summary.windows.reduce((sum: number, w: { requests: number }) => sum + w.requests, 0),
    run.summary.metrics.gemini_request_duration.values.count,
  );
});
