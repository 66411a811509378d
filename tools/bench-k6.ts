// `npm run bench:k6`: what the moderation script itself costs. Against the zero-latency emulator
// it compares requests/s of dist/moderation.js with a bare k6 script posting the same body under
// the same load shape, and with an "instrumentation floor" script that records what the moderation
// script records for each answer (its gemini_ samples, checks and thresholds) without reading the
// answer: the ratio no script keeping those promises can beat. Measures k6's memory per VU too.
// Prints the figures and records them in docs/benchmarks.md (k6 section).

import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parseDurationMs } from "../lib/config.ts";
import { bareScript, instrumentationFloorScript, postedRequests, type BenchLoad } from "./bench-k6-scripts.ts";
import { ensureK6, REPO_ROOT, SetupError } from "./k6.ts";
import { spawnNodeServer, type NodeServerProcess } from "./node-server.ts";
import { K6_VERSION } from "./versions.ts";

const execFileAsync = promisify(execFile);

const VUS = Number(process.env.BENCH_VUS ?? 20);
const DURATION = process.env.BENCH_DURATION ?? "20s";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const MEMORY_VUS: [number, number] = [10, 200];
const TARGETED_RATIO = 0.85;
const BENCH_MARK_START = "<!-- bench:k6:start -->";
const BENCH_MARK_END = "<!-- bench:k6:end -->";
const MODEL = "gemini-2.5-flash";
/** gemini-2.5-flash at tier 3, the highest published quota (../shared/gemini-api/BEHAVIOR.md, Quotas). */
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
  peakRssBytes: number;
  /** CPU time k6 used (user + system), from /proc polling: the last ≤ 100 ms are missed. */
  cpuMs: number;
  exitCode: number;
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** Runs k6 quietly while polling its resident memory from /proc, and counts requests the emulator saw. */
async function runK6(k6: string, script: string, env: Record<string, string>, emulatorUrl: string): Promise<K6Run> {
  await resetEmulator(emulatorUrl);
  const child = spawn(k6, ["run", "--quiet", "--summary-mode=disabled", script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
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
  const exitCode = await new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
  clearInterval(poll);
  if (exitCode !== 0 && exitCode !== 99) throw new Error(`k6 failed on ${script} (exit ${exitCode}):\n${stderr.slice(-2000)}`);
  return { requests: await emulatorCount(emulatorUrl), peakRssBytes, cpuMs: (cpuTicks * 1000) / CLOCK_TICKS, exitCode };
}

function moderationEnv(url: string, vus: number, resultsDir: string): Record<string, string> {
  return {
    GEMINI_BASE_URL: url,
    GEMINI_MODEL: MODEL,
    GEMINI_SCENARIO: "closed",
    GEMINI_VUS: String(vus),
    GEMINI_DURATION: DURATION,
    GEMINI_RUN_ID: "bench",
    GEMINI_RESULTS_DIR: resultsDir,
  };
}

async function main(): Promise<void> {
  await execFileAsync(process.execPath, ["build.mjs"], { cwd: REPO_ROOT });
  const k6 = await ensureK6();
  const work = await mkdtemp(path.join(tmpdir(), "gemini-k6-bench-"));
  // handleSummary writes into <GEMINI_RESULTS_DIR>/<GEMINI_RUN_ID>/, and k6 cannot create folders.
  await mkdir(path.join(work, "bench"));
  const emulator = await startEmulatorProcess();
  try {
    const load: BenchLoad = { model: MODEL, durationMs: parseDurationMs(DURATION) ?? 20_000, vus: VUS };
    const requests = await postedRequests(emulator.url, MODEL);
    const barePath = path.join(work, "bare.js");
    await writeFile(barePath, bareScript(requests, load));
    const floorPath = path.join(work, "instrumentation-floor.js");
    await writeFile(floorPath, instrumentationFloorScript(requests, load, emulator.url));
    const durationS = load.durationMs / 1000;

    // One unmeasured run first: the emulator's JIT warms up on it, which would otherwise slow
    // whichever script runs first.
    process.stderr.write(`warm-up: bare script (not measured)…\n`);
    await runK6(k6, barePath, {}, emulator.url);

    // Alternating rounds spread any drift of the machine over the scripts equally.
    const bare: K6Run[] = [];
    const floor: K6Run[] = [];
    const moderation: K6Run[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      process.stderr.write(`round ${round}/${ROUNDS}: bare script…\n`);
      bare.push(await runK6(k6, barePath, {}, emulator.url));
      process.stderr.write(`round ${round}/${ROUNDS}: instrumentation floor…\n`);
      floor.push(await runK6(k6, floorPath, {}, emulator.url));
      process.stderr.write(`round ${round}/${ROUNDS}: dist/moderation.js…\n`);
      moderation.push(await runK6(k6, "dist/moderation.js", moderationEnv(emulator.url, VUS, work), emulator.url));
    }
    const total = (runs: K6Run[], pick: (run: K6Run) => number) => runs.reduce((sum, run) => sum + pick(run), 0);
    const rate = (runs: K6Run[]) => total(runs, (r) => r.requests) / (runs.length * durationS);
    const cpuPerRequestUs = (runs: K6Run[]) => (total(runs, (r) => r.cpuMs) * 1000) / total(runs, (r) => r.requests);
    const ratio = rate(moderation) / rate(bare);
    const floorRatio = rate(floor) / rate(bare);

    process.stderr.write(`memory: dist/moderation.js at ${MEMORY_VUS[0]} and ${MEMORY_VUS[1]} VUs…\n`);
    const low = await runK6(k6, "dist/moderation.js", moderationEnv(emulator.url, MEMORY_VUS[0], work), emulator.url);
    const high = await runK6(k6, "dist/moderation.js", moderationEnv(emulator.url, MEMORY_VUS[1], work), emulator.url);
    const perVuMiB = (high.peakRssBytes - low.peakRssBytes) / (MEMORY_VUS[1] - MEMORY_VUS[0]) / 2 ** 20;

    const figures = {
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
      k6: K6_VERSION,
      vus: VUS,
      duration: DURATION,
      rounds: ROUNDS,
      bare: bare.map((r) => (r.requests / durationS).toFixed(0)),
      floor: floor.map((r) => (r.requests / durationS).toFixed(0)),
      moderation: moderation.map((r) => (r.requests / durationS).toFixed(0)),
      bareCpuUs: cpuPerRequestUs(bare),
      floorCpuUs: cpuPerRequestUs(floor),
      moderationCpuUs: cpuPerRequestUs(moderation),
      ratio,
      floorRatio,
      lowRssMiB: low.peakRssBytes / 2 ** 20,
      highRssMiB: high.peakRssBytes / 2 ** 20,
      perVuMiB,
    };
    const table = renderTable(figures);
    process.stdout.write(`\n${table}\n`);
    await recordInDocs(table);
    process.stdout.write(
      `\nRecorded in docs/benchmarks.md. Ratio ${ratio.toFixed(3)} (target ≥ ${TARGETED_RATIO}); ` +
        `instrumentation floor ${floorRatio.toFixed(3)}, the most any script recording the promised metrics reaches here.\n`,
    );
  } finally {
    await emulator.stop();
    await rm(work, { recursive: true, force: true });
  }
}

function renderTable(f: {
  date: string;
  machine: string;
  k6: string;
  vus: number;
  duration: string;
  rounds: number;
  bare: string[];
  floor: string[];
  moderation: string[];
  bareCpuUs: number;
  floorCpuUs: number;
  moderationCpuUs: number;
  ratio: number;
  floorRatio: number;
  lowRssMiB: number;
  highRssMiB: number;
  perVuMiB: number;
}): string {
  return [
    `Measured ${f.date} with \`npm run bench:k6\` on ${f.machine}; k6 v${f.k6}, emulator \`zero-latency\` in its own process.`,
    `Load: the closed shape (ramping VUs to ${f.vus}, ${f.duration}), the same for every script, ${f.rounds} alternating rounds after an unmeasured warm-up run.`,
    ``,
    `| script | requests/s per round | k6 CPU per request |`,
    `|---|---|---|`,
    `| bare k6 script (same bodies, no parsing, metrics or checks) | ${f.bare.join(", ")} | ${f.bareCpuUs.toFixed(0)} µs |`,
    `| instrumentation floor (the same posts, plus moderation's 12 \`gemini_\` samples, 2 checks and thresholds; the answer not read) | ${f.floor.join(", ")} | ${f.floorCpuUs.toFixed(0)} µs |`,
    `| \`dist/moderation.js\` | ${f.moderation.join(", ")} | ${f.moderationCpuUs.toFixed(0)} µs |`,
    ``,
    `Ratio moderation / bare: **${f.ratio.toFixed(3)}** (target ≥ ${TARGETED_RATIO}: ${f.ratio >= TARGETED_RATIO ? "met" : "missed"}).`,
    `Ratio instrumentation floor / bare: **${f.floorRatio.toFixed(3)}**: the most any script that records what docs/metrics.md promises can reach here,` +
      ` before it reads a byte of the answer${f.floorRatio < TARGETED_RATIO ? ` (below the ${TARGETED_RATIO} target itself)` : ""}.`,
    `k6 and the emulator share the machine's cores, so CPU the script spends is CPU the emulator lacks;`,
    `k6's CPU per request is the script's cost without that coupling.`,
    headroomLine(f.moderationCpuUs),
    ``,
    `k6 memory: peak RSS ${f.lowRssMiB.toFixed(0)} MiB at ${MEMORY_VUS[0]} VUs, ${f.highRssMiB.toFixed(0)} MiB at ${MEMORY_VUS[1]} VUs: ` +
      `**${f.perVuMiB.toFixed(2)} MiB per VU**.`,
  ].join("\n");
}

/** What the script's CPU cost means against real quotas: requests one core of k6 can drive. */
function headroomLine(cpuPerRequestUs: number): string {
  const perCore = 1e6 / cpuPerRequestUs;
  const perMinute = perCore * 60;
  return (
    `At ${cpuPerRequestUs.toFixed(0)} µs per request one core of k6 drives about ${perCore.toFixed(0)} moderation requests/s ` +
    `(${Math.round(perMinute).toLocaleString("en-US")} per minute), ${(perMinute / HIGHEST_PUBLISHED_RPM).toFixed(0)}× the highest published ` +
    `${MODEL} quota (${HIGHEST_PUBLISHED_RPM.toLocaleString("en-US")} requests per minute, tier 3).`
  );
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
