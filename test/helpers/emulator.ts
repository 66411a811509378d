// Test helpers around the emulator: start it in-process or as a CLI child process, and talk to
// its admin API (config, stats, reset) under /__emulator/.

import { emulatorAdmin as adminClient, type EmulatorAdmin as Admin } from "../../emulator/client.ts";
import { start } from "../../emulator/index.ts";
import { spawnNodeServer, type NodeServerProcess } from "../../tools/run/node-server.ts";

/** Root of the repository (where package.json is). */
export { REPO_ROOT } from "../../tools/paths.ts";

/** A key every test sends unless it tests auth. Not a real key. */
export const TEST_KEY = "test-key-0000";

export type StartOptions = NonNullable<Parameters<typeof start>[0]>;

export interface TestEmulator {
  url: string;
  close(): Promise<void>;
  admin: Admin;
}

/** Starts the emulator in this process on a free port (`fast` profile unless told otherwise). */
export async function startEmulator(options: StartOptions = {}): Promise<TestEmulator> {
  const server = await start({ port: 0, profile: "fast", seed: 7, ...options });
  return { url: server.url, close: () => server.close(), admin: adminClient(server.url) };
}

export interface EmulatorProcess extends NodeServerProcess {
  admin: Admin;
}

/**
 * Runs the emulator CLI as a child process (`node --import tsx emulator/cli.ts --port 0 …`) and
 * resolves once it has printed its URL, so a crash of the server cannot take the test with it.
 */
export async function spawnEmulator(
  args: string[] = [],
  options: { nodeArgs?: string[]; timeoutMs?: number } = {},
): Promise<EmulatorProcess> {
  const server = await spawnNodeServer(["emulator/cli.ts", "--port", "0", ...args], options);
  return { ...server, admin: adminClient(server.url) };
}

/** The admin API's types, from the emulator itself. */
export type { StatsSummary as EmulatorStats } from "../../emulator/client.ts";

/** Client for the admin API of an emulator at `url`; every call fails loudly on a non-2xx. */
export { emulatorAdmin as adminClient } from "../../emulator/client.ts";

/** POSTs JSON to a public API path with the test key; returns status, headers and parsed body. */
export async function postJson(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = { "x-goog-api-key": TEST_KEY },
): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
