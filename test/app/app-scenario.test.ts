// scenarios/app-moderation.ts with real k6 against the reference app and the emulator: the contract
// checks pass, the Server-Timing split lands in gemini_app_* metrics, and a target that does not keep
// the contract stops the run at the preflight.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { runLoadTest } from "../../tools/run/run-load.ts";
import { buildScenarios, cleanEnv, metricValue, readSummary, tempResultsRoot } from "../helpers/k6.ts";
import { fixedLatency, startStack, type Stack } from "./harness.ts";

const MODEL = "gemini-2.5-flash";
let stack: Stack;
let resultsRoot: string;

before(async () => {
  await buildScenarios();
  resultsRoot = await tempResultsRoot();
  stack = await startStack({ concurrency: 8 }, { config: { models: { [MODEL]: fixedLatency(100) } } });
});
after(async () => {
  await stack?.close();
  if (resultsRoot) await rm(resultsRoot, { recursive: true, force: true });
});

function run(appUrl: string, env: Record<string, string> = {}) {
  return runLoadTest({
    baseUrl: stack.emu.url,
    baseEnv: cleanEnv(),
    env: { GEMINI_APP_URL: appUrl, GEMINI_SCENARIO: "open", GEMINI_RATE: "20", GEMINI_DURATION: "3s", ...env },
    resultsRoot,
    script: "dist/app-moderation.js",
    build: false,
    stdio: "pipe",
    log: () => {},
  });
}

test("a run against the app passes its checks and records the queue, model and overhead split per request", async () => {
  const result = await run(stack.app.url);
  assert.equal(result.exitCode, 0, result.stdout.slice(-2000));
  assert.ok(result.stdout.includes(`at ${stack.app.url}`), "the summary names the app as the target, not the emulator behind it");
  const summary = await readSummary(result.resultsDir);
  const requests = metricValue(summary, "gemini_request_duration", "count");
  assert.ok(requests >= 55, `about 60 requests, got ${requests}`);
  for (const metric of ["gemini_app_queue", "gemini_app_model", "gemini_app_overhead"]) {
    assert.equal(metricValue(summary, metric, "count"), requests, `${metric}: one sample per request`);
  }
  const model = metricValue(summary, "gemini_app_model", "med");
  assert.ok(model >= 95 && model < 200, `the model's 100 ms is the model's share: ${model}`);
  assert.ok(metricValue(summary, "gemini_app_queue", "p(95)") < 20, "8 slots for 20 req/s × 0.1 s: nothing waits");
  assert.ok(metricValue(summary, "gemini_app_overhead", "med") < 20);
  assert.equal(metricValue(summary, "checks{check_kind:contract}", "rate"), 1);
  assert.ok(metricValue(summary, "gemini_app_upstream_requests", "count") >= requests);
});

test("a target that does not keep the contract stops the run at the preflight with one line naming GEMINI_APP_URL", async () => {
  const result = await run(stack.emu.url);
  assert.equal(result.exitCode, 108);
  assert.match(
    result.stdout + result.stderr,
    /preflight failed: POST http:\/\/127\.0\.0\.1:\d+\/v1\/moderate answered 404; GEMINI_APP_URL must point at a service keeping the contract in docs\/app\.md/,
  );
});

test("a service off this machine is not loaded without a budget: one line, before any request", async () => {
  const result = await run("http://192.0.2.1:8090");
  assert.equal(result.exitCode, 108);
  assert.match(
    result.stdout + result.stderr,
    /missing GEMINI_MAX_REQUESTS or GEMINI_MAX_COST_USD: GEMINI_APP_URL http:\/\/192\.0\.2\.1:8090 is not a loopback address/,
  );
  assert.doesNotMatch(result.stdout + result.stderr, /preflight failed/, "stopped before sending anything");
});
