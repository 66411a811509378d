// The optional full Gemini API reference (official protos, recorded interactions), named by
// GEMINI_API_REFERENCE: only the fixture derivation and its freshness test read it.

import { existsSync, statSync } from "node:fs";
import path from "node:path";

/** The variable that names the reference folder. */
export const REFERENCE_VARIABLE = "GEMINI_API_REFERENCE";

/** A reference folder that is missing or lacks protos/ or recordings/. */
export class ReferenceFolderError extends Error {
  override name = "ReferenceFolderError";
}

/**
 * The reference folder named by GEMINI_API_REFERENCE, resolved; undefined when the variable is
 * unset or empty. Throws a ReferenceFolderError when it names anything but a folder holding
 * `protos/` and `recordings/`.
 */
export function referenceFolder(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[REFERENCE_VARIABLE]?.trim();
  if (!value) return undefined;
  const dir = path.resolve(value);
  const missing = ["protos", "recordings"].filter((sub) => !isDirectory(path.join(dir, sub)));
  if (!isDirectory(dir) || missing.length > 0) {
    throw new ReferenceFolderError(
      `invalid ${REFERENCE_VARIABLE}: expected a folder holding protos/ and recordings/ (the Gemini API reference), got '${value}'` +
        (isDirectory(dir) ? ` (no ${missing.join("/ or ")}/)` : " (not a folder)"),
    );
  }
  return dir;
}

function isDirectory(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory();
}
