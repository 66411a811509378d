// Run id checks and `results/<run-id>/verify.json`: where verify writes, and merging its parts
// (preflight, contract, after) so one step never clobbers another.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

// The same rule as GEMINI_RUN_ID in lib/config.ts; it also keeps the id one safe path segment.
const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** True when `id` is an acceptable run id (letters, digits, ".", "_", "-"; at most 64). */
export function isRunId(id: string): boolean {
  return RUN_ID_PATTERN.test(id);
}

/** The folder of one run's results. */
export function runDir(resultsDir: string, runId: string): string {
  return path.join(resultsDir, runId);
}

/** Reads a run's verify.json, or an empty object when there is none yet. */
export async function readVerifyJson(resultsDir: string, runId: string): Promise<Record<string, unknown>> {
  const file = path.join(runDir(resultsDir, runId), "verify.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  const parsed = JSON.parse(text) as unknown;
  return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

/**
 * Sets the top-level `part` of a run's verify.json to `value`, keeping the other parts, and
 * returns the file's path. The write goes through a temporary file so a reader never sees half.
 */
export async function mergeVerifyJson(
  resultsDir: string,
  runId: string,
  part: string,
  value: unknown,
): Promise<string> {
  const dir = runDir(resultsDir, runId);
  await mkdir(dir, { recursive: true });
  const current = await readVerifyJson(resultsDir, runId);
  const next = { ...current, runId, [part]: value };
  const file = path.join(dir, "verify.json");
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`);
  await rename(temporary, file);
  return file;
}
