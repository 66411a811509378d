// The dashboard's app-moderation panels (the stacked queue/model/overhead split and answers per
// upstream) return data for a real app-moderation run stored in a real InfluxDB.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Dashboard } from "../../tools/dashboards/builder.ts";
import { DASHBOARD_DIR } from "../../tools/dashboards/generate.ts";
import { queryInflux } from "../../tools/results/influx-query.ts";
import { runLoadTest, type RunLoadResult } from "../../tools/run/run-load.ts";
import { buildScenarios, cleanEnv, tempResultsRoot } from "../helpers/k6.ts";
import { interpolate, startTestInflux, type TestInflux } from "../helpers/influxdb.ts";
import { runScope } from "../helpers/dashboard-scope.ts";
import { fixedLatency, startStack, type Stack } from "./harness.ts";

const board = JSON.parse(readFileSync(join(DASHBOARD_DIR, "gemini-load-test.json"), "utf8")) as Dashboard;
let influx: TestInflux;
let stack: Stack;
let resultsRoot: string;
let run: RunLoadResult;

before(async () => {
  await buildScenarios();
  [influx, resultsRoot, stack] = await Promise.all([
    startTestInflux(),
    tempResultsRoot(),
    startStack({ concurrency: 2, queue: 100 }, { config: { models: { "gemini-2.5-flash": fixedLatency(150) } } }),
  ]);
  run = await runLoadTest({
    baseUrl: stack.emu.url,
    baseEnv: cleanEnv(),
    env: {
      GEMINI_APP_URL: stack.app.url,
      GEMINI_SCENARIO: "open",
      GEMINI_RATE: "15",
      GEMINI_DURATION: "3s",
      GEMINI_INFLUXDB_URL: influx.url,
    },
    resultsRoot,
    script: "dist/app-moderation.js",
    build: false,
    stdio: "pipe",
    log: () => {},
  });
});
after(async () => {
  await influx?.server.close();
  await stack?.close();
  if (resultsRoot) await rm(resultsRoot, { recursive: true, force: true });
});

test("every app panel returns numbers for an app-moderation run, the split stacked", async () => {
  assert.ok(run.exitCode === 0 || run.exitCode === 99, `k6 failed (exit ${run.exitCode}): ${run.stderr.slice(-2000)}`);
  const { range, vars } = await runScope(board, run);
  const panels = board.panels.filter((p) => (p.targets ?? []).some((t) => t.query.includes('"gemini_app_')));
  assert.equal(panels.length, 2, "the split and the answers per upstream");
  const split = panels.find((p) => p.title.startsWith("Where the app's time went"));
  assert.equal(
    (split?.fieldConfig?.defaults?.custom as { stacking?: { mode?: string } } | undefined)?.stacking?.mode,
    "normal",
    "the split is stacked",
  );
  for (const panel of panels) {
    for (const target of panel.targets ?? []) {
      const [result] = await queryInflux(influx.target, interpolate(target.query, vars, range, 1000), { epoch: "ms" });
      const series = result?.series ?? [];
      assert.ok(series.length > 0, `"${panel.title}" ${target.refId} returned no series`);
      assert.ok(
        series.some((s) => s.values.some((row) => row.slice(1).some((v) => typeof v === "number"))),
        `"${panel.title}" ${target.refId} is all empty`,
      );
    }
  }
});
