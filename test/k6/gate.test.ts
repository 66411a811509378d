// The CI gate, proven both ways with real k6: a healthy emulator passes every threshold (exit 0),
// a degraded one (injected 503s and latency) fails them (exit 99).

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { rm } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { start } from "../../emulator/index.ts";
import { buildScenarios, emulatorStats, readSummary, runScenario, tempResultsRoot } from "../helpers/k6.ts";

const K6_THRESHOLDS_FAILED = 99;

/** Checks that every opened tag is closed in order: enough to tell a truncated or garbled file. */
function assertWellFormedXml(xml: string): void {
  assert.match(xml, /^<\?xml [^>]*\?>/);
  const stack: string[] = [];
  for (const match of xml.matchAll(/<(\/?)([A-Za-z_][\w.-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `unbalanced </${name}>`);
    else stack.push(name!);
  }
  assert.deepEqual(stack, [], "unclosed elements");
}

describe("the CI gate", () => {
  let resultsRoot: string;
  before(async () => {
    await buildScenarios();
    resultsRoot = await tempResultsRoot();
  });
  after(async () => {
    await rm(resultsRoot, { recursive: true, force: true });
  });

  test("a healthy emulator passes every threshold: exit 0, summary.json and junit.xml written", async () => {
    const emulator = await start({ port: 0, profile: "fast" });
    try {
      const run = await runScenario({
        baseUrl: emulator.url,
        resultsRoot,
        // The emulator's classifier agrees with 88% of the labels over the whole data set, but a short
        // run sees only a few stretches of it, and on a slow machine fewer: the accuracy floor is set
        // below what any stretch scores, so this run tests the gate, not the luck of the draw.
        env: { GEMINI_SCENARIO: "both", GEMINI_DURATION: "6s", GEMINI_VUS: "4", GEMINI_RATE: "8", GEMINI_MIN_ACCURACY: "0.6" },
      });
      assert.equal(run.exitCode, 0, `k6 failed:\n${run.stdout}\n${run.stderr}`);
      const stats = await emulatorStats(emulator.url);
      assert.ok(stats.requests.total >= 40, `the emulator saw only ${stats.requests.total} requests`);

      const summary = await readSummary(run.resultsDir);
      assert.ok(summary.metrics.http_reqs, "summary.json has http_reqs");
      for (const [name, metric] of Object.entries(summary.metrics)) {
        const thresholds = (metric as { thresholds?: Record<string, { ok: boolean }> }).thresholds ?? {};
        for (const [expression, result] of Object.entries(thresholds)) {
          assert.equal(result.ok, true, `threshold ${name}: ${expression} failed`);
        }
      }
      const junit = await readFile(path.join(run.resultsDir, "junit.xml"), "utf8");
      assertWellFormedXml(junit);
      assert.match(junit, /<testcase /);
      assert.doesNotMatch(junit, /<failure/);

      const runJson = JSON.parse(await readFile(path.join(run.resultsDir, "run.json"), "utf8")) as Record<string, unknown>;
      assert.equal(runJson.runId, run.runId);
      assert.equal(runJson.k6ExitCode, 0);
    } finally {
      await emulator.close();
    }
  });

  test("a degraded emulator fails the thresholds: exit 99, and junit.xml records the failures", async () => {
    const emulator = await start({ port: 0, profile: "degraded" });
    try {
      const run = await runScenario({
        baseUrl: emulator.url,
        resultsRoot,
        env: { GEMINI_SCENARIO: "closed", GEMINI_DURATION: "8s", GEMINI_VUS: "4" },
      });
      assert.equal(run.exitCode, K6_THRESHOLDS_FAILED, `expected thresholds to fail:\n${run.stdout}\n${run.stderr}`);
      const stats = await emulatorStats(emulator.url);
      assert.ok((stats.requests.byStatus["503"] ?? 0) > 0, "the degraded emulator injected no 503s");
      const junit = await readFile(path.join(run.resultsDir, "junit.xml"), "utf8");
      assertWellFormedXml(junit);
      assert.match(junit, /<failure/);
    } finally {
      await emulator.close();
    }
  });
});
