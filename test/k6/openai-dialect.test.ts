// k6 over Gemini's OpenAI-compatible dialect (GEMINI_DIALECT=openai) against the emulator: the moderation
// scenario passes a smoke run speaking only /v1beta/openai/, and its p95 of duration and of time to first
// token agree with the emulator's ground truth as the native client's do (test/k6/measurement.test.ts).

import assert from "node:assert/strict";
import { test } from "node:test";
import { emulatorStats, metricValue, readAllFiles, readSummary, resetEmulator, runScenario } from "../helpers/k6.ts";
import { fastEmulatorSuite } from "../helpers/k6-suite.ts";
import { assertAgrees } from "../helpers/agreement.ts";

const SECRET_KEY = "sk-openai-dialect-secret-4242";
const suite = fastEmulatorSuite({ seed: 7 });

test("a smoke run over the openai dialect passes and speaks only /v1beta/openai/", async () => {
  await resetEmulator(suite.url);
  const run = await runScenario({
    baseUrl: suite.url,
    resultsRoot: suite.resultsRoot,
    env: { GEMINI_DIALECT: "openai", GEMINI_SHAPE: "smoke", GEMINI_SMOKE_ITERATIONS: "10", GEMINI_API_KEY: SECRET_KEY },
  });
  // The key travels only in the Authorization header: never in output or results.
  assert.ok(!run.stdout.includes(SECRET_KEY) && !run.stderr.includes(SECRET_KEY), "the key is printed");
  for (const [file, text] of await readAllFiles(run.resultsDir)) assert.ok(!text.includes(SECRET_KEY), `the key is in ${file}`);
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`);
  const summary = await readSummary(run.resultsDir);
  assert.match(run.stdout, /\(v1beta\/openai\)/, "the summary names the dialect's path");
  assert.equal(metricValue(summary, "gemini_errors", "rate"), 0);
  assert.equal(metricValue(summary, "gemini_moderation_correct", "rate") > 0, true);
  assert.ok(metricValue(summary, "gemini_output_tokens", "count") > 0);
  assert.ok(metricValue(summary, "gemini_thinking_tokens", "count") > 0, "thinking read back from total_tokens");
  const stats = await emulatorStats(suite.url);
  assert.deepEqual(Object.keys(stats.requests.byMethod).sort(), ["openai.chat.completions", "openai.models"]);
  assert.equal(stats.requests.byMethod["openai.models"], 1, "the preflight is one models/{id} call");
  assert.equal(stats.requests.byMethod["openai.chat.completions"], metricValue(summary, "gemini_request_duration", "count"));
  assert.equal(stats.tokens.output, metricValue(summary, "gemini_output_tokens", "count"));
  assert.equal(stats.tokens.thoughts, metricValue(summary, "gemini_thinking_tokens", "count"));
});

test("k6's p95 of request duration and of time to first token over the dialect match the emulator's ground truth", async (t) => {
  await resetEmulator(suite.url);
  const run = await runScenario({
    baseUrl: suite.url,
    resultsRoot: suite.resultsRoot,
    env: { GEMINI_DIALECT: "openai", GEMINI_SCENARIO: "open", GEMINI_DURATION: "12s", GEMINI_RATE: "25", GEMINI_STREAM: "true" },
  });
  assert.ok(run.exitCode === 0 || run.exitCode === 99, `k6 did not complete (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
  const summary = await readSummary(run.resultsDir);
  const all = await emulatorStats(suite.url);
  const chats = await emulatorStats(suite.url, { method: "openai.chat.completions" });
  assert.equal(metricValue(summary, "http_reqs", "count"), all.requests.total);
  assert.ok(chats.ttfbMs.count >= 250, `only ${chats.ttfbMs.count} streamed completions`);
  assert.equal(metricValue(summary, "gemini_ttft", "count"), chats.ttfbMs.count);
  t.diagnostic(
    `p95 duration k6 ${metricValue(summary, "http_req_duration", "p(95)").toFixed(2)} / emulator ${all.totalMs.p95.toFixed(2)} ms; ` +
      `p95 ttft k6 ${metricValue(summary, "gemini_ttft", "p(95)").toFixed(2)} / emulator ${chats.ttfbMs.p95.toFixed(2)} ms`,
  );
  assertAgrees("p95 http_req_duration", metricValue(summary, "http_req_duration", "p(95)"), all.totalMs.p95);
  assertAgrees("p95 gemini_ttft", metricValue(summary, "gemini_ttft", "p(95)"), chats.ttfbMs.p95);
});
