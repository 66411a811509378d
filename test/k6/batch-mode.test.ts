// scenarios/batch-mode.ts with real k6 against the emulator's Batch Mode: jobs submitted, polled to
// SUCCEEDED, turnaround recorded, every item's verdict read, and the cost per item at Batch Mode prices
// agreeing with the emulator's token counts; per-request errors counted apart from the job's success.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runLoadTest } from "../../tools/run/run-load.ts";
import { batchCreateBody, jobState, pollDelayMs, readBatchJob } from "../../lib/batch-mode.ts";
import { cleanEnv, emulatorStats, metricValue, patchEmulatorConfig, readSummary, resetEmulator } from "../helpers/k6.ts";
import { fastEmulatorSuite } from "../helpers/k6-suite.ts";

const JOBS = 3;
const PER_JOB = 10;
const prices = JSON.parse(readFileSync(new URL("../../data/prices.json", import.meta.url), "utf8")) as {
  models: Record<string, { input: number; output: number }>;
  batch: { models: Record<string, { input: number; output: number }> };
};

const suite = fastEmulatorSuite();

function run() {
  return runLoadTest({
    baseUrl: suite.url,
    profile: "fast",
    script: "dist/batch-mode.js",
    build: false,
    stdio: "pipe",
    log: () => {},
    baseEnv: cleanEnv(),
    resultsRoot: suite.resultsRoot,
    env: { GEMINI_SHAPE: "smoke", GEMINI_SMOKE_ITERATIONS: String(JOBS), GEMINI_BATCH_SIZE: String(PER_JOB) },
  });
}

test("the create body, the Operation reading and the poll backoff", () => {
  const body = JSON.parse(batchCreateBody("d", [{ key: "7", text: "hello" }])) as {
    batch: { display_name: string; input_config: { requests: { requests: { metadata: { key: string } }[] } } };
  };
  assert.equal(body.batch.input_config.requests.requests[0]?.metadata.key, "7");
  assert.equal(jobState("BATCH_STATE_RUNNING"), "RUNNING");
  assert.equal(jobState("JOB_STATE_SUCCEEDED"), "SUCCEEDED");
  const view = readBatchJob(
    JSON.stringify({
      name: "batches/x",
      done: true,
      metadata: { state: "BATCH_STATE_SUCCEEDED" },
      response: { inlinedResponses: { inlinedResponses: [{ metadata: { key: "1" }, error: { code: 503 } }] } },
    }),
  );
  assert.deepEqual(view, { name: "batches/x", state: "SUCCEEDED", done: true, items: [{ key: "1", error: { code: 503 } }] });
  assert.equal(readBatchJob(JSON.stringify({ name: "operations/x" })), undefined);
  assert.deepEqual(
    [0, 1, 2, 20].map((p) => pollDelayMs(p, 100, 30_000)),
    [100, 200, 400, 30_000],
  );
});

test("jobs are polled to SUCCEEDED, their turnaround and Batch Mode cost per item recorded", async () => {
  await resetEmulator(suite.url);
  const result = await run();
  assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
  const summary = await readSummary(result.resultsDir);
  assert.equal(metricValue(summary, "gemini_batch_turnaround", "count"), JOBS);
  // The fast profile: 150 ms pending, then 300 ms + 5 ms a request.
  assert.ok(metricValue(summary, "gemini_batch_turnaround", "min") >= 150 + 300 + 5 * PER_JOB);
  assert.equal(metricValue(summary, "gemini_batch_items", "count"), JOBS * PER_JOB);
  assert.ok(metricValue(summary, "gemini_batch_polls", "count") >= JOBS);
  assert.ok(metricValue(summary, "gemini_moderation_correct", "rate") > 0.5);
  const stats = await emulatorStats(suite.url, { method: "batchGenerateContent" });
  const cost = (p: { input: number; output: number }) =>
    (stats.tokens.prompt * p.input + (stats.tokens.output + stats.tokens.thoughts) * p.output) / 1_000_000 / (JOBS * PER_JOB);
  const batchCost = cost(prices.batch.models["gemini-2.5-flash"] as { input: number; output: number });
  const measured = metricValue(summary, "gemini_batch_cost_per_item_usd", "avg");
  assert.ok(Math.abs(measured - batchCost) / batchCost < 0.05, `${measured} vs ${batchCost}`);
  assert.ok(Math.abs(measured / cost(prices.models["gemini-2.5-flash"] as { input: number; output: number }) - 0.5) < 0.01);
});

test("requests that fail inside a job are counted as item errors while the job succeeds", async () => {
  await resetEmulator(suite.url);
  await patchEmulatorConfig(suite.url, { faults: { errorRates: { "503": 0.3 } } });
  try {
    const result = await run();
    assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
    const summary = await readSummary(result.resultsDir);
    const errors = metricValue(summary, "gemini_batch_item_errors", "count");
    assert.ok(errors > 0, "no item error");
    assert.equal(errors + metricValue(summary, "gemini_batch_items", "count"), JOBS * PER_JOB);
  } finally {
    await patchEmulatorConfig(suite.url, { faults: { errorRates: { "503": 0 } } });
  }
});
