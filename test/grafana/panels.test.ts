// Every panel query of every committed dashboard, with its variables filled in as Grafana would,
// runs against a real InfluxDB holding real k6 runs and returns the expected, non-empty series.
// The first run is made to show everything a panel can plot: 429s, 503s, other 5xx, retries,
// failed requests by class and dropped iterations, over both scenarios.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { start } from "../../emulator/index.ts";
import type { Dashboard, Panel, Target } from "../../tools/dashboards/builder.ts";
import { DASHBOARD_DIR } from "../../tools/dashboards/generate.ts";
import { queryInflux, type Series } from "../../tools/results/influx-query.ts";
import { ELAPSED_BASE_ISO } from "../../tools/results/influx-schema.ts";
import type { RunLoadResult } from "../../tools/run/run-load.ts";
import { buildScenarios, runScenario, tempResultsRoot } from "../helpers/k6.ts";
import { interpolate, startTestInflux, type TestInflux, type VariableValue } from "../helpers/influxdb.ts";

const loadBoard = JSON.parse(readFileSync(join(DASHBOARD_DIR, "gemini-load-test.json"), "utf8")) as Dashboard;
const compareBoard = JSON.parse(readFileSync(join(DASHBOARD_DIR, "compare-runs.json"), "utf8")) as Dashboard;

let influx: TestInflux;
let resultsRoot: string;
let faultyRun: RunLoadResult;
let plainRun: RunLoadResult;
let faultyRange: { from: number; to: number };
const emulators: { close(): Promise<void> }[] = [];

async function runAgainst(config: object, env: Record<string, string>): Promise<RunLoadResult> {
  const emulator = await start({ port: 0, profile: "fast", seed: 9, config });
  emulators.push(emulator);
  const run = await runScenario({ baseUrl: emulator.url, resultsRoot, env: { ...env, GEMINI_INFLUXDB_URL: influx.url } });
  assert.ok(run.exitCode === 0 || run.exitCode === 99, `k6 failed (exit ${run.exitCode}): ${run.stderr.slice(-2000)}`);
  return run;
}

before(async () => {
  await buildScenarios();
  [influx, resultsRoot] = await Promise.all([startTestInflux(), tempResultsRoot()]);
  faultyRun = await runAgainst(
    { faults: { errorRates: { "429": 0.15, "503": 0.15, "500": 0.1 } } },
    {
      GEMINI_SCENARIO: "both",
      GEMINI_DURATION: "4s",
      GEMINI_VUS: "2",
      GEMINI_STREAM: "true",
      // More arrivals than two VUs can serve, so the open scenario drops some.
      GEMINI_RATE: "30",
      GEMINI_PREALLOCATED_VUS: "1",
      GEMINI_MAX_VUS: "2",
      GEMINI_MAX_ATTEMPTS: "2",
      GEMINI_BACKOFF_BASE_MS: "20",
      GEMINI_BACKOFF_MAX_MS: "40",
    },
  );
  plainRun = await runAgainst({}, { GEMINI_SCENARIO: "open", GEMINI_DURATION: "3s", GEMINI_RATE: "5", GEMINI_STREAM: "true" });
  const runJson = JSON.parse(await readFile(join(faultyRun.resultsDir, "run.json"), "utf8")) as { startedAt: string; endedAt: string };
  faultyRange = { from: Date.parse(runJson.startedAt) - 1000, to: Date.parse(runJson.endedAt) + 1000 };
});

after(async () => {
  await influx?.server.close();
  for (const emulator of emulators) await emulator.close();
  if (resultsRoot) await rm(resultsRoot, { recursive: true, force: true });
});

/** The board's variables with the given selections, carrying Grafana's multi/All settings. */
function variables(board: Dashboard, selected: Record<string, string[]>): Record<string, VariableValue> {
  const values: Record<string, VariableValue> = {};
  for (const variable of board.templating.list) {
    const chosen = selected[variable.name] ?? ["$__all"];
    values[variable.name] = {
      values: chosen,
      multi: variable.multi,
      includeAll: variable.includeAll,
      ...(variable.allValue ? { allValue: variable.allValue } : {}),
    };
  }
  return values;
}

async function execute(query: string): Promise<Series[]> {
  const [result] = await queryInflux(influx.target, query, { epoch: "ms" });
  assert.ok(result, `no answer for ${query}`);
  assert.equal(result.error, undefined, `InfluxDB error "${result.error}" for ${query}`);
  return result.series ?? [];
}

const hasNumbers = (series: Series): boolean => series.values.some((row) => row.slice(1).some((value) => typeof value === "number"));
const queryPanels = (board: Dashboard): Panel[] => board.panels.filter((panel) => panel.type !== "row");
/** Panels of metrics only scenarios/app-moderation.ts records; test/app/app-dashboard.test.ts runs them on such a run. */
const isAppPanel = (panel: Panel): boolean => (panel.targets ?? []).some((target) => target.query.includes('"gemini_app_'));
/** The prompt-sweep panel reads `cell`-tagged samples only; test/grafana/sweep-panel.test.ts runs it on a sweep. */
const isSweepPanel = (panel: Panel): boolean => (panel.targets ?? []).some((target) => target.query.includes('"cell" =~'));

async function assertPanelData(panel: Panel, target: Target, query: string): Promise<Series[]> {
  const series = await execute(query);
  assert.ok(series.length > 0, `"${panel.title}" ${target.refId} returned no series: ${query}`);
  for (const one of series)
    assert.ok(hasNumbers(one), `"${panel.title}" ${target.refId} series ${one.name} ${JSON.stringify(one.tags ?? {})} is all empty`);
  return series;
}

test("every load-test panel returns non-empty series for a run with all scenarios and models selected", async () => {
  const vars = variables(loadBoard, { testid: [faultyRun.runId] });
  let checked = 0;
  for (const panel of queryPanels(loadBoard).filter((p) => !isAppPanel(p) && !isSweepPanel(p))) {
    for (const target of panel.targets ?? []) {
      const series = await assertPanelData(panel, target, interpolate(target.query, vars, faultyRange, 1000));
      checked++;
      const percentileColumns = [...target.query.matchAll(/AS "(p\d+)"/g)].map((match) => match[1]);
      if (percentileColumns.length > 0)
        assert.deepEqual(series[0]!.columns, ["time", ...percentileColumns], `${panel.title}: one column per percentile ($col alias)`);
      if (target.query.includes(`"error_class"`)) {
        const classes = series.map((one) => one.tags?.error_class).sort();
        assert.ok(classes.length >= 2 && classes.every(Boolean), `${panel.title}: expected a series per error class, got ${classes}`);
      }
    }
  }
  assert.ok(checked >= 20, `only ${checked} queries checked`);
});

test("a single scenario and model selection (regex-escaped as Grafana does) still finds the run's data", async () => {
  for (const scenario of ["closed_ramping_vus", "open_constant_arrival"]) {
    const vars = variables(loadBoard, { testid: [faultyRun.runId], scenario: [scenario], model: ["gemini-2.5-flash"] });
    const requests = queryPanels(loadBoard).find((panel) => panel.title === "Requests (run)")!;
    const series = await assertPanelData(
      requests,
      requests.targets![0]!,
      interpolate(requests.targets![0]!.query, vars, faultyRange, 1000),
    );
    assert.ok(Number(series[0]!.values[0]![1]) > 0);
  }
  const otherModel = variables(loadBoard, { testid: [faultyRun.runId], model: ["gemini-2.5-pro"] });
  const requests = queryPanels(loadBoard).find((panel) => panel.title === "Requests (run)")!;
  assert.deepEqual(
    await execute(interpolate(requests.targets![0]!.query, otherModel, faultyRange, 1000)),
    [],
    "a model the run did not use selects nothing",
  );
});

test("the variable queries offer the stored runs, their scenarios and models", async () => {
  const values = async (name: string, selected: Record<string, string[]>) => {
    const variable = loadBoard.templating.list.find((one) => one.name === name)!;
    const series = await execute(interpolate(variable.query, variables(loadBoard, selected), faultyRange, 1000));
    return (series[0]?.values ?? []).map((row) => String(row[1])).sort();
  };
  assert.deepEqual(await values("testid", {}), [faultyRun.runId, plainRun.runId].sort());
  assert.deepEqual(await values("scenario", { testid: [faultyRun.runId] }), ["closed_ramping_vus", "open_constant_arrival"]);
  assert.deepEqual(await values("model", { testid: [plainRun.runId] }), ["gemini-2.5-flash"]);
  const compareVariable = compareBoard.templating.list[0]!;
  const runs = await execute(interpolate(compareVariable.query, {}, faultyRange, 1000));
  assert.deepEqual(runs[0]?.values.map((row) => String(row[1])).sort(), [faultyRun.runId, plainRun.runId].sort());
});

test("the run annotations query returns the run's start and end", async () => {
  const annotation = loadBoard.annotations.list.find((one) => one.name === "Runs")!;
  const series = await execute(interpolate(annotation.query!, variables(loadBoard, { testid: [faultyRun.runId] }), faultyRange, 1000));
  assert.deepEqual(series[0]?.columns, ["time", "text", "event"]);
  assert.deepEqual(
    series[0]?.values.map((row) => row[2]),
    ["start", "end"],
  );
});

test("compare-runs panels return one series per selected run, aligned on time since start, and the summary table has the deltas", async () => {
  const selected = [faultyRun.runId, plainRun.runId];
  const vars = variables(compareBoard, { testid: selected });
  const base = Date.parse(ELAPSED_BASE_ISO);
  const range = { from: Date.parse(compareBoard.time.from), to: Date.parse(compareBoard.time.to) };
  assert.equal(range.from, base);
  for (const panel of queryPanels(compareBoard)) {
    for (const target of panel.targets ?? []) {
      const series = await assertPanelData(panel, target, interpolate(target.query, vars, range, 1000));
      if (panel.type === "table") continue;
      assert.deepEqual(series.map((one) => one.tags?.testid).sort(), [...selected].sort(), `${panel.title}: a series per run`);
      for (const one of series) assert.equal(one.values[0]![0], base, `${panel.title}: ${one.tags?.testid} starts at the base instant`);
    }
  }
  const table = queryPanels(compareBoard).find((panel) => panel.type === "table")!;
  const [rows] = await execute(interpolate(table.targets![0]!.query, vars, range, 1000));
  assert.deepEqual(
    rows!.values.map((row) => row[1]),
    [faultyRun.runId, plainRun.runId],
    "one row per run, in start order",
  );
  const [deltas] = await execute(interpolate(table.targets![1]!.query, vars, range, 1000));
  assert.equal(deltas!.values.length, 1, "one delta row for two runs");
  const p95 = rows!.columns.indexOf("p95");
  const deltaP95 = deltas!.columns.indexOf("Δ p95");
  assert.ok(Math.abs(Number(deltas!.values[0]![deltaP95]) - (Number(rows!.values[1]![p95]) - Number(rows!.values[0]![p95]))) < 1e-9);
  assert.equal(deltas!.values[0]![0], rows!.values[1]![0], "the delta row merges into the later run's row (same time)");
});
