// Unit tests for lib/workloads.ts, lib/thresholds.ts and lib/run-id.ts: load shapes, criteria and run ids from the config.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../lib/config.ts";
import { arrivalRate } from "../../lib/arrival-rate.ts";
import { CLOSED_SCENARIO, GRACEFUL_STOP_MS, OPEN_SCENARIO, scenarioHardStopMs, scenariosFor, offeredRate } from "../../lib/workloads.ts";
import { thresholdsFor } from "../../lib/thresholds.ts";
import { moderationThresholds } from "../../lib/moderation.ts";
import { newRunId } from "../../lib/run-id.ts";

const exec = { closed: "closedRampingVus", open: "openConstantArrival" };

test("closed: ramp up a quarter, hold half, ramp down a quarter, to the configured VUs", () => {
  const scenarios = scenariosFor(parseConfig({ GEMINI_SCENARIO: "closed", GEMINI_DURATION: "40s", GEMINI_VUS: "8" }), exec);
  assert.deepEqual(Object.keys(scenarios), [CLOSED_SCENARIO]);
  assert.deepEqual(scenarios[CLOSED_SCENARIO], {
    executor: "ramping-vus",
    exec: "closedRampingVus",
    startVUs: 0,
    stages: [
      { duration: "10000ms", target: 8 },
      { duration: "20000ms", target: 8 },
      { duration: "10000ms", target: 0 },
    ],
    gracefulRampDown: "15000ms",
    gracefulStop: "5000ms",
  });
});

test("closed and open scenarios cut in-flight requests only at their duration plus the graceful stop", () => {
  const config = parseConfig({ GEMINI_DURATION: "40s" });
  assert.equal(scenarioHardStopMs(config), 45_000);
  const scenarios = scenariosFor(config, exec);
  const closed = scenarios[CLOSED_SCENARIO] as unknown as { stages: { duration: string }[]; gracefulRampDown: string };
  const msOf = (text: string) => Number(/^(\d+)ms$/.exec(text)?.[1]);
  const total = closed.stages.reduce((sum, stage) => sum + msOf(stage.duration), 0);
  const rampDownStart = total - msOf(closed.stages[2]?.duration ?? "");
  // A VU told to stop when the ramp-down begins may run until the scenario's own hard stop, not before.
  assert.equal(rampDownStart + msOf(closed.gracefulRampDown), scenarioHardStopMs(config));
  assert.equal(total + msOf(scenarios[CLOSED_SCENARIO]?.gracefulStop ?? ""), scenarioHardStopMs(config));
  const open = scenarios[OPEN_SCENARIO] as unknown as { duration: string; gracefulStop: string };
  assert.equal(msOf(open.duration) + msOf(open.gracefulStop), scenarioHardStopMs(config));
  assert.equal(GRACEFUL_STOP_MS, 5000);
});

test("open: constant arrival rate with the configured VU pool", () => {
  const scenarios = scenariosFor(
    parseConfig({ GEMINI_SCENARIO: "open", GEMINI_RATE: "12", GEMINI_DURATION: "1m", GEMINI_PREALLOCATED_VUS: "4", GEMINI_MAX_VUS: "9" }),
    exec,
  );
  assert.deepEqual(scenarios, {
    [OPEN_SCENARIO]: {
      executor: "constant-arrival-rate",
      exec: "openConstantArrival",
      rate: 12,
      timeUnit: "1s",
      duration: "60000ms",
      preAllocatedVUs: 4,
      maxVUs: 9,
      gracefulStop: "5000ms",
    },
  });
});

test("both: the open scenario starts after the closed one and its graceful stop", () => {
  const scenarios = scenariosFor(parseConfig({ GEMINI_DURATION: "30s" }), exec);
  assert.deepEqual(Object.keys(scenarios), [CLOSED_SCENARIO, OPEN_SCENARIO]);
  assert.equal(scenarios[CLOSED_SCENARIO]?.startTime, undefined);
  assert.equal(scenarios[OPEN_SCENARIO]?.startTime, "35000ms");
});

test("fractional rates become the closest whole rate per second, minute or hour", () => {
  assert.deepEqual(arrivalRate(0.5), { rate: 30, timeUnit: "1m", error: 0 });
  assert.deepEqual(arrivalRate(3), { rate: 3, timeUnit: "1s", error: 0 });
  assert.equal(offeredRate({ rate: 2.5 }), 2.5);
  // 0.0025/s is 9 per hour; per minute it would have been 1 (6.7× too many).
  assert.deepEqual({ ...arrivalRate(0.0025), error: undefined }, { rate: 9, timeUnit: "1h", error: undefined });
  assert.ok(Math.abs(offeredRate({ rate: 0.0025 }) - 0.0025) < 1e-12);
  // 0.001/s (3.6 per hour) has no whole rate within 1%: lib/config.ts refuses it on this error.
  assert.ok(arrivalRate(0.001).error > 0.01);
  const open = scenariosFor(parseConfig({ GEMINI_SCENARIO: "open", GEMINI_RATE: "0.0025" }), exec)[OPEN_SCENARIO];
  assert.deepEqual([open?.rate, open?.timeUnit], [9, "1h"]);
  assert.equal(open?.error, undefined, "only k6 options reach the scenario");
});

test("thresholds gate latency, errors, contract checks, accuracy and goodput; a hopeless error rate aborts", () => {
  const thresholds = thresholdsFor(
    parseConfig({ GEMINI_P95_MS: "900", GEMINI_TTFT_P95_MS: "300", GEMINI_MAX_ERROR_RATE: "0.02", GEMINI_MIN_ACCURACY: "0.7" }),
  );
  assert.deepEqual(thresholds.gemini_request_duration, ["p(95)<900"]);
  assert.deepEqual(thresholds.gemini_ttft, ["p(95)<300"]);
  assert.deepEqual(thresholds.gemini_errors, ["rate<=0.02", { threshold: "rate<0.5", abortOnFail: true, delayAbortEval: "10s" }]);
  // A limit above the hopeless share moves the abort up with it, so the user's own limit decides.
  assert.deepEqual(thresholdsFor(parseConfig({ GEMINI_MAX_ERROR_RATE: "0.8" })).gemini_errors, [
    "rate<=0.8",
    { threshold: "rate<0.8", abortOnFail: true, delayAbortEval: "10s" },
  ]);
  assert.deepEqual(thresholds["checks{check_kind:contract}"], ["rate>=0.95"]);
  assert.equal(thresholds.gemini_moderation_correct, undefined, "accuracy is the moderation scenario's own threshold");
  assert.deepEqual(moderationThresholds(parseConfig({ GEMINI_MIN_ACCURACY: "0.7" })).gemini_moderation_correct, ["rate>=0.7"]);
  assert.deepEqual(thresholds.gemini_goodput, ["rate>=0.9"]);
  assert.deepEqual(thresholds["gemini_errors{error_class:overloaded}"], ["rate>=0"]);
  assert.equal(thresholdsFor(parseConfig({ GEMINI_STREAM: "false" })).gemini_ttft, undefined, "no TTFT without streaming");
});

test("run ids are UTC time plus four hex digits", () => {
  assert.equal(
    newRunId(new Date(Date.UTC(2026, 10, 26, 1, 2, 3)), () => 0.6405),
    "20261126-010203-a3f7",
  );
  assert.match(newRunId(new Date()), /^\d{8}-\d{6}-[0-9a-f]{4}$/);
});
