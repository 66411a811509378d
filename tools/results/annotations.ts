// Run annotations: each run's start and end, scenario, settings and git commit, written next to
// the samples (measurement `gemini_run`) so the dashboards can mark runs on the time axis.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InfluxDB, Point, setLogger } from "@influxdata/influxdb-client";
import { writeRunRollups } from "./rollups.ts";
import { createDatabase, describeTarget, parseInfluxUrl, resolveInfluxTarget, type InfluxTarget } from "./influx-query.ts";
import { InfluxError } from "../errors.ts";

/** The measurement holding run annotations. */
export const RUN_MEASUREMENT = "gemini_run";

/** The parts of `results/<id>/run.json` the annotations use (other fields are ignored). */
export interface RunRecord {
  id: string;
  scenario?: string;
  model?: string;
  settings?: unknown;
  commit?: string;
  start: string | number | Date;
  end?: string | number | Date;
  exitCode?: number;
}

/** Reads the annotation fields from a parsed `run.json`, accepting the field spellings in use. */
export function runRecordFromJson(json: Record<string, unknown>): RunRecord {
  const pick = (...names: string[]): unknown => names.map((name) => json[name]).find((value) => value !== undefined && value !== null);
  const id = pick("id", "runId", "testid");
  const start = pick("start", "startedAt", "startTime");
  if (typeof id !== "string" || (typeof start !== "string" && typeof start !== "number")) {
    throw new InfluxError("run.json has no run id or start time: it was not written by `npm run load`");
  }
  const record: RunRecord = { id, start };
  const scenario = pick("scenario");
  const model = pick("model");
  const commit = pick("commit", "gitCommit");
  const end = pick("end", "endedAt", "endTime");
  const exitCode = pick("exitCode", "k6ExitCode");
  if (typeof scenario === "string") record.scenario = scenario;
  if (typeof model === "string") record.model = model;
  if (typeof commit === "string") record.commit = commit;
  if (typeof end === "string" || typeof end === "number") record.end = end;
  if (typeof exitCode === "number") record.exitCode = exitCode;
  const settings = pick("settings");
  if (settings !== undefined) record.settings = settings;
  return record;
}

function annotationPoint(run: RunRecord, event: "start" | "end", time: Date): Point {
  const title = event === "start" ? "started" : `ended${run.exitCode === undefined ? "" : ` (k6 exit ${run.exitCode})`}`;
  const point = new Point(RUN_MEASUREMENT)
    .tag("testid", run.id)
    .tag("event", event)
    .stringField("text", `run ${run.id} ${title}: ${run.scenario ?? "?"} scenario, ${run.model ?? "?"}`)
    // Not "scenario"/"model": a field sharing a tag's name turns `WHERE "scenario" = …` into a
    // field filter in queries over several measurements.
    .stringField("run_scenario", run.scenario ?? "")
    .stringField("run_model", run.model ?? "")
    .stringField("commit", run.commit ?? "")
    .stringField("settings", JSON.stringify(run.settings ?? {}))
    .timestamp(time);
  if (event === "end" && run.exitCode !== undefined) point.intField("exit_code", run.exitCode);
  return point;
}

/**
 * Writes the run's start (and end, when known) annotations with `@influxdata/influxdb-client`
 * through the `/api/v2/write` compatibility endpoint (bucket = database). Rewriting is harmless:
 * the same testid, event and time overwrite the earlier point. Creates the database if needed.
 */
export async function writeRunAnnotations(run: RunRecord, target: InfluxTarget = resolveInfluxTarget()): Promise<void> {
  await createDatabase(target);
  // InfluxDB 1.8 reads the v2 token as "username:password"; an empty one means no auth.
  const token = target.username === undefined ? "" : `${target.username}:${target.password ?? ""}`;
  const writeApi = new InfluxDB({ url: target.baseUrl, token, timeout: 10_000 }).getWriteApi("", target.database, "ms", {
    maxRetries: 0,
  });
  writeApi.writePoint(annotationPoint(run, "start", new Date(run.start)));
  if (run.end !== undefined) writeApi.writePoint(annotationPoint(run, "end", new Date(run.end)));
  // The client logs failed writes with stack traces; the caller reports them once, in its own words.
  const previousLogger = setLogger({ error: () => undefined, warn: () => undefined });
  try {
    await writeApi.close();
  } catch (error) {
    const message = (error as Error).message;
    throw new InfluxError(`could not write the run annotations to ${describeTarget(target)}: ${message}`);
  } finally {
    setLogger(previousLogger);
  }
}

/**
 * Called by the run tool just before k6 starts: marks the run's start while it runs, when
 * `GEMINI_INFLUXDB_URL` is set. Waits at most `waitMs`, so a slow database does not delay the run;
 * silent on failure: the end-of-run call writes the start again and warns once if the database is
 * still unreachable.
 */
export async function annotateRunStart(runJsonPath: string, env: Record<string, string | undefined>, waitMs = 2000): Promise<void> {
  const url = env.GEMINI_INFLUXDB_URL?.trim();
  if (!url) return;
  const write = (async () => {
    const json = JSON.parse(await readFile(runJsonPath, "utf8")) as Record<string, unknown>;
    await writeRunAnnotations(runRecordFromJson(json), parseInfluxUrl(url, "GEMINI_INFLUXDB_URL"));
  })().catch(() => {
    // Reported by annotateRun at the end of the run.
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([write, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs).unref()))]);
  clearTimeout(timer);
}

/**
 * Called by the run tool after `run.json` is written: annotates the run and writes its rollups
 * (for the "Compare runs" dashboard) when `GEMINI_INFLUXDB_URL` is set. Never throws: a database that is down costs only a warning, since
 * `npm run results:import` writes the annotations again from `run.json`.
 */
export async function annotateRun(runJsonPath: string, env: Record<string, string | undefined>, log: (line: string) => void): Promise<void> {
  const url = env.GEMINI_INFLUXDB_URL?.trim();
  if (!url) return;
  try {
    const json = JSON.parse(await readFile(runJsonPath, "utf8")) as Record<string, unknown>;
    const record = runRecordFromJson(json);
    const target = parseInfluxUrl(url, "GEMINI_INFLUXDB_URL");
    await writeRunAnnotations(record, target);
    await writeRunRollups(target, record.id);
  } catch (error) {
    const runId = basename(dirname(runJsonPath));
    // The advice only where there is something to import: a run stopped before k6 wrote no samples.
    const advice = existsSync(join(dirname(runJsonPath), "metrics.json.gz"))
      ? `the samples are kept in ${dirname(runJsonPath)}: \`npm run results:import -- ${runId}\` loads them later`
      : `no samples were recorded (${join(dirname(runJsonPath), "metrics.json.gz")} is missing), so there is nothing to import later`;
    log(`warning: ${(error as Error).message}; ${advice}`);
  }
}
