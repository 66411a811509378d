// Run annotations: each run's start and end, scenario, settings and git commit, written next to
// the samples (measurement `gemini_run`) so the dashboards can mark runs on the time axis.
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Point } from "@influxdata/influxdb-client";
import { InfluxError } from "../errors.ts";
import { parseInfluxUrl, resolveInfluxTarget, type InfluxTarget } from "./influx-query.ts";
import { RUN_MEASUREMENT, RUN_TAG } from "./influx-schema.ts";
import { writeInflux } from "./influx-writer.ts";
import { writeRunRollups } from "./rollups.ts";
import { readRunJson, type RunRecord } from "./store.ts";

function annotationPoint(run: RunRecord, event: "start" | "end", time: Date): Point {
  const title = event === "start" ? "started" : `ended${run.k6ExitCode === undefined ? "" : ` (k6 exit ${run.k6ExitCode})`}`;
  const point = new Point(RUN_MEASUREMENT)
    .tag(RUN_TAG, run.runId)
    .tag("event", event)
    .stringField("text", `run ${run.runId} ${title}: ${run.scenario ?? "?"} scenario, ${run.model ?? "?"}`)
    // Not "scenario"/"model": a field sharing a tag's name turns `WHERE "scenario" = …` into a
    // field filter in queries over several measurements.
    .stringField("run_scenario", run.scenario ?? "")
    .stringField("run_model", run.model ?? "")
    .stringField("commit", run.gitCommit ?? "")
    .stringField("settings", JSON.stringify(run.settings ?? {}))
    .timestamp(time);
  if (event === "end" && run.k6ExitCode !== undefined) point.intField("exit_code", run.k6ExitCode);
  return point;
}

/**
 * Writes the run's start (and end, when known) annotations. Rewriting is harmless: the same testid,
 * event and time overwrite the earlier point. Creates the database if needed.
 */
export async function writeRunAnnotations(run: RunRecord, target: InfluxTarget = resolveInfluxTarget()): Promise<void> {
  const points = [annotationPoint(run, "start", new Date(run.startedAt))];
  if (run.endedAt !== undefined) points.push(annotationPoint(run, "end", new Date(run.endedAt)));
  await writeInflux(target, { points }, { what: "the run annotations" });
}

/**
 * Called by the run tool just before k6 starts: marks the run's start while it runs, when
 * `GEMINI_INFLUXDB_URL` is set. Waits at most `waitMs`, so a slow database does not delay the run;
 * silent on failure: the end-of-run call writes the start again and warns once if the database is
 * still unreachable.
 */
export async function annotateRunStart(run: RunRecord, env: Record<string, string | undefined>, waitMs = 2000): Promise<void> {
  const url = env.GEMINI_INFLUXDB_URL?.trim();
  if (!url) return;
  const write = writeRunAnnotations(run, parseInfluxUrl(url, "GEMINI_INFLUXDB_URL")).catch(() => {
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
export async function annotateRun(dir: string, env: Record<string, string | undefined>, log: (line: string) => void): Promise<void> {
  const url = env.GEMINI_INFLUXDB_URL?.trim();
  if (!url) return;
  const runJsonPath = join(dir, "run.json");
  try {
    const record = await readRunJson(dir);
    if (!record) throw new InfluxError(`${runJsonPath} holds no started run`);
    const target = parseInfluxUrl(url, "GEMINI_INFLUXDB_URL");
    await writeRunAnnotations(record, target);
    await writeRunRollups(target, record.runId);
  } catch (error) {
    const runId = basename(dirname(runJsonPath));
    // The advice only where there is something to import: a run stopped before k6 wrote no samples.
    const advice = existsSync(join(dirname(runJsonPath), "metrics.json.gz"))
      ? `the samples are kept in ${dirname(runJsonPath)}: \`npm run results:import -- ${runId}\` loads them later`
      : `no samples were recorded (${join(dirname(runJsonPath), "metrics.json.gz")} is missing), so there is nothing to import later`;
    log(`warning: ${(error as Error).message}; ${advice}`);
  }
}
