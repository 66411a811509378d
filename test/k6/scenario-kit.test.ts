// A scenario is one file plus its data: test/fixtures/scenarios/haiku.ts, built by build.mjs into a
// temporary folder, runs on the scenario kit (lib/scenario-kit.ts) with real k6 against the emulator,
// and gets the kit's plan, preflight, thresholds, summary.json, junit.xml and exit codes.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { haikuSuite } from "../helpers/haiku-suite.ts";
import { emulatorStats, resetEmulator } from "../helpers/k6.ts";

const haiku = haikuSuite("gemini-k6-kit-");

/** Runs the fixture as an open 10/s for 3 s (unless `env` says otherwise) as run id `runId`, with its junit.xml. */
async function runHaiku(runId: string, env: Record<string, string>) {
  await resetEmulator(haiku.url);
  const run = await haiku.run(runId, { GEMINI_SCENARIO: "open", GEMINI_RATE: "10", GEMINI_DURATION: "3s", ...env });
  const junit = await readFile(path.join(run.resultsDir, "junit.xml"), "utf8");
  return { ...run, junit };
}

test("a new scenario file runs on the kit: plan, preflight, its own checks, metric and threshold, summary and exit 0", async () => {
  const run = await runHaiku("kit-pass", {});
  assert.equal(run.code, 0, run.stderr.slice(-2000));
  assert.match(run.stdout + run.stderr, /gemini-k6 plan: planned requests: \d+ \(open: 10\/s × 3s \+ 1 = 31, /);
  assert.match(run.stdout, /gemini-k6 haiku · run kit-pass · gemini-2\.5-flash at http:\/\/127\.0\.0\.1:\d+ \(v1beta\) · scenario open/);
  assert.match(run.stdout, /\nhaiku:\s+answered 100\.0%, goodput 100\.0%, contract checks 100\.0%\n/);

  const summary = run.summary;
  assert.equal(summary.runId, "kit-pass");
  assert.equal(summary.passed, true);
  assert.equal(summary.scenario, "open");
  const thresholds = new Map(
    summary.thresholds.map((t: { metric: string; expression: string; actual: number }) => [`${t.metric} ${t.expression}`, t.actual]),
  );
  // Its own threshold beside the kit's, each with the value k6 measured.
  assert.equal(thresholds.get("gemini_haiku_answered rate>=0.9"), 1);
  assert.equal(thresholds.get("checks{check_kind:contract} rate>=0.95"), 1);
  assert.ok(thresholds.has("gemini_request_duration p(95)<8000"));
  assert.ok(thresholds.has("gemini_goodput rate>=0.9"));
  assert.ok(!thresholds.has("gemini_moderation_correct rate>=0.8"), "moderation's threshold is moderation's own");

  // Every request went through the kit's client: one preflight countTokens, then the streamed requests, all recorded.
  const sent = summary.metrics.gemini_request_duration.values.count;
  assert.ok(sent >= 25, `only ${sent} requests`);
  assert.equal(summary.load.open.iterations, sent);
  assert.equal(summary.load.preflightRequests, 1);
  assert.equal(summary.metrics.gemini_haiku_answered.values.passes, sent);
  assert.ok(summary.metrics.gemini_ttft.values.count > 0);
  assert.ok(summary.metrics.gemini_cost_usd.values.count > 0);
  const stats = await emulatorStats(haiku.url);
  assert.equal(stats.requests.byMethod.countTokens, 1);
  assert.equal(stats.requests.byMethod.streamGenerateContent, sent);

  assert.match(run.junit, /<testsuite name="haiku kit-pass"/);
  assert.match(run.junit, /<testcase classname="gemini-k6.thresholds" name="gemini_haiku_answered rate&gt;=0.9"/);
});

test("the kit's thresholds gate a new scenario too: a crossed one fails it with exit 99", async () => {
  // No answer can come within 1 ms, so goodput is 0 against a minimum of 0.9.
  const run = await runHaiku("kit-fail", { GEMINI_SLO_MS: "1" });
  assert.equal(run.code, 99, run.stderr.slice(-2000));
  assert.equal(run.summary.passed, false);
  const goodput = run.summary.thresholds.find((t: { metric: string }) => t.metric === "gemini_goodput");
  assert.deepEqual([goodput?.ok, goodput?.actual], [false, 0]);
  assert.match(run.stdout, /✗ gemini_goodput rate>=0\.9 \(actual 0\)/);
});
