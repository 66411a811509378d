// `npm run compare` and the baseline gate on two real runs against emulators with different
// configured latencies, plus the bad-input paths of compare, runs and results:import.
import assert from "node:assert/strict";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { start } from "../../emulator/index.ts";
import { freePort } from "../../tools/setup/influxdb.ts";
import { countStoredPoints, readK6Points, sampleToLine } from "../../tools/results/import.ts";
import type { RunLoadResult } from "../../tools/run/run-load.ts";
import { buildScenarios, runScenario, tempResultsRoot } from "../helpers/k6.ts";
import { runTool, startTestInflux, type TestInflux } from "../helpers/influxdb.ts";

let influx: TestInflux;
let resultsRoot: string;
let fastRun: RunLoadResult;
let slowRun: RunLoadResult;
const emulators: { close(): Promise<void> }[] = [];

const RUN_ENV = { GEMINI_SCENARIO: "open", GEMINI_DURATION: "5s", GEMINI_RATE: "8", GEMINI_STREAM: "true" };

async function runAgainst(config: object): Promise<RunLoadResult> {
  const emulator = await start({ port: 0, profile: "fast", seed: 3, config });
  emulators.push(emulator);
  const run = await runScenario({ baseUrl: emulator.url, resultsRoot, env: { ...RUN_ENV, GEMINI_INFLUXDB_URL: influx.url } });
  assert.ok(run.exitCode === 0 || run.exitCode === 99, `k6 failed (exit ${run.exitCode}): ${run.stderr.slice(-2000)}`);
  return run;
}

/** InfluxQL's percentile: nearest rank, `floor(n × p / 100 + 0.5)`, over the points InfluxDB keeps. */
async function filePercentile(run: RunLoadResult, metric: string, p: number): Promise<number> {
  const points = new Map<string, number>();
  for await (const point of readK6Points(join(run.resultsDir, "metrics.json.gz"))) {
    if (point.metric !== metric) continue;
    const converted = sampleToLine(point);
    if (converted) points.set(converted.key, point.data.value);
  }
  const values = [...points.values()].sort((a, b) => a - b);
  const index = Math.min(Math.max(Math.floor((values.length * p) / 100 + 0.5) - 1, 0), values.length - 1);
  return values[index]!;
}

before(async () => {
  await buildScenarios();
  [influx, resultsRoot] = await Promise.all([startTestInflux(), tempResultsRoot()]);
  fastRun = await runAgainst({});
  slowRun = await runAgainst({ faults: { latencyMultiplier: 3 } });
});

after(async () => {
  await influx?.server.close();
  for (const emulator of emulators) await emulator.close();
  if (resultsRoot) await rm(resultsRoot, { recursive: true, force: true });
});

const noStackTrace = (text: string) => assert.doesNotMatch(text, /^\s+at /m, `stack trace printed:\n${text}`);

test("compare prints both runs side by side with the right p95 values and delta", async () => {
  const result = await runTool("compare", [fastRun.runId, slowRun.runId, "--influx", influx.url]);
  assert.equal(result.code, 0, result.stderr);
  const [fastP95, slowP95] = await Promise.all([
    filePercentile(fastRun, "gemini_request_duration", 95),
    filePercentile(slowRun, "gemini_request_duration", 95),
  ]);
  assert.ok(slowP95 > fastP95 * 1.5, `the slower emulator was not slower: ${fastP95} vs ${slowP95}`);
  const line = result.stdout.split("\n").find((text) => text.startsWith("latency p95"));
  assert.ok(line, result.stdout);
  const expectedDelta = ((slowP95 - fastP95) / fastP95) * 100;
  const show = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(2));
  assert.deepEqual(line.split(/\s{2,}/).slice(1), [show(fastP95), show(slowP95), `+${expectedDelta.toFixed(2)}%`]);
  assert.match(result.stdout, new RegExp(`A ${fastRun.runId}\\s+B ${slowRun.runId}`));
  assert.match(result.stdout, /^error rate\s+0\.00%\s+0\.00%\s+±0\.00pp$/m);
  assert.match(result.stdout, /verdict: B against A: p95 latency higher by/);
});

test("the gate fails on a latency regression and passes when the candidate is within the limits", async () => {
  const regression = await runTool("compare", [fastRun.runId, slowRun.runId, "--influx", influx.url, "--fail-on", "p95:+10%,errors:+1pp"]);
  assert.equal(regression.code, 1, regression.stdout + regression.stderr);
  assert.match(
    regression.stdout,
    new RegExp(`verdict: FAIL, ${slowRun.runId} regressed against ${fastRun.runId}: latency p95 \\(ms\\) \\+[\\d.]+% breaks p95:\\+10%`),
  );
  assert.doesNotMatch(regression.stdout, /breaks errors/);

  const improvement = await runTool("compare", [slowRun.runId, fastRun.runId, "--influx", influx.url, "--fail-on", "p95:+10%,errors:+1pp"]);
  assert.equal(improvement.code, 0, improvement.stdout + improvement.stderr);
  assert.match(improvement.stdout, /verdict: PASS/);

  const generous = await runTool("compare", [fastRun.runId, slowRun.runId, "--influx", influx.url, "--fail-on", "p95:+1000%"]);
  assert.equal(generous.code, 0, generous.stdout);
  // A repeated --fail-on adds its rules to the earlier ones: the p95 rule still breaks.
  const repeated = await runTool("compare", [
    fastRun.runId,
    slowRun.runId,
    "--influx",
    influx.url,
    "--fail-on",
    "p95:+10%",
    "--fail-on",
    "errors:+1pp",
  ]);
  assert.equal(repeated.code, 1, repeated.stdout + repeated.stderr);
  assert.match(repeated.stdout, /breaks p95:\+10%/);
  const twice = await runTool("compare", [fastRun.runId, slowRun.runId, "--influx", influx.url, "--influx", influx.url]);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /^compare: option --influx is given twice: give it once$/m);
});

test("--help prints each tool's usage and exits 0", async () => {
  for (const [tool, usage] of [
    ["compare", /^usage: npm run compare -- <baseline-run-id> <candidate-run-id>/],
    ["runs", /^usage: npm run runs/],
    ["import-results", /^usage: npm run results:import -- <run-id>/],
  ] as const) {
    const result = await runTool(tool, ["--help"]);
    assert.equal(result.code, 0, `${tool}: ${result.stderr}`);
    assert.match(result.stdout, usage);
    assert.equal(result.stderr, "");
  }
});

test("a server that is not InfluxDB is reported in one line, whatever its error page looks like", async () => {
  const page = JSON.stringify({ message: "Not found", detail: { path: "/query", hint: "this is Grafana" } }, null, 2);
  const server = createServer((_req, res) => res.writeHead(404, { "content-type": "application/json" }).end(page));
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  try {
    const result = await runTool("compare", ["a", "b", "--influx", `http://127.0.0.1:${(server.address() as AddressInfo).port}/k6`]);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /^compare: InfluxDB at http:\/\/127\.0\.0\.1:\d+ answered 404: \{ "message": "Not found", "detail": \{/);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  } finally {
    await new Promise((done) => server.close(done));
  }
});

test("bad input: malformed --fail-on, unknown run id, unreachable InfluxDB each give one clear line and a non-zero exit", async () => {
  const malformed = await runTool("compare", [fastRun.runId, slowRun.runId, "--influx", influx.url, "--fail-on", "p95>10%"]);
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /^compare: invalid --fail-on rule "p95>10%": expected comma-separated rules like/);
  assert.equal(malformed.stderr.trim().split("\n").length, 1);

  const unknown = await runTool("compare", [fastRun.runId, "20990101-000000-dead", "--influx", influx.url]);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /^compare: unknown run id 20990101-000000-dead: no samples tagged testid=20990101-000000-dead .*npm run runs/,
  );

  const closedPort = await freePort();
  const unreachable = await runTool("compare", [fastRun.runId, slowRun.runId, "--influx", `http://127.0.0.1:${closedPort}/k6`]);
  assert.equal(unreachable.code, 3);
  assert.match(
    unreachable.stderr,
    new RegExp(`^compare: cannot reach InfluxDB at http://127.0.0.1:${closedPort} \\(ECONNREFUSED\\): start it with`),
  );

  const runsDown = await runTool("runs", [], { GEMINI_INFLUXDB_URL: `http://127.0.0.1:${closedPort}/k6` });
  assert.equal(runsDown.code, 3);
  assert.match(runsDown.stderr, /^runs: cannot reach InfluxDB/);
  // The hint names the setting the URL came from: no --influx for a URL from the environment.
  assert.match(runsDown.stderr, /or set GEMINI_INFLUXDB_URL to a running InfluxDB$/m);
  assert.match(unreachable.stderr, /or pass --influx with a running InfluxDB's URL$/m);

  const importUnknown = await runTool("import-results", ["20990101-000000-dead", "--influx", influx.url, "--results-dir", resultsRoot]);
  assert.equal(importUnknown.code, 2);
  assert.match(importUnknown.stderr, /^results:import: unknown run id 20990101-000000-dead: no folder /);

  const importDown = await runTool("import-results", [
    fastRun.runId,
    "--influx",
    `http://127.0.0.1:${closedPort}/k6`,
    "--results-dir",
    resultsRoot,
  ]);
  assert.equal(importDown.code, 3);
  assert.match(importDown.stderr, /^results:import: cannot reach InfluxDB/);

  const badUrl = await runTool("compare", [fastRun.runId, slowRun.runId, "--influx", "localhost:8086"]);
  assert.equal(badUrl.code, 2);
  assert.match(
    badUrl.stderr,
    /^compare: invalid --influx "localhost:8086": expected an http\(s\) URL such as http:\/\/127\.0\.0\.1:8086\/k6/,
  );

  // A metrics file cut short (a run killed hard): what precedes the damage is imported, then one clear line, exit 4.
  const damagedId = `${fastRun.runId}-damaged`;
  await mkdir(join(resultsRoot, damagedId));
  const whole = await readFile(join(fastRun.resultsDir, "metrics.json.gz"));
  await writeFile(join(resultsRoot, damagedId, "metrics.json.gz"), whole.subarray(0, Math.floor(whole.length / 2)));
  const damaged = await runTool("import-results", [damagedId, "--influx", `${influx.server.url}/damaged`, "--results-dir", resultsRoot]);
  assert.equal(damaged.code, 4, damaged.stderr);
  assert.match(
    damaged.stderr,
    /^results:import: partial import of run .*-damaged: metrics\.json\.gz is damaged after line \d+ \(unexpected end of file\)/,
  );
  const salvaged = await countStoredPoints({ baseUrl: influx.server.url, database: "damaged" }, fastRun.runId);
  assert.ok(Object.values(salvaged).reduce((sum, n) => sum + n, 0) > 0, "the samples before the damage were imported");

  for (const result of [malformed, unknown, unreachable, runsDown, importUnknown, importDown, badUrl, damaged]) {
    noStackTrace(result.stderr);
    assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  }
});
