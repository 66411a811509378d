// verify's baseline of several unloaded calls: the intervals are what they claim (against published
// tolerance factors and by simulation), and --after on real k6 runs says "within noise" for a light load
// on an unchanged emulator and "regression" once the emulator is made slower.
import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Rng } from "../../emulator/src/random.ts";
import { medianEstimate, p95Estimate, spreadOf, toleranceFactor, verdictOf } from "../../verify/spread.ts";
import { startEmulator, type TestEmulator } from "../helpers/emulator.ts";
import { buildScenarios, runScenario, tempResultsRoot } from "../helpers/k6.ts";
import { runVerifyCli } from "../helpers/verify.ts";

describe("the baseline's intervals", () => {
  test("tolerance factors equal the published one-sided normal tolerance factors (95% of the population, 95% confidence)", () => {
    // NIST/SEMATECH e-Handbook 7.2.6.3 and Odeh & Owen's tables: n = 5 → 4.203, 10 → 2.911, 20 → 2.396.
    for (const [n, k] of [
      [5, 4.203],
      [10, 2.911],
      [20, 2.396],
    ] as const) {
      assert.ok(Math.abs(toleranceFactor(n, 0.95, 0.95) - k) < 0.002, `n=${n}: ${toleranceFactor(n, 0.95, 0.95)} vs ${k}`);
    }
  });

  test("the median's interval is between order statistics: x(2)..x(9) of 10 with 97.9% coverage", () => {
    const estimate = medianEstimate([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
    assert.deepEqual(estimate, { value: 5.5, low: 2, high: 9, confidence: 1 - (2 * 11) / 1024 });
  });

  test("by simulation of lognormal latencies, each interval misses on its side no more often than it claims", () => {
    const rng = new Rng(20261203);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    const mu = Math.log(100);
    const sigma = 0.4;
    const trueMedian = Math.exp(mu);
    const trueP95 = Math.exp(mu + 1.6448536269514722 * sigma);
    const trials = 4000;
    const misses = { medianHigh: 0, medianLow: 0, p95High: 0, p95Low: 0 };
    for (let t = 0; t < trials; t++) {
      const samples = Array.from({ length: 10 }, () => Math.exp(mu + sigma * normal()));
      const { p50, p95 } = spreadOf(samples);
      if (trueMedian > p50.high) misses.medianHigh++;
      if (trueMedian < p50.low) misses.medianLow++;
      if (trueP95 > p95.high) misses.p95High++;
      if (trueP95 < p95.low) misses.p95Low++;
    }
    // Claimed: at most 1.07% each side for the median, 2.5% each side for p95. Binomial noise at 4000 trials ≈ 0.25%.
    for (const [side, count] of Object.entries(misses)) {
      const claimed = side.startsWith("median") ? 0.0107 : 0.025;
      assert.ok(count / trials < claimed + 0.008, `${side}: ${count / trials} misses vs ${claimed} claimed`);
    }
    // And the p95 interval is not needlessly wide: it does miss about as often as claimed.
    assert.ok(misses.p95High / trials > 0.01, `p95 upper misses ${misses.p95High / trials}`);
  });

  test("verdicts: above the interval a regression, below it faster, inside within noise", () => {
    const estimate = p95Estimate([90, 95, 100, 100, 105, 110, 98, 102, 97, 103]);
    assert.equal(verdictOf(estimate.high + 1, estimate), "regression");
    assert.equal(verdictOf(estimate.low - 1, estimate), "faster");
    assert.equal(verdictOf(estimate.value, estimate), "within_noise");
  });
});

describe("--after against a baseline of 10 calls, on real k6 runs", () => {
  let emulator: TestEmulator;
  let resultsRoot: string;

  before(async () => {
    await buildScenarios();
    resultsRoot = await tempResultsRoot();
    emulator = await startEmulator({ profile: "fast" });
  });

  after(async () => {
    await emulator?.close();
    await rm(resultsRoot, { recursive: true, force: true });
  });

  /** Preflight into the run's folder, then `between` (e.g. a slow-down), then a light open-model run, then --after. */
  async function baselineRunAfter(runId: string, between: () => Promise<unknown>): Promise<{ stdout: string; after: Record<string, any> }> {
    const env = { GEMINI_BASE_URL: emulator.url, GEMINI_RESULTS_DIR: resultsRoot, GEMINI_RUN_ID: runId };
    const preflight = await runVerifyCli([], env);
    assert.equal(preflight.code, 0, preflight.stdout + preflight.stderr);
    await between();
    // Light: about one request in flight, far below the fast profile's 512 slots.
    const run = await runScenario({
      baseUrl: emulator.url,
      resultsRoot,
      env: { GEMINI_RUN_ID: runId, GEMINI_SCENARIO: "open", GEMINI_DURATION: "5s", GEMINI_RATE: "8", GEMINI_STREAM: "true" },
    });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    const outcome = await runVerifyCli(["--after", runId], env);
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    const verify = JSON.parse(await readFile(path.join(resultsRoot, runId, "verify.json"), "utf8")) as Record<string, any>;
    assert.equal(verify.after.baselineSource, "preflight");
    assert.equal(verify.after.baseline.calls, 10);
    return { stdout: outcome.stdout, after: verify.after };
  }

  test("an unchanged emulator under light load: the medians within noise, nothing a regression", async () => {
    const { stdout, after: a } = await baselineRunAfter("20261203-000000-a001", async () => undefined);
    for (const name of ["median", "ttftMedian"]) {
      assert.equal(a.impact[name].verdict, "within_noise", `${name}: ${JSON.stringify(a.impact[name])}\n${stdout}`);
    }
    // A p95 from ten calls is loose: one slow call on a busy machine widens it, and the loaded p95 may then
    // read below it ("faster"); what must never happen without a change is a regression.
    for (const name of ["p95", "ttftP95"]) {
      assert.notEqual(a.impact[name].verdict, "regression", `${name}: ${JSON.stringify(a.impact[name])}\n${stdout}`);
    }
    assert.match(
      stdout,
      /median latency\s+\d+ ms under load vs \d+ ms unloaded: ×\d+\.\d\d \([+-]?\d+ ms\), within noise \(baseline allows \d+ ms–\d+ ms\)/,
    );
    assert.match(stdout, /TTFT median\s+.*, within noise/);
    assert.doesNotMatch(stdout, /regression/);
  });

  test("the same emulator made 6x slower after the preflight: every comparison a regression", async () => {
    const { stdout, after: a } = await baselineRunAfter("20261203-000000-a002", () =>
      emulator.admin.patchConfig({ faults: { latencyMultiplier: 6 } }),
    );
    try {
      for (const name of ["p95", "median", "ttftP95", "ttftMedian"]) {
        assert.equal(a.impact[name].verdict, "regression", `${name}: ${JSON.stringify(a.impact[name])}\n${stdout}`);
        assert.ok(a.impact[name].underLoad > a.impact[name].noise.high);
      }
      assert.match(stdout, /median latency\s+\d+ ms under load vs \d+ ms unloaded: ×\d+\.\d\d \(\+\d+ ms\), regression \(baseline allows/);
      assert.doesNotMatch(stdout, /within noise/);
    } finally {
      await emulator.admin.patchConfig({ faults: { latencyMultiplier: 1 } });
    }
  });
});
