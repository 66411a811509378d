// `npm run bench:k6`: what a script costs k6 per request. Against the zero-latency emulator it runs,
// under the same closed load, a bare script posting the moderation requests (dist/bench/bare.js), the
// "instrumentation floor" that also records what the moderation script records per answer without
// reading it (dist/bench/instrumentation-floor.js), and dist/moderation.js; it reports k6's CPU per
// request for each, the requests/s one k6 core drives, that as a multiple of the highest published
// quota, what k6 allocates per request (Go's own count, which the machine's other load cannot blur), k6's
// memory per VU, and moderation's CPU per request against its bound (≤ 2.2× bare). A report, not a gate:
// figures go to docs/benchmarks.md (k6 section).

import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ensureK6 } from "../setup/k6.ts";
import { freePort } from "../setup/influxdb.ts";
import { REPO_ROOT } from "../paths.ts";
import { SetupError } from "../errors.ts";
import { spawnNodeServer, type NodeServerProcess } from "../run/node-server.ts";
import { K6_VERSION } from "../setup/versions.ts";

const execFileAsync = promisify(execFile);

const VUS = Number(process.env.BENCH_VUS ?? 20);
const DURATION = process.env.BENCH_DURATION ?? "20s";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const MEMORY_VUS: [number, number] = [10, 200];
const BENCH_MARK_START = "<!-- bench:k6:start -->";
const BENCH_MARK_END = "<!-- bench:k6:end -->";
const MODEL = "gemini-2.5-flash";
/** The bound on moderation's k6 CPU per request, as a multiple of the bare script's (same run). */
const TARGET_RATIO = 2.2;
/** gemini-2.5-flash at tier 3, the highest of the published Gemini API rate limits. */
const HIGHEST_PUBLISHED_RPM = 10_000;

/** The emulator in its own process, so its CPU use is not billed to this one's event loop. */
function startEmulatorProcess(): Promise<NodeServerProcess> {
  return spawnNodeServer(["emulator/cli.ts", "--port", "0", "--profile", "zero-latency"]);
}

async function emulatorCount(url: string): Promise<number> {
  const stats = (await (await fetch(`${url}/__emulator/stats`)).json()) as { requests: { total: number } };
  return stats.requests.total;
}

async function resetEmulator(url: string): Promise<void> {
  await fetch(`${url}/__emulator/reset`, { method: "POST" });
}

interface K6Run {
  requests: number;
  /** Bytes k6 allocated and requests sent over the steady middle of the run (from Go's MemStats), when read. */
  steady?: { allocatedBytes: number; gcCycles: number; requests: number };
  peakRssBytes: number;
  /** CPU time k6 used (user + system), from /proc polling: the last ≤ 100 ms are missed. */
  cpuMs: number;
  exitCode: number;
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** Go's running totals in a k6 process: bytes allocated and garbage collections, from its pprof endpoint. */
async function goMemStats(address: string): Promise<{ totalAlloc: number; numGc: number } | undefined> {
  try {
    const text = await (await fetch(`http://${address}/debug/pprof/heap?debug=1`)).text();
    const totalAlloc = /^# TotalAlloc = (\d+)$/m.exec(text)?.[1];
    const numGc = /^# NumGC = (\d+)$/m.exec(text)?.[1];
    return totalAlloc && numGc ? { totalAlloc: Number(totalAlloc), numGc: Number(numGc) } : undefined;
  } catch {
    return undefined;
  }
}

/** Go's totals and the emulator's request count at one moment of a run. */
async function steadySample(address: string, emulatorUrl: string) {
  const [memory, requests] = await Promise.all([goMemStats(address), emulatorCount(emulatorUrl)]);
  return memory && { ...memory, requests };
}

/**
 * Runs k6 quietly while polling its resident memory from /proc, and counts requests the emulator saw.
 * Between 30% and 70% of the run (the closed shape's plateau) it also reads how many bytes Go allocated
 * and how often it collected: CPU time moves with the machine's other load, allocations do not.
 */
async function runK6(k6: string, script: string, env: Record<string, string>, emulatorUrl: string): Promise<K6Run> {
  await resetEmulator(emulatorUrl);
  const address = `127.0.0.1:${await freePort()}`;
  const child = spawn(k6, ["run", "--quiet", "--summary-mode=disabled", "--profiling-enabled", "--address", address, script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  let peakRssBytes = 0;
  let cpuTicks = 0;
  const poll = setInterval(() => {
    void readFile(`/proc/${child.pid}/status`, "utf8")
      .then((status) => {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peakRssBytes = Math.max(peakRssBytes, kb * 1024);
      })
      .catch(() => {});
    void readFile(`/proc/${child.pid}/stat`, "utf8")
      .then((stat) => {
        // Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        cpuTicks = Math.max(cpuTicks, Number(fields[11] ?? 0) + Number(fields[12] ?? 0));
      })
      .catch(() => {});
  }, 100);
  const durationMs = durationSeconds(env.GEMINI_DURATION ?? DURATION) * 1000;
  const at = (share: number) =>
    new Promise((resolve) => setTimeout(resolve, durationMs * share)).then(() => steadySample(address, emulatorUrl));
  const samples = Promise.all([at(0.3), at(0.7)]);
  const exitCode = await new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
  clearInterval(poll);
  if (exitCode !== 0 && exitCode !== 99) throw new Error(`k6 failed on ${script} (exit ${exitCode}):\n${stderr.slice(-2000)}`);
  const [first, last] = await samples;
  const steady =
    first && last && last.requests > first.requests
      ? { allocatedBytes: last.totalAlloc - first.totalAlloc, gcCycles: last.numGc - first.numGc, requests: last.requests - first.requests }
      : undefined;
  return { requests: await emulatorCount(emulatorUrl), steady, peakRssBytes, cpuMs: (cpuTicks * 1000) / CLOCK_TICKS, exitCode };
}

/** The settings every script of one bench run reads: the emulator, the model and the closed load shape. */
function benchEnv(url: string, vus: number): Record<string, string> {
  return { GEMINI_BASE_URL: url, GEMINI_MODEL: MODEL, GEMINI_SCENARIO: "closed", GEMINI_VUS: String(vus), GEMINI_DURATION: DURATION };
}

function moderationEnv(url: string, vus: number, resultsDir: string): Record<string, string> {
  return { ...benchEnv(url, vus), GEMINI_RUN_ID: "bench", GEMINI_RESULTS_DIR: resultsDir };
}

const BARE_SCRIPT = "dist/bench/bare.js";
const FLOOR_SCRIPT = "dist/bench/instrumentation-floor.js";
const MODERATION_SCRIPT = "dist/moderation.js";

/** One script's measured runs, summed. */
interface ScriptFigures {
  ratesPerRound: string[];
  cpuPerRequestUs: number;
  /** KiB k6 allocated per request on the plateau, and garbage collections per 1,000 requests; undefined when unread. */
  allocatedKiB?: number;
  gcPerThousand?: number;
}

function summarize(runs: K6Run[], durationS: number): ScriptFigures {
  const requests = runs.reduce((sum, run) => sum + run.requests, 0);
  const cpuMs = runs.reduce((sum, run) => sum + run.cpuMs, 0);
  const figures: ScriptFigures = {
    ratesPerRound: runs.map((run) => (run.requests / durationS).toFixed(0)),
    cpuPerRequestUs: (cpuMs * 1000) / requests,
  };
  const steady = runs.map((run) => run.steady);
  if (steady.every((s) => s !== undefined)) {
    const steadyRequests = steady.reduce((sum, s) => sum + s.requests, 0);
    figures.allocatedKiB = steady.reduce((sum, s) => sum + s.allocatedBytes, 0) / 1024 / steadyRequests;
    figures.gcPerThousand = (steady.reduce((sum, s) => sum + s.gcCycles, 0) * 1000) / steadyRequests;
  }
  return figures;
}

async function main(): Promise<void> {
  await execFileAsync(process.execPath, ["build.mjs"], { cwd: REPO_ROOT });
  const k6 = await ensureK6();
  const work = await mkdtemp(path.join(tmpdir(), "gemini-k6-bench-"));
  // handleSummary writes into <GEMINI_RESULTS_DIR>/<GEMINI_RUN_ID>/, and k6 cannot create folders.
  await mkdir(path.join(work, "bench"));
  const emulator = await startEmulatorProcess();
  try {
    const env = benchEnv(emulator.url, VUS);
    const durationS = durationSeconds(DURATION);

    // One unmeasured run first: the emulator's JIT warms up on it, which would otherwise slow
    // whichever script runs first.
    process.stderr.write(`warm-up: bare script (not measured)…\n`);
    await runK6(k6, BARE_SCRIPT, env, emulator.url);

    // Alternating rounds spread any drift of the machine over the scripts equally.
    const bare: K6Run[] = [];
    const floor: K6Run[] = [];
    const moderation: K6Run[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      process.stderr.write(`round ${round}/${ROUNDS}: bare script…\n`);
      bare.push(await runK6(k6, BARE_SCRIPT, env, emulator.url));
      process.stderr.write(`round ${round}/${ROUNDS}: instrumentation floor…\n`);
      floor.push(await runK6(k6, FLOOR_SCRIPT, env, emulator.url));
      process.stderr.write(`round ${round}/${ROUNDS}: ${MODERATION_SCRIPT}…\n`);
      moderation.push(await runK6(k6, MODERATION_SCRIPT, moderationEnv(emulator.url, VUS, work), emulator.url));
    }

    process.stderr.write(`memory: ${MODERATION_SCRIPT} at ${MEMORY_VUS[0]} and ${MEMORY_VUS[1]} VUs…\n`);
    const low = await runK6(k6, MODERATION_SCRIPT, moderationEnv(emulator.url, MEMORY_VUS[0], work), emulator.url);
    const high = await runK6(k6, MODERATION_SCRIPT, moderationEnv(emulator.url, MEMORY_VUS[1], work), emulator.url);

    const table = renderTable({
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
      bare: summarize(bare, durationS),
      floor: summarize(floor, durationS),
      moderation: summarize(moderation, durationS),
      lowRssMiB: low.peakRssBytes / 2 ** 20,
      highRssMiB: high.peakRssBytes / 2 ** 20,
    });
    process.stdout.write(`\n${table}\n`);
    await recordInDocs(table);
    process.stdout.write(`\nRecorded in docs/benchmarks.md.\n`);
  } finally {
    await emulator.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** Seconds of a k6 duration such as "20s" or "1m30s". */
function durationSeconds(text: string): number {
  let seconds = 0;
  const matches = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (matches.map((m) => m[0]).join("") !== text) throw new SetupError(`BENCH_DURATION=${text} is not a duration such as 20s or 1m30s`);
  for (const [, value, unit] of matches) seconds += Number(value) * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as "ms" | "s" | "m" | "h"];
  return seconds;
}

function renderTable(f: {
  date: string;
  machine: string;
  bare: ScriptFigures;
  floor: ScriptFigures;
  moderation: ScriptFigures;
  lowRssMiB: number;
  highRssMiB: number;
}): string {
  const perVuMiB = (f.highRssMiB - f.lowRssMiB) / (MEMORY_VUS[1] - MEMORY_VUS[0]);
  const moderationRatio = f.moderation.cpuPerRequestUs / f.bare.cpuPerRequestUs;
  const allocated = (figures: ScriptFigures) =>
    figures.allocatedKiB === undefined || figures.gcPerThousand === undefined
      ? "not read"
      : `${figures.allocatedKiB.toFixed(1)} KiB, ${figures.gcPerThousand.toFixed(1)} GCs`;
  const row = (name: string, figures: ScriptFigures) =>
    `| ${name} | ${figures.cpuPerRequestUs.toFixed(0)} µs | ${(figures.cpuPerRequestUs / f.bare.cpuPerRequestUs).toFixed(2)}× | ` +
    `${allocated(figures)} | ${perCore(figures.cpuPerRequestUs).toFixed(0)} | ${quotaMultiple(figures.cpuPerRequestUs).toFixed(0)}× | ${figures.ratesPerRound.join(", ")} |`;
  return [
    `Measured ${f.date} with \`npm run bench:k6\` on ${f.machine}; k6 v${K6_VERSION}, emulator \`zero-latency\` in its own process.`,
    `Load: the closed shape (ramping VUs to ${VUS}, ${DURATION}), the same for every script, ${ROUNDS} alternating rounds after an unmeasured warm-up run.`,
    ``,
    `| script | k6 CPU per request | × bare | k6 allocated per request, GC cycles per 1,000 requests | requests/s one k6 core drives | × highest published quota | requests/s per round (k6 and emulator sharing the cores) |`,
    `|---|---|---|---|---|---|---|`,
    row("bare k6 script (same bodies, no parsing, metrics or checks)", f.bare),
    row(
      "instrumentation floor (the same posts, plus moderation's 12 `gemini_` samples, 2 checks and thresholds; the answer not read)",
      f.floor,
    ),
    row("`dist/moderation.js`", f.moderation),
    ``,
    `Target: moderation's k6 CPU per request at most ${TARGET_RATIO}× the bare script's: **${moderationRatio.toFixed(2)}×** (${moderationRatio <= TARGET_RATIO ? "met" : "**missed**"}); ` +
      `the instrumentation floor alone is ${(f.floor.cpuPerRequestUs / f.bare.cpuPerRequestUs).toFixed(2)}×.`,
    ``,
    `The highest published quota: ${HIGHEST_PUBLISHED_RPM.toLocaleString("en-US")} requests per minute (${MODEL}, tier 3).`,
    `k6 and the emulator share the machine's cores, so requests/s per round mixes both; k6's CPU per request is the script's cost alone.`,
    `Allocations are Go's own count (MemStats) over the middle 40% of each run: unlike CPU time, the machine's other load does not move them.`,
    ``,
    `k6 memory: peak RSS ${f.lowRssMiB.toFixed(0)} MiB at ${MEMORY_VUS[0]} VUs, ${f.highRssMiB.toFixed(0)} MiB at ${MEMORY_VUS[1]} VUs: ` +
      `**${perVuMiB.toFixed(2)} MiB per VU**.`,
  ].join("\n");
}

/** Requests/s one core of k6 drives at this CPU cost per request. */
function perCore(cpuPerRequestUs: number): number {
  return 1e6 / cpuPerRequestUs;
}

/** How many times the highest published per-minute quota one k6 core can drive. */
function quotaMultiple(cpuPerRequestUs: number): number {
  return (perCore(cpuPerRequestUs) * 60) / HIGHEST_PUBLISHED_RPM;
}

/** Replaces the k6 section of docs/benchmarks.md between its markers; the emulator section is left alone. */
async function recordInDocs(table: string): Promise<void> {
  const file = path.join(REPO_ROOT, "docs", "benchmarks.md");
  let text = "";
  try {
    text = await readFile(file, "utf8");
  } catch {
    text = "# Benchmarks\n";
  }
  const block = `${BENCH_MARK_START}\n${table}\n${BENCH_MARK_END}`;
  const start = text.indexOf(BENCH_MARK_START);
  const end = text.indexOf(BENCH_MARK_END);
  if (start >= 0 && end > start) {
    text = text.slice(0, start) + block + text.slice(end + BENCH_MARK_END.length);
  } else {
    text = `${text.trimEnd()}\n\n## k6: the cost of the moderation script\n\n${block}\n`;
  }
  await writeFile(file, text.endsWith("\n") ? text : `${text}\n`);
}

try {
  await main();
} catch (error) {
  if (error instanceof SetupError) {
    process.stderr.write(`bench:k6: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
