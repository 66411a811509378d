// Every test type run with real k6 against the emulator, kept to seconds each: smoke passes on a healthy
// service and fails (exit 99) on a degraded one; breakpoint finds the capacity a set emulator implies and
// stops by itself; spike reports its recovery; soak produces its windows; breakpoint and soak refuse a
// non-loopback URL without a budget.

import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { start } from "../../emulator/index.ts";
import {
  buildScenarios,
  emulatorStats,
  patchEmulatorConfig,
  readSummary,
  runK6Direct,
  runScenario,
  tempResultsRoot,
} from "../helpers/k6.ts";
import { startRemoteEmulator } from "../helpers/network.ts";

/** k6's exit code when a threshold is crossed (or an abortOnFail threshold stopped the run). */
const K6_THRESHOLDS_CROSSED = 99;
/** k6's exit code when the script called exec.test.abort(). */
const K6_ABORTED = 108;

let resultsRoot: string;
const emulators: Array<{ close(): Promise<void> }> = [];

before(async () => {
  await buildScenarios();
  resultsRoot = await tempResultsRoot();
});

after(async () => {
  for (const emulator of emulators) await emulator.close();
  await rm(resultsRoot, { recursive: true, force: true });
});

async function emulator(profile: string): Promise<string> {
  const started = await start({ port: 0, profile, seed: 5 });
  emulators.push(started);
  return started.url;
}

test("smoke passes on a healthy emulator and fails with exit 99 on a degraded one", async () => {
  const healthy = await runScenario({
    baseUrl: await emulator("fast"),
    resultsRoot,
    env: { GEMINI_SHAPE: "smoke", GEMINI_SMOKE_ITERATIONS: "10" },
  });
  assert.equal(healthy.exitCode, 0, healthy.stdout.slice(-2000) + healthy.stderr.slice(-2000));
  const summary = await readSummary(healthy.resultsDir);
  assert.equal(summary.shape, "smoke");
  assert.equal(summary.passed, true);
  assert.equal(summary.metrics.gemini_request_duration?.values.count, 10);
  assert.match(healthy.stdout, /· shape smoke/);

  // 30% of answers are 503 there, and a smoke test does not retry them away.
  const degraded = await runScenario({
    baseUrl: await emulator("degraded"),
    resultsRoot,
    env: { GEMINI_SHAPE: "smoke", GEMINI_SMOKE_ITERATIONS: "10" },
  });
  assert.equal(degraded.exitCode, K6_THRESHOLDS_CROSSED, degraded.stdout.slice(-2000));
  assert.match(degraded.stdout, /✗ gemini_errors rate==0/);
  assert.equal((await readSummary(degraded.resultsDir)).passed, false);
});

test("breakpoint finds the capacity the emulator's slots imply (4 × 100 ms = 40 req/s) within 20% and stops by itself", async () => {
  const url = await emulator("fast");
  await patchEmulatorConfig(url, {
    models: { "gemini-2.5-flash": { ttftMedianMs: 100, ttftP95Ms: 100, tokensPerSecond: 0, thoughtsTokens: 0, slots: 4, queue: 1000 } },
  });
  const run = await runScenario({
    baseUrl: url,
    resultsRoot,
    env: {
      GEMINI_SHAPE: "breakpoint",
      GEMINI_BREAKPOINT_START_RATE: "10",
      GEMINI_BREAKPOINT_MAX_RATE: "70",
      GEMINI_BREAKPOINT_DURATION: "40s",
      GEMINI_WINDOW: "2s",
      GEMINI_SLO_MS: "250",
      GEMINI_STREAM: "false",
      GEMINI_PREALLOCATED_VUS: "60",
      GEMINI_MAX_VUS: "200",
    },
  });
  const summary = await readSummary(run.resultsDir);
  const knee = summary.breakpoint as { sustainedRate: number; brokeAtRate: number; criterion: string };
  assert.ok(knee.sustainedRate >= 32 && knee.sustainedRate <= 48, `sustained ${knee.sustainedRate} req/s for a 40 req/s capacity`);
  assert.ok(knee.brokeAtRate > knee.sustainedRate, JSON.stringify(knee));
  assert.match(knee.criterion, /^p95 \d+ ms ≥ 250 ms over 2 s \(window w\d{3}\)$/);
  // Stopped by its own threshold, well before the 40 s the rate would take to reach 70/s; the run tool
  // reads the knee as the expected end (exit 0), and summary.json says it passed.
  assert.ok(Number(summary.testRunDurationMs) < 36_000, `ran ${summary.testRunDurationMs} ms`);
  assert.equal(summary.passed, true);
  assert.equal(run.exitCode, 0, run.stderr.slice(-2000));
  assert.match(run.stdout, /breakpoint: {3}sustained [\d.]+ req\/s within the objective; broke at [\d.]+ req\/s: p95/);
});

test("spike reports a recovery time after the spike, and the windows around it", async () => {
  const url = await emulator("fast");
  // 8 slots of 100 ms: 80 req/s, so 20/s is easy and a spike to 120/s queues.
  await patchEmulatorConfig(url, {
    models: { "gemini-2.5-flash": { ttftMedianMs: 100, ttftP95Ms: 100, tokensPerSecond: 0, thoughtsTokens: 0, slots: 8, queue: 2000 } },
  });
  const run = await runScenario({
    baseUrl: url,
    resultsRoot,
    env: {
      GEMINI_SHAPE: "spike",
      GEMINI_RATE: "20",
      GEMINI_SPIKE_MULTIPLIER: "6",
      GEMINI_SPIKE_BEFORE: "4s",
      GEMINI_SPIKE_RAMP: "1s",
      GEMINI_SPIKE_HOLD: "2s",
      GEMINI_SPIKE_AFTER: "10s",
      GEMINI_WINDOW: "2s",
      GEMINI_STREAM: "false",
      GEMINI_PREALLOCATED_VUS: "100",
      GEMINI_MAX_VUS: "300",
      GEMINI_P95_MS: "60000",
      GEMINI_MIN_GOODPUT: "0",
    },
  });
  const summary = await readSummary(run.resultsDir);
  const spike = summary.spike as { recoverySeconds: number | null; baselineP95Ms: number };
  const windows = summary.windows as Array<{ window: string; p95Ms: number }>;
  assert.ok(windows.length >= 9, `${windows.length} windows`);
  const peak = Math.max(...windows.map((w) => w.p95Ms));
  assert.ok(peak > spike.baselineP95Ms * 2, `the spike did not slow the service (peak p95 ${peak} ms, before ${spike.baselineP95Ms} ms)`);
  assert.equal(typeof spike.recoverySeconds, "number", JSON.stringify(spike));
  assert.ok((spike.recoverySeconds ?? 0) >= 2 && (spike.recoverySeconds ?? 99) <= 10, `recovered in ${spike.recoverySeconds} s`);
  assert.match(run.stdout, /spike: {8}recovered within [\d.]+ s of the spike's end \(p95 back within 20% of \d+ ms\)/);
});

test("a short soak produces its time windows, each with its requests and latency", async () => {
  const run = await runScenario({
    baseUrl: await emulator("fast"),
    resultsRoot,
    env: { GEMINI_SHAPE: "soak", GEMINI_RATE: "10", GEMINI_SOAK_DURATION: "12s", GEMINI_WINDOW: "3s" },
  });
  assert.equal(run.exitCode, 0, run.stdout.slice(-2000));
  const summary = await readSummary(run.resultsDir);
  const windows = summary.windows as Array<{ window: string; startSeconds: number; requests: number; p95Ms: number; errorRate: number }>;
  assert.deepEqual(
    windows.map((w) => w.window),
    ["w000", "w001", "w002", "w003"],
  );
  assert.deepEqual(
    windows.map((w) => w.startSeconds),
    [0, 3, 6, 9],
  );
  for (const w of windows) {
    assert.ok(w.requests >= 25 && w.requests <= 35, `${w.window}: ${w.requests} requests at 10/s over 3 s`);
    assert.ok(w.p95Ms > 0 && w.errorRate === 0, JSON.stringify(w));
  }
  assert.equal(
    windows.reduce((sum, w) => sum + w.requests, 0),
    summary.metrics.gemini_request_duration?.values.count,
  );
  assert.match(run.stdout, /windows of 3 s/);
  // k6's own memory, which no script can see, is read by the run tool from /proc (Linux) into run.json.
  const record = JSON.parse(await readFile(path.join(run.resultsDir, "run.json"), "utf8"));
  if (process.platform === "linux") {
    assert.ok(record.k6Memory.samples.length >= 10, `${record.k6Memory.samples.length} memory samples over a 12 s soak`);
    assert.ok(record.k6Memory.peakRssMb > 10 && record.k6Memory.peakRssMb < 4096, `peak ${record.k6Memory.peakRssMb} MB`);
  } else {
    assert.equal(record.k6Memory, undefined);
  }
});

test("breakpoint and soak against a non-loopback URL without a budget refuse to start", async () => {
  const remote = await startRemoteEmulator();
  try {
    for (const shape of ["breakpoint", "soak"]) {
      const run = await runK6Direct({ GEMINI_BASE_URL: remote.remoteUrl, GEMINI_API_KEY: "AIzaShapeCanary", GEMINI_SHAPE: shape });
      assert.equal(run.exitCode, K6_ABORTED, run.stderr.slice(-2000));
      assert.match(run.stdout + run.stderr, new RegExp(`missing GEMINI_MAX_REQUESTS or GEMINI_MAX_COST_USD: .*\\(a ${shape} run`));
    }
    assert.equal((await emulatorStats(remote.loopbackUrl)).requests.total, 0, "a request reached the service");
  } finally {
    await remote.close();
  }
});
