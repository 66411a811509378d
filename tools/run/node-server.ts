// Runs a TypeScript server (the emulator CLI, a benchmark's baseline) in its own Node process and
// waits for the URL it prints, so benchmarks and tests measure and survive it apart from themselves.

import { spawn, type ChildProcess } from "node:child_process";
import { REPO_ROOT } from "../paths.ts";

/** A server running in a child process. */
export interface NodeServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** True while the process has not exited. */
  alive(): boolean;
  /** Sends SIGTERM (unless it already exited) and waits for the exit code. */
  stop(): Promise<number | null>;
}

/** Options of {@link spawnNodeServer}. */
export interface SpawnOptions {
  /** Extra environment on top of this process's. */
  env?: NodeJS.ProcessEnv;
  /** Node flags placed before the script, after `--import tsx`. */
  nodeArgs?: string[];
  /** How long to wait for the URL before killing the process. */
  timeoutMs?: number;
}

/**
 * Starts `node --import tsx [nodeArgs] <args>` from the repo root and resolves once the process has
 * printed a URL (`/https?:\/\/\S+/`) on stdout; rejects if it exits or times out first.
 */
export function spawnNodeServer(args: string[], options: SpawnOptions = {}): Promise<NodeServerProcess> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const child = spawn(process.execPath, ["--import", "tsx", ...(options.nodeArgs ?? []), ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let stdout = "";
  let stderr = "";
  let exited = false;
  const exit = new Promise<number | null>((resolve) => {
    child.on("exit", (code) => {
      exited = true;
      resolve(code);
    });
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${args.join(" ")} did not print its URL within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      // Only complete lines: a URL split across two pipe chunks would otherwise be read cut off.
      const url = /https?:\/\/\S+/.exec(stdout.slice(0, stdout.lastIndexOf("\n") + 1))?.[0];
      if (url && child.pid !== undefined) {
        clearTimeout(timer);
        resolve({
          url,
          pid: child.pid,
          child,
          stderr: () => stderr,
          alive: () => !exited,
          stop: async () => {
            if (!exited) child.kill("SIGTERM");
            return exit;
          },
        });
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited (code ${code}) before printing its URL; stderr: ${stderr}`));
    });
  });
}
