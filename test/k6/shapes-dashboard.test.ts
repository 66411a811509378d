// The dashboards show the shape and a breakpoint run's knee: a short breakpoint run through npm run load
// with GEMINI_INFLUXDB_URL writes run annotations naming the shape and a `knee` annotation with both
// rates, and the live dashboard's own annotation query returns them.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { start } from "../../emulator/index.ts";
import type { Dashboard } from "../../tools/dashboards/builder.ts";
import { DASHBOARD_DIR } from "../../tools/dashboards/generate.ts";
import { querySeries } from "../../tools/results/influx-query.ts";
import { buildScenarios, patchEmulatorConfig, readSummary, runScenario, tempResultsRoot } from "../helpers/k6.ts";
import { startTestInflux, type TestInflux } from "../helpers/influxdb.ts";

const loadBoard = JSON.parse(readFileSync(join(DASHBOARD_DIR, "gemini-load-test.json"), "utf8")) as Dashboard;

let influx: TestInflux;
let resultsRoot: string;
let emulator: Awaited<ReturnType<typeof start>>;

before(async () => {
  await buildScenarios();
  [influx, resultsRoot, emulator] = await Promise.all([startTestInflux(), tempResultsRoot(), start({ port: 0, profile: "fast", seed: 4 })]);
  // 2 slots × 100 ms: 20 req/s.
  await patchEmulatorConfig(emulator.url, {
    models: { "gemini-2.5-flash": { ttftMedianMs: 100, ttftP95Ms: 100, tokensPerSecond: 0, thoughtsTokens: 0, slots: 2, queue: 1000 } },
  });
});

after(async () => {
  await emulator?.close();
  await influx?.server.close();
  if (resultsRoot) await rm(resultsRoot, { recursive: true, force: true });
});

test("a breakpoint run's annotations name its shape and mark its knee, and the dashboard's annotation query returns them", async () => {
  const run = await runScenario({
    baseUrl: emulator.url,
    resultsRoot,
    env: {
      GEMINI_SHAPE: "breakpoint",
      GEMINI_BREAKPOINT_START_RATE: "5",
      GEMINI_BREAKPOINT_MAX_RATE: "40",
      GEMINI_BREAKPOINT_DURATION: "14s",
      GEMINI_WINDOW: "2s",
      GEMINI_SLO_MS: "250",
      GEMINI_STREAM: "false",
      GEMINI_PREALLOCATED_VUS: "40",
      GEMINI_MAX_VUS: "100",
      GEMINI_INFLUXDB_URL: influx.url,
    },
  });
  assert.equal(run.exitCode, 0, run.stdout.slice(-2000) + run.stderr.slice(-2000));
  const knee = (await readSummary(run.resultsDir)).breakpoint as { sustainedRate: number; brokeAtRate: number };
  assert.equal(typeof knee.brokeAtRate, "number");

  const annotation = loadBoard.annotations.list.find((one) => one.name === "Runs");
  assert.ok(annotation?.query, "the live dashboard has no run annotations");
  const query = annotation.query.replace("$timeFilter", "time > 0").replace("$testid", run.runId);
  const [series] = await querySeries(influx.target, query);
  const rows = (series?.values ?? []).map((row) => ({ text: String(row[1]), event: String(row[2]) }));
  assert.deepEqual(rows.map((row) => row.event).sort(), ["end", "knee", "start"]);
  assert.match(
    rows.find((row) => row.event === "start")?.text ?? "",
    new RegExp(`^run ${run.runId} started: breakpoint shape, gemini-2\\.5-flash$`),
  );
  assert.equal(
    rows
      .find((row) => row.event === "knee")
      ?.text.startsWith(`run ${run.runId} breakpoint: sustained ${knee.sustainedRate} req/s, broke at ${knee.brokeAtRate} req/s (p95 `),
    true,
    JSON.stringify(rows),
  );
});
