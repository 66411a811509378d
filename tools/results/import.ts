// `npm run results:import -- <run-id>`: loads a run's local raw samples (`metrics.json.gz`, k6's
// JSON output) into InfluxDB in exactly the layout k6's InfluxDB output writes, so re-importing,
// or importing a run that partly arrived live, overwrites points instead of adding them.
import { createReadStream, existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { writeRunAnnotations } from "./annotations.ts";
import { openInfluxWriter } from "./influx-writer.ts";
import { readRunJson, resolveResultsRoot, runDir } from "./store.ts";
import { writeRunRollups } from "./rollups.ts";
import { EXIT, parseFlags, runCli } from "../cli.ts";
import { UsageError } from "../errors.ts";
import { parseTagsAsFields, TAGS_AS_FIELDS } from "./influx-output.ts";
import { describeTarget, quoteString, querySeries, resolveInfluxTarget, type InfluxTarget } from "./influx-query.ts";

/** One `{"type":"Point"}` line of k6's JSON output. */
interface K6JsonPoint {
  type: "Point";
  metric: string;
  data: { time: string; value: number; tags?: Record<string, string> | null };
}

/** What an import did: `points` counts distinct InfluxDB points (measurement + tags + time). */
export interface ImportStats {
  samples: number;
  points: number;
  duplicates: number;
  skipped: number;
  byMeasurement: Record<string, number>;
  /** The `testid` tags of the samples (the run id, unless the folder was renamed). */
  testids: string[];
  /** Set when the file ends in damage: the samples before it were imported, nothing after. */
  damaged?: { afterLine: number; reason: string };
}

/** The file is unreadable from `afterLine` on (a run that died hard); what came before is good. */
class DamagedFileError extends Error {
  override name = "DamagedFileError";
  constructor(
    readonly file: string,
    readonly afterLine: number,
    readonly reason: string,
  ) {
    super(`cannot read ${file} after line ${afterLine} (${reason}): the file is damaged there`);
  }
}

/** Run ids are folder names: k6's `YYYYMMDD-HHMMSS-xxxx`, or any name made of these characters. */
const RUN_ID = /^[A-Za-z0-9_.-]+$/;

/** Throws a `UsageError` unless `runId` names a folder inside the results directory. */
function checkRunId(runId: string): void {
  if (!RUN_ID.test(runId) || runId === "." || runId === "..") {
    throw new UsageError(
      `invalid run id ${JSON.stringify(runId)}: expected a run folder name such as 20261126-010203-a1b2 (letters, digits, "_", "." and "-"; not "." or "..")`,
    );
  }
}

/**
 * The tags stored as fields when the run was written live: the run's recorded setting, else this
 * environment's `K6_INFLUXDB_TAGS_AS_FIELDS`, else the built-in list — the same resolution as the
 * live output, so imported points match the live ones.
 */
export function resolveTagsAsFields(settings: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const recorded = (settings as Record<string, unknown> | undefined)?.K6_INFLUXDB_TAGS_AS_FIELDS;
  if (typeof recorded === "string" && recorded.trim()) return recorded;
  return env.K6_INFLUXDB_TAGS_AS_FIELDS || TAGS_AS_FIELDS;
}

/**
 * Converts k6's RFC 3339 timestamp (nanoseconds, any offset) to Unix nanoseconds without
 * losing digits: k6's live output writes nanosecond times, and only equal times overwrite.
 */
export function toUnixNanos(time: string): bigint {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  const seconds = match ? Date.parse(`${match[1]}${match[3]}`) : Number.NaN;
  if (!match || Number.isNaN(seconds)) throw new Error(`unreadable sample time ${JSON.stringify(time)}`);
  return BigInt(seconds) * 1_000_000n + BigInt((match[2] ?? "").padEnd(9, "0"));
}

const escapeMeasurement = (text: string) => text.replace(/[\\, ]/g, (c) => `\\${c}`);
const escapeKey = (text: string) => text.replace(/[\\,= ]/g, (c) => `\\${c}`);
const escapeFieldString = (text: string) => `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

function fieldValue(raw: string, kind: "string" | "int" | "float" | "bool"): string {
  // k6 keeps the string when a conversion fails; so do we.
  if (kind === "int" && /^[+-]?\d+$/.test(raw)) return `${BigInt(raw)}i`;
  if (kind === "float" && raw.trim() !== "" && Number.isFinite(Number(raw))) return String(Number(raw));
  if (kind === "bool" && /^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(raw))
    return /^(1|t|T|TRUE|true|True)$/.test(raw) ? "true" : "false";
  return escapeFieldString(raw);
}

/**
 * One sample as a line-protocol line plus its identity (series key and time); undefined for
 * values InfluxDB cannot store (NaN, ±Infinity), which k6's own output rejects as well.
 */
export function sampleToLine(
  point: K6JsonPoint,
  fieldKinds = parseTagsAsFields(TAGS_AS_FIELDS),
): { key: string; line: string } | undefined {
  const { value, tags } = point.data;
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  const tagParts: string[] = [];
  const fieldParts = [`value=${value}`];
  for (const [name, tagValue] of Object.entries(tags ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const kind = fieldKinds.get(name);
    if (kind) fieldParts.push(`${escapeKey(name)}=${fieldValue(tagValue, kind)}`);
    // InfluxDB drops tags with empty values; dropping them here keeps series keys identical.
    else if (tagValue !== "") tagParts.push(`${escapeKey(name)}=${escapeKey(tagValue)}`);
  }
  const series = [escapeMeasurement(point.metric), ...tagParts].join(",");
  const time = toUnixNanos(point.data.time).toString();
  return { key: `${series} ${time}`, line: `${series} ${fieldParts.join(",")} ${time}` };
}

/** Reads the `Point` lines of a k6 JSON output file (gzip-compressed when it ends in `.gz`); damage throws `DamagedFileError`. */
export async function* readK6Points(file: string): AsyncGenerator<K6JsonPoint> {
  const stream = createReadStream(file);
  const lines = createInterface({ input: file.endsWith(".gz") ? stream.pipe(createGunzip()) : stream, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const line of lines) {
      number++;
      if (!line.trim()) continue;
      const parsed = JSON.parse(line) as { type?: string };
      if (parsed.type === "Point") yield parsed as K6JsonPoint;
    }
  } catch (error) {
    // A run killed hard can leave a truncated gzip stream or a half-written last line.
    throw new DamagedFileError(file, number, (error as Error).message);
  }
}

/**
 * Imports one metrics file into the target database in batches and returns what it wrote;
 * without a target it only counts, which is how tests learn what the file holds.
 */
export async function importMetricsFile(
  file: string,
  target: InfluxTarget | undefined,
  batchSize = 5000,
  tagsAsFields = TAGS_AS_FIELDS,
): Promise<ImportStats> {
  const writer = target ? await openInfluxWriter(target, { what: `the samples of ${file}`, precision: "ns", batchSize }) : undefined;
  const fieldKinds = parseTagsAsFields(tagsAsFields);
  const stats: ImportStats = { samples: 0, points: 0, duplicates: 0, skipped: 0, byMeasurement: {}, testids: [] };
  const testids = new Set<string>();
  // Two samples with the same series and nanosecond time are one InfluxDB point, for k6's live
  // output as for us: counted here so the report says how many the file had.
  const seen = new Set<string>();
  const points = readK6Points(file);
  // On a damaged file, whatever was read before the damage is still written and reported.
  const next = async (): Promise<IteratorResult<K6JsonPoint>> => {
    try {
      return await points.next();
    } catch (error) {
      if (!(error instanceof DamagedFileError)) throw error;
      stats.damaged = { afterLine: error.afterLine, reason: error.reason };
      return { done: true, value: undefined };
    }
  };
  for (let item = await next(); !item.done; item = await next()) {
    const point = item.value;
    stats.samples++;
    const testid = point.data.tags?.testid;
    if (testid) testids.add(testid);
    const converted = sampleToLine(point, fieldKinds);
    if (!converted) {
      stats.skipped++;
      continue;
    }
    if (seen.has(converted.key)) {
      stats.duplicates++;
    } else {
      seen.add(converted.key);
      stats.points++;
      stats.byMeasurement[point.metric] = (stats.byMeasurement[point.metric] ?? 0) + 1;
    }
    writer?.write({ lines: [converted.line] });
  }
  await writer?.close();
  stats.testids = [...testids].sort();
  return stats;
}

/** Imports `results/<runId>/metrics.json.gz`, the run's annotations from `run.json`, and its rollups. */
export async function importRun(runId: string, target: InfluxTarget, dir = resolveResultsRoot()): Promise<ImportStats> {
  checkRunId(runId);
  const folder = runDir(dir, runId);
  const file = join(folder, "metrics.json.gz");
  if (!existsSync(file)) {
    throw new UsageError(
      existsSync(folder)
        ? `run ${runId} has no metrics.json.gz in ${folder}: it was not run by \`npm run load\``
        : `unknown run id ${runId}: no folder ${folder} (set GEMINI_RESULTS_DIR if the results live elsewhere)`,
    );
  }
  const run = await readRunJson(folder);
  const stats = await importMetricsFile(file, target, undefined, resolveTagsAsFields(run?.settings));
  // Also after damage: the annotations and rollups then describe what the file still held.
  if (run) await writeRunAnnotations(run, target);
  if (stats.points > 0) for (const testid of stats.testids.length > 0 ? stats.testids : [runId]) await writeRunRollups(target, testid);
  return stats;
}

/** Points stored for a run, per measurement (annotations excluded). */
export async function countStoredPoints(target: InfluxTarget, testid: string): Promise<Record<string, number>> {
  const series = await querySeries(target, `SELECT count("value") FROM /.*/ WHERE "testid" = ${quoteString(testid)}`);
  const counts: Record<string, number> = {};
  for (const entry of series) counts[entry.name] = Number(entry.values[0]?.[1] ?? 0);
  return counts;
}

const USAGE = "usage: npm run results:import -- <run-id> [--influx http://127.0.0.1:8086/k6] [--results-dir results]";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { influx: { type: "string" }, "results-dir": { type: "string" } },
    { positionals: true },
  );
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const runId = positionals[0] ?? "";
  const target = resolveInfluxTarget(values.influx);
  const stats = await importRun(runId, target, resolveResultsRoot(process.env, values["results-dir"]));
  const measurements = Object.keys(stats.byMeasurement).length;
  process.stdout.write(
    `imported run ${runId} into ${describeTarget(target)}: ${stats.samples} samples, ${stats.points} points in ${measurements} measurements` +
      (stats.duplicates
        ? `, ${stats.duplicates} samples sharing series and time with another (one point each, as in k6's live output)`
        : "") +
      (stats.skipped ? `, ${stats.skipped} non-finite values skipped` : "") +
      "\n",
  );
  if (stats.damaged) {
    process.stderr.write(
      `results:import: partial import of run ${runId}: metrics.json.gz is damaged after line ${stats.damaged.afterLine} (${stats.damaged.reason}); the ${stats.samples} samples before it, the annotations and the rollups were written, the rest of the run is lost\n`,
    );
    return EXIT.damaged;
  }
  return EXIT.ok;
}

runCli(import.meta.url, "results:import", main, { usage: USAGE });
