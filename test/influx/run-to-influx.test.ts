// A short real k6 run with GEMINI_INFLUXDB_URL set lands in a real InfluxDB: the expected tags (and
// high-cardinality ones as fields), every sample of the local file, the run annotations, the
// rollups for the compare dashboard, and `npm run runs` lists it.
import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { start } from "../../emulator/index.ts";
import { countStoredPoints, importMetricsFile } from "../../tools/results/import.ts";
import { querySeries, type Series } from "../../tools/results/influx-query.ts";
import { ELAPSED_BASE_ISO } from "../../tools/results/influx-schema.ts";
import { readRunStats } from "../../tools/results/run-stats.ts";
import type { RunLoadResult } from "../../tools/run/run-load.ts";
import { buildScenarios, runScenario, tempResultsRoot } from "../helpers/k6.ts";
import { runTool, startTestInflux, type TestInflux } from "../helpers/influxdb.ts";

let influx: TestInflux;
let emulator: Awaited<ReturnType<typeof start>>;
let resultsRoot: string;
let run: RunLoadResult;
/** The start annotation's text, when it could be read before the run ended. */
let startMarkedWhileRunning: string | undefined;
let runJson: { runId: string; startedAt: string; endedAt: string; gitCommit: string | null; k6ExitCode: number };

const tagValues = async (key: string, from = "iterations"): Promise<string[]> =>
  (await querySeries(influx.target, `SHOW TAG VALUES FROM "${from}" WITH KEY = "${key}"`))[0]?.values.map((row) => String(row[1])).sort() ??
  [];
const columnNames = (series: Series[]): string[] => (series[0]?.values ?? []).map((row) => String(row[0])).sort();

before(async () => {
  await buildScenarios();
  [influx, emulator, resultsRoot] = await Promise.all([
    startTestInflux(),
    start({ port: 0, profile: "fast", seed: 11 }),
    tempResultsRoot(),
  ]);
  const running = runScenario({
    baseUrl: emulator.url,
    resultsRoot,
    env: {
      GEMINI_SCENARIO: "both",
      GEMINI_DURATION: "5s",
      GEMINI_RATE: "5",
      GEMINI_VUS: "2",
      GEMINI_STREAM: "true",
      GEMINI_INFLUXDB_URL: influx.url,
    },
  });
  let finished = false;
  void running.then(
    () => (finished = true),
    () => (finished = true),
  );
  while (!finished && startMarkedWhileRunning === undefined) {
    // Until the run tool creates the database, querying it fails: that is "not marked yet".
    const [marks] = await querySeries(influx.target, `SELECT "text" FROM "gemini_run" WHERE "event" = 'start'`).catch(() => []);
    if (marks && !finished) startMarkedWhileRunning = String(marks.values[0]?.[1]);
    else await new Promise((resolve) => setTimeout(resolve, 250));
  }
  run = await running;
  runJson = JSON.parse(await readFile(join(run.resultsDir, "run.json"), "utf8")) as typeof runJson;
});

after(async () => {
  await influx?.server.close();
  await emulator?.close();
  if (resultsRoot) await rm(resultsRoot, { recursive: true, force: true });
});

test("the run's samples are tagged with testid, scenario and model; vu, iter and url are fields", async () => {
  // 99 = a threshold crossed: the run still completed and wrote everything.
  assert.ok(run.exitCode === 0 || run.exitCode === 99, `k6 failed (exit ${run.exitCode}):\n${run.stderr.slice(-2000)}`);
  assert.deepEqual(await tagValues("testid"), [run.runId]);
  assert.deepEqual(await tagValues("scenario"), ["closed_ramping_vus", "open_constant_arrival"]);
  assert.deepEqual(await tagValues("model"), ["gemini-2.5-flash"]);
  const tagKeys = columnNames(await querySeries(influx.target, `SHOW TAG KEYS FROM "http_reqs"`));
  for (const key of ["testid", "scenario", "model", "name", "status"])
    assert.ok(tagKeys.includes(key), `http_reqs lacks tag ${key}: ${tagKeys}`);
  for (const key of ["vu", "iter", "url"]) assert.ok(!tagKeys.includes(key), `${key} must not be a tag (one series per value)`);
  const fields = await querySeries(influx.target, `SHOW FIELD KEYS FROM "http_reqs"`);
  assert.deepEqual(
    fields[0]?.values.find((row) => row[0] === "url"),
    ["url", "string"],
  );
  const requestTags = columnNames(await querySeries(influx.target, `SHOW TAG KEYS FROM "gemini_request_duration"`));
  // The gemini_* metrics carry the run tags only (docs/metrics.md): the scenario calls one endpoint.
  for (const key of ["testid", "scenario", "model"]) assert.ok(requestTags.includes(key), `gemini_request_duration lacks tag ${key}`);
});

test("InfluxDB holds exactly the points of the local metrics file, per measurement", async () => {
  const file = await importMetricsFile(join(run.resultsDir, "metrics.json.gz"), undefined);
  const stored = await countStoredPoints(influx.target, run.runId);
  assert.ok(file.points > 100, `only ${file.points} points in the file`);
  for (const metric of [
    "gemini_request_duration",
    "gemini_ttft",
    "gemini_output_tokens",
    "gemini_errors",
    "gemini_moderation_correct",
    "http_reqs",
    "vus",
  ]) {
    assert.ok((stored[metric] ?? 0) > 0, `no ${metric} in InfluxDB: ${JSON.stringify(stored)}`);
  }
  assert.deepEqual(stored, file.byMeasurement);
});

test("the run's start and end are annotated with its scenario, settings and git commit", async () => {
  const [series] = await querySeries(influx.target, `SELECT * FROM "gemini_run" WHERE "testid" = '${run.runId}'`);
  assert.ok(series, "no gemini_run annotations");
  const rows = series.values.map((values) => Object.fromEntries(series.columns.map((column, index) => [column, values[index]])));
  assert.deepEqual(
    rows.map((row) => row.event),
    ["start", "end"],
  );
  assert.equal(Date.parse(String(rows[0]!.time)), Date.parse(runJson.startedAt));
  assert.equal(Date.parse(String(rows[1]!.time)), Date.parse(runJson.endedAt));
  assert.equal(rows[1]!.exit_code, runJson.k6ExitCode);
  for (const row of rows) {
    assert.equal(row.run_scenario, "both");
    assert.equal(row.run_model, (runJson as { model?: string | null }).model ?? "");
    assert.equal(row.commit, runJson.gitCommit ?? "");
    const settings = JSON.parse(String(row.settings)) as Record<string, string>;
    assert.equal(settings.GEMINI_DURATION, "5s");
    assert.ok(!("GEMINI_API_KEY" in settings), "the API key must never be stored");
    assert.match(String(row.text), new RegExp(run.runId));
  }
});

test("the run's start is marked while it runs, not only once it has ended", () => {
  assert.ok(startMarkedWhileRunning, "no start annotation in InfluxDB before the run ended");
  assert.match(startMarkedWhileRunning, new RegExp(`run ${run.runId} started`));
});

test("the run's summary and its timeline on time since start are stored for the compare dashboard", async () => {
  const stored = await countStoredPoints(influx.target, run.runId);
  const [summary] = await querySeries(
    influx.target,
    `SELECT "requests", "p95", "run_scenario" FROM "gemini_run_summary" WHERE "run" = '${run.runId}'`,
  );
  assert.equal(summary?.values.length, 1);
  assert.equal(summary.values[0]![1], stored.gemini_request_duration);
  assert.equal(summary.values[0]![3], "closed_ramping_vus+open_constant_arrival");
  const [timeline] = await querySeries(
    influx.target,
    `SELECT "requests_per_second", "p95" FROM "gemini_run_timeline" WHERE "testid" = '${run.runId}'`,
  );
  assert.ok(timeline && timeline.values.length >= 1);
  assert.equal(timeline.values[0]![0], ELAPSED_BASE_ISO.replace(".000", ""), "the timeline starts at the base instant");
  // Each bucket's rate is over the part of its 5 s the run covered (the last one is partial).
  const stats = await readRunStats(influx.target, run.runId);
  const runMs = stats.end.getTime() - stats.start.getTime();
  const requests = timeline.values.reduce((sum, row) => {
    const elapsedMs = Date.parse(String(row[0])) - Date.parse(ELAPSED_BASE_ISO);
    return sum + Number(row[1]) * (Math.max(Math.min(5000, runMs - elapsedMs), 1000) / 1000);
  }, 0);
  assert.equal(Math.round(requests), stored.gemini_request_duration, "the timeline covers every request");
});

test("`npm run runs` lists the run with its scenarios, model, start and duration", async () => {
  const result = await runTool("runs", ["--influx", influx.url]);
  assert.equal(result.code, 0, result.stderr);
  const line = result.stdout.split("\n").find((text) => text.startsWith(run.runId));
  assert.ok(line, result.stdout);
  assert.match(line, /closed_ramping_vus\+open_constant_arrival\s+gemini-2\.5-flash\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+s/);
});
