// Where things are in the repository, for every Node tool and test: one place, so moving a tool
// never changes what "the repository" means.
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (the folder holding package.json). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Where the suite keeps the binaries it builds, k6 and influxd (git-ignored). */
export const TOOLS_BIN = path.join(REPO_ROOT, ".tools", "bin");
