// Helpers for the end-to-end tests: run the bundled scenario with real k6 against an emulator
// started in the test process, and read what k6 and the emulator measured.

import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before } from "node:test";
import { gunzipSync } from "node:zlib";
import { start } from "../../emulator/index.ts";
import { ensureK6 } from "../../tools/setup/k6.ts";
import { REPO_ROOT } from "../../tools/paths.ts";
import { runLoadTest, type RunLoadResult } from "../../tools/run/run-load.ts";
import { emulatorAdmin, type AdminFilter, type EmulatorConfig, type Sample, type StatsSummary } from "../../emulator/client.ts";
import { runCaptured } from "./exec.ts";

const execFileAsync = promisify(execFile);

/**
 * Variables that would leak from the developer's shell or the CI machine into a test run and change
 * it: our settings, k6's, and proxies (k6 sends non-loopback requests through them).
 */
const SCRUBBED = /^(GEMINI_|K6_|https?_proxy$|all_proxy$|no_proxy$)/i;

/** process.env without GEMINI_*, K6_* (K6_BIN kept) and proxy variables, so tests set exactly what they mean. */
export function cleanEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!SCRUBBED.test(name) || name === "K6_BIN") env[name] = value;
  }
  return env;
}

/** A fresh results root in the OS temp folder, so tests never touch the user's results/. */
export function tempResultsRoot(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "gemini-k6-results-"));
}

/**
 * Runs `dist/moderation.js` (built once by the test's `before`) through the run tool against
 * `baseUrl`, output captured. `env` holds only GEMINI_* settings; the shell's are scrubbed.
 */
export async function runScenario(options: {
  baseUrl: string;
  env: Record<string, string>;
  resultsRoot: string;
  dashboard?: boolean;
}): Promise<RunLoadResult> {
  return runLoadTest({
    baseUrl: options.baseUrl,
    baseEnv: cleanEnv(),
    env: options.env,
    resultsRoot: options.resultsRoot,
    dashboard: options.dashboard ?? false,
    build: false,
    stdio: "pipe",
    log: () => {},
  });
}

/** Runs k6 directly on the bundled script with exactly `env` (plus PATH/HOME); for config errors. */
export async function runK6Direct(env: Record<string, string>): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const k6 = await ensureK6({ log: () => {} });
  // A bare run writes <run-id>-summary.json and -junit.xml into its results folder: keep them out of the repo.
  const resultsDir = await mkdtemp(path.join(tmpdir(), "gemini-k6-direct-"));
  try {
    const { code, stdout, stderr } = await runCaptured(k6, ["run", "--no-color", "dist/moderation.js"], {
      cwd: REPO_ROOT,
      env: { ...cleanEnv(), GEMINI_RESULTS_DIR: resultsDir, ...env },
      timeoutMs: 60_000,
    });
    return { exitCode: code, stdout, stderr };
  } finally {
    await rm(resultsDir, { recursive: true, force: true });
  }
}

/** Builds dist/ once (esbuild, about a second). */
export async function buildScenarios(): Promise<void> {
  await execFileAsync(process.execPath, ["build.mjs"], { cwd: REPO_ROOT, timeout: 120_000 });
}

/** One Trend's stats as k6's summary writes them ("p(95)", "avg", …), or a counter/rate's values. */
type MetricValues = Record<string, number>;

/** The summary.json handleSummary wrote for a run. */
export interface SummaryFile {
  metrics: Record<string, { type?: string; values: MetricValues }>;
  [key: string]: unknown;
}

export async function readSummary(resultsDir: string): Promise<SummaryFile> {
  return JSON.parse(await readFile(path.join(resultsDir, "summary.json"), "utf8")) as SummaryFile;
}

/** A metric's value from the summary; fails loudly when it is absent so a test cannot pass vacuously. */
export function metricValue(summary: SummaryFile, metric: string, stat: string): number {
  const value = summary.metrics[metric]?.values[stat];
  if (typeof value !== "number") {
    throw new Error(`summary.json has no ${metric} ${stat} (metrics: ${Object.keys(summary.metrics).join(", ")})`);
  }
  return value;
}

// The admin API through the one client in emulator/client.ts, for tests that hold only the emulator's URL.

/** `GET /__emulator/stats`, optionally for one model and/or method. */
export function emulatorStats(baseUrl: string, filter?: AdminFilter): Promise<StatsSummary> {
  return emulatorAdmin(baseUrl).stats(filter);
}

/** `GET /__emulator/samples`. */
export function emulatorSamples(baseUrl: string): Promise<Sample[]> {
  return emulatorAdmin(baseUrl).samples();
}

/** `POST /__emulator/reset`. */
export function resetEmulator(baseUrl: string): Promise<void> {
  return emulatorAdmin(baseUrl).reset();
}

/** `GET /__emulator/config`: the running emulator's effective config. */
export function emulatorConfig(baseUrl: string): Promise<EmulatorConfig> {
  return emulatorAdmin(baseUrl).config();
}

/** Deep-merges a partial config into the running emulator (faults, latency…). */
export function patchEmulatorConfig(baseUrl: string, patch: unknown): Promise<unknown> {
  return emulatorAdmin(baseUrl).patchConfig(patch);
}

/** Every file under `dir` as text, `.gz` files decompressed, keyed by relative path. */
export async function readAllFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath ?? entry.path, entry.name);
    const bytes = await readFile(full);
    files.set(path.relative(dir, full), (full.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8"));
  }
  return files;
}

/** What {@link useScenarioRig} sets up for a test file. */
export interface ScenarioRig {
  emulator: Awaited<ReturnType<typeof start>>;
  resultsRoot: string;
}

/**
 * Registers the usual hooks of a file that runs the scenario: before, the bundle built, a fresh
 * results root in the temp folder and an emulator on the `fast` profile; after, both gone. Read the
 * fields inside tests (they are set once `before` has run).
 */
export function useScenarioRig(): ScenarioRig {
  const rig = {} as ScenarioRig;
  before(async () => {
    await buildScenarios();
    rig.resultsRoot = await tempResultsRoot();
    rig.emulator = await start({ port: 0, profile: "fast" });
  });
  after(async () => {
    await rig.emulator?.close();
    if (rig.resultsRoot) await rm(rig.resultsRoot, { recursive: true, force: true });
  });
  return rig;
}
