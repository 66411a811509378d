// `npm run experiment:routing`: the reference app (app/) over two models on the emulator, under an
// open load, with model A degraded mid-run (latency ×5 and 30% 503 through the admin API) and then
// healed; static against adaptive routing: p95 and error rate under the fault, time to detect and to
// recover. Then the bottleneck case: an app concurrency limit too low for the load, where the
// Server-Timing split puts the time in the app's queue. Results in docs/app.md.

import { emulatorAdmin } from "../../emulator/client.ts";
import { start as startEmulator } from "../../emulator/index.ts";
import { resolveAppConfig } from "../../app/config.ts";
import { startApp } from "../../app/server.ts";
import type { Strategy } from "../../app/router/router.ts";
import { parseFlags, runCli } from "../cli.ts";
import { openLoad, type Sample } from "./load.ts";

const MODEL_A = "gemini-2.5-flash";
const MODEL_B = "gemini-2.5-flash-lite";

/** The objective a strategy must keep under the fault. */
export interface Objective {
  p95Ms: number;
  maxErrorRate: number;
}

/** The shape of one routing run. */
export interface RoutingPlan {
  rate: number;
  healthyMs: number;
  faultMs: number;
  recoveredMs: number;
  /** Both models' answer time when healthy (fixed TTFT, no thinking). */
  modelMs: number;
  objective: Objective;
  /** Model attempts per request in the app (the first included). */
  attempts: number;
  /** Windows the timeline is cut into for detection and recovery. */
  windowMs: number;
  seed: number;
}

/** What one strategy did. */
export interface StrategyResult {
  strategy: Strategy;
  requests: number;
  /** Over the fault phase. */
  fault: { p95Ms: number; errorRate: number; shareOnA: number; withinObjective: boolean };
  /** From the fault's start to the end of the first window with ≤ 10% of answers from A; undefined if it never happened. */
  detectMs: number | undefined;
  /** From the fault's end to the end of the first window within the objective with ≥ 25% of answers from A again. */
  recoverMs: number | undefined;
}

/** The default plan of `npm run experiment:routing`. */
export const FULL_PLAN: RoutingPlan = {
  rate: 40,
  healthyMs: 5000,
  faultMs: 10_000,
  recoveredMs: 15_000,
  modelMs: 80,
  attempts: 2,
  objective: { p95Ms: 300, maxErrorRate: 0.01 },
  windowMs: 500,
  seed: 7,
};

/** The p-quantile (0–1) by nearest rank; NaN for none. */
export function quantile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

const failed = (s: Sample) => s.status !== 200;
const onA = (s: Sample) => s.upstream?.startsWith(`${MODEL_A}@`) === true;

/** Summarizes the samples of one run by phase and window. */
export function analyze(strategy: Strategy, samples: Sample[], plan: RoutingPlan): StrategyResult {
  const faultStart = plan.healthyMs;
  const faultEnd = plan.healthyMs + plan.faultMs;
  const during = samples.filter((s) => s.atMs >= faultStart && s.atMs < faultEnd);
  const p95Ms = quantile(
    during.map((s) => s.latencyMs),
    0.95,
  );
  const errorRate = during.filter(failed).length / Math.max(1, during.length);
  const answered = (list: Sample[]) => list.filter((s) => s.upstream !== undefined);
  const shareOnA = (list: Sample[]) => answered(list).filter(onA).length / Math.max(1, answered(list).length);
  const windows = (from: number, to: number) => {
    const out: Array<{ endMs: number; samples: Sample[] }> = [];
    for (let t = from; t < to; t += plan.windowMs)
      out.push({ endMs: t + plan.windowMs, samples: samples.filter((s) => s.atMs >= t && s.atMs < t + plan.windowMs) });
    return out;
  };
  const detected = windows(faultStart, faultEnd).find((w) => w.samples.length > 0 && shareOnA(w.samples) <= 0.1);
  const within = (list: Sample[]) =>
    list.length > 0 &&
    quantile(
      list.map((s) => s.latencyMs),
      0.95,
    ) <= plan.objective.p95Ms &&
    list.filter(failed).length / list.length <= plan.objective.maxErrorRate;
  const recovered = windows(faultEnd, faultEnd + plan.recoveredMs).find((w) => within(w.samples) && shareOnA(w.samples) >= 0.25);
  return {
    strategy,
    requests: samples.length,
    fault: {
      p95Ms,
      errorRate,
      shareOnA: shareOnA(during),
      withinObjective: p95Ms <= plan.objective.p95Ms && errorRate <= plan.objective.maxErrorRate,
    },
    detectMs: detected ? detected.endMs - faultStart : undefined,
    recoverMs: recovered ? recovered.endMs - faultEnd : undefined,
  };
}

/** Runs one strategy: a fresh emulator and app, the load, the fault injected and lifted through the admin API. */
export async function runStrategy(strategy: Strategy, plan: RoutingPlan): Promise<StrategyResult> {
  const fixed = { ttftMedianMs: plan.modelMs, ttftP95Ms: plan.modelMs * 1.25, tokensPerSecond: 0, thoughtsTokens: 0, slots: 0 };
  const emulator = await startEmulator({
    port: 0,
    profile: "fast",
    seed: plan.seed,
    config: { models: { [MODEL_A]: fixed, [MODEL_B]: fixed } },
  });
  const admin = emulatorAdmin(emulator.url);
  const app = await startApp(
    resolveAppConfig(
      {
        port: 0,
        baseUrl: emulator.url,
        models: `${MODEL_A},${MODEL_B}`,
        routing: strategy,
        concurrency: 256,
        queue: 1024,
        attempts: plan.attempts,
      },
      {},
    ),
  );
  try {
    const { samples } = await openLoad({
      url: app.url,
      rate: plan.rate,
      durationMs: plan.healthyMs + plan.faultMs + plan.recoveredMs,
      arrivals: "poisson",
      seed: plan.seed,
      events: [
        {
          atMs: plan.healthyMs,
          run: () => admin.patchConfig({ faults: { byModel: { [MODEL_A]: { latencyMultiplier: 5, errorRates: { "503": 0.3 } } } } }),
        },
        { atMs: plan.healthyMs + plan.faultMs, run: () => admin.patchConfig({ faults: { byModel: { [MODEL_A]: null } } }) },
      ],
    });
    return analyze(strategy, samples, plan);
  } finally {
    await app.close();
    await emulator.close();
  }
}

/** The bottleneck case: mean queue, model and overhead per request, for an app limit of `concurrency`. */
export interface SplitResult {
  concurrency: number;
  requests: number;
  meanQueueMs: number;
  meanModelMs: number;
  meanOverheadMs: number;
  p95Ms: number;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** Runs a healthy model at `rate` (Poisson) behind an app limited to `concurrency` model calls. */
export async function runSplit(
  concurrency: number,
  options: { rate: number; modelMs: number; durationMs: number; seed: number },
): Promise<SplitResult> {
  const fixed = { ttftMedianMs: options.modelMs, ttftP95Ms: options.modelMs, tokensPerSecond: 0, thoughtsTokens: 0, slots: 0 };
  const emulator = await startEmulator({ port: 0, profile: "fast", seed: options.seed, config: { models: { [MODEL_A]: fixed } } });
  const app = await startApp(
    resolveAppConfig(
      { port: 0, baseUrl: emulator.url, models: MODEL_A, routing: "static", concurrency, queue: 10_000, deadlineMs: 60_000 },
      {},
    ),
  );
  try {
    const { samples } = await openLoad({
      url: app.url,
      rate: options.rate,
      durationMs: options.durationMs,
      arrivals: "poisson",
      seed: options.seed,
    });
    const ok = samples.filter((s) => s.status === 200);
    return {
      concurrency,
      requests: samples.length,
      meanQueueMs: mean(ok.map((s) => s.queueMs ?? 0)),
      meanModelMs: mean(ok.map((s) => s.modelMs ?? 0)),
      meanOverheadMs: mean(ok.map((s) => s.overheadMs ?? 0)),
      p95Ms: quantile(
        ok.map((s) => s.latencyMs),
        0.95,
      ),
    };
  } finally {
    await app.close();
    await emulator.close();
  }
}

const fmt = (ms: number | undefined) => (ms === undefined ? "not within the run" : `${(ms / 1000).toFixed(1)} s`);

/** The results as the Markdown tables of docs/app.md. */
export function report(
  plan: RoutingPlan,
  results: StrategyResult[],
  splits: SplitResult[],
  splitPlan: { rate: number; modelMs: number },
): string {
  const lines = [
    `Offered ${plan.rate} req/s (Poisson), models answering in ${plan.modelMs} ms; ${MODEL_A} degraded (latency ×5, 30% 503) from ${plan.healthyMs / 1000} s for ${plan.faultMs / 1000} s, then healed for ${plan.recoveredMs / 1000} s; the app makes up to ${plan.attempts} attempts per request. Objective: p95 ≤ ${plan.objective.p95Ms} ms, errors ≤ ${plan.objective.maxErrorRate * 100}%.`,
    "",
    "| routing | p95 under the fault | errors under the fault | answers from A under the fault | objective kept | time to detect | time to recover |",
    "|---|---|---|---|---|---|---|",
    ...results.map(
      (r) =>
        `| ${r.strategy} | ${r.fault.p95Ms.toFixed(0)} ms | ${(r.fault.errorRate * 100).toFixed(1)}% | ${(r.fault.shareOnA * 100).toFixed(0)}% | ${r.fault.withinObjective ? "yes" : "no"} | ${r.strategy === "static" ? "never (does not route)" : fmt(r.detectMs)} | ${fmt(r.recoverMs)} |`,
    ),
    "",
    `Bottleneck: one healthy model answering in ${splitPlan.modelMs} ms, ${splitPlan.rate} req/s (Poisson), static routing; the app's concurrency limit varied.`,
    "",
    "| app concurrency | requests | mean queue | mean model | mean app overhead | p95 (client) |",
    "|---|---|---|---|---|---|",
    ...splits.map(
      (s) =>
        `| ${s.concurrency} | ${s.requests} | ${s.meanQueueMs.toFixed(0)} ms | ${s.meanModelMs.toFixed(0)} ms | ${s.meanOverheadMs.toFixed(1)} ms | ${s.p95Ms.toFixed(0)} ms |`,
    ),
  ];
  return lines.join("\n");
}

const USAGE = `usage: npm run experiment:routing -- [--short]
Runs static and adaptive routing through the reference app against the emulator with model A degraded
mid-run, then the bottleneck case, and prints the tables of docs/app.md (about 75 s; --short: about 20 s).`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { short: { type: "boolean" } });
  const plan = values.short ? { ...FULL_PLAN, rate: 30, healthyMs: 2000, faultMs: 4000, recoveredMs: 4000 } : FULL_PLAN;
  const splitPlan = { rate: 9, modelMs: 100, durationMs: values.short ? 4000 : 10_000, seed: plan.seed };
  const results: StrategyResult[] = [];
  for (const strategy of ["static", "adaptive"] as const) {
    process.stderr.write(`experiment: ${strategy} routing…\n`);
    results.push(await runStrategy(strategy, plan));
  }
  const splits: SplitResult[] = [];
  for (const concurrency of [1, 8]) {
    process.stderr.write(`experiment: app concurrency ${concurrency}…\n`);
    splits.push(await runSplit(concurrency, splitPlan));
  }
  process.stdout.write(`${report(plan, results, splits, splitPlan)}\n`);
  return 0;
}

runCli(import.meta.url, "experiment:routing", main, { usage: USAGE });
