// Reads one run's headline numbers and the list of stored runs from InfluxDB with InfluxQL;
// shared by `npm run compare` and `npm run runs`.
import { UsageError } from "../errors.ts";
import { RUN_MEASUREMENT } from "./influx-schema.ts";
import { describeTarget, isDatabaseNotFound, quoteString, queryStatements, type InfluxTarget, type Series } from "./influx-query.ts";
import { InfluxError } from "../errors.ts";

/** The headline numbers of one run; `undefined` when the run has no samples of that metric. */
export interface RunStats {
  testid: string;
  start: Date;
  end: Date;
  requests: number;
  p50?: number;
  p95?: number;
  p99?: number;
  ttftP95?: number;
  errorRate?: number;
  throughput?: number;
  tokensPerSecond?: number;
  accuracy?: number;
}

/** A stored run as `npm run runs` lists it. */
export interface StoredRun {
  testid: string;
  scenarios: string[];
  models: string[];
  start: Date;
  end: Date;
  commit?: string;
}

function firstRow(series: Series | undefined): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  const values = series?.values[0] ?? [];
  series?.columns.forEach((column, index) => {
    row[column] = values[index];
  });
  return row;
}

const numberOrUndefined = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

/** The measurements whose first and last samples bound a run. */
const SPAN_MEASUREMENTS = `"iterations", "http_reqs", "gemini_request_duration", "vus"`;
/** The measurements whose first and last samples bound the throughput's span: no setup, no VU gauge. */
const WORK_MEASUREMENTS = `"iterations", "http_reqs"`;

/** Reads one run's stats; an id with no samples is a `UsageError` naming the fix. */
export async function readRunStats(target: InfluxTarget, testid: string): Promise<RunStats> {
  const where = `WHERE "testid" = ${quoteString(testid)}`;
  const statements = [
    // A selector alone returns its point's time (next to an aggregate the time would be 0). A
    // request's samples precede its iteration's, so the run spans every measurement listed.
    `SELECT first("value") FROM ${SPAN_MEASUREMENTS} ${where}`,
    `SELECT last("value") FROM ${SPAN_MEASUREMENTS} ${where}`,
    `SELECT count("value") AS n, percentile("value", 50) AS p50, percentile("value", 95) AS p95, percentile("value", 99) AS p99 FROM "gemini_request_duration" ${where}`,
    `SELECT percentile("value", 95) AS p95 FROM "gemini_ttft" ${where}`,
    `SELECT mean("value") AS rate FROM "gemini_errors" ${where}`,
    `SELECT sum("value") AS tokens FROM "gemini_output_tokens" ${where}`,
    `SELECT mean("value") AS rate FROM "gemini_moderation_correct" ${where}`,
    `SELECT first("value") FROM ${WORK_MEASUREMENTS} ${where}`,
    `SELECT last("value") FROM ${WORK_MEASUREMENTS} ${where}`,
  ];
  const results = await queryStatements(target, statements, { epoch: "ms" });
  if (isDatabaseNotFound(results)) {
    throw new UsageError(
      `unknown run id ${testid}: database "${target.database}" at ${target.baseUrl} does not exist, so no run is stored there yet (\`npm run results:import -- ${testid}\` loads a local one)`,
    );
  }
  const failed = results.find((result) => result.error);
  if (failed?.error) throw new InfluxError(`InfluxDB could not read run ${testid}: ${failed.error}`);
  const row = (index: number) => firstRow(results[index]?.series?.[0]);
  const times = (index: number) => (results[index]?.series ?? []).map((series) => Number(series.values[0]?.[0]));
  if (times(0).length === 0) {
    throw new UsageError(
      `unknown run id ${testid}: no samples tagged testid=${testid} in ${describeTarget(target)} (\`npm run runs\` lists the stored runs; \`npm run results:import -- ${testid}\` loads a local one)`,
    );
  }
  const start = new Date(Math.min(...times(0)));
  const end = new Date(Math.max(...times(1)));
  const seconds = Math.max((end.getTime() - start.getTime()) / 1000, 0.001);
  // Throughput as documented: requests over the time from the first to the last iteration or
  // request sample, which leaves out setup() and the VU gauge's samples before and after the work.
  const workTimes = [...times(7), ...times(8)];
  const workSeconds = workTimes.length > 0 ? Math.max((Math.max(...times(8)) - Math.min(...times(7))) / 1000, 0.001) : undefined;
  const latency = row(2);
  const requests = Number(latency.n ?? 0);
  const tokens = numberOrUndefined(row(5).tokens);
  const stats: RunStats = { testid, start, end, requests };
  const assign = (key: keyof RunStats, value: number | undefined) => {
    if (value !== undefined) (stats as unknown as Record<string, number>)[key] = value;
  };
  assign("p50", numberOrUndefined(latency.p50));
  assign("p95", numberOrUndefined(latency.p95));
  assign("p99", numberOrUndefined(latency.p99));
  assign("ttftP95", numberOrUndefined(row(3).p95));
  assign("errorRate", numberOrUndefined(row(4).rate));
  assign("throughput", requests > 0 && workSeconds !== undefined ? requests / workSeconds : undefined);
  assign("tokensPerSecond", tokens === undefined ? undefined : tokens / seconds);
  assign("accuracy", numberOrUndefined(row(6).rate));
  return stats;
}

/** Every stored run with its scenarios, models, start and end, oldest first. */
export async function listRuns(target: InfluxTarget): Promise<StoredRun[]> {
  const results = await queryStatements(
    target,
    [
      `SELECT first("value") FROM "iterations" GROUP BY "testid", "scenario", "model"`,
      `SELECT last("value") FROM "iterations" GROUP BY "testid"`,
      `SELECT last("commit") AS "commit" FROM "${RUN_MEASUREMENT}" GROUP BY "testid"`,
    ],
    { epoch: "ms" },
  );
  if (isDatabaseNotFound(results)) return [];
  const failed = results.find((result) => result.error);
  if (failed?.error) throw new InfluxError(`InfluxDB could not list runs: ${failed.error}`);
  const runs = new Map<string, StoredRun>();
  for (const series of results[0]?.series ?? []) {
    const testid = series.tags?.testid ?? "";
    if (!testid) continue;
    const time = new Date(Number(series.values[0]?.[0]));
    const run = runs.get(testid) ?? { testid, scenarios: [], models: [], start: time, end: time };
    const scenario = series.tags?.scenario;
    const model = series.tags?.model;
    if (scenario && !run.scenarios.includes(scenario)) run.scenarios.push(scenario);
    if (model && !run.models.includes(model)) run.models.push(model);
    if (time < run.start) run.start = time;
    runs.set(testid, run);
  }
  for (const series of results[1]?.series ?? []) {
    const run = runs.get(series.tags?.testid ?? "");
    if (run) run.end = new Date(Number(series.values[0]?.[0]));
  }
  for (const series of results[2]?.series ?? []) {
    const run = runs.get(series.tags?.testid ?? "");
    const commit = series.values[0]?.[1];
    if (run && typeof commit === "string" && commit) run.commit = commit;
  }
  return [...runs.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
}
