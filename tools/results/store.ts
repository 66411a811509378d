// The one home of the results folder on the Node side: where it is (resolved once, the same way for
// every tool), each run's folder, and the typed files in it — run.json (written here, by the run
// tool), summary.json (written by k6 through lib/summary.ts) and verify.json (verify/results-file.ts).
// Every write goes to a temporary file first and is renamed into place, so no reader sees half a file.
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SummaryFile } from "../../lib/summary.ts";
import { REPO_ROOT } from "../paths.ts";

export type { SummaryFile } from "../../lib/summary.ts";

/** The results folder when GEMINI_RESULTS_DIR is unset. */
export const DEFAULT_RESULTS_ROOT = path.join(REPO_ROOT, "results");

/**
 * The folder holding the run folders: GEMINI_RESULTS_DIR, else `<repo>/results`. A relative
 * GEMINI_RESULTS_DIR is taken from the folder the user typed the command in: npm runs scripts from
 * the repository root but passes that folder as INIT_CWD; a tool started directly uses its cwd.
 * `npm run load`, `npm start`, `npm run verify` and `npm run results:import` all resolve it here.
 */
export function resolveResultsRoot(env: Record<string, string | undefined> = process.env, explicit?: string): string {
  const userFolder = env.INIT_CWD?.trim() || process.cwd();
  const given = explicit ?? (env.GEMINI_RESULTS_DIR?.trim() || undefined);
  return given === undefined ? DEFAULT_RESULTS_ROOT : path.resolve(userFolder, given);
}

/** One run's folder inside the results root. */
export function runDir(resultsRoot: string, runId: string): string {
  return path.join(resultsRoot, runId);
}

/** `run.json` as the run tool writes it: before k6 starts, and again with the end and k6's exit code. */
export interface RunRecord {
  runId: string;
  scenario: "closed" | "open" | "both";
  model: string;
  /** The target without credentials, query or trailing slash. */
  baseUrl: string;
  /** The emulator's profile when the run started one or was told it; null when unknown. */
  emulatorProfile: string | null;
  /** True when this run started the emulator and stopped it at its end. */
  emulatorStartedByRun: boolean;
  script: string;
  /** GEMINI_* settings (and K6_INFLUXDB_TAGS_AS_FIELDS) without secrets. */
  settings: Record<string, string>;
  k6: { binary: string; version: string | null };
  gitCommit: string | null;
  startedAt: string;
  endedAt?: string;
  k6ExitCode?: number;
  /** k6's resident memory over the run, sampled from /proc (Linux only; tools/run/process-memory.ts). */
  k6Memory?: { peakRssMb: number; samples: Array<{ atSeconds: number; rssMb: number }> };
}

/** What a run folder's run.json holds between the claim and k6's start. */
export interface RunClaim {
  runId: string;
  claimedAt: string;
}

/** Writes `value` as pretty JSON to `file` through a temporary file and a rename. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Reads a JSON file; undefined when it does not exist. A malformed file throws with its path. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
}

/** The path of a run's run.json. */
export function runJsonPath(dir: string): string {
  return path.join(dir, "run.json");
}

/** Writes a run's run.json (atomically). */
export async function writeRunJson(dir: string, record: RunRecord | RunClaim): Promise<void> {
  await writeJsonAtomic(runJsonPath(dir), record);
}

/** A run's run.json; undefined when there is none or it holds only the claim (the run never started k6). */
export async function readRunJson(dir: string): Promise<RunRecord | undefined> {
  const json = await readJsonFile(runJsonPath(dir));
  if (typeof json !== "object" || json === null || typeof (json as Partial<RunRecord>).startedAt !== "string") return undefined;
  return json as RunRecord;
}

/** A run's summary.json; undefined when k6 wrote none. A file without `metrics` throws, naming it. */
export async function readSummaryJson(dir: string): Promise<SummaryFile | undefined> {
  const file = path.join(dir, "summary.json");
  let json: unknown;
  try {
    json = await readJsonFile(file);
  } catch (error) {
    throw new Error(`${(error as Error).message}; it should be the k6 summary written by handleSummary`);
  }
  if (json === undefined) return undefined;
  const metrics = typeof json === "object" && json !== null ? (json as { metrics?: unknown }).metrics : undefined;
  if (typeof metrics !== "object" || metrics === null || Array.isArray(metrics)) {
    throw new Error(`${file} has no "metrics" object; it should be the k6 summary written by handleSummary`);
  }
  return json as SummaryFile;
}
