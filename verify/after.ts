// `npm run verify -- --after <run-id>`: the post-run cross-check. Compares the run's summary
// with the unloaded baseline and, when the target is an emulator, with its own ground truth.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { displayUrl, isLoopbackHost, urlHost } from "../lib/config.ts";
import { emulatorAdmin, type StatsSummary } from "../emulator/client.ts";
import { describeTarget, parseInfluxUrl, type InfluxTarget } from "../tools/results/influx-query.ts";
import { UsageError } from "../tools/errors.ts";
import { readRunJson, type RunRecord } from "../tools/results/store.ts";
import { VerifyFailure } from "./failures.ts";
import { writeVerifyPoint } from "./influx.ts";
import { computeLoadImpact, impactFields, readSummary, type Baseline, type K6Summary, type LoadImpact } from "./post-run.ts";
import { describePreflightPlan, preflightBudgetProblem, runPreflight, type PreflightOptions } from "./preflight.ts";
import { runOpenAiPreflight } from "./openai-preflight.ts";
import { redactValue } from "./redact.ts";
import { mergeVerifyJson, readVerifyJson } from "./results-file.ts";
import { interpolatedPercentile } from "./spread.ts";

/** Settings of the post-run step. */
export interface AfterOptions extends PreflightOptions {
  runId: string;
  resultsDir: string;
  influxUrl?: string | undefined;
  /**
   * Whether baseUrl, model and apiVersion were set by the user; when not, the run's own (from
   * its summary.json) are used for a fresh baseline and the emulator's ground truth.
   */
  targetExplicit?: boolean;
  /** GEMINI_MAX_REQUESTS when the user set it: a fresh baseline that needs more requests is refused. */
  maxRequests?: number | undefined;
  /** Progress lines (the plan of a fresh baseline off loopback); default none. */
  log?: (line: string) => void;
}

/** What the emulator itself counted, next to what k6 reported. */
interface GroundTruth {
  emulatorRequests: number;
  k6Requests: number;
  emulatorByStatus: Record<string, number>;
  rateLimited: { emulator: number; k6: number };
  overloaded: { emulator: number; k6: number };
  /** The emulator's total-time p95, computed as {@link serverP95Method} says. */
  serverTotalP95Ms: number;
  /**
   * "k6": from the emulator's samples the way k6 computes p(95) (linear interpolation between ranks), so
   * the difference below compares like with like; "nearest-rank": the emulator's own statistic, used
   * when the run left too many samples to fetch, which can differ from k6's by a gap between ranks.
   */
  serverP95Method: "k6" | "nearest-rank";
  serverTtfbP95Ms: number;
  /**
   * k6's http_req_duration p95 minus the emulator's own total-time p95: near zero when k6 measures
   * what the server did; large when the generator or the network adds time.
   */
  k6MinusServerP95Ms: number | null;
}

/** The `after` part of verify.json. */
export interface AfterResult {
  at: string;
  runId: string;
  /** The run's own preflight, the latest earlier one against the same target, or a fresh one. */
  baselineSource: "preflight" | "earlier-preflight" | "fresh";
  /** The run folder whose preflight gave the baseline. */
  baselineRunId: string;
  baseline: Baseline;
  impact: LoadImpact;
  groundTruth: GroundTruth | null;
  /** Why there is no ground truth, when there could have been (another emulator, or the run's is gone). */
  groundTruthNote?: string;
  /** What reached InfluxDB, or why nothing did (the figures are in verify.json either way); null without GEMINI_INFLUXDB_URL. */
  influx: { written: number; target: string } | { target: string; error: string } | null;
}

interface EmulatorStats extends StatsSummary {
  /** Every sample's total time, fetched from /__emulator/samples when there are not too many. */
  totalMsSamples?: number[];
}

function isSpread(value: unknown): boolean {
  const s = value as { samplesMs?: unknown; p50?: { value?: unknown }; p95?: { value?: unknown } } | null;
  return !!s && Array.isArray(s.samplesMs) && typeof s.p50?.value === "number" && typeof s.p95?.value === "number";
}

/** A baseline of several calls; a preflight from before verify measured one (a single figure per kind) does not count. */
function isBaseline(value: unknown): value is Baseline {
  const b = value as Partial<Baseline> | null;
  return (
    !!b &&
    (b.kind === "stream" || b.kind === "generateContent") &&
    typeof b.calls === "number" &&
    isSpread(b.totalMs) &&
    (b.ttftMs === null || isSpread(b.ttftMs))
  );
}

/** Above this many requests the emulator's samples are not fetched (tens of MB of JSON); its own p95 is used. */
const MAX_FETCHED_SAMPLES = 200_000;

/**
 * Fetches the emulator's stats, and its samples' total times when there are not too many; null when the
 * target is not an emulator with its admin API on.
 */
async function emulatorStats(baseUrl: string): Promise<EmulatorStats | null> {
  try {
    const admin = emulatorAdmin(baseUrl, { timeoutMs: 5000 });
    const stats: EmulatorStats = await admin.stats();
    if (typeof stats.requests?.total !== "number" || typeof stats.totalMs?.p95 !== "number") return null;
    if (stats.requests.total <= MAX_FETCHED_SAMPLES) stats.totalMsSamples = await sampleTotals(baseUrl);
    return stats;
  } catch {
    return null;
  }
}

async function sampleTotals(baseUrl: string): Promise<number[] | undefined> {
  const samples = await emulatorAdmin(baseUrl, { timeoutMs: 30_000 })
    .samples()
    .catch(() => undefined);
  if (!Array.isArray(samples)) return undefined;
  const totals = samples.map((sample) => sample.totalMs);
  return totals.every((total): total is number => typeof total === "number") ? totals : undefined;
}

// k6 leaves a Counter that never got a sample out of the summary, so a missing one counted zero.
function counter(summary: K6Summary, metric: string): number {
  const count = summary.metrics[metric]?.values.count;
  return typeof count === "number" ? count : 0;
}

/** Puts the emulator's own counts next to k6's. */
function compareWithGroundTruth(summary: K6Summary, impact: LoadImpact, stats: EmulatorStats): GroundTruth {
  const httpP95 = summary.metrics.http_req_duration?.values["p(95)"];
  const samples = stats.totalMsSamples;
  const serverP95 = samples !== undefined && samples.length > 0 ? interpolatedPercentile(samples, 0.95) : stats.totalMs.p95;
  return {
    emulatorRequests: stats.requests.total,
    k6Requests: impact.requests,
    emulatorByStatus: stats.requests.byStatus,
    rateLimited: { emulator: stats.requests.byStatus["429"] ?? 0, k6: counter(summary, "gemini_rate_limited") },
    overloaded: { emulator: stats.requests.byStatus["503"] ?? 0, k6: counter(summary, "gemini_overloaded") },
    serverTotalP95Ms: serverP95,
    serverP95Method: samples !== undefined ? "k6" : "nearest-rank",
    serverTtfbP95Ms: stats.ttfbMs.p95,
    k6MinusServerP95Ms: typeof httpP95 === "number" ? httpP95 - serverP95 : null,
  };
}

/** A parsed URL's server and path (no credentials, query or trailing slash); undefined when it does not parse. */
function targetKey(url: string): string | undefined {
  try {
    const parsed = new URL(url.trim());
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "")}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether two base URLs name the same target. Compared parsed, not as text, so credentials, a
 * default port, letter case of the host or a trailing slash make no difference, and an "@" in the
 * path is not mistaken for credentials. A URL that does not parse matches nothing.
 */
export function sameTarget(a: string, b: string): boolean {
  const key = targetKey(a);
  return key !== undefined && key === targetKey(b);
}

/** The target the run used: summary.json's baseUrl, else run.json's; undefined when neither says. */
function recordedBaseUrl(summary: K6Summary, run: RunRecord | undefined): string | undefined {
  for (const url of [summary.baseUrl, run?.baseUrl]) {
    if (typeof url === "string" && /^https?:\/\//.test(url)) return displayUrl(url);
  }
  return undefined;
}

function runTarget(options: AfterOptions, summary: K6Summary): AfterOptions {
  const next = { ...options };
  if (typeof summary.baseUrl === "string" && /^https?:\/\//.test(summary.baseUrl)) next.baseUrl = summary.baseUrl.replace(/\/+$/, "");
  if (typeof summary.model === "string" && summary.model !== "") next.model = summary.model;
  if (summary.apiVersion === "v1" || summary.apiVersion === "v1beta") next.apiVersion = summary.apiVersion;
  return next;
}

/** How long before a run a preflight in another folder still counts as its baseline. */
const EARLIER_PREFLIGHT_WINDOW_MS = 60 * 60 * 1000;

/** When the run started (epoch ms), from its run.json. */
function runStartedAt(run: RunRecord | undefined): number | undefined {
  const time = typeof run?.startedAt === "string" ? Date.parse(run.startedAt) : Number.NaN;
  return Number.isFinite(time) ? time : undefined;
}

/**
 * The latest passing preflight against the same target and model that ran in the hour before
 * the run started, from any run folder. `npm start` runs the preflight under its own run id just
 * before the load test, against the same emulator, which is gone by the time `--after` runs.
 */
async function findEarlierPreflight(
  resultsDir: string,
  target: { baseUrl: string; model: string },
  startedAt: number,
): Promise<{ runId: string; baseline: Baseline } | undefined> {
  let entries: string[];
  try {
    entries = await readdir(resultsDir);
  } catch {
    return undefined;
  }
  let best: { runId: string; baseline: Baseline; at: number } | undefined;
  for (const runId of entries) {
    let preflight: { ok?: unknown; at?: unknown; baseUrl?: unknown; model?: unknown; baseline?: unknown } | undefined;
    try {
      preflight = (await readVerifyJson(resultsDir, runId)).preflight as typeof preflight;
    } catch {
      continue;
    }
    if (preflight?.ok !== true || !isBaseline(preflight.baseline)) continue;
    if (typeof preflight.baseUrl !== "string" || !sameTarget(preflight.baseUrl, target.baseUrl) || preflight.model !== target.model)
      continue;
    const at = typeof preflight.at === "string" ? Date.parse(preflight.at) : Number.NaN;
    if (!(at <= startedAt && startedAt - at <= EARLIER_PREFLIGHT_WINDOW_MS)) continue;
    if (!best || at > best.at) best = { runId, baseline: preflight.baseline, at };
  }
  return best && { runId: best.runId, baseline: best.baseline };
}

/** Runs the post-run cross-check, writes verify.json's `after` part and, if configured, InfluxDB. */
export async function runAfter(options: AfterOptions): Promise<{ result: AfterResult; file: string }> {
  let influxTarget: InfluxTarget | undefined;
  try {
    influxTarget = options.influxUrl ? parseInfluxUrl(options.influxUrl, "GEMINI_INFLUXDB_URL") : undefined;
  } catch (error) {
    if (error instanceof UsageError) throw new VerifyFailure("bad_usage", error.message);
    throw error;
  }
  const summary = await readSummary(options.resultsDir, options.runId);
  // A missing, damaged or claim-only run.json leaves the cross-check to what summary.json says.
  const run = await readRunJson(path.join(options.resultsDir, options.runId)).catch(() => undefined);
  const runBaseUrl = recordedBaseUrl(summary, run);
  if (!options.targetExplicit) options = runTarget(options, summary);
  // A fresh baseline goes over the dialect the run measured (its summary names /v1beta/openai).
  if (summary.apiVersion === "v1beta/openai") options = { ...options, dialect: "openai" };
  // The emulator's counts say something about the run only if it is the emulator the run used.
  const otherTarget = options.targetExplicit === true && runBaseUrl !== undefined && !sameTarget(options.baseUrl, runBaseUrl);
  let groundTruthNote: string | undefined;
  // Read before a fresh baseline, whose own calls would otherwise count as the run's.
  const stats = otherTarget ? null : await emulatorStats(options.baseUrl);
  if (otherTarget) {
    groundTruthNote = `the run used ${runBaseUrl}, not GEMINI_BASE_URL=${displayUrl(options.baseUrl)}: emulator comparison skipped (unset GEMINI_BASE_URL to check against the run's own target)`;
  } else if (stats === null && run?.emulatorStartedByRun === true) {
    groundTruthNote = `the run's emulator (${runBaseUrl ?? "its own"}) was started by the run tool for that run and stopped with it: no emulator comparison`;
  }
  const existing = await readVerifyJson(options.resultsDir, options.runId);
  const preflight = existing.preflight as { ok?: unknown; baseline?: unknown } | undefined;
  let baseline: Baseline;
  let baselineSource: AfterResult["baselineSource"];
  let baselineRunId = options.runId;
  const startedAt = runStartedAt(run);
  const earlier =
    preflight?.ok === true || startedAt === undefined ? undefined : await findEarlierPreflight(options.resultsDir, options, startedAt);
  if (preflight?.ok === true && isBaseline(preflight.baseline)) {
    baseline = preflight.baseline;
    baselineSource = "preflight";
  } else if (earlier) {
    baseline = earlier.baseline;
    baselineSource = "earlier-preflight";
    baselineRunId = earlier.runId;
  } else {
    if (!otherTarget && stats === null && run?.emulatorStartedByRun === true) {
      throw new VerifyFailure(
        "bad_usage",
        `run ${options.runId} has no preflight baseline, and its emulator (${runBaseUrl ?? "started for the run"}) was started by the run tool and stopped with the run: ` +
          `set GEMINI_BASE_URL to a running emulator of the same profile for a fresh baseline`,
      );
    }
    const overBudget = preflightBudgetProblem(options);
    if (overBudget) throw new VerifyFailure("bad_usage", overBudget);
    const host = urlHost(options.baseUrl);
    if (host === undefined || !isLoopbackHost(host)) options.log?.(describePreflightPlan(options, displayUrl(options.baseUrl)));
    const fresh = await (options.dialect === "openai" ? runOpenAiPreflight(options) : runPreflight(options));
    if (!fresh.ok || !fresh.baseline) {
      const failure = fresh.failure;
      throw new VerifyFailure(
        failure?.class ?? "unexpected",
        `run ${options.runId} has no preflight baseline and a fresh one failed: ${failure?.message ?? "no baseline"}`,
      );
    }
    await mergeVerifyJson(options.resultsDir, options.runId, "preflight", redactValue(fresh, options.apiKey));
    baseline = fresh.baseline;
    baselineSource = "fresh";
  }
  const impact = computeLoadImpact(summary, baseline);
  const groundTruth = stats ? compareWithGroundTruth(summary, impact, stats) : null;

  const result: AfterResult = {
    at: new Date().toISOString(),
    runId: options.runId,
    baselineSource,
    baselineRunId,
    baseline,
    impact,
    groundTruth,
    ...(groundTruthNote ? { groundTruthNote } : {}),
    influx: null,
  };
  // The figures are saved before InfluxDB is tried, so a database problem cannot lose them.
  let file = await mergeVerifyJson(options.resultsDir, options.runId, "after", result);
  if (influxTarget) {
    result.influx = await writeInflux(influxTarget, options.runId, impact, baseline, groundTruth);
    file = await mergeVerifyJson(options.resultsDir, options.runId, "after", result);
  }
  return { result, file };
}

/** Writes the figures to InfluxDB; a failure is returned as `{ error }`, never thrown: it is not the run's. */
async function writeInflux(
  target: InfluxTarget,
  runId: string,
  impact: LoadImpact,
  baseline: Baseline,
  groundTruth: GroundTruth | null,
): Promise<AfterResult["influx"]> {
  const fields = impactFields(impact, baseline);
  if (groundTruth) {
    fields.emulator_requests = groundTruth.emulatorRequests;
    fields.emulator_total_p95_ms = groundTruth.serverTotalP95Ms;
    fields.emulator_ttfb_p95_ms = groundTruth.serverTtfbP95Ms;
    if (groundTruth.k6MinusServerP95Ms !== null) fields.k6_minus_server_p95_ms = groundTruth.k6MinusServerP95Ms;
  }
  try {
    return { written: await writeVerifyPoint(target, runId, "after", fields), target: describeTarget(target) };
  } catch (error) {
    return { target: describeTarget(target), error: error instanceof Error ? error.message : String(error) };
  }
}
