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
import { readRunJson, readSummaryJson, type RunRecord, type SummaryFile } from "./store.ts";

/** The run's test type (GEMINI_SHAPE, docs/shapes.md): `load` unless its settings say otherwise. */
function runShape(run: RunRecord): string {
  return run.settings?.GEMINI_SHAPE?.trim() || "load";
}

function annotationPoint(run: RunRecord, event: "start" | "end", time: Date): Point {
  const title = event === "start" ? "started" : `ended${run.k6ExitCode === undefined ? "" : ` (k6 exit ${run.k6ExitCode})`}`;
  const shape = runShape(run);
  const what = shape === "load" ? `${run.scenario ?? "?"} scenario` : `${shape} shape`;
  const point = new Point(RUN_MEASUREMENT)
    .tag(RUN_TAG, run.runId)
    .tag("event", event)
    .stringField("text", `run ${run.runId} ${title}: ${what}, ${run.model ?? "?"}`)
    .stringField("run_shape", shape)
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
export async function writeRunAnnotations(
  run: RunRecord,
  target: InfluxTarget = resolveInfluxTarget(),
  summary?: SummaryFile,
): Promise<void> {
  const points = [annotationPoint(run, "start", new Date(run.startedAt))];
  if (run.endedAt !== undefined) points.push(annotationPoint(run, "end", new Date(run.endedAt)));
  const knee = summary ? kneePoint(run, summary) : undefined;
  if (knee) points.push(knee);
  await writeInflux(target, { points }, { what: "the run annotations" });
}

/**
 * A breakpoint run's knee (docs/shapes.md), marked at the start of the window that broke the objective:
 * the run's start plus the window's offset, so within the setup's second or so of the truth.
 */
export function kneePoint(run: RunRecord, summary: SummaryFile): Point | undefined {
  const knee = summary.breakpoint;
  if (knee?.brokeAtRate == null) return undefined;
  const window = summary.windows?.find((w) => knee.criterion?.includes(`(window ${w.window})`));
  const offsetMs = (window?.startSeconds ?? 0) * 1000;
  const sustained = knee.sustainedRate === null ? "no rate" : `${knee.sustainedRate} req/s`;
  return new Point(RUN_MEASUREMENT)
    .tag(RUN_TAG, run.runId)
    .tag("event", "knee")
    .stringField("text", `run ${run.runId} breakpoint: sustained ${sustained}, broke at ${knee.brokeAtRate} req/s (${knee.criterion})`)
    .stringField("run_shape", "breakpoint")
    .floatField("sustained_rate", knee.sustainedRate ?? 0)
    .floatField("broke_at_rate", knee.brokeAtRate)
    .timestamp(new Date(new Date(run.startedAt).getTime() + offsetMs));
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
    await writeRunAnnotations(record, target, await readSummaryJson(dir).catch(() => undefined));
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
