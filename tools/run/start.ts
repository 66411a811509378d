// `npm start`: the whole suite on a fresh machine with no key and no network — setup, an emulator,
// the SDK preflight, about a minute of the moderation load test, the post-run cross-check against
// the unloaded baseline, and the HTML report.

import { existsSync } from "node:fs";
import { parseFlags, runCli } from "../cli.ts";
import { spawn } from "node:child_process";
import { REPO_ROOT } from "../paths.ts";
import { SetupError } from "../errors.ts";
import { refuseExistingRun, runFolder, runLoadTest } from "./run-load.ts";
import { setup } from "../setup/setup.ts";
import { unknownVariableWarnings } from "./env-check.ts";
import { start as startEmulator } from "../../emulator/index.ts";
import { emulatorAdmin } from "../../emulator/client.ts";

const PROFILE = "realistic";

async function main(): Promise<number> {
  for (const line of unknownVariableWarnings(process.env)) process.stderr.write(`${line}\n`);
  process.stderr.write("Setting up (k6)…\n");
  await setup();

  // One run id for the preflight and the load test, so <results>/<run-id>/ holds both; the user's
  // GEMINI_RUN_ID and GEMINI_RESULTS_DIR count, and a taken id is refused before the preflight writes.
  const { runId, resultsRoot, resultsDir } = runFolder({}, process.env);
  refuseExistingRun(resultsDir);
  const emulator = await startEmulator({ port: 0, profile: PROFILE });
  process.stderr.write(`Gemini emulator (${PROFILE} profile) at ${emulator.url}\n`);
  const verifyEnv = { GEMINI_BASE_URL: emulator.url, GEMINI_RUN_ID: runId, GEMINI_RESULTS_DIR: resultsRoot };
  try {
    process.stderr.write("Preflight: checking the emulator with the official SDK (npm run verify)…\n");
    const verifyCode = await runNpm(["run", "--silent", "verify"], verifyEnv);
    if (verifyCode !== 0) {
      process.stderr.write(`start: the SDK preflight failed (exit ${verifyCode}); see above\n`);
      return verifyCode;
    }
    // The emulator counts from here, so verify --after compares its count with the load's alone.
    await resetEmulatorCounters(emulator.url);

    // The start-up load is a short, readable demo: the closed then the open model, about a minute.
    const result = await runLoadTest({
      baseUrl: emulator.url,
      profile: PROFILE,
      runId,
      resultsRoot,
      checkVariables: false,
      scenario: process.env.GEMINI_SCENARIO ?? "both",
      dashboard: true,
      env: {
        GEMINI_DURATION: process.env.GEMINI_DURATION ?? "25s",
        // Realistic answers take 2–3 s, so the open model keeps ~15 requests in flight; VUs started
        // mid-test arrive late and k6 drops those iterations, so start enough of them up front.
        GEMINI_PREALLOCATED_VUS: process.env.GEMINI_PREALLOCATED_VUS ?? "25",
      },
    });
    // While the emulator is still up, so its ground truth joins the comparison with the baseline.
    process.stderr.write("\nCross-check: the run against the unloaded baseline (npm run verify -- --after)…\n");
    const afterCode = await runNpm(["run", "--silent", "verify", "--", "--after", result.runId], verifyEnv);
    if (afterCode !== 0) process.stderr.write(`start: the post-run cross-check failed (exit ${afterCode}); see above\n`);
    process.stderr.write(`\nResults:     ${result.resultsDir}\n`);
    if (result.reportPath && existsSync(result.reportPath)) {
      process.stderr.write(`HTML report: ${result.reportPath}\n`);
    } else {
      process.stderr.write("HTML report: not written (the run ended before the dashboard's first period)\n");
    }
    return result.exitCode;
  } finally {
    await emulator.close();
  }
}

async function resetEmulatorCounters(url: string): Promise<void> {
  try {
    await emulatorAdmin(url, { timeoutMs: 5000 }).reset();
  } catch (error) {
    throw new SetupError(`could not reset the emulator's counters after the preflight: ${(error as Error).message}`);
  }
}

function runNpm(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const child = spawn(npm, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: "inherit" });
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
}

runCli(
  import.meta.url,
  "start",
  async (argv) => {
    parseFlags(argv, {});
    return main();
  },
  {
    usage:
      "usage: npm start (no arguments): the emulator, the SDK preflight, about a minute of load and the cross-check; GEMINI_* variables still apply",
  },
);
