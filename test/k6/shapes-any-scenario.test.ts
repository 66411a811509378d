// The shapes are the kit's, not moderation's: the second scenario (test/fixtures/scenarios/haiku.ts),
// built on its own, runs as a smoke test and as a spike with its windows and recovery.

import assert from "node:assert/strict";
import { test } from "node:test";
import { haikuSuite } from "../helpers/haiku-suite.ts";

const haiku = haikuSuite("gemini-k6-shapes-");
const runHaiku = haiku.run;

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
