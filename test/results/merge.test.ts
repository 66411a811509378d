// npm run results:merge joins the runners of one distributed run: its p95 is the p95 over every
// runner's samples (not an average of their p95s), counts add up, thresholds are evaluated again on
// the merged figures, and the merged folder reads as one run.

import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { REPO_ROOT } from "../../tools/paths.ts";
import { runCaptured } from "../helpers/exec.ts";
import { cleanEnv } from "../helpers/k6.ts";

let work: string;
before(async () => {
  work = await mkdtemp(path.join(tmpdir(), "gemini-k6-merge-"));
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Deterministic pseudo-random durations, each runner with its own spread. */
function durations(count: number, base: number, spread: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return base + (state / 2 ** 31) * spread;
  });
}

/** p95 as k6 defines it: linear interpolation between the closest ranks. */
function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = 0.95 * (sorted.length - 1);
  const lower = Math.floor(index);
  return (sorted[lower] as number) + ((sorted[lower + 1] as number) - (sorted[lower] as number)) * (index - lower);
}

/** Writes one runner's folder as the kit and k6 --out json write it. */
async function writeRunner(dir: string, runId: string, index: number, runners: number, samples: number[], errors: number) {
  await mkdir(dir, { recursive: true });
  const instance = `${index}-of-${runners}`;
  const points = samples.map((value, i) =>
    JSON.stringify({
      type: "Point",
      metric: "gemini_request_duration",
      data: { time: new Date(Date.UTC(2026, 11, 3, 0, 0, i)).toISOString(), value, tags: { testid: runId, instance } },
    }),
  );
  const meta = JSON.stringify({ type: "Metric", metric: "gemini_request_duration", data: { type: "trend", contains: "time" } });
  await writeFile(path.join(dir, "metrics.json.gz"), gzipSync(`${[meta, ...points].join("\n")}\n`));
  const summary = {
    runId,
    model: "gemini-2.5-flash",
    baseUrl: "http://127.0.0.1:8080",
    apiVersion: "v1beta",
    scenario: "open",
    shape: "load",
    passed: true,
    runner: { instance, segment: `${index - 1}/${runners}:${index}/${runners}`, runners },
    load: {
      httpRequests: samples.length + 1,
      retries: 0,
      preflightRequests: 1,
      open: { offeredRate: 10 / runners, achievedRate: 10 / runners, iterations: samples.length, dropped: 0, httpRequests: samples.length },
    },
    thresholds: [],
    config: { budget: { maxRequests: 200 }, runners },
    testRunDurationMs: 3000 + index,
    metrics: {
      gemini_request_duration: {
        type: "trend",
        contains: "time",
        values: { "p(95)": p95(samples), count: samples.length },
        thresholds: { "p(95)<900": { ok: p95(samples) < 900 } },
      },
      gemini_errors: {
        type: "rate",
        contains: "default",
        values: { passes: errors, fails: samples.length - errors, rate: errors / samples.length },
        thresholds: { "rate<=0.05": { ok: errors / samples.length <= 0.05 } },
      },
      // Each runner's budget threshold is its share; the merged run is held to the whole budget.
      http_reqs: {
        type: "counter",
        contains: "default",
        values: { count: samples.length + 1, rate: 0 },
        thresholds: { [`count<=${Math.ceil(200 / runners) + 2}`]: { ok: true } },
      },
    },
  };
  await writeFile(path.join(dir, "summary.json"), JSON.stringify(summary));
}

function merge(args: string[]) {
  return runCaptured(process.execPath, ["--import", "tsx", "tools/results/merge.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv(), INIT_CWD: work },
    timeoutMs: 60_000,
  });
}

test("the merged p95 is the p95 over every runner's samples; counts add up; thresholds are evaluated on the merged run", async () => {
  const runners = [durations(60, 100, 300, 1), durations(25, 400, 600, 2), durations(15, 200, 100, 3)];
  for (const [i, samples] of runners.entries())
    await writeRunner(path.join(work, `r${i + 1}`), "dist-1", i + 1, 3, samples, i === 1 ? 3 : 0);
  const run = await merge(["r1", "r2", "r3", "--out", "merged"]);
  // One runner had 3 errors in 25 (12%): per runner that fails one threshold, merged it is 3% and passes;
  // the merged p95 crosses 900 ms, which only runner 2 did alone.
  const all = runners.flat();
  const expected = p95(all);
  const averaged = runners.reduce((sum, samples) => sum + p95(samples), 0) / runners.length;
  assert.ok(Math.abs(expected - averaged) > 10, "the fixture tells a true p95 from averaged ones");

  const summary = JSON.parse(await readFile(path.join(work, "merged", "summary.json"), "utf8"));
  const duration = summary.metrics.gemini_request_duration.values;
  assert.ok(Math.abs(duration["p(95)"] - expected) < 1e-9, `merged p95 ${duration["p(95)"]}, over all samples ${expected}`);
  assert.equal(duration.count, 100);
  assert.equal(summary.runId, "dist-1");
  assert.equal(summary.runner, undefined);
  assert.equal(summary.load.httpRequests, 103);
  assert.equal(summary.load.open.iterations, 100);
  assert.ok(Math.abs(summary.load.open.offeredRate - 10) < 1e-9);
  assert.equal(summary.metrics.gemini_errors.values.rate, 0.03);
  const verdicts = Object.fromEntries(
    summary.thresholds.map((t: { metric: string; expression: string; ok: boolean }) => [`${t.metric} ${t.expression}`, t.ok]),
  );
  assert.deepEqual(verdicts, {
    "gemini_request_duration p(95)<900": expected < 900,
    "gemini_errors rate<=0.05": true,
    "http_reqs count<=200": true,
  });
  assert.equal(summary.passed, expected < 900);
  assert.equal(run.code, expected < 900 ? 0 : 1, run.stderr);
  // The samples of every runner, in one file results:import reads as one run.
  const lines = gunzipSync(await readFile(path.join(work, "merged", "metrics.json.gz")))
    .toString("utf8")
    .trim()
    .split("\n");
  assert.equal(lines.filter((line) => line.includes('"Point"')).length, 100);
  assert.match(await readFile(path.join(work, "merged", "junit.xml"), "utf8"), /tests="3"/);
});

test("merging folders that are not every runner of one run is refused with one line naming the fix", async () => {
  await writeRunner(path.join(work, "a1"), "run-a", 1, 2, [100, 200], 0);
  await writeRunner(path.join(work, "b2"), "run-b", 2, 2, [100, 200], 0);
  const mixed = await merge(["a1", "b2"]);
  assert.equal(mixed.code, 2);
  assert.equal(mixed.stderr.trim(), "results:merge: the folders hold different runs (run-a, run-b): merge the runners of one run id");

  await writeRunner(path.join(work, "c1"), "run-c", 1, 3, [100], 0);
  await writeRunner(path.join(work, "c2"), "run-c", 2, 3, [100], 0);
  const partial = await merge(["c1", "c2"]);
  assert.equal(partial.code, 2);
  assert.match(
    partial.stderr,
    /^results:merge: run run-c had 3 runners but 2 were given \(1-of-3, 2-of-3\): give every runner's folder\n$/,
  );
});
