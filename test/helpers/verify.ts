// Runs `npm run verify`'s CLI (verify/cli.ts) as a child process for the verify tests; asynchronous,
// so an emulator started in the test process keeps serving while the CLI talks to it.

import { spawn } from "node:child_process";
import { REPO_ROOT } from "./emulator.ts";

/** What one CLI run left behind. */
export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `verify/cli.ts` with `args` and exactly `env` (plus PATH and HOME); killed after 60 s. */
export function runVerifyCli(args: string[], env: Record<string, string>): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "verify/cli.ts", ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
