// scenarios/prompt-sweep.ts with real k6 against the emulator: a 2 × 2 grid at two VUs. Every cell ran,
// its prompt tokens are within 5% of the size it names (the emulator's count), and the table is printed
// and written to summary.json's `sweep`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { runLoadTest } from "../../tools/run/run-load.ts";
import { formatSweep, sweepCells, sweepRows, type SweepRow } from "../../lib/prompt-sweep.ts";
import { cleanEnv, emulatorSamples, readSummary } from "../helpers/k6.ts";
import { fastEmulatorSuite } from "../helpers/k6-suite.ts";

const suite = fastEmulatorSuite();

test("cells, rows and the table from k6's metrics", () => {
  const cells = sweepCells([100, 1000], [64]);
  assert.deepEqual(
    cells.map((c) => c.name),
    ["p100_o64", "p1000_o64"],
  );
  const rows = sweepRows(cells, {
    "gemini_request_duration{cell:p100_o64}": { values: { count: 4, med: 50, "p(95)": 80 } },
    "gemini_prompt_tokens{cell:p100_o64}": { values: { count: 400 } },
    "gemini_cost_usd{cell:p100_o64}": { values: { count: 0.002 } },
  });
  assert.equal(rows[0]?.measuredPromptTokens, 100);
  assert.equal(rows[0]?.costPerRequestUsd, 0.0005);
  assert.equal(rows[1]?.requests, 0);
  assert.match(formatSweep(rows), /\$0\.000500/);
});

test("a 2 × 2 sweep runs every cell at prompt sizes within 5% of the emulator's count", async () => {
  const result = await runLoadTest({
    baseUrl: suite.url,
    profile: "fast",
    script: "dist/prompt-sweep.js",
    build: false,
    stdio: "pipe",
    log: () => {},
    baseEnv: cleanEnv(),
    resultsRoot: suite.resultsRoot,
    env: {
      GEMINI_SWEEP_PROMPT_TOKENS: "100,2000",
      GEMINI_SWEEP_OUTPUT_TOKENS: "64,512",
      GEMINI_DURATION: "8s",
      GEMINI_VUS: "2",
    },
  });
  assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /prompt-sweep, by cell:/);
  const summary = (await readSummary(result.resultsDir)) as unknown as { sweep: SweepRow[] };
  assert.deepEqual(
    summary.sweep.map((r) => r.name),
    ["p100_o64", "p100_o512", "p2000_o64", "p2000_o512"],
  );
  const samples = await emulatorSamples(suite.url);
  for (const row of summary.sweep) {
    assert.ok(row.requests > 0, `${row.name} has no request`);
    const measured = row.measuredPromptTokens as number;
    assert.ok(Math.abs(measured - row.promptTokens) / row.promptTokens <= 0.05, `${row.name}: ${measured} prompt tokens`);
    assert.ok(
      samples.some((s) => s.promptTokens === Math.round(measured)),
      `${row.name}: the emulator counted no request of ${measured} tokens`,
    );
    assert.ok((row.p95Ms ?? 0) >= (row.p50Ms ?? 0) && (row.p50Ms ?? 0) > 0);
    assert.ok((row.ttftP50Ms ?? 0) > 0 && (row.costPerRequestUsd ?? 0) > 0);
  }
  const cost = (name: string) => summary.sweep.find((r) => r.name === name)?.costPerRequestUsd ?? 0;
  assert.ok(cost("p2000_o64") > cost("p100_o64"), "a longer prompt costs more");
});
