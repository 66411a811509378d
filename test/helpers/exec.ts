// Runs a program to its end and captures its output, for tests that check a CLI's exit code and
// messages: a non-zero exit is a result to assert on, not an error.

import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Exit code and output of a finished program. */
export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `file` with `args` in `cwd` with exactly `env`. Rejects only when the program could not run
 * or did not exit by itself (killed at `timeoutMs`), so a test cannot mistake that for an exit code.
 */
export async function runCaptured(
  file: string,
  args: string[],
  options: { cwd: string; env: Record<string, string | undefined>; timeoutMs: number },
): Promise<Captured> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      cwd: options.cwd,
      env: options.env,
      timeout: options.timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failure.code !== "number") throw error;
    return { code: failure.code, stdout: failure.stdout ?? "", stderr: failure.stderr ?? "" };
  }
}
