// Unit tests for lib/shapes.ts, lib/windows.ts, lib/arrivals.ts and lib/shape-report.ts: each shape's k6
// options from its settings, bad shape settings refused by name, windows, the knee, the recovery and the CV.
import assert from "node:assert/strict";
import { test } from "node:test";
import { arrivalFires, firingIndexAfter, interArrivalCv, previousFiring } from "../../lib/arrivals.ts";
import { budgetProblem, planRun, requestCaps } from "../../lib/budget.ts";
import { ConfigError, parseConfig } from "../../lib/config.ts";
import { breakpointResult, spikeResult, type WindowReport } from "../../lib/shape-report.ts";
import { plannedOpenIterations, POISSON_OVERSAMPLING, shapeHardStopMs, shapeScenarios } from "../../lib/shapes.ts";
import { loadReportThresholds, thresholdsFor } from "../../lib/thresholds.ts";
import { windowPlan, windowThresholds } from "../../lib/windows.ts";
import { scenariosFor } from "../../lib/workloads.ts";
import { kneePoint } from "../../tools/results/annotations.ts";
import type { RunRecord, SummaryFile } from "../../tools/results/store.ts";
import { parseLoadArgs, scenarioScripts, scriptBundle } from "../../tools/run/run-load.ts";

const exec = { closed: "closedRampingVus", open: "openConstantArrival" };
const usage = { promptTokens: 100, outputTokens: 40, thinkingTokens: 0 };

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

test("load is the default shape and builds exactly today's closed and open scenarios", () => {
  const config = parseConfig({ GEMINI_DURATION: "20s" });
  assert.equal(config.shape, "load");
  assert.equal(config.arrivals, "constant");
  assert.deepEqual(shapeScenarios(config, exec), scenariosFor(config, exec));
  assert.deepEqual(Object.keys(shapeScenarios(config, exec)), ["closed_ramping_vus", "open_constant_arrival"]);
});

test("smoke: one VU, a handful of iterations, no retries, strict thresholds", () => {
  const config = parseConfig({ GEMINI_SHAPE: "smoke", GEMINI_SMOKE_ITERATIONS: "3", GEMINI_TIMEOUT: "10s" });
  assert.equal(config.retry.maxAttempts, 1);
  assert.deepEqual(shapeScenarios(config, exec), {
    smoke: {
      executor: "per-vu-iterations",
      exec: "closedRampingVus",
      vus: 1,
      iterations: 3,
      maxDuration: "90000ms",
      gracefulStop: "5000ms",
    },
  });
  const thresholds = thresholdsFor(config);
  assert.deepEqual(thresholds.gemini_errors, ["rate==0"]);
  assert.deepEqual(thresholds["checks{check_kind:contract}"], ["rate==1"]);
  assert.deepEqual(thresholds.gemini_request_duration, [`p(95)<${config.thresholds.p95Ms}`]);
  assert.deepEqual(Object.keys(loadReportThresholds(config)), ["iterations{scenario:smoke}"]);
  assert.equal(planRun(config, usage, undefined).requests, 4);
});

test("stress: steps from GEMINI_RATE up to peak × GEMINI_RATE, each reached in a tenth of a step and held", () => {
  const config = parseConfig({
    GEMINI_SHAPE: "stress",
    GEMINI_RATE: "10",
    GEMINI_STRESS_STEPS: "3",
    GEMINI_STRESS_STEP_DURATION: "20s",
    GEMINI_STRESS_PEAK: "2",
  });
  const scenario = shapeScenarios(config, exec).stress_steps;
  assert.deepEqual(scenario, {
    executor: "ramping-arrival-rate",
    exec: "openConstantArrival",
    startRate: 10,
    timeUnit: "1s",
    stages: [
      { duration: "20000ms", target: 10 },
      { duration: "2000ms", target: 15 },
      { duration: "18000ms", target: 15 },
      { duration: "2000ms", target: 20 },
      { duration: "18000ms", target: 20 },
    ],
    preAllocatedVUs: 80,
    maxVUs: 200,
    gracefulStop: "5000ms",
  });
  assert.equal(shapeHardStopMs(config), 65_000);
});

test("spike: base rate, N× within seconds, held, back, then watched", () => {
  const config = parseConfig({
    GEMINI_SHAPE: "spike",
    GEMINI_RATE: "4",
    GEMINI_SPIKE_MULTIPLIER: "5",
    GEMINI_SPIKE_BEFORE: "10s",
    GEMINI_SPIKE_RAMP: "2s",
    GEMINI_SPIKE_HOLD: "6s",
    GEMINI_SPIKE_AFTER: "20s",
    GEMINI_PREALLOCATED_VUS: "5",
    GEMINI_MAX_VUS: "50",
  });
  const scenario = shapeScenarios(config, exec).spike as unknown as { stages: unknown[]; startRate: number };
  assert.equal(scenario.startRate, 4);
  assert.deepEqual(scenario.stages, [
    { duration: "10000ms", target: 4 },
    { duration: "2000ms", target: 20 },
    { duration: "6000ms", target: 20 },
    { duration: "2000ms", target: 4 },
    { duration: "20000ms", target: 4 },
  ]);
  // 40 s in 10 s windows, each kept through an always-true threshold per metric.
  assert.deepEqual(windowPlan(config), { windowMs: 10_000, count: 4 });
  assert.deepEqual(windowThresholds(config)["gemini_request_duration{window:w003}"], ["max>=0"]);
  assert.deepEqual(windowThresholds(config)["gemini_errors{window:w000}"], ["rate>=0"]);
  // 4/s × 40 s, plus the spike's extra: 16 × (1 + 6 + 1) = 128, plus one per stage.
  assert.equal(plannedOpenIterations(config), 160 + 128 + 5);
});

test("soak: a long constant arrival rate broken into windows (a twelfth of it by default)", () => {
  const config = parseConfig({ GEMINI_SHAPE: "soak", GEMINI_RATE: "2", GEMINI_SOAK_DURATION: "2h" });
  assert.deepEqual(shapeScenarios(config, exec).soak, {
    executor: "constant-arrival-rate",
    exec: "openConstantArrival",
    rate: 2,
    timeUnit: "1s",
    duration: "7200000ms",
    preAllocatedVUs: 8,
    maxVUs: 20,
    gracefulStop: "5000ms",
  });
  assert.deepEqual(windowPlan(config), { windowMs: 600_000, count: 12 });
  assert.equal(planRun({ ...config, budget: { maxRequests: undefined, maxCostUsd: undefined } }, usage, undefined).requests > 14_400, true);
});

test("breakpoint: a rising rate whose windows abort the run once one breaks the objective", () => {
  const config = parseConfig({
    GEMINI_SHAPE: "breakpoint",
    GEMINI_BREAKPOINT_START_RATE: "2",
    GEMINI_BREAKPOINT_MAX_RATE: "60",
    GEMINI_BREAKPOINT_DURATION: "30s",
    GEMINI_WINDOW: "5s",
    GEMINI_SLO_MS: "400",
    GEMINI_MAX_ERROR_RATE: "0.1",
  });
  const scenario = shapeScenarios(config, exec).breakpoint as unknown as { executor: string; startRate: number; stages: unknown[] };
  assert.equal(scenario.executor, "ramping-arrival-rate");
  assert.equal(scenario.startRate, 2);
  assert.deepEqual(scenario.stages, [{ duration: "30000ms", target: 60 }]);
  const thresholds = windowThresholds(config);
  assert.deepEqual(thresholds["gemini_request_duration{window:w001}"], [
    { threshold: "p(95)<400", abortOnFail: true, delayAbortEval: "12500ms" },
  ]);
  assert.deepEqual(thresholds["gemini_errors{window:w005}"], [{ threshold: "rate<=0.1", abortOnFail: true, delayAbortEval: "32500ms" }]);
  // The run-wide latency and error criteria would only restate the break: they are left out.
  assert.equal(thresholdsFor(config).gemini_request_duration, undefined);
  assert.match(planRun({ ...config }, usage, undefined).basis, /breakpoint: 2\/s rising to 60\/s over 30s, if it never breaks/);
});

test("poisson arrivals run k6's clock 20× faster; the budget caps fired requests exactly", () => {
  const config = parseConfig({ GEMINI_SCENARIO: "open", GEMINI_ARRIVALS: "poisson", GEMINI_RATE: "5", GEMINI_DURATION: "10s" });
  const open = shapeScenarios(config, exec).open_constant_arrival as unknown as { rate: number; preAllocatedVUs: number };
  assert.equal(open.rate, 5 * POISSON_OVERSAMPLING);
  assert.equal(open.preAllocatedVUs, config.preAllocatedVus);
  // The (n+1)-th firing index: exactly n fire before it.
  const cap = firingIndexAfter(50);
  let fired = 0;
  for (let i = 0; i < cap; i++) if (arrivalFires(i)) fired++;
  assert.equal(fired, 50);
  assert.equal(arrivalFires(cap), true);
  assert.equal(previousFiring(cap) < cap, true);
});

test("the fire decisions thin the clock to a Poisson process: 1/k fire, gaps with CV near √(1 − 1/k)", () => {
  const n = 400_000;
  let previous = -1;
  const gaps = { n: 0, sum: 0, sumSq: 0 };
  for (let i = 0; i < n; i++) {
    if (!arrivalFires(i)) continue;
    if (previous >= 0) {
      gaps.n++;
      gaps.sum += i - previous;
      gaps.sumSq += (i - previous) ** 2;
    }
    previous = i;
  }
  assert.ok(Math.abs(gaps.n / n - 1 / POISSON_OVERSAMPLING) < 0.002, `${gaps.n} of ${n} fired`);
  const cv = interArrivalCv({ plannedGaps: gaps, lateness: { n: 0, sum: 0, sumSq: 0 } }) ?? 0;
  assert.ok(Math.abs(cv - Math.sqrt(1 - 1 / POISSON_OVERSAMPLING)) < 0.02, `CV ${cv}`);
  // Constant arrivals: only k6's lateness varies the gaps (Var counted twice).
  assert.equal(
    interArrivalCv({ fixedGapMs: 10, lateness: { n: 4, sum: 4002, sumSq: 4 * 1000.5 ** 2 + 4 * 0.25 } }),
    Math.sqrt(2 * 0.25) / 10,
  );
});

test("bad shape settings are refused by name, all at once", () => {
  const problems = problemsOf({
    GEMINI_SHAPE: "breakpoint",
    GEMINI_ARRIVALS: "bursty",
    GEMINI_STRESS_STEPS: "1",
    GEMINI_SPIKE_MULTIPLIER: "0.5",
    GEMINI_SPIKE_MARGIN: "-1",
    GEMINI_SOAK_DURATION: "5s",
    GEMINI_BREAKPOINT_START_RATE: "10",
    GEMINI_BREAKPOINT_MAX_RATE: "5",
    GEMINI_SMOKE_ITERATIONS: "0",
  });
  for (const name of [
    "GEMINI_ARRIVALS",
    "GEMINI_STRESS_STEPS",
    "GEMINI_SPIKE_MULTIPLIER",
    "GEMINI_SPIKE_MARGIN",
    "GEMINI_SOAK_DURATION",
    "GEMINI_BREAKPOINT_MAX_RATE",
    "GEMINI_SMOKE_ITERATIONS",
  ]) {
    assert.ok(
      problems.some((p) => p.startsWith(`invalid ${name}: expected `)),
      `no problem for ${name}: ${problems.join("\n")}`,
    );
  }
  assert.ok(problems.includes("invalid GEMINI_ARRIVALS: expected one of constant, poisson, got 'bursty'"));
  assert.ok(
    problemsOf({ GEMINI_SHAPE: "ramp" }).includes(
      "invalid GEMINI_SHAPE: expected one of smoke, load, stress, spike, soak, breakpoint, got 'ramp'",
    ),
  );
  assert.match(
    problemsOf({ GEMINI_SHAPE: "soak", GEMINI_SOAK_DURATION: "10h", GEMINI_WINDOW: "10s" })[0] ?? "",
    /^invalid GEMINI_WINDOW: expected a window long enough for at most 120 windows/,
  );
});

test("breakpoint and soak against a non-loopback URL need a budget, and their worst case is planned", () => {
  for (const shape of ["breakpoint", "soak"]) {
    const problems = problemsOf({ GEMINI_SHAPE: shape, GEMINI_BASE_URL: "https://generativelanguage.googleapis.com", GEMINI_API_KEY: "k" });
    assert.match(problems[0] ?? "", new RegExp(`^missing GEMINI_MAX_REQUESTS or GEMINI_MAX_COST_USD: .*a ${shape} run`));
  }
  const config = parseConfig({
    GEMINI_SHAPE: "breakpoint",
    GEMINI_BASE_URL: "https://generativelanguage.googleapis.com",
    GEMINI_API_KEY: "k",
    GEMINI_MAX_REQUESTS: "200",
    GEMINI_BREAKPOINT_MAX_RATE: "20",
    GEMINI_BREAKPOINT_DURATION: "60s",
  });
  // 1 → 20/s over 60 s is 630 requests if it never breaks: the budget of 200 caps it.
  const plan = planRun(config, usage, undefined);
  assert.equal(plan.capped, true);
  assert.equal(plan.requests, 200);
  assert.deepEqual(requestCaps(config), { closed: undefined, open: 180 });
  assert.equal(budgetProblem(config, { date: "", source: "", unit: "", models: {} }), undefined);
});

const w = (index: number, offeredRate: number, p95Ms: number | null, errorRate: number | null = 0): WindowReport => ({
  window: `w${String(index).padStart(3, "0")}`,
  startSeconds: index * 10,
  offeredRate,
  requests: p95Ms === null ? 0 : 100,
  achievedRate: offeredRate,
  p50Ms: p95Ms,
  p95Ms,
  errorRate,
});

test("breakpoint: the sustained rate is the last window within the objective, the break names its rule", () => {
  const context = { breakpoint: { sloMs: 500, maxErrorRate: 0.05 }, windows: { windowMs: 10_000, offeredRates: [] } };
  assert.deepEqual(breakpointResult([w(0, 10, 120), w(1, 20, 130), w(2, 30, 640), w(3, 40, 900)], context), {
    sustainedRate: 20,
    brokeAtRate: 30,
    criterion: "p95 640 ms ≥ 500 ms over 10 s (window w002)",
  });
  assert.equal(breakpointResult([w(0, 10, 120), w(1, 20, 130, 0.2)], context)?.criterion, "errors 20.0% > 5.0% over 10 s (window w001)");
  assert.deepEqual(breakpointResult([w(0, 10, 120), w(1, 20, 130)], context), { sustainedRate: 20, brokeAtRate: null, criterion: null });
});

test("spike: recovery is measured from the spike's end to the end of the first window back within the margin", () => {
  const context = { spike: { startMs: 20_000, endMs: 40_000, margin: 0.2 }, windows: { windowMs: 10_000, offeredRates: [] } };
  const windows = [w(0, 5, 100), w(1, 5, 110), w(2, 25, 900), w(3, 25, 1200), w(4, 5, 400), w(5, 5, 125), w(6, 5, 100)];
  assert.deepEqual(spikeResult(windows, context), { recoverySeconds: 20, baselineP95Ms: 105, margin: 0.2 });
  assert.equal(spikeResult(windows.slice(0, 5), context)?.recoverySeconds, null);
});

test("npm run load takes a script from scenarios/ and refuses an unknown one, naming those there are", () => {
  assert.equal(scriptBundle("moderation", ["haiku", "moderation"]), "dist/moderation.js");
  assert.equal(scriptBundle("scenarios/haiku.ts", ["haiku", "moderation"]), "dist/haiku.js");
  assert.throws(
    () => scriptBundle("modration", ["haiku", "moderation"]),
    /^UsageError: unknown script "modration": expected one of haiku, moderation \(the files in scenarios\/\)$/,
  );
  assert.ok(scenarioScripts().includes("moderation"));
  const options = parseLoadArgs(["moderation", "--shape", "spike", "--arrivals", "poisson"]);
  assert.equal(options.script, "dist/moderation.js");
  assert.deepEqual(options.env, { GEMINI_SHAPE: "spike", GEMINI_ARRIVALS: "poisson" });
  assert.deepEqual(options.flags, { GEMINI_SHAPE: "--shape", GEMINI_ARRIVALS: "--arrivals" });
});

test("a breakpoint's knee becomes a run annotation at the window that broke, with both rates", () => {
  const run = { runId: "r1", startedAt: "2026-12-01T10:00:00.000Z", settings: { GEMINI_SHAPE: "breakpoint" } } as unknown as RunRecord;
  const summary = {
    breakpoint: { sustainedRate: 41.5, brokeAtRate: 44.5, criterion: "p95 407 ms ≥ 250 ms over 2 s (window w011)" },
    windows: [{ window: "w011", startSeconds: 22 }],
  } as unknown as SummaryFile;
  const line = kneePoint(run, summary)?.toLineProtocol() ?? "";
  assert.match(line, /^gemini_run,event=knee,testid=r1 /);
  assert.match(line, /broke_at_rate=44\.5/);
  assert.match(line, /sustained_rate=41\.5/);
  assert.match(
    line,
    /text="run r1 breakpoint: sustained 41\.5 req\/s, broke at 44\.5 req\/s \(p95 407 ms ≥ 250 ms over 2 s \(window w011\)\)"/,
  );
  assert.ok(line.endsWith(String(Date.parse("2026-12-01T10:00:22.000Z") * 1_000_000)), line);
  assert.equal(
    kneePoint(run, { breakpoint: { sustainedRate: 50, brokeAtRate: null, criterion: null } } as unknown as SummaryFile),
    undefined,
  );
});
