// The dashboard's prompt-sweep table returns one row per cell, with numbers, for a real prompt-sweep run
// stored in a real InfluxDB.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Dashboard } from "../../tools/dashboards/builder.ts";
import { DASHBOARD_DIR } from "../../tools/dashboards/generate.ts";
import { queryInflux } from "../../tools/results/influx-query.ts";
import { runLoadTest, type RunLoadResult } from "../../tools/run/run-load.ts";
import { start } from "../../emulator/index.ts";
import { buildScenarios, cleanEnv, tempResultsRoot } from "../helpers/k6.ts";
import { interpolate, startTestInflux, type TestInflux } from "../helpers/influxdb.ts";
import { runScope } from "../helpers/dashboard-scope.ts";

const board = JSON.parse(readFileSync(join(DASHBOARD_DIR, "gemini-load-test.json"), "utf8")) as Dashboard;
let influx: TestInflux;
let emulator: Awaited<ReturnType<typeof start>>;
let resultsRoot: string;
let run: RunLoadResult;

before(async () => {
  await buildScenarios();
  [influx, resultsRoot, emulator] = await Promise.all([startTestInflux(), tempResultsRoot(), start({ port: 0, profile: "fast" })]);
  run = await runLoadTest({
    baseUrl: emulator.url,
    baseEnv: cleanEnv(),
    env: {
      GEMINI_SWEEP_PROMPT_TOKENS: "100,1000",
      GEMINI_SWEEP_OUTPUT_TOKENS: "64,512",
      GEMINI_DURATION: "4s",
      GEMINI_VUS: "2",
      GEMINI_INFLUXDB_URL: influx.url,
    },
    resultsRoot,
    script: "dist/prompt-sweep.js",
    build: false,
    stdio: "pipe",
    log: () => {},
  });
});
after(async () => {
  await influx?.server.close();
  await emulator?.close();
  if (resultsRoot) await rm(resultsRoot, { recursive: true, force: true });
});

test("the prompt-sweep table has a row per cell, with numbers, in every query", async () => {
  assert.ok(run.exitCode === 0 || run.exitCode === 99, `k6 failed (exit ${run.exitCode}): ${run.stderr.slice(-2000)}`);
  const { range, vars } = await runScope(board, run);
  const panel = board.panels.find((p) => (p.targets ?? []).some((t) => t.query.includes('"cell" =~')));
  assert.ok(panel, "no prompt-sweep panel");
  assert.equal(panel.type, "table");
  for (const target of panel.targets ?? []) {
    const [result] = await queryInflux(influx.target, interpolate(target.query, vars, range, 1000), { epoch: "ms" });
    const cells = (result?.series ?? []).filter((s) => s.values.some((row) => row.slice(1).some((v) => typeof v === "number")));
    assert.deepEqual(
      cells.map((s) => s.tags?.cell).sort(),
      ["p1000_o512", "p1000_o64", "p100_o512", "p100_o64"],
      `${target.refId}: ${target.query}`,
    );
  }
});
