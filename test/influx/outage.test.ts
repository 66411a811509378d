// Nothing lost: InfluxDB is stopped in the middle of a run; k6 still finishes and reports, and
// `results:import` afterwards makes InfluxDB hold exactly what the local file holds, once.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { start } from "../../emulator/index.ts";
import { countStoredPoints, importMetricsFile } from "../../tools/results/import.ts";
import { querySeries } from "../../tools/results/influx-query.ts";
import { runLoadTest } from "../../tools/run/run-load.ts";
import { buildScenarios, cleanEnv, tempResultsRoot } from "../helpers/k6.ts";
import { runTool, startTestInflux, type TestInflux } from "../helpers/influxdb.ts";

let emulator: Awaited<ReturnType<typeof start>>;
let resultsRoot: string;
let dataDir: string;
let influx: TestInflux | undefined;

before(async () => {
  await buildScenarios();
  [emulator, resultsRoot, dataDir] = await Promise.all([
    start({ port: 0, profile: "fast", seed: 5 }),
    tempResultsRoot(),
    mkdtemp(join(tmpdir(), "gemini-influx-outage-")),
  ]);
});

after(async () => {
  await influx?.server.close();
  await emulator?.close();
  await rm(resultsRoot, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("InfluxDB down mid-run: k6 finishes and reports; the import restores every point exactly once", async () => {
  influx = await startTestInflux({ dataDir });
  const firstUrl = influx.url;
  const firstTarget = influx.target;
  const log: string[] = [];
  const running = runLoadTest({
    baseUrl: emulator.url,
    baseEnv: cleanEnv(),
    env: { GEMINI_SCENARIO: "open", GEMINI_DURATION: "8s", GEMINI_RATE: "10", GEMINI_INFLUXDB_URL: firstUrl },
    resultsRoot,
    build: false,
    stdio: "pipe",
    log: (line) => log.push(line),
  });
  // Stop the database once the live output has delivered something, while k6 is still sending.
  await waitFor(async () => {
    const series = await querySeries(firstTarget, `SELECT count("value") FROM "gemini_request_duration"`).catch(() => []);
    return Number(series[0]?.values[0]?.[1] ?? 0) > 0;
  }, "the first samples in InfluxDB");
  await influx.server.close();
  influx = undefined;

  const run = await running;
  assert.ok(run.exitCode === 0 || run.exitCode === 99, `k6 did not finish (exit ${run.exitCode}): ${run.stderr.slice(-2000)}`);
  assert.match(run.stdout, /requests:\s+\d+ sent/, "k6 printed its end-of-test summary");
  assert.ok(existsSync(join(run.resultsDir, "summary.json")), "summary.json written");
  assert.match(run.stderr, /InfluxDB|influxdb/, "k6 reported the failed writes");
  assert.ok(
    log.some((line) => line.includes(`results:import -- ${run.runId}`)),
    `the run tool points to the import: ${log.join("\n")}`,
  );

  influx = await startTestInflux({ dataDir });
  const file = await importMetricsFile(join(run.resultsDir, "metrics.json.gz"), undefined);
  const before = await countStoredPoints(influx.target, run.runId);
  const storedBefore = Object.values(before).reduce((sum, n) => sum + n, 0);
  assert.ok(storedBefore > 0, "some points arrived live before the outage");
  assert.ok(storedBefore < file.points, `InfluxDB already had all ${file.points} points: the outage did not cost anything`);

  const args = [run.runId, "--influx", influx.url, "--results-dir", resultsRoot];
  const first = await runTool("import-results", args);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`imported run ${run.runId} .*: ${file.samples} samples, ${file.points} points`));
  assert.deepEqual(await countStoredPoints(influx.target, run.runId), file.byMeasurement);

  const second = await runTool("import-results", args);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(await countStoredPoints(influx.target, run.runId), file.byMeasurement, "importing twice adds nothing");

  const [annotations] = await querySeries(influx.target, `SELECT "text" FROM "gemini_run" WHERE "testid" = '${run.runId}'`);
  assert.equal(annotations?.values.length, 2, "start and end annotations, once each");
  const [summary] = await querySeries(influx.target, `SELECT "requests" FROM "gemini_run_summary" WHERE "run" = '${run.runId}'`);
  assert.deepEqual(
    summary?.values.map((row) => row[1]),
    [file.byMeasurement.gemini_request_duration],
    "one summary point, with every request",
  );
});
