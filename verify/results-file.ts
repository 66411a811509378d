// Run id checks and `<results>/<run-id>/verify.json`, its one reader and writer: merging its parts
// (preflight, contract, after) so one step never clobbers another. Paths and atomic writes: tools/results/store.ts.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { readJsonFile, runDir, writeJsonAtomic } from "../tools/results/store.ts";

// The same rule as GEMINI_RUN_ID in lib/config.ts; it also keeps the id one safe path segment.
const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** True when `id` is an acceptable run id (letters, digits, ".", "_", "-"; at most 64). */
export function isRunId(id: string): boolean {
  return RUN_ID_PATTERN.test(id);
}

/** The steps that write a part of verify.json. */
export type VerifyPart = "preflight" | "contract" | "after";

/**
 * `<results>/<run-id>/verify.json`: the run id and one part per step that ran. Each part's shape is
 * its step's result type (PreflightResult, the contract result, AfterResult), checked where read.
 */
export type VerifyFile = { runId?: string } & Partial<Record<VerifyPart, unknown>>;

/** Reads a run's verify.json, or an empty object when there is none yet. */
export async function readVerifyJson(resultsDir: string, runId: string): Promise<VerifyFile> {
  const parsed = await readJsonFile(path.join(runDir(resultsDir, runId), "verify.json"));
  return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as VerifyFile) : {};
}

/**
 * Sets the top-level `part` of a run's verify.json to `value`, keeping the other parts, and
 * returns the file's path. The write goes through a temporary file so a reader never sees half.
 */
export async function mergeVerifyJson(resultsDir: string, runId: string, part: VerifyPart, value: unknown): Promise<string> {
  const dir = runDir(resultsDir, runId);
  await mkdir(dir, { recursive: true });
  const current = await readVerifyJson(resultsDir, runId);
  const next: VerifyFile = { ...current, runId, [part]: value };
  const file = path.join(dir, "verify.json");
  await writeJsonAtomic(file, next);
  return file;
}
