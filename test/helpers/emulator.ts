// Test helpers around the emulator: start it in-process or as a CLI child process, and talk to
// its admin API (config, stats, reset) under /__emulator/.

import { start } from "../../emulator/index.ts";
import { spawnNodeServer, type NodeServerProcess } from "../../tools/node-server.ts";

/** Root of the repository (where package.json is). */
export { REPO_ROOT } from "../../tools/k6.ts";

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
export async function spawnEmulator(args: string[] = [], options: { nodeArgs?: string[]; timeoutMs?: number } = {}): Promise<EmulatorProcess> {
  const server = await spawnNodeServer(["emulator/cli.ts", "--port", "0", ...args], options);
  return { ...server, admin: adminClient(server.url) };
}

/** Percentiles the admin stats report (exact, nearest rank). */
export interface Percentiles {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface EmulatorStats {
  requests: {
    total: number;
    byStatus: Record<string, number>;
    byModel: Record<string, number>;
    byMethod: Record<string, number>;
  };
  ttfbMs: Percentiles;
  totalMs: Percentiles;
  concurrency: { current: number; peak: number };
  queue: { current: number; peak: number };
  tokens: { prompt: number; output: number; thoughts: number };
  /** Requests whose body never arrived in full (client gone or request timeout); not in samples. */
  abortedUploads: number;
}

/** One finished request as `GET /__emulator/samples` lists it. */
export interface EmulatorSample {
  model: string;
  method: string;
  status: number;
  stream: boolean;
  ttfbMs: number;
  totalMs: number;
  promptTokens: number;
  outputTokens: number;
  thoughtsTokens: number;
  startedAt: string;
}

/** One received request as `GET /__emulator/requests` lists it (while `requestLog` is on). */
export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
}

export interface Admin {
  patchConfig(partial: unknown): Promise<unknown>;
  config(): Promise<unknown>;
  stats(query?: string): Promise<EmulatorStats>;
  samples(query?: string): Promise<EmulatorSample[]>;
  requests(): Promise<LoggedRequest[]>;
  reset(): Promise<void>;
}

/** Client for the admin API of an emulator at `url`; every call fails loudly on a non-2xx. */
export function adminClient(url: string): Admin {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "content-type": "application/json" };
    }
    const response = await fetch(`${url}/__emulator/${path}`, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`admin ${method} ${path}: ${response.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    patchConfig: (partial) => call("PATCH", "config", partial),
    config: () => call("GET", "config"),
    stats: async (query = "") => (await call("GET", `stats${query}`)) as EmulatorStats,
    samples: async (query = "") => ((await call("GET", `samples${query}`)) as { samples: EmulatorSample[] }).samples,
    requests: async () => ((await call("GET", "requests")) as { requests: LoggedRequest[] }).requests,
    reset: async () => {
      await call("POST", "reset");
    },
  };
}

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
