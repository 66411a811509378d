// `npm run experiment:retries`: the same open-model moderation load (scenarios/retry-strategies.ts)
// against a free-tier quota, once per retry policy, and a table comparing them: goodput, 429s sent per
// success (quota burnt), the p95 the user felt, and requests sent per success. What was sent and
// answered comes from the emulator's ground truth; goodput and the felt latency from k6's summary.

import path from "node:path";
import { start } from "../../emulator/index.ts";
import { emulatorAdmin } from "../../emulator/client.ts";
import { RETRY_STRATEGIES, type RetryStrategy } from "../../lib/retry.ts";
import { EXIT, parseFlags, runCli } from "../cli.ts";
import { SetupError, UsageError } from "../errors.ts";
import { REPO_ROOT } from "../paths.ts";
import { runLoadTest } from "../run/run-load.ts";
import { readSummaryJson, resolveResultsRoot } from "../results/store.ts";

/** The free tier (10 RPM for 2.5 Flash) with its minute compressed to 3 s, so each policy's run takes seconds. */
export const DEFAULT_CONFIG = "emulator/examples/free-tier-compressed.json";
const MODEL = "gemini-2.5-flash";

/** One policy's run. */
export interface RetryRow {
  policy: RetryStrategy;
  runId: string;
  /** Logical requests the load offered (each with all its attempts). */
  requests: number;
  /** HTTP requests the emulator received, and how many it answered 200 and 429. */
  sent: number;
  successes: number;
  rateLimited: number;
  /** Share of logical requests answered with a valid verdict within GEMINI_SLO_MS. */
  goodput: number;
  rateLimitedPerSuccess: number;
  sentPerSuccess: number;
  /** p95 of gemini_request_duration: every attempt and wait, as the user felt it. */
  feltP95Ms: number;
}

export interface RetryExperimentOptions {
  policies?: readonly RetryStrategy[];
  /** k6 duration of each run, e.g. "10s". */
  duration?: string;
  /** Offered requests per second (Poisson arrivals). */
  rate?: number;
  /** Emulator config file, relative to the repository or absolute. */
  configFile?: string;
  sloMs?: number;
  resultsRoot?: string;
  /** Run `node build.mjs` before the first run (default true). */
  build?: boolean;
  /** The environment k6 starts from (default process.env); GEMINI_* settings of the experiment win. */
  baseEnv?: Record<string, string | undefined>;
  log?: (line: string) => void;
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : Number.POSITIVE_INFINITY;
}

/** Runs the load once per policy against one emulator (reset between runs) and returns a row for each. */
export async function runRetryExperiment(options: RetryExperimentOptions = {}): Promise<RetryRow[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const policies = options.policies ?? RETRY_STRATEGIES;
  const configFile = path.resolve(REPO_ROOT, options.configFile ?? DEFAULT_CONFIG);
  const emulator = await start({ port: 0, configFile });
  const admin = emulatorAdmin(emulator.url);
  const rows: RetryRow[] = [];
  try {
    for (const [i, policy] of policies.entries()) {
      await admin.reset();
      log(`retry policy ${policy}: ${options.duration ?? "20s"} at ${options.rate ?? 3} req/s against ${emulator.url}`);
      const run = await runLoadTest({
        baseUrl: emulator.url,
        profile: emulator.state.config.profile,
        script: "dist/retry-strategies.js",
        build: i === 0 && (options.build ?? true),
        stdio: "pipe",
        checkVariables: false,
        log,
        ...(options.resultsRoot ? { resultsRoot: options.resultsRoot } : {}),
        ...(options.baseEnv ? { baseEnv: options.baseEnv } : {}),
        env: {
          GEMINI_RETRY_POLICY: policy,
          GEMINI_SCENARIO: "open",
          GEMINI_ARRIVALS: "poisson",
          GEMINI_RATE: String(options.rate ?? 3),
          GEMINI_DURATION: options.duration ?? "20s",
          GEMINI_MODEL: MODEL,
          GEMINI_STREAM: "false",
          GEMINI_SLO_MS: String(options.sloMs ?? 10_000),
          // The quota fails requests by design: the run reports, its thresholds do not stop it.
          GEMINI_MAX_ERROR_RATE: "1",
          GEMINI_MIN_GOODPUT: "0",
          GEMINI_MIN_CHECKS: "0",
          GEMINI_MIN_ACCURACY: "0",
          GEMINI_P95_MS: "600000",
        },
      });
      // 0, or 99 when a scenario threshold (accuracy, latency) was crossed: either way the run measured.
      if (run.exitCode !== 0 && run.exitCode !== 99) {
        const last = run.stderr.trim().split("\n").at(-1) ?? "";
        throw new SetupError(`the ${policy} run failed (k6 exit code ${run.exitCode}): ${last}`);
      }
      const summary = await readSummaryJson(run.resultsDir);
      if (!summary) throw new SetupError(`the ${policy} run wrote no summary.json in ${run.resultsDir}`);
      const stats = await admin.stats({ model: MODEL, method: "generateContent" });
      const duration = summary.metrics.gemini_request_duration?.values ?? {};
      const successes = stats.requests.byStatus["200"] ?? 0;
      const rateLimited = stats.requests.byStatus["429"] ?? 0;
      rows.push({
        policy,
        runId: run.runId,
        requests: duration.count ?? 0,
        sent: stats.requests.total,
        successes,
        rateLimited,
        goodput: summary.metrics.gemini_goodput?.values.rate ?? 0,
        rateLimitedPerSuccess: ratio(rateLimited, successes),
        sentPerSuccess: ratio(stats.requests.total, successes),
        feltP95Ms: duration["p(95)"] ?? 0,
      });
    }
  } finally {
    await emulator.close();
  }
  return rows;
}

/** The comparison as a Markdown table. */
export function formatRetryTable(rows: readonly RetryRow[]): string {
  const lines = [
    "| policy | requests | goodput | 429s sent per success | requests sent per success | felt p95 |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.policy} | ${r.requests} | ${(r.goodput * 100).toFixed(1)}% | ${r.rateLimitedPerSuccess.toFixed(2)} | ${r.sentPerSuccess.toFixed(2)} | ${Math.round(r.feltP95Ms)} ms |`,
    );
  }
  return lines.join("\n");
}

const USAGE = `usage: npm run experiment:retries -- [--duration 20s] [--rate 3] [--policies ours,none,fixed,exponential] [--config FILE] [--slo-ms 10000]

Runs scenarios/retry-strategies.ts once per retry policy against an emulator started with FILE
(default ${DEFAULT_CONFIG}: the free tier with its minute compressed to 3 s) and prints the comparison.
Each run is kept in results/<run-id>/.`;

function positiveNumber(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`invalid --${flag}: expected a positive number, got '${text}'`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    duration: { type: "string" },
    rate: { type: "string" },
    policies: { type: "string" },
    config: { type: "string" },
    "slo-ms": { type: "string" },
  });
  const policies = (values.policies ?? RETRY_STRATEGIES.join(",")).split(",").map((p) => p.trim());
  for (const p of policies) {
    if (!(RETRY_STRATEGIES as readonly string[]).includes(p)) {
      throw new UsageError(`invalid --policies: expected a comma-separated list of ${RETRY_STRATEGIES.join(", ")}, got '${p}'`);
    }
  }
  if (values.duration !== undefined && !/^\d+(ms|s|m)$/.test(values.duration)) {
    throw new UsageError(`invalid --duration: expected a k6 duration such as 20s or 2m, got '${values.duration}'`);
  }
  const rows = await runRetryExperiment({
    policies: policies as RetryStrategy[],
    ...(values.duration ? { duration: values.duration } : {}),
    rate: positiveNumber("rate", values.rate, 3),
    sloMs: positiveNumber("slo-ms", values["slo-ms"], 10_000),
    ...(values.config ? { configFile: values.config } : {}),
    resultsRoot: resolveResultsRoot(),
  });
  process.stdout.write(`${formatRetryTable(rows)}\n`);
  return EXIT.ok;
}

runCli(import.meta.url, "experiment:retries", main, { usage: USAGE });
