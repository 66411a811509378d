// `npm start` end to end, shortened: setup, the emulator, the SDK preflight, the load test in both
// models, and an HTML report whose path is printed. Its results folder is removed afterwards.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { after, test } from "node:test";
import { REPO_ROOT } from "../../tools/paths.ts";
import { cleanEnv } from "../helpers/k6.ts";

let runDir: string | undefined;

after(async () => {
  if (runDir) await rm(runDir, { recursive: true, force: true });
});

test("npm start sets up, runs the load against its own emulator and prints the HTML report's path", async () => {
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "tools/run/start.ts"], {
      cwd: REPO_ROOT,
      env: { ...cleanEnv(), GEMINI_DURATION: "4s" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ code: exitCode ?? 1, output }));
  });

  const report = /HTML report: (\S+report\.html)/.exec(output)?.[1];
  assert.ok(report, `no report path printed:\n${output}`);
  runDir = path.dirname(report);
  assert.equal(path.dirname(runDir), path.join(REPO_ROOT, "results"));
  // A short run on the realistic profile may cross a threshold by chance; it must run to the end.
  assert.ok(code === 0 || code === 99, `npm start failed (exit ${code}):\n${output}`);
  assert.ok(existsSync(report), "the printed report does not exist");
  assert.match(await readFile(report, "utf8"), /<html/i);
  assert.match(output, /open model: +offered/);
  assert.match(output, /closed model: +\d+ VUs at peak/);
  // The emulator's counters were reset after the SDK preflight: it saw exactly the load's requests
  // (setup()'s preflight included, which k6's http_reqs counts too).
  const seen = /emulator saw +(\d+) requests since its start or reset \(k6: (\d+)\)/.exec(output);
  assert.ok(seen, `no emulator comparison printed:\n${output}`);
  assert.equal(seen[1], seen[2], seen[0]);

  const run = JSON.parse(await readFile(path.join(runDir, "run.json"), "utf8")) as { k6ExitCode: number; emulatorProfile: string | null };
  assert.equal(run.k6ExitCode, code);
  assert.equal(run.emulatorProfile, "realistic");
  for (const file of ["summary.json", "junit.xml", "metrics.json.gz"]) {
    assert.ok(existsSync(path.join(runDir, file)), `results/<run-id>/${file} is missing`);
  }
  // The SDK preflight shares the run folder when this checkout has it.
  if (existsSync(path.join(REPO_ROOT, "verify", "cli.ts")))
    assert.ok(existsSync(path.join(runDir, "verify.json")), "verify.json is missing");
});
