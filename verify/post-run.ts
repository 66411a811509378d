// Post-run figures: how latency and time to first token grew under load compared with the
// unloaded baseline, and the error share by class, from a run's k6 summary.json.
import path from "node:path";
import { readSummaryJson, runDir, type SummaryFile } from "../tools/results/store.ts";
import { VerifyFailure } from "./failures.ts";
import { verdictOf, type Estimate, type Spread, type Verdict } from "./spread.ts";

/** The unloaded figures the preflight measured with the SDK over a few sequential calls. */
export interface Baseline {
  /** The kind of the calls: streams when the load test streams (GEMINI_STREAM, the default), else generateContent. */
  kind: "stream" | "generateContent";
  /** How many calls the figures come from. */
  calls: number;
  /** Whole-call time, milliseconds. */
  totalMs: Spread;
  /** Time to the first streamed chunk, milliseconds; null when the calls did not stream. */
  ttftMs: Spread | null;
  /** Median output tokens per second of the streamed calls; null when they did not stream. */
  tokensPerSecond: number | null;
}

/** One metric's values in k6's summary data (`metrics.<name>.values`). */
type MetricValues = Record<string, number>;

/** The part of k6's summary data verify reads. */
export interface K6Summary {
  metrics: Record<string, { type?: string; contains?: string; values: MetricValues }>;
  /** Written by lib/summary.ts next to k6's data: the run's target (no key), model and config. */
  baseUrl?: string;
  config?: { stream?: unknown };
  model?: string;
  apiVersion?: string;
}

/**
 * A loaded percentile against the baseline's: the absolute and relative change, the interval the
 * baseline's own spread allows (`noise`), and the verdict: beyond it a regression (or faster), inside
 * it within noise.
 */
export interface Growth {
  baseline: number;
  underLoad: number;
  ratio: number;
  deltaMs: number;
  noise: { low: number; high: number };
  verdict: Verdict;
}

/** Share of the requests that failed in one error class. */
interface ErrorShare {
  count: number;
  share: number;
}

/** What `--after` computes from a run's summary. */
export interface LoadImpact {
  /** HTTP requests k6 sent: every attempt, retries included. */
  requests: number;
  /** Whether the run streamed. Its latency is compared with the baseline's calls, of this kind or (see `kindMismatch`) not. */
  latencyBaseline: "stream" | "generateContent";
  /** True when the baseline's calls were of the other kind (GEMINI_STREAM differed): whole-call times still compare, roughly. */
  kindMismatch: boolean;
  p95: Growth;
  median: Growth;
  ttftP95: Growth | null;
  ttftMedian: Growth | null;
  tokensPerSecondMedian: { baseline: number; underLoad: number; ratio: number } | null;
  /** Requests that failed in the end (after retries), by class, as a share of all requests. */
  errorShare: Record<string, ErrorShare>;
  errorShareTotal: number;
  /** 429 and 503 answers per attempt, retried or not, as a share of `requests`. */
  attempts: { rateLimited: ErrorShare; overloaded: ErrorShare };
}

const REQUEST_METRICS = ["gemini_request_duration", "http_req_duration"];

/** Reads `results/<id>/summary.json` through the results store; a missing or malformed file is a usage error. */
export async function readSummary(resultsDir: string, runId: string): Promise<K6Summary> {
  const dir = runDir(resultsDir, runId);
  let summary: SummaryFile | undefined;
  try {
    summary = await readSummaryJson(dir);
  } catch (error) {
    throw new VerifyFailure("bad_usage", (error as Error).message);
  }
  if (!summary) {
    throw new VerifyFailure(
      "bad_usage",
      `no summary for run ${runId}: ${path.join(dir, "summary.json")} is missing; run the load test first or check GEMINI_RESULTS_DIR`,
    );
  }
  // The part verify reads, each field optional: a summary written by an older version may lack some.
  return summary as K6Summary;
}

function value(summary: K6Summary, metric: string, stat: string): number | undefined {
  const found = summary.metrics[metric]?.values[stat];
  return typeof found === "number" && Number.isFinite(found) ? found : undefined;
}

function growth(baseline: Estimate, underLoad: number): Growth {
  return {
    baseline: baseline.value,
    underLoad,
    ratio: baseline.value > 0 ? underLoad / baseline.value : Number.NaN,
    deltaMs: underLoad - baseline.value,
    noise: { low: baseline.low, high: baseline.high },
    verdict: verdictOf(underLoad, baseline),
  };
}

/**
 * Error share per class. The k6 summary only breaks a Rate down by tag for sub-metrics that
 * have thresholds, so classes come from `gemini_errors{error_class:X}` when present; the
 * denominator is every `gemini_errors` sample (one per request, after its retries).
 */
function errorShares(summary: K6Summary): { byClass: Record<string, ErrorShare>; total: number } {
  const passes = value(summary, "gemini_errors", "passes") ?? 0;
  const fails = value(summary, "gemini_errors", "fails") ?? 0;
  const samples = passes + fails;
  const byClass: Record<string, ErrorShare> = {};
  for (const name of Object.keys(summary.metrics)) {
    const match = /^gemini_errors\{error_class:([a-z_]+)\}$/.exec(name);
    if (!match?.[1]) continue;
    const count = value(summary, name, "passes") ?? 0;
    byClass[match[1]] = { count, share: samples > 0 ? count / samples : 0 };
  }
  return { byClass, total: samples > 0 ? passes / samples : 0 };
}

/** Computes the load impact of a run against the unloaded baseline. */
export function computeLoadImpact(summary: K6Summary, baseline: Baseline): LoadImpact {
  const requestMetric = REQUEST_METRICS.find((name) => value(summary, name, "p(95)") !== undefined);
  if (!requestMetric) {
    throw new VerifyFailure("bad_usage", "the summary has no gemini_request_duration or http_req_duration p(95); was the run empty?");
  }
  const streamed =
    summary.config?.stream === undefined ? (value(summary, "gemini_ttft", "count") ?? 0) > 0 : summary.config.stream === true;
  const ttft = baseline.ttftMs;
  const p95 = value(summary, requestMetric, "p(95)") ?? Number.NaN;
  const median = value(summary, requestMetric, "med") ?? Number.NaN;
  const ttftP95 = value(summary, "gemini_ttft", "p(95)");
  const ttftMedian = value(summary, "gemini_ttft", "med");
  const tpsMedian = value(summary, "gemini_tokens_per_second", "med");
  const requests = value(summary, "http_reqs", "count") ?? 0;
  const errors = errorShares(summary);
  const perAttempt = (metric: string): ErrorShare => {
    const count = value(summary, metric, "count") ?? 0;
    return { count, share: requests > 0 ? count / requests : 0 };
  };
  return {
    requests,
    latencyBaseline: streamed ? "stream" : "generateContent",
    kindMismatch: (baseline.kind === "stream") !== streamed,
    p95: growth(baseline.totalMs.p95, p95),
    median: growth(baseline.totalMs.p50, median),
    ttftP95: ttftP95 === undefined || ttft === null ? null : growth(ttft.p95, ttftP95),
    ttftMedian: ttftMedian === undefined || ttft === null ? null : growth(ttft.p50, ttftMedian),
    tokensPerSecondMedian:
      tpsMedian === undefined || baseline.tokensPerSecond === null
        ? null
        : {
            baseline: baseline.tokensPerSecond,
            underLoad: tpsMedian,
            ratio: baseline.tokensPerSecond > 0 ? tpsMedian / baseline.tokensPerSecond : Number.NaN,
          },
    errorShare: errors.byClass,
    errorShareTotal: errors.total,
    attempts: { rateLimited: perAttempt("gemini_rate_limited"), overloaded: perAttempt("gemini_overloaded") },
  };
}

const VERDICT_CODE: Readonly<Record<Verdict, number>> = { faster: -1, within_noise: 0, regression: 1 };

function comparisonFields(fields: Record<string, number>, prefix: string, growth: Growth): void {
  fields[`${prefix}_noise_low_ms`] = growth.noise.low;
  fields[`${prefix}_noise_high_ms`] = growth.noise.high;
  fields[`${prefix}_verdict`] = VERDICT_CODE[growth.verdict];
}

/** The impact as flat numeric fields, for InfluxDB; a verdict is −1 faster, 0 within noise, 1 regression. */
export function impactFields(impact: LoadImpact, baseline: Baseline): Record<string, number> {
  const fields: Record<string, number> = {
    requests: impact.requests,
    baseline_calls: baseline.calls,
    p95_baseline_ms: impact.p95.baseline,
    p95_load_ms: impact.p95.underLoad,
    p95_ratio: impact.p95.ratio,
    p95_delta_ms: impact.p95.deltaMs,
    median_baseline_ms: impact.median.baseline,
    median_load_ms: impact.median.underLoad,
    median_ratio: impact.median.ratio,
    error_share: impact.errorShareTotal,
    attempts_rate_limited_share: impact.attempts.rateLimited.share,
    attempts_overloaded_share: impact.attempts.overloaded.share,
  };
  comparisonFields(fields, "p95", impact.p95);
  comparisonFields(fields, "median", impact.median);
  if (impact.ttftP95) {
    fields.ttft_baseline_ms = impact.ttftP95.baseline;
    fields.ttft_p95_load_ms = impact.ttftP95.underLoad;
    fields.ttft_p95_ratio = impact.ttftP95.ratio;
    fields.ttft_p95_delta_ms = impact.ttftP95.deltaMs;
    comparisonFields(fields, "ttft_p95", impact.ttftP95);
  }
  if (impact.ttftMedian) {
    fields.ttft_median_baseline_ms = impact.ttftMedian.baseline;
    fields.ttft_median_load_ms = impact.ttftMedian.underLoad;
    fields.ttft_median_ratio = impact.ttftMedian.ratio;
    comparisonFields(fields, "ttft_median", impact.ttftMedian);
  }
  if (impact.tokensPerSecondMedian) {
    fields.tokens_per_second_baseline = impact.tokensPerSecondMedian.baseline;
    fields.tokens_per_second_load_median = impact.tokensPerSecondMedian.underLoad;
  }
  for (const [errorClass, share] of Object.entries(impact.errorShare)) {
    fields[`error_share_${errorClass}`] = share.share;
    fields[`errors_${errorClass}`] = share.count;
  }
  return fields;
}
