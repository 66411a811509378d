// Runs before `npm start` and `npm test` (npm's pre-scripts): installs the locked npm packages when
// node_modules is missing or does not match package.json, so both commands work on a fresh clone.
// Plain Node ESM with no imports from node_modules, since those may not exist yet.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** The pinned packages whose installed version differs from package.json (or that are absent). */
function missingPackages() {
  const manifest = readJson(path.join(root, "package.json"));
  const wanted = { ...manifest.dependencies, ...manifest.devDependencies };
  return Object.entries(wanted).filter(([name, version]) => {
    const installed = readJson(path.join(root, "node_modules", name, "package.json"));
    return installed?.version !== version;
  });
}

const missing = missingPackages();
if (missing.length > 0) {
  const names = missing.map(([name]) => name).join(", ");
  process.stderr.write(`Installing npm packages from package-lock.json (missing or out of date: ${names})…\n`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write("npm ci failed: check that the npm registry is reachable, then run `npm ci` by hand.\n");
    process.exit(result.status ?? 1);
  }
}
