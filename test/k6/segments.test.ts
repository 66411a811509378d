// A distributed run as the k6-operator runs it: N k6 processes of the same script, each with
// --execution-segment i/N:(i+1)/N and the full --execution-segment-sequence, GEMINI_RUNNERS=N and one
// GEMINI_RUN_ID, against one emulator. Together they send what one process sends, their offered
// rates add up to the run's, and a request budget holds for all of them together.

import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { start } from "../../emulator/index.ts";
import { REPO_ROOT } from "../../tools/paths.ts";
import { ensureK6 } from "../../tools/setup/k6.ts";
import { runCaptured } from "../helpers/exec.ts";
import { buildScenarios, cleanEnv, emulatorStats, resetEmulator } from "../helpers/k6.ts";

const RATE = 10;
let work: string;
let emulator: Awaited<ReturnType<typeof start>>;

before(async () => {
  await buildScenarios();
  work = await mkdtemp(path.join(tmpdir(), "gemini-k6-segments-"));
  emulator = await start({ port: 0, profile: "fast" });
});

after(async () => {
  await emulator?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The k6-operator's segments for `runners`: equal parts, with the whole sequence. */
function operatorSegments(runners: number): { segment: string; sequence: string }[] {
  const point = (i: number) => (i === 0 ? "0" : i === runners ? "1" : `${i}/${runners}`);
  const sequence = Array.from({ length: runners + 1 }, (_, i) => point(i)).join(",");
  return Array.from({ length: runners }, (_, i) => ({ segment: `${point(i)}:${point(i + 1)}`, sequence }));
}

interface RunnerResult {
  code: number;
  output: string;
  summary: {
    runId: string;
    runner?: { instance: string; segment: string; runners: number };
    load: { httpRequests: number; open: { offeredRate: number; achievedRate: number; iterations: number } };
  };
}

/** Runs the moderation scenario on `runners` k6 processes at once; returns each one's result and the emulator's request count. */
async function runDistributed(runId: string, runners: number, env: Record<string, string> = {}) {
  await resetEmulator(emulator.url);
  const k6 = await ensureK6({ log: () => {} });
  const segments = runners === 1 ? [undefined] : operatorSegments(runners);
  const results = await Promise.all(
    segments.map(async (part, i): Promise<RunnerResult> => {
      // Each runner has its own results folder, as each pod has its own disk.
      const resultsDir = path.join(work, `${runId}-runner-${i + 1}`);
      await mkdir(path.join(resultsDir, runId), { recursive: true });
      const args = part ? ["--execution-segment", part.segment, "--execution-segment-sequence", part.sequence] : [];
      const run = await runCaptured(k6, ["run", "--no-color", "--quiet", ...args, "dist/moderation.js"], {
        cwd: REPO_ROOT,
        env: {
          ...cleanEnv(),
          GEMINI_BASE_URL: emulator.url,
          GEMINI_SCENARIO: "open",
          GEMINI_RATE: String(RATE),
          GEMINI_DURATION: "3s",
          GEMINI_RUN_ID: runId,
          GEMINI_RESULTS_DIR: resultsDir,
          ...(runners > 1 ? { GEMINI_RUNNERS: String(runners) } : {}),
          ...env,
        },
        timeoutMs: 120_000,
      });
      const summary = JSON.parse(await readFile(path.join(resultsDir, runId, "summary.json"), "utf8"));
      return { code: run.code, output: run.stdout + run.stderr, summary };
    }),
  );
  const stats = await emulatorStats(emulator.url);
  return { results, emulatorRequests: stats.requests.total };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

test("2 and 3 runners on the operator's segments send what one process sends, at offered rates that add up", async () => {
  const one = await runDistributed("seg-one", 1);
  assert.equal(one.results[0]?.code, 0, one.results[0]?.output.slice(-2000));
  const single = one.results[0]?.summary.load.open.iterations ?? 0;
  assert.ok(single >= RATE * 3, `one process ran ${single} iterations`);

  for (const runners of [2, 3]) {
    const runId = `seg-${runners}`;
    const { results, emulatorRequests } = await runDistributed(runId, runners);
    for (const r of results) assert.equal(r.code, 0, r.output.slice(-2000));
    // One run id for all, an instance per runner.
    assert.deepEqual(
      results.map((r) => [r.summary.runId, r.summary.runner?.instance]),
      Array.from({ length: runners }, (_, i) => [runId, `${i + 1}-of-${runners}`]),
    );
    const iterations = sum(results.map((r) => r.summary.load.open.iterations));
    assert.ok(Math.abs(iterations - single) <= runners, `${runners} runners: ${iterations} iterations, one process ${single}`);
    const offered = sum(results.map((r) => r.summary.load.open.offeredRate));
    assert.ok(Math.abs(offered - RATE) < 1e-9, `offered rates add up to ${offered}`);
    const achieved = sum(results.map((r) => r.summary.load.open.achievedRate));
    assert.ok(Math.abs(achieved - RATE) < 0.5, `achieved rates add up to ${achieved}`);
    // Every runner sends its own preflight; the emulator saw everything k6 counted.
    assert.equal(emulatorRequests, iterations + runners);
    assert.equal(sum(results.map((r) => r.summary.load.httpRequests)), emulatorRequests);
  }
});

test("a request budget holds for 3 runners together: the total never exceeds GEMINI_MAX_REQUESTS", async () => {
  // 10/s × 3 s plans 31 requests; 20 allowed: 3 preflights leave 17 requests, 15 with the retry share.
  const { results, emulatorRequests } = await runDistributed("seg-budget", 3, { GEMINI_MAX_REQUESTS: "20" });
  assert.ok(emulatorRequests <= 20, `the emulator got ${emulatorRequests} requests`);
  // The test-wide iteration numbers cap the runners together, exactly: 15 requests and 3 preflights.
  assert.equal(emulatorRequests, 15 + 3);
  assert.equal(sum(results.map((r) => r.summary.load.httpRequests)), emulatorRequests);
  for (const r of results) assert.match(r.output, /the request budget is spent/);
});

test("a runner whose segment does not match GEMINI_RUNNERS stops with one line naming the fix", async () => {
  const k6 = await ensureK6({ log: () => {} });
  const resultsDir = path.join(work, "mismatch");
  await mkdir(path.join(resultsDir, "seg-mismatch"), { recursive: true });
  const run = await runCaptured(
    k6,
    ["run", "--no-color", "--execution-segment", "0:1/3", "--execution-segment-sequence", "0,1/3,2/3,1", "dist/moderation.js"],
    {
      cwd: REPO_ROOT,
      env: {
        ...cleanEnv(),
        GEMINI_BASE_URL: emulator.url,
        GEMINI_RUNNERS: "2",
        GEMINI_RUN_ID: "seg-mismatch",
        GEMINI_RESULTS_DIR: resultsDir,
        GEMINI_DURATION: "2s",
      },
      timeoutMs: 60_000,
    },
  );
  assert.notEqual(run.code, 0);
  assert.match(
    run.stderr + run.stdout,
    /invalid GEMINI_RUNNERS: expected 3 \(k6 runs segment 0:1\/3 of 3\), got '2'; set GEMINI_RUNNERS=3 on every runner/,
  );
  assert.doesNotMatch(run.stderr + run.stdout, /at .*\.js:\d+/);
});
