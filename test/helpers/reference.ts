// Where the read-only Gemini API reference (official protos, real recorded interactions) lives:
// beside the repository as ../shared/gemini-api, or where GEMINI_API_REFERENCE points.

import { existsSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../../tools/k6.ts";

function findReference(): string {
  const candidates = [
    process.env.GEMINI_API_REFERENCE,
    path.resolve(REPO_ROOT, "..", "shared", "gemini-api"),
    "/work/shared/gemini-api",
  ].filter((dir): dir is string => Boolean(dir));
  const found = candidates.find((dir) => existsSync(path.join(dir, "protos")));
  if (!found) throw new Error(`the Gemini API reference (protos, recordings) is not in ${candidates.join(" or ")}: set GEMINI_API_REFERENCE`);
  return found;
}

/** The reference folder, holding `protos/` and `recordings/`. */
export const GEMINI_API_REFERENCE = findReference();
