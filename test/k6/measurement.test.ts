// k6's percentiles must agree with the emulator's exact ground truth: if they did not, every
// number the suite reports would be suspect. Tolerance: 5%, plus loopback overhead on k6's side.

import assert from "node:assert/strict";
import { test } from "node:test";
import { emulatorConfig, emulatorStats, metricValue, patchEmulatorConfig, readSummary, resetEmulator, runScenario } from "../helpers/k6.ts";
import { fastEmulatorSuite } from "../helpers/k6-suite.ts";
import { assertAgrees } from "../helpers/agreement.ts";

const suite = fastEmulatorSuite({ seed: 7 });

test("k6's p95 of request duration and of time to first token match the emulator's ground truth", async (t) => {
  const run = await runScenario({
    baseUrl: suite.url,
    resultsRoot: suite.resultsRoot,
    env: { GEMINI_SCENARIO: "open", GEMINI_DURATION: "12s", GEMINI_RATE: "25", GEMINI_STREAM: "true" },
  });
  // Thresholds are the gate test's business; here the run only has to complete (0 or 99).
  assert.ok(run.exitCode === 0 || run.exitCode === 99, `k6 did not complete (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
  const summary = await readSummary(run.resultsDir);
  const all = await emulatorStats(suite.url);
  const streaming = await emulatorStats(suite.url, { method: "streamGenerateContent" });

  // Every HTTP request k6 sent is one the emulator timed, so the two populations are the same.
  assert.equal(metricValue(summary, "http_reqs", "count"), all.requests.total);
  assert.ok(streaming.ttfbMs.count >= 250, `only ${streaming.ttfbMs.count} streaming calls`);
  assert.equal(metricValue(summary, "gemini_ttft", "count"), streaming.ttfbMs.count);

  t.diagnostic(
    `p95 duration k6 ${metricValue(summary, "http_req_duration", "p(95)").toFixed(2)} / emulator ${all.totalMs.p95.toFixed(2)} ms; ` +
      `p95 ttft k6 ${metricValue(summary, "gemini_ttft", "p(95)").toFixed(2)} / emulator ${streaming.ttfbMs.p95.toFixed(2)} ms`,
  );
  assertAgrees("p95 http_req_duration", metricValue(summary, "http_req_duration", "p(95)"), all.totalMs.p95);
  assertAgrees("p95 gemini_ttft", metricValue(summary, "gemini_ttft", "p(95)"), streaming.ttfbMs.p95);

  // Output speed: the emulator paces tokens after the first chunk at its configured rate, so k6's
  // median must land on it — counting the first chunk's tokens, which arrive with the first byte,
  // would overstate it.
  const config = await emulatorConfig(suite.url);
  const configured = config.models["gemini-2.5-flash"]!.tokensPerSecond;
  const measured = metricValue(summary, "gemini_tokens_per_second", "med");
  t.diagnostic(`tokens/s p50 k6 ${measured.toFixed(1)} / configured ${configured}`);
  assert.ok(
    Math.abs(measured - configured) <= configured * 0.05,
    `k6 measured ${measured.toFixed(1)} tokens/s, the emulator sends ${configured}`,
  );
  const perToken = metricValue(summary, "gemini_time_per_output_token", "med");
  assert.ok(
    Math.abs(perToken - 1000 / configured) <= (1000 / configured) * 0.05,
    `time per output token ${perToken} ms vs ${1000 / configured}`,
  );
});

test("on a model whose first chunk carries no count (gemini-2.0-flash), k6's tokens/s still lands on the emulator's rate", async (t) => {
  await resetEmulator(suite.url);
  // A slower rate than the fast profile's 800 tokens/s stretches each answer's generation to ~180 ms,
  // so a timer's millisecond of jitter stays well inside the tolerance.
  await patchEmulatorConfig(suite.url, { models: { "gemini-2.0-flash": { tokensPerSecond: 200 } } });
  const run = await runScenario({
    baseUrl: suite.url,
    resultsRoot: suite.resultsRoot,
    env: { GEMINI_MODEL: "gemini-2.0-flash", GEMINI_SCENARIO: "open", GEMINI_DURATION: "6s", GEMINI_RATE: "10", GEMINI_STREAM: "true" },
  });
  assert.ok(run.exitCode === 0 || run.exitCode === 99, `k6 did not complete (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
  const summary = await readSummary(run.resultsDir);
  assert.ok(metricValue(summary, "gemini_tokens_per_second", "count") >= 40, "too few streams measured");
  // Its streams grow from a one-token first chunk, and only the last chunk counts the output: an
  // even share per chunk would take several tokens too many off the generated ones.
  const config = await emulatorConfig(suite.url);
  const configured = config.models["gemini-2.0-flash"]!.tokensPerSecond;
  const measured = metricValue(summary, "gemini_tokens_per_second", "med");
  t.diagnostic(`gemini-2.0-flash tokens/s p50 k6 ${measured.toFixed(1)} / configured ${configured}`);
  assert.ok(
    Math.abs(measured - configured) <= configured * 0.05,
    `k6 measured ${measured.toFixed(1)} tokens/s, the emulator sends ${configured}`,
  );
});
