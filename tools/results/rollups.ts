// Per-run rollups for the "Compare runs" dashboard, computed from the stored samples: a summary
// point per run and a timeline on *time since the run's start*. InfluxQL cannot shift each series
// to its own start, so the timeline is stored with timestamps counted from a fixed base
// (2000-01-01T00:00:00Z = the run's first sample) and the dashboard shows that range in UTC.
import { quoteString, queryInflux, queryStatements, type InfluxTarget, type Series } from "./influx-query.ts";
import { ELAPSED_BASE_ISO, SUMMARY_MEASUREMENT, TIMELINE_MEASUREMENT } from "./influx-schema.ts";
import { writeInflux } from "./influx-writer.ts";
import { InfluxError } from "../errors.ts";
import { readRunStats, type RunStats } from "./run-stats.ts";

const ELAPSED_BASE_MS = Date.parse(ELAPSED_BASE_ISO);
/** The timeline's step. */
export const TIMELINE_STEP_SECONDS = 5;

const escapeKey = (text: string) => text.replace(/[\\,= ]/g, (c) => `\\${c}`);
const stringField = (text: string) => `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

function fieldsText(fields: Record<string, number | string | undefined>): string {
  return Object.entries(fields)
    .filter(
      (entry): entry is [string, number | string] => entry[1] !== undefined && (typeof entry[1] === "string" || Number.isFinite(entry[1])),
    )
    .map(([name, value]) => `${escapeKey(name)}=${typeof value === "string" ? stringField(value) : value}`)
    .join(",");
}

async function tagValues(target: InfluxTarget, key: string, testid: string): Promise<string[]> {
  const [result] = await queryInflux(
    target,
    `SHOW TAG VALUES FROM "iterations" WITH KEY = "${key}" WHERE "testid" = ${quoteString(testid)}`,
  );
  return (result?.series?.[0]?.values ?? []).map((row) => String(row[1])).sort();
}

function byTime(series: Series | undefined): Map<number, Record<string, unknown>> {
  const rows = new Map<number, Record<string, unknown>>();
  if (!series) return rows;
  for (const values of series.values) {
    const row: Record<string, unknown> = {};
    series.columns.forEach((column, index) => {
      row[column] = values[index];
    });
    rows.set(Number(row.time), row);
  }
  return rows;
}

async function timeline(target: InfluxTarget, stats: RunStats): Promise<string[]> {
  const startMs = stats.start.getTime();
  const step = TIMELINE_STEP_SECONDS * 1000;
  // The offset makes the buckets start exactly at the run's first sample.
  const group = `GROUP BY time(${TIMELINE_STEP_SECONDS}s, ${startMs % step}ms) fill(none)`;
  const where = `WHERE "testid" = ${quoteString(stats.testid)} AND time >= ${startMs}ms AND time <= ${stats.end.getTime() + step}ms`;
  const results = await queryStatements(
    target,
    [
      `SELECT count("value") AS n, percentile("value", 50) AS p50, percentile("value", 95) AS p95, percentile("value", 99) AS p99 FROM "gemini_request_duration" ${where} ${group}`,
      `SELECT percentile("value", 95) AS ttft_p95 FROM "gemini_ttft" ${where} ${group}`,
      `SELECT mean("value") AS error_rate FROM "gemini_errors" ${where} ${group}`,
      `SELECT sum("value") AS tokens FROM "gemini_output_tokens" ${where} ${group}`,
      `SELECT max("value") AS vus FROM "vus" ${where} ${group}`,
    ],
    { epoch: "ms" },
  );
  const failed = results.find((result) => result.error);
  if (failed?.error) throw new InfluxError(`cannot compute the timeline of run ${stats.testid}: ${failed.error}`);
  const [latency, ttft, errors, tokens, vus] = results.map((result) => byTime(result.series?.[0]));
  const times = new Set<number>();
  for (const rows of [latency, ttft, errors, tokens, vus]) for (const time of rows?.keys() ?? []) times.add(time);
  const lines: string[] = [];
  const endMs = stats.end.getTime();
  for (const time of [...times].sort((a, b) => a - b)) {
    // The last bucket covers only the rest of the run: a full step would show a false drop. At
    // least a second, so a bucket holding only the run's last instant does not show a spike.
    const seconds = Math.max(Math.min(step, endMs - time), 1000) / 1000;
    const l = latency?.get(time);
    const n = typeof l?.n === "number" ? l.n : undefined;
    const tokenSum = tokens?.get(time)?.tokens;
    const fields = fieldsText({
      p50: l?.p50 as number | undefined,
      p95: l?.p95 as number | undefined,
      p99: l?.p99 as number | undefined,
      requests_per_second: n === undefined ? undefined : n / seconds,
      ttft_p95: ttft?.get(time)?.ttft_p95 as number | undefined,
      error_rate: errors?.get(time)?.error_rate as number | undefined,
      tokens_per_second: typeof tokenSum === "number" ? tokenSum / seconds : undefined,
      vus: vus?.get(time)?.vus as number | undefined,
    });
    if (fields)
      lines.push(`${TIMELINE_MEASUREMENT},testid=${escapeKey(stats.testid)} ${fields} ${ELAPSED_BASE_MS + Math.max(time - startMs, 0)}`);
  }
  return lines;
}

/**
 * (Re)writes a run's summary point and timeline from its stored samples. Earlier rollups of the
 * same run are deleted first, so running it again (after an import) leaves one copy.
 */
export async function writeRunRollups(target: InfluxTarget, testid: string): Promise<{ stats: RunStats; timelinePoints: number }> {
  const stats = await readRunStats(target, testid);
  const [scenarios, models] = await Promise.all([tagValues(target, "scenario", testid), tagValues(target, "model", testid)]);
  const cleanup = [
    `DROP SERIES FROM "${TIMELINE_MEASUREMENT}" WHERE "testid" = ${quoteString(testid)}`,
    `DROP SERIES FROM "${SUMMARY_MEASUREMENT}" WHERE "testid" = ${quoteString(testid)}`,
  ];
  for (const statement of cleanup) {
    // One request each, so every statement's own error is seen (a batch reports only the first).
    const [result] = await queryInflux(target, statement, { method: "POST" });
    if (result?.error && !/not found/.test(result.error))
      throw new InfluxError(`cannot replace the rollups of run ${testid}: ${result.error}`);
  }

  const seconds = (stats.end.getTime() - stats.start.getTime()) / 1000;
  const summary = `${SUMMARY_MEASUREMENT},testid=${escapeKey(testid)} ${fieldsText({
    run: testid,
    run_scenario: scenarios.join("+"),
    run_model: models.join("+"),
    requests: stats.requests,
    duration_s: seconds,
    p50: stats.p50,
    p95: stats.p95,
    p99: stats.p99,
    ttft_p95: stats.ttftP95,
    error_rate: stats.errorRate,
    throughput: stats.throughput,
    tokens_per_second: stats.tokensPerSecond,
    accuracy: stats.accuracy,
  })} ${stats.start.getTime()}`;
  const lines = await timeline(target, stats);
  await writeInflux(target, { lines: [summary, ...lines] }, { what: "the run rollups", createDatabase: false });
  return { stats, timelinePoints: lines.length };
}
