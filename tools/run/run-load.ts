// `npm run load`: builds the scenarios, finds k6, starts an emulator when no GEMINI_BASE_URL is
// given, runs one load test into <results>/<run-id>/ and records run.json. Also used by npm start.

import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parseFlags, runCli } from "../cli.ts";
import { ConfigError, displayUrl, parseConfig, unknownVariables, type GeminiConfig } from "../../lib/config.ts";
import { newRunId } from "../../lib/run-id.ts";
import { shapeDurationMs, type ShapeConfig } from "../../lib/shapes.ts";
import { sampleMemory, type MemoryRecord } from "./process-memory.ts";
import { ensureK6 } from "../setup/k6.ts";
import { REPO_ROOT } from "../paths.ts";
import { SetupError, UsageError } from "../errors.ts";
import { annotateRun, annotateRunStart } from "../results/annotations.ts";
import { readSummaryJson, resolveResultsRoot, runDir, runJsonPath, writeRunJson, type RunClaim, type RunRecord } from "../results/store.ts";
import { influxOutputArgs } from "../results/influx-output.ts";
import { parseInfluxUrl } from "../results/influx-query.ts";
import { scenarioMismatchWarnings, unknownVariableWarnings } from "./env-check.ts";

const execFileAsync = promisify(execFile);

/** What one load test should do; anything unset falls back to the environment, then defaults. */
export interface RunLoadOptions {
  /** `closed`, `open` or `both` (GEMINI_SCENARIO). */
  scenario?: string;
  /**
   * Emulator profile when the tool starts the emulator itself (GEMINI_EMULATOR_PROFILE, default
   * `realistic`); with `baseUrl`, the profile of the caller's emulator, recorded in run.json. With
   * only GEMINI_BASE_URL it has no effect: a warning says so and run.json records null.
   */
  profile?: string;
  /** Target; when absent (and GEMINI_BASE_URL unset) an emulator is started for the run. */
  baseUrl?: string;
  /** Extra variables for k6 (GEMINI_DURATION, GEMINI_RATE, …), applied over `baseEnv`. */
  env?: Record<string, string | undefined>;
  /** The environment everything starts from (default process.env); tests pass a scrubbed one. */
  baseEnv?: Record<string, string | undefined>;
  /** Save k6's web dashboard as results/<run-id>/report.html (GEMINI_DASHBOARD=1). */
  dashboard?: boolean;
  /** The bundled script to run, relative to the repository; default `dist/moderation.js`. */
  script?: string;
  /** Run `node build.mjs` first (default true). */
  build?: boolean;
  /** Folder that holds the run folders (default GEMINI_RESULTS_DIR, else `<repo>/results`). */
  resultsRoot?: string;
  /** `inherit` shows k6's progress (default); `pipe` captures stdout and stderr instead. */
  stdio?: "inherit" | "pipe";
  /** Extra arguments for `k6 run`, placed before the script. */
  k6Args?: string[];
  /**
   * Use this run id (e.g. one `npm start` already gave the SDK preflight); default GEMINI_RUN_ID, else a
   * new one. A run id whose folder already holds a run is refused.
   */
  runId?: string;
  /** Progress lines of the tool itself (default stderr). */
  log?: (line: string) => void;
  /** The command-line flag each GEMINI_* variable in `env` came from (GEMINI_RATE → --rate), for messages. */
  flags?: Record<string, string>;
  /** Warn about unknown GEMINI_* variables (default true; npm start warns once itself). */
  checkVariables?: boolean;
}

/** The outcome of one run. `stdout`/`stderr` are filled only with `stdio: "pipe"`. */
export interface RunLoadResult {
  runId: string;
  exitCode: number;
  resultsDir: string;
  /** Present when the dashboard export was requested. */
  reportPath?: string;
  baseUrl: string;
  stdout: string;
  stderr: string;
}

/** Builds, ensures k6, runs one load test and writes run.json. Never throws for a failing k6. */
export async function runLoadTest(options: RunLoadOptions = {}): Promise<RunLoadResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env: Record<string, string | undefined> = { ...(options.baseEnv ?? process.env), ...options.env };
  const flags = options.flags ?? {};

  const explicitUrl = options.baseUrl ?? (env.GEMINI_BASE_URL?.trim() || undefined);
  const { runId, resultsRoot, resultsDir } = runFolder(options, env);
  // Everything the user can get wrong is checked here, before the build, the emulator and k6: a
  // mistake then costs nothing and reads as one line instead of a k6 error record.
  const config = validateConfig(
    {
      ...env,
      ...(options.scenario ? { GEMINI_SCENARIO: options.scenario } : {}),
      GEMINI_BASE_URL: explicitUrl ?? "http://127.0.0.1:8080",
      GEMINI_RUN_ID: runId,
    },
    flags,
  );
  if (options.checkVariables ?? true) for (const line of unknownVariableWarnings(env)) log(line);
  const given = (name: string): string | undefined => flags[name] ?? (env[name]?.trim() ? name : undefined);
  for (const line of scenarioMismatchWarnings(config.scenario, { vus: given("GEMINI_VUS"), rate: given("GEMINI_RATE") })) log(line);
  validateInfluxUrl(env);
  // The user's --profile means nothing for an emulator someone else started (GEMINI_BASE_URL); a
  // caller passing `baseUrl` (npm start) passes the profile of its own emulator, which is recorded.
  const profileIgnored = options.baseUrl === undefined && explicitUrl !== undefined && options.profile !== undefined;
  if (profileIgnored)
    log(
      `warning: --profile ${options.profile} has no effect with GEMINI_BASE_URL set (the emulator there runs its own profile); unset GEMINI_BASE_URL to have one started`,
    );
  const profile = explicitUrl ? undefined : await knownProfile(options.profile ?? (env.GEMINI_EMULATOR_PROFILE?.trim() || "realistic"));

  const claim = await claimRunFolder(resultsDir);
  let emulator: Emulator | undefined;
  let k6: string;
  try {
    if (options.build ?? true) await buildScenarios();
    k6 = await ensureK6({ log });
    emulator = profile === undefined ? undefined : await startEmulatorOrExplain(profile);
  } catch (error) {
    // Nothing ran: the folder goes back to how it was, so the run id stays free.
    await claim.release();
    throw error;
  }
  const baseUrl = explicitUrl ?? emulator?.url;
  if (baseUrl === undefined) throw new Error("no target: neither GEMINI_BASE_URL nor a started emulator");
  if (emulator) log(`Started the Gemini emulator (${profile} profile) at ${emulator.url}`);

  const dashboard = options.dashboard ?? config.dashboard;
  const reportPath = dashboard ? path.join(resultsDir, "report.html") : undefined;
  const k6Env: Record<string, string | undefined> = {
    // Unknown GEMINI_* variables were warned about above; k6 would only warn again.
    ...withoutNames(env, unknownVariables(env)),
    ...(options.scenario ? { GEMINI_SCENARIO: options.scenario } : {}),
    GEMINI_BASE_URL: baseUrl,
    GEMINI_RUN_ID: runId,
    // The scenario writes to <GEMINI_RESULTS_DIR>/<GEMINI_RUN_ID>/, the folder claimed above.
    GEMINI_RESULTS_DIR: resultsRoot,
    ...influxOutputArgs(env).env,
    ...(reportPath ? { GEMINI_DASHBOARD: "1", ...dashboardEnv(reportPath, dashboardPeriodMs(config), env) } : {}),
  };
  const script = options.script ?? "dist/moderation.js";
  // The API key reaches k6 through its environment only: arguments are visible to anyone via `ps`.
  const args = [
    "run",
    "--out",
    `json=${path.join(resultsDir, "metrics.json.gz")}`,
    ...extraOutputs(env),
    ...(options.k6Args ?? []),
    script,
  ];

  const record: RunRecord = {
    runId,
    scenario: config.scenario,
    model: config.model,
    baseUrl: redactUrl(baseUrl),
    emulatorProfile: emulator ? (profile ?? null) : profileIgnored ? null : (options.profile ?? null),
    // True when this run started the emulator and stopped it at its end (verify --after cannot reach it).
    emulatorStartedByRun: emulator !== undefined,
    script,
    settings: publicSettings(k6Env),
    k6: { binary: k6, version: await k6Version(k6) },
    gitCommit: await gitCommit(),
    startedAt: new Date().toISOString(),
  };
  let outcome: { exitCode: number; stdout: string; stderr: string; memory?: MemoryRecord };
  try {
    // Written before k6 starts, so a run that dies half-way still leaves its record (without an end),
    // and its start is marked on the dashboards while it runs.
    await fsStep(runJsonPath(resultsDir), () => writeRunJson(resultsDir, record));
    await annotateRunStart(record, env);
    outcome = await runK6(k6, args, k6Env, options.stdio ?? "inherit", memoryPeriodMs(config));
  } finally {
    await emulator?.close();
  }
  await fsStep(runJsonPath(resultsDir), () =>
    writeRunJson(resultsDir, {
      ...record,
      endedAt: new Date().toISOString(),
      k6ExitCode: outcome.exitCode,
      ...(outcome.memory ? { k6Memory: outcome.memory } : {}),
    }),
  );
  await annotateRun(resultsDir, env, log);
  const exitCode = await shapeExitCode(config, outcome.exitCode, resultsDir, log);
  return { runId, exitCode, resultsDir, reportPath, baseUrl, stdout: outcome.stdout, stderr: outcome.stderr };
}

/** k6's exit code when a threshold is crossed, or an abortOnFail threshold stopped the run. */
const K6_THRESHOLDS_CROSSED = 99;

/**
 * A breakpoint run ends by crossing its own per-window objective (k6 exits 99): when summary.json says
 * it passed and names the rate that broke it, the knee was found and the tool exits 0. A bare `k6 run`
 * still exits 99 (docs/shapes.md).
 */
async function shapeExitCode(config: GeminiConfig, exitCode: number, resultsDir: string, log: (line: string) => void): Promise<number> {
  if (config.shape !== "breakpoint" || exitCode !== K6_THRESHOLDS_CROSSED) return exitCode;
  const summary = await readSummaryJson(resultsDir).catch(() => undefined);
  if (summary?.passed !== true || summary.breakpoint?.brokeAtRate == null) return exitCode;
  log(`The breakpoint was found at ${summary.breakpoint.brokeAtRate} req/s (k6 stopped the run at it and exited 99); exit code 0`);
  return 0;
}

/**
 * Where the run's results go. Precedence: the options, then GEMINI_RUN_ID and GEMINI_RESULTS_DIR
 * (resolved by the results store, as every tool does), then a new id under `<repo>/results`.
 */
export function runFolder(
  options: Pick<RunLoadOptions, "runId" | "resultsRoot">,
  env: Record<string, string | undefined>,
): { runId: string; resultsRoot: string; resultsDir: string } {
  const runId = options.runId ?? (env.GEMINI_RUN_ID?.trim() || newRunId(new Date()));
  const resultsRoot = resolveResultsRoot(env, options.resultsRoot);
  return { runId, resultsRoot, resultsDir: runDir(resultsRoot, runId) };
}

/** Files only a load test writes: a folder holding any of them already has a run. */
const RUN_FILES = ["run.json", "summary.json", "metrics.json.gz"];

/** Throws a one-line SetupError when `resultsDir` already holds a run, whose results must not be overwritten. */
export function refuseExistingRun(resultsDir: string): void {
  const existing = RUN_FILES.find((file) => existsSync(path.join(resultsDir, file)));
  if (existing === undefined) return;
  throw new SetupError(
    `${path.join(resultsDir, existing)} already exists: run id ${path.basename(resultsDir)} is taken; ` +
      `unset GEMINI_RUN_ID for a new id or choose another (results are never overwritten)`,
  );
}

/**
 * Claims `resultsDir` for this run at once: run.json is created exclusively, so of two runs started
 * with the same GEMINI_RUN_ID only one gets it and the other stops with one line. `release()` undoes
 * the claim (for a run that never started).
 */
export async function claimRunFolder(resultsDir: string): Promise<{ release(): Promise<void> }> {
  refuseExistingRun(resultsDir);
  await fsStep(resultsDir, async () => {
    await mkdir(path.dirname(resultsDir), { recursive: true });
    try {
      await mkdir(resultsDir);
    } catch (error) {
      // An existing folder may hold another tool's files (npm start's SDK preflight): that is no run.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  });
  const runJson = path.join(resultsDir, "run.json");
  try {
    const claim: RunClaim = { runId: path.basename(resultsDir), claimedAt: new Date().toISOString() };
    // Created exclusively ("wx"), not renamed into place: of two racing runs only one may win.
    await writeFile(runJson, `${JSON.stringify(claim)}\n`, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") refuseExistingRun(resultsDir);
    throw fsSetupError(runJson, error);
  }
  return {
    release: async () => {
      await rm(runJson, { force: true }).catch(() => {});
      // Removed only when empty (whichever of two racing runs made it); other tools' files stay.
      await rmdir(resultsDir).catch(() => {});
    },
  };
}

function withoutNames(env: Record<string, string | undefined>, names: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));
}

/** Runs a filesystem step; its failure becomes a one-line SetupError naming the path and the fix. */
async function fsStep<T>(file: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw error instanceof SetupError ? error : fsSetupError(file, error);
  }
}

function fsSetupError(file: string, error: unknown): SetupError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new SetupError(
    `cannot write ${file} (${code}): GEMINI_RESULTS_DIR must be a folder you can write to (or unset, for results/); choose another one`,
  );
}

/**
 * Throws a one-line SetupError listing every bad GEMINI_* variable, as the scenario would; a value
 * that came from a flag is named by the flag the user typed as well (`flags`: variable → flag).
 */
function validateConfig(env: Record<string, string | undefined>, flags: Record<string, string> = {}): GeminiConfig {
  try {
    return parseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const named = error.problems.map((problem) =>
      problem.replace(/^invalid (GEMINI_[A-Z_]+)/, (whole, name: string) => (flags[name] ? `invalid ${flags[name]} (${name})` : whole)),
    );
    throw new SetupError(named.join("; "));
  }
}

/** A malformed GEMINI_INFLUXDB_URL stops the run now, not after it (when the samples could not be sent). */
function validateInfluxUrl(env: Record<string, string | undefined>): void {
  const url = env.GEMINI_INFLUXDB_URL?.trim();
  if (!url) return;
  try {
    parseInfluxUrl(url, "GEMINI_INFLUXDB_URL");
  } catch (error) {
    if (error instanceof UsageError) throw new SetupError(error.message);
    throw error;
  }
}

/** The profile name when the emulator knows it; otherwise a SetupError naming the accepted ones. */
async function knownProfile(profile: string): Promise<string> {
  // Loaded on demand: a run against a real URL never needs the emulator's code.
  const { profileNames } = await import("../../emulator/index.ts");
  const names = profileNames();
  if (names.includes(profile)) return profile;
  throw new SetupError(`unknown emulator profile "${profile}" (--profile or GEMINI_EMULATOR_PROFILE): expected one of ${names.join(", ")}`);
}

/** Outputs beyond the always-on JSON file: the one place to add more (InfluxDB today). */
export function extraOutputs(env: Record<string, string | undefined>): string[] {
  return influxOutputArgs(env).args;
}

/** k6's built-in web dashboard, headless (no port, so k6 exits at the end), exported to `reportPath`. */
function dashboardEnv(reportPath: string, periodMs: number, env: Record<string, string | undefined>): Record<string, string> {
  return {
    K6_WEB_DASHBOARD: "true",
    K6_WEB_DASHBOARD_PORT: env.K6_WEB_DASHBOARD_PORT ?? "-1",
    K6_WEB_DASHBOARD_PERIOD: env.K6_WEB_DASHBOARD_PERIOD ?? `${periodMs}ms`,
    K6_WEB_DASHBOARD_EXPORT: reportPath,
  };
}

/**
 * About a hundred points per chart, between 1 s and 10 s. k6 writes no report at all for a run
 * shorter than a few periods (its default is 10 s), and a tiny period bloats a long run's report.
 */
export function dashboardPeriodMs(config: Pick<GeminiConfig, "durationMs" | "scenario"> & Partial<ShapeConfig>): number {
  const totalMs =
    config.shape !== undefined && config.shape !== "load"
      ? shapeDurationMs(config as ShapeConfig)
      : config.scenario === "both"
        ? config.durationMs * 2
        : config.durationMs;
  return Math.min(10_000, Math.max(1000, Math.round(totalMs / 100 / 1000) * 1000));
}

/** GEMINI_* settings worth recording, without anything secret. */
export function publicSettings(env: Record<string, string | undefined>): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    // K6_INFLUXDB_TAGS_AS_FIELDS too: results:import must store a run's points as the live output did.
    if ((!name.startsWith("GEMINI_") && name !== "K6_INFLUXDB_TAGS_AS_FIELDS") || value === undefined) continue;
    if (/KEY|TOKEN|SECRET|PASSWORD/i.test(name)) continue;
    settings[name] = /URL$/.test(name) ? redactUrl(value) : value;
  }
  return Object.fromEntries(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b)));
}

/** A URL as run.json stores it: lib/config.ts' displayUrl (no credentials, query or fragment), without a trailing slash. */
export function redactUrl(value: string): string {
  return displayUrl(value).replace(/\/$/, "");
}

type Emulator = Awaited<ReturnType<typeof import("../../emulator/index.ts").start>>;

async function startEmulatorOrExplain(profile: string): Promise<Emulator> {
  const { start } = await import("../../emulator/index.ts");
  try {
    return await start({ port: 0, profile });
  } catch (error) {
    // A bad profile name is the user's to fix; the emulator's message names the accepted ones.
    throw new SetupError(`could not start the emulator with profile "${profile}": ${(error as Error).message}`);
  }
}

async function buildScenarios(): Promise<void> {
  try {
    await execFileAsync(process.execPath, ["build.mjs"], { cwd: REPO_ROOT, timeout: 120_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new SetupError(`the scenario build failed (node build.mjs)${stderr ? `: ${stderr}` : ""}`);
  }
}

/** How often k6's memory is read: about 120 readings over the planned load (a soak's windows and more), between 1 s and 1 min. */
export function memoryPeriodMs(config: Pick<GeminiConfig, "durationMs" | "scenario"> & Partial<ShapeConfig>): number {
  const totalMs = config.shape !== undefined && config.shape !== "load" ? shapeDurationMs(config as ShapeConfig) : config.durationMs * 2;
  return Math.min(60_000, Math.max(1000, Math.round(totalMs / 120)));
}

function runK6(
  k6: string,
  args: string[],
  env: Record<string, string | undefined>,
  stdio: "inherit" | "pipe",
  memoryEveryMs: number,
): Promise<{ exitCode: number; stdout: string; stderr: string; memory?: MemoryRecord }> {
  return new Promise((resolve, reject) => {
    // k6 runs in a process group of its own, so a signal reaches it once, from here: k6 stops
    // gracefully (and writes its summary) on the first SIGINT or SIGTERM but aborts at once on a
    // second, which Ctrl-C under npm or a CI job killing the whole group would otherwise deliver.
    const child = spawn(k6, args, {
      cwd: REPO_ROOT,
      env,
      detached: true,
      stdio: stdio === "inherit" ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const memory = child.pid === undefined ? undefined : sampleMemory(child.pid, memoryEveryMs);
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    // This process stays alive until k6 has finished, to close the emulator and write run.json.
    let passedOn = false;
    const passOn = (signal: NodeJS.Signals): void => {
      if (passedOn) return;
      passedOn = true;
      child.kill(signal);
    };
    process.on("SIGINT", passOn);
    process.on("SIGTERM", passOn);
    const stopListening = (): void => {
      process.off("SIGINT", passOn);
      process.off("SIGTERM", passOn);
    };
    child.on("error", (error) => {
      stopListening();
      reject(error);
    });
    child.on("close", (code, signal) => {
      stopListening();
      const used = memory?.stop();
      resolve({ exitCode: code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1), stdout, stderr, ...(used ? { memory: used } : {}) });
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return ({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Partial<Record<NodeJS.Signals, number>>)[signal];
}

async function k6Version(k6: string): Promise<string | null> {
  try {
    const { stdout } = await execFileAsync(k6, ["version"], { timeout: 30_000 });
    return stdout.trim();
  } catch {
    return null;
  }
}

async function gitCommit(): Promise<string | null> {
  try {
    const { stdout } = await execFileAsync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, timeout: 10_000 });
    return stdout.trim();
  } catch {
    return null;
  }
}

const USAGE = `usage: npm run load -- [SCRIPT] [--shape smoke|load|stress|spike|soak|breakpoint] [--arrivals constant|poisson] [--scenario closed|open|both] [--profile NAME] [--duration 1m] [--rate N] [--vus N] [--model NAME] [--dashboard]
SCRIPT is a file in scenarios/ (default moderation). Shapes and their settings: docs/shapes.md.
Without GEMINI_BASE_URL an emulator is started (profile from --profile or GEMINI_EMULATOR_PROFILE, default realistic).
Results go to <GEMINI_RESULTS_DIR>/<GEMINI_RUN_ID>/ (default results/<new id>/); a run id that already holds a run is refused.
Exit codes: 0 passed, 1 setup error, 2 usage error, else k6's (99 thresholds crossed, 105 interrupted, 108 aborted incl. budget spent).
A breakpoint run that found its knee exits 0, though k6 stopped it with 99.`;

/** The scenario scripts `npm run load` can run: the top-level .ts files of scenarios/, by name. */
export function scenarioScripts(scenariosDir = path.join(REPO_ROOT, "scenarios")): string[] {
  return readdirSync(scenariosDir)
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => name.slice(0, -".ts".length))
    .sort();
}

/** The bundle of a scenario named on the command line; a name that is not in scenarios/ is refused, naming those that are. */
export function scriptBundle(name: string, available: readonly string[] = scenarioScripts()): string {
  const bare = name.replace(/^scenarios\//, "").replace(/\.ts$/, "");
  if (!available.includes(bare))
    throw new UsageError(`unknown script "${name}": expected one of ${available.join(", ")} (the files in scenarios/)`);
  return `dist/${bare}.js`;
}

/** Maps command-line flags to the GEMINI_* variables the scenario reads. */
export function parseLoadArgs(argv: string[]): RunLoadOptions {
  const { values, positionals } = parseFlags(
    argv,
    {
      shape: { type: "string" },
      arrivals: { type: "string" },
      scenario: { type: "string" },
      profile: { type: "string" },
      duration: { type: "string" },
      rate: { type: "string" },
      vus: { type: "string" },
      model: { type: "string" },
      dashboard: { type: "boolean" },
    },
    { positionals: true },
  );
  if (positionals.length > 1) throw new UsageError(`one script at most, got ${positionals.length} (${positionals.join(", ")})`);
  const env: Record<string, string> = {};
  const flags: Record<string, string> = {};
  const set = (name: string, flag: string, value: string | undefined): void => {
    if (value === undefined) return;
    env[name] = value;
    flags[name] = flag;
  };
  set("GEMINI_DURATION", "--duration", values.duration);
  set("GEMINI_RATE", "--rate", values.rate);
  set("GEMINI_VUS", "--vus", values.vus);
  set("GEMINI_MODEL", "--model", values.model);
  set("GEMINI_SHAPE", "--shape", values.shape);
  set("GEMINI_ARRIVALS", "--arrivals", values.arrivals);
  if (values.scenario !== undefined) flags.GEMINI_SCENARIO = "--scenario";
  return {
    ...(positionals[0] !== undefined ? { script: scriptBundle(positionals[0]) } : {}),
    scenario: values.scenario,
    profile: values.profile,
    dashboard: values.dashboard,
    env,
    flags,
  };
}

async function main(argv: string[]): Promise<number> {
  const result = await runLoadTest(parseLoadArgs(argv));
  process.stderr.write(`\nResults: ${path.relative(process.cwd(), result.resultsDir) || result.resultsDir}\n`);
  if (result.reportPath) process.stderr.write(`HTML report: ${result.reportPath}\n`);
  return result.exitCode;
}

runCli(import.meta.url, "load", main, { usage: USAGE });
