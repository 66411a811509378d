// A distributed run read back as one run: 2 k6 processes on the k6-operator's execution segments,
// one GEMINI_RUN_ID, both streaming to one real InfluxDB. `npm run compare` and the load-test
// dashboard's request panels must see both runners' samples together, not one runner's.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { start } from "../../emulator/index.ts";
import type { Dashboard, Panel } from "../../tools/dashboards/builder.ts";
import { DASHBOARD_DIR } from "../../tools/dashboards/generate.ts";
import { REPO_ROOT } from "../../tools/paths.ts";
import { readK6Points, sampleToLine } from "../../tools/results/import.ts";
import { influxOutputArgs } from "../../tools/results/influx-output.ts";
import { queryInflux, type Series } from "../../tools/results/influx-query.ts";
import { ensureK6 } from "../../tools/setup/k6.ts";
import { runCaptured } from "../helpers/exec.ts";
import { interpolate, runTool, startTestInflux, type TestInflux, type VariableValue } from "../helpers/influxdb.ts";
import { buildScenarios, cleanEnv, emulatorStats, resetEmulator } from "../helpers/k6.ts";

const RUN_ID = "dist-two-runners";
const BASELINE_ID = "dist-one-runner";
const RATE = 10;
const loadBoard = JSON.parse(readFileSync(path.join(DASHBOARD_DIR, "gemini-load-test.json"), "utf8")) as Dashboard;

let influx: TestInflux;
let work: string;
let emulator: Awaited<ReturnType<typeof start>>;
let runners: Runner[];
let emulatorRequests: number;
let range: { from: number; to: number };

interface Runner {
  dir: string;
  summary: { runId: string; runner?: { instance: string }; load: { httpRequests: number; open: { iterations: number } } };
}

/** Runs the moderation scenario as one k6 process, streaming to InfluxDB and to its own metrics.json.gz. */
async function runK6(runId: string, name: string, segmentArgs: string[], env: Record<string, string> = {}): Promise<Runner> {
  const k6 = await ensureK6({ log: () => {} });
  const dir = path.join(work, name);
  await mkdir(path.join(dir, runId), { recursive: true });
  const output = influxOutputArgs({ GEMINI_INFLUXDB_URL: influx.url });
  const run = await runCaptured(
    k6,
    [
      "run",
      "--no-color",
      "--quiet",
      ...segmentArgs,
      ...output.args,
      "--out",
      `json=${path.join(dir, "metrics.json.gz")}`,
      "dist/moderation.js",
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...cleanEnv(),
        ...output.env,
        GEMINI_BASE_URL: emulator.url,
        GEMINI_SCENARIO: "open",
        GEMINI_RATE: String(RATE),
        GEMINI_DURATION: "3s",
        GEMINI_RUN_ID: runId,
        GEMINI_RESULTS_DIR: dir,
        ...env,
      },
      timeoutMs: 120_000,
    },
  );
  assert.equal(run.code, 0, (run.stdout + run.stderr).slice(-2000));
  const summary = JSON.parse(await readFile(path.join(dir, runId, "summary.json"), "utf8"));
  return { dir, summary };
}

before(async () => {
  await buildScenarios();
  [influx, work, emulator] = await Promise.all([
    startTestInflux(),
    mkdtemp(path.join(tmpdir(), "gemini-k6-distributed-")),
    start({ port: 0, profile: "fast", seed: 5 }),
  ]);
  const from = Date.now() - 60_000;
  await resetEmulator(emulator.url);
  const sequence = ["--execution-segment-sequence", "0,1/2,1"];
  runners = await Promise.all(
    ["0:1/2", "1/2:1"].map((segment, i) =>
      runK6(RUN_ID, `runner-${i + 1}`, ["--execution-segment", segment, ...sequence], { GEMINI_RUNNERS: "2" }),
    ),
  );
  emulatorRequests = (await emulatorStats(emulator.url)).requests.total;
  // A one-process run of the same load, as the baseline compare sets the distributed run against.
  await runK6(BASELINE_ID, "single", []);
  range = { from, to: Date.now() + 60_000 };
});

after(async () => {
  await influx?.server.close();
  await emulator?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Request durations from both runners' metrics files, one per InfluxDB point (series and time), sorted. */
async function requestDurations(): Promise<number[]> {
  const points = new Map<string, number>();
  for (const runner of runners) {
    for await (const point of readK6Points(path.join(runner.dir, "metrics.json.gz"))) {
      if (point.metric !== "gemini_request_duration") continue;
      const converted = sampleToLine(point);
      if (converted) points.set(converted.key, point.data.value);
    }
  }
  return [...points.values()].sort((a, b) => a - b);
}

/** InfluxQL's percentile: nearest rank, `floor(n × p / 100 + 0.5)`. */
function nearestRank(sorted: number[], p: number): number {
  const index = Math.min(Math.max(Math.floor((sorted.length * p) / 100 + 0.5) - 1, 0), sorted.length - 1);
  return sorted[index]!;
}

async function execute(query: string): Promise<Series[]> {
  const [result] = await queryInflux(influx.target, query, { epoch: "ms" });
  assert.equal(result?.error, undefined, `InfluxDB error "${result?.error}" for ${query}`);
  return result?.series ?? [];
}

/** The panel's queries with the run selected and every scenario and model, as Grafana sends them. */
function panelQueries(title: string): string[] {
  const panel = loadBoard.panels.find((one: Panel) => one.title === title);
  assert.ok(panel, `the load-test dashboard has no panel "${title}"`);
  const variables: Record<string, VariableValue> = {};
  for (const variable of loadBoard.templating.list) {
    variables[variable.name] = {
      values: variable.name === "testid" ? [RUN_ID] : ["$__all"],
      multi: variable.multi,
      includeAll: variable.includeAll,
      ...(variable.allValue ? { allValue: variable.allValue } : {}),
    };
  }
  return (panel.targets ?? []).map((target) => interpolate(target.query, variables, range, 1000));
}

test("both runners ran their half under one run id and the emulator saw each of their requests", () => {
  assert.deepEqual(
    runners.map((r) => [r.summary.runId, r.summary.runner?.instance]),
    [
      [RUN_ID, "1-of-2"],
      [RUN_ID, "2-of-2"],
    ],
  );
  for (const r of runners) assert.ok(r.summary.load.open.iterations >= RATE, `a runner ran ${r.summary.load.open.iterations} iterations`);
  assert.equal(sum(runners.map((r) => r.summary.load.httpRequests)), emulatorRequests);
});

test("compare reads the distributed run as one run: all requests of both runners and the p95 over all their samples", async () => {
  const durations = await requestDurations();
  // One gemini request per iteration (no faults, no retries); each runner's preflight is the other emulator request.
  const iterations = sum(runners.map((r) => r.summary.load.open.iterations));
  assert.equal(durations.length, iterations);
  assert.equal(durations.length, emulatorRequests - runners.length);

  const result = await runTool("compare", [BASELINE_ID, RUN_ID, "--influx", influx.url]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const column = (label: string) => {
    const line = result.stdout.split("\n").find((text) => text.startsWith(label));
    assert.ok(line, result.stdout);
    return line.split(/\s{2,}/)[2];
  };
  assert.equal(column("requests"), String(durations.length));
  const p95 = nearestRank(durations, 95);
  assert.equal(column("latency p95"), p95 >= 100 ? p95.toFixed(0) : p95.toFixed(2));
  assert.match(result.stdout, new RegExp(`A ${BASELINE_ID}\\s+B ${RUN_ID}`));

  // Each runner's samples are their own series (the instance tag), so none overwrote the other's.
  const perRunner = await execute(`SELECT count("value") FROM "gemini_request_duration" WHERE "testid" = '${RUN_ID}' GROUP BY "instance"`);
  assert.deepEqual(perRunner.map((series) => series.tags?.instance).sort(), ["1-of-2", "2-of-2"]);
  assert.equal(sum(perRunner.map((series) => Number(series.values[0]?.[1]))), durations.length);
});

test("the load-test dashboard's request count and request rate panels show both runners together", async () => {
  const iterations = sum(runners.map((r) => r.summary.load.open.iterations));
  const [count] = panelQueries("Requests (run)");
  const counted = await execute(count!);
  assert.equal(Number(counted[0]?.values[0]?.[1]), iterations, count);

  // Per-second rates over 1 s buckets add up to the totals of both runners.
  const [requestRate, iterationRate] = panelQueries("Request rate: offered vs achieved");
  const total = async (query: string) => sum((await execute(query)).flatMap((series) => series.values.map((row) => Number(row[1]))));
  assert.equal(await total(requestRate!), iterations);
  assert.equal(await total(iterationRate!), iterations);
  // Both runners were busy in the same seconds: a bucket's rate exceeds what one runner's half (RATE / 2) can offer.
  const peak = Math.max(...(await execute(requestRate!)).flatMap((series) => series.values.map((row) => Number(row[1]))));
  assert.ok(peak > RATE / 2, `the peak rate ${peak}/s is one runner's, not the run's`);
});
