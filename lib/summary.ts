// End-of-test outputs: summary.json, junit.xml (one testcase per threshold) and the text summary for stdout.
// Pure (no k6 import): the scenario's handleSummary passes k6's summary data and the run context in.

import { displayUrl } from "./config.ts";
import {
  arrivalsReport,
  breakpointResult,
  POISSON_PLANNED_CV,
  spikeResult,
  windowReports,
  type ArrivalsReport,
  type BreakpointResult,
  type ShapeContext,
  type SpikeResult,
  type WindowReport,
} from "./shape-report.ts";
import { CLOSED_SCENARIO, OPEN_SCENARIO } from "./workloads.ts";

/** One metric as k6 hands it to handleSummary. */
export interface SummaryMetric {
  type: "counter" | "gauge" | "rate" | "trend";
  contains: "default" | "time" | "data";
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

/** The part of k6's handleSummary data this module reads. */
export interface SummaryData {
  metrics: Record<string, SummaryMetric>;
  state: { testRunDurationMs: number; isStdOutTTY?: boolean };
}

/** What the run was asked to do, for the offered-versus-achieved lines and the report header. */
export interface SummaryContext {
  /** The scenario's name (e.g. "moderation"): the text summary's title and the JUnit suite. */
  name: string;
  /** The scenario's own rate metrics for its line of the text summary, as [label, metric name]. */
  rates: ReadonlyArray<readonly [label: string, metric: string]>;
  runId: string;
  /** Folder or file prefix for outputs, e.g. "results/20261126-010203-a1b2/". */
  outputPrefix: string;
  model: string;
  baseUrl: string;
  apiVersion: string;
  scenario: "closed" | "open" | "both";
  /** Offered rate of the open scenario, requests/s. */
  offeredRate: number;
  openDurationMs: number;
  /** When the open scenario starts (after the closed one with `both`). */
  openStartMs: number;
  closedDurationMs: number;
  peakVus: number;
  dashboard: boolean;
  /** The redacted config, stored in summary.json. */
  config: unknown;
  /** The test type and what its report needs (lib/shape-report.ts); absent means the `load` shape. */
  shape?: ShapeContext["shape"];
  openScenario?: string;
  closedScenario?: string;
  arrivals?: ShapeContext["arrivals"];
  windows?: ShapeContext["windows"];
  spike?: ShapeContext["spike"];
  breakpoint?: ShapeContext["breakpoint"];
  /** One runner of a distributed run (lib/segments.ts): its rates are already its share. */
  runner?: RunnerInfo;
}

/** Which runner of a distributed run wrote a summary; `npm run results:merge` joins them. */
export interface RunnerInfo {
  /** The `instance` tag, e.g. "2-of-3". */
  instance: string;
  /** The execution segment, e.g. "1/3:2/3". */
  segment: string;
  runners: number;
}

/** One threshold's result, with the measured value it was compared against. */
export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
  actual: number | undefined;
  /** The failure text, where "threshold crossed: <metric> <expression>, actual <actual>" would not fit. */
  failure?: string;
}

/** How long the run was planned to take against how long it ran, in seconds. */
export interface CutShort {
  ranSeconds: number;
  plannedSeconds: number;
}

/**
 * The planned length of the load: the closed scenario's duration, or the open one's start plus its
 * duration (the open scenario follows the closed one with `both`). Graceful stops only add to it.
 */
function plannedLoadMs(
  context: Pick<SummaryContext, "scenario" | "closedDurationMs" | "openStartMs" | "openDurationMs" | "shape">,
): number {
  // Smoke runs its iterations however long they take; breakpoint is meant to stop itself.
  if (context.shape === "smoke" || context.shape === "breakpoint") return 0;
  return context.scenario === "closed" ? context.closedDurationMs : context.openStartMs + context.openDurationMs;
}

/**
 * Set when the run ended clearly before its planned length (more than max(2 s, 5%) short): k6 was
 * aborted (budget spent, hopeless error rate) or interrupted (Ctrl-C, SIGTERM). Its thresholds may all
 * pass on the part that ran, but the planned load was never applied.
 */
export function cutShort(data: SummaryData, context: Parameters<typeof plannedLoadMs>[0]): CutShort | undefined {
  const plannedMs = plannedLoadMs(context);
  const ranMs = data.state.testRunDurationMs;
  if (plannedMs - ranMs <= Math.max(2000, plannedMs * 0.05)) return undefined;
  return { ranSeconds: Math.round(ranMs / 100) / 10, plannedSeconds: Math.round(plannedMs / 100) / 10 };
}

/**
 * The criterion "the run completed its planned load", as a result beside the thresholds. None for a
 * run that sent nothing: its own criterion (count>0) already says it stopped before its load.
 */
function completionResult(data: SummaryData, context: Parameters<typeof plannedLoadMs>[0]): ThresholdResult | undefined {
  if (requestsSent(data) === 0) return undefined;
  const short = cutShort(data, context);
  const planned = (plannedLoadMs(context) / 1000).toFixed(1);
  return {
    metric: "run",
    expression: `completed its planned load (${planned} s)`,
    ok: short === undefined,
    actual: data.state.testRunDurationMs / 1000,
    ...(short
      ? {
          failure: `run cut short: ran ${short.ranSeconds} s of the planned ${short.plannedSeconds} s (aborted, budget spent or interrupted)`,
        }
      : {}),
  };
}

/** Sub-metrics kept only so the summary can count them (always-true expressions); not reported as criteria. */
export function isBookkeeping(expression: string): boolean {
  return /^\s*(rate|count|max)\s*>=\s*0\s*$/.test(expression);
}

/**
 * True when a rate or trend metric got no samples: k6 then reports its statistics as 0 (and passes its
 * thresholds), which would read as a measurement. Counters are not affected: their 0 is a true count.
 * A metric k6 left out of the data entirely was never sampled either.
 */
function hasNoSamples(metric: SummaryMetric | undefined): boolean {
  if (metric === undefined) return true;
  if (metric.type === "rate") return (metric.values.passes ?? 0) + (metric.values.fails ?? 0) === 0;
  if (metric.type === "trend") return metric.values.count === 0;
  return false;
}

/** Number of the scenario's requests that completed (with or without success). */
export function requestsSent(data: SummaryData): number {
  return data.metrics.gemini_request_duration?.values.count ?? 0;
}

/**
 * Reads every threshold out of the summary data, with its actual value. A run that sent no requests
 * (stopped in setup, or aborted at once) gets a failing criterion of its own: thresholds on metrics
 * without samples would otherwise read as passed.
 */
export function thresholdResults(data: SummaryData): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  if (requestsSent(data) === 0) results.push({ metric: "gemini_request_duration", expression: "count>0", ok: false, actual: 0 });
  for (const metric of Object.keys(data.metrics).sort()) {
    // Per-window thresholds are the windows' report (and breakpoint's stop rule), not run criteria.
    if (metric.includes("{window:")) continue;
    const entry = data.metrics[metric];
    for (const [expression, { ok }] of Object.entries(entry?.thresholds ?? {})) {
      if (isBookkeeping(expression)) continue;
      const aggregation = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)/.exec(expression)?.[1];
      const actual = aggregation === undefined || hasNoSamples(entry) ? undefined : entry?.values[aggregation];
      results.push({ metric, expression, ok, actual });
    }
  }
  return results;
}

/** Offered versus achieved load, so a generator that fell behind is not mistaken for a slow service. */
export interface LoadReport {
  open?: { offeredRate: number; achievedRate: number; iterations: number; dropped: number; httpRequests: number };
  closed?: { peakVus: number; achievedRate: number; iterations: number };
  /** Every HTTP request k6 made, the setup preflight included. */
  httpRequests: number;
  retries: number;
  /** Requests outside the load: the setup preflight's attempts (http_reqs minus requests sent and their retries). */
  preflightRequests: number;
  /** The open model's arrival process and its measured inter-arrival CV. */
  arrivals?: ArrivalsReport;
}

/** Computes the load figures from scenario-tagged sub-metrics. */
export function loadReport(data: SummaryData, context: SummaryContext): LoadReport {
  const count = (name: string) => data.metrics[name]?.values.count ?? 0;
  const httpRequests = count("http_reqs");
  const retries = count("gemini_retries");
  // Each request sent is one first attempt plus its retries; what is left is setup()'s preflight.
  const preflightRequests = Math.max(0, httpRequests - requestsSent(data) - retries);
  const report: LoadReport = { httpRequests, retries, preflightRequests };
  // A run cut short (budget spent, hopeless error rate) ran for less than its configured time.
  const ranMs = data.state.testRunDurationMs;
  const closedMs = Math.max(1, context.closedDurationMs > 0 ? Math.min(context.closedDurationMs, ranMs) : ranMs);
  const openScenario = context.openScenario ?? OPEN_SCENARIO;
  if (context.scenario !== "closed") {
    // Poisson arrivals run k6's clock k times faster: its iterations are ticks, the requests are what was offered.
    const ticks = count(`iterations{scenario:${openScenario}}`);
    // Only the open scenario drops iterations. Every scheduled iteration either started or was dropped,
    // so the share that started, times the offered rate, is exact whatever k6's rounding at the window's
    // end and however early the run was cut short (docs/metrics.md).
    const dropped = count("dropped_iterations");
    const scheduled = ticks + dropped;
    const poisson = context.arrivals?.process === "poisson";
    report.open = {
      offeredRate: context.offeredRate,
      achievedRate: scheduled === 0 ? 0 : (context.offeredRate * ticks) / scheduled,
      iterations: poisson ? requestsSent(data) : ticks,
      dropped,
      httpRequests: count(`http_reqs{scenario:${openScenario}}`),
    };
    const arrivals = context.arrivals
      ? arrivalsReport(data.metrics, { arrivals: context.arrivals, scenario: context.scenario }, dropped)
      : undefined;
    if (arrivals) report.arrivals = arrivals;
  }
  if (context.scenario !== "open") {
    const iterations = count(`iterations{scenario:${context.closedScenario ?? CLOSED_SCENARIO}}`);
    report.closed = { peakVus: context.peakVus, achievedRate: iterations / (closedMs / 1000), iterations };
  }
  return report;
}

/** Escapes text for XML attributes and content. */
export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c);
}

/** JUnit XML with one testcase per threshold; a crossed threshold is a failure. */
export function junitXml(results: ThresholdResult[], context: Pick<SummaryContext, "runId" | "name">, durationMs: number): string {
  const failures = results.filter((r) => !r.ok).length;
  const seconds = (durationMs / 1000).toFixed(3);
  const cases = results.map((r) => {
    const name = xmlEscape(`${r.metric} ${r.expression}`);
    const head = `    <testcase classname="gemini-k6.${r.failure !== undefined || r.metric === "run" ? "run" : "thresholds"}" name="${name}" time="0">`;
    if (r.ok) return `${head}</testcase>`;
    const message = xmlEscape(r.failure ?? `threshold crossed: ${r.metric} ${r.expression}, actual ${formatNumber(r.actual)}`);
    return `${head}\n      <failure message="${message}" type="${r.failure ? "run" : "threshold"}">${message}</failure>\n    </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="gemini-k6" tests="${results.length}" failures="${failures}" time="${seconds}">`,
    `  <testsuite name="${xmlEscape(`${context.name} ${context.runId}`)}" tests="${results.length}" failures="${failures}" errors="0" time="${seconds}">`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
    ``,
  ].join("\n");
}

function formatNumber(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return "n/a";
  if (Number.isInteger(value)) return String(value);
  // Rates near 1 need three decimals, or 0.996 prints as a pass-looking 1.00.
  return Math.abs(value) < 1 ? value.toFixed(Math.max(digits, 3)) : value.toFixed(digits);
}

const NO_SAMPLES = "n/a (no samples)";

/** A rate metric as a percentage, or n/a when nothing was measured (k6 would say 0). */
function ratePercent(metric: SummaryMetric | undefined): string {
  const rate = metric?.values.rate;
  return hasNoSamples(metric) || rate === undefined ? NO_SAMPLES : `${(rate * 100).toFixed(1)}%`;
}

/** One statistic of a trend metric, or n/a when the trend has no samples. */
function trendStat(metric: SummaryMetric | undefined, stat: string, digits: number): string {
  return hasNoSamples(metric) ? NO_SAMPLES : formatNumber(metric?.values[stat], digits);
}

/** The compact text summary printed on stdout. */
export function textSummary(data: SummaryData, context: SummaryContext, files: string[]): string {
  const m = data.metrics;
  const lines: string[] = [];
  lines.push("");
  const shown = context.shape === undefined || context.shape === "load" ? `scenario ${context.scenario}` : `shape ${context.shape}`;
  const runner = context.runner ? ` · runner ${context.runner.instance} (segment ${context.runner.segment})` : "";
  lines.push(
    `gemini-k6 ${context.name} · run ${context.runId} · ${context.model} at ${displayUrl(context.baseUrl)} (${context.apiVersion}) · ${shown}${runner}`,
  );
  const load = loadReport(data, context);
  if (load.open) {
    const o = load.open;
    const behind = o.dropped > 0 ? ` — the generator fell behind: raise GEMINI_PREALLOCATED_VUS or GEMINI_MAX_VUS` : "";
    lines.push(
      `open model:   offered ${o.offeredRate.toFixed(2)} req/s, achieved ${o.achievedRate.toFixed(2)} req/s ` +
        `(${o.iterations} iterations, ${o.dropped} dropped)${behind}`,
    );
  }
  if (load.closed) {
    lines.push(
      `closed model: ${load.closed.peakVus} VUs at peak, achieved ${load.closed.achievedRate.toFixed(2)} req/s (${load.closed.iterations} iterations)`,
    );
  }
  if (load.arrivals) lines.push(`arrivals:     ${describeArrivals(load.arrivals)}`);
  lines.push(...shapeLines(shapeResults(data, context), context));
  const byClass = Object.keys(m)
    .map((name) => /^gemini_errors\{error_class:(\w+)\}$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null && (m[match[0]]?.values.passes ?? 0) > 0)
    .map((match) => `${match[1]} ${m[match[0]]?.values.passes}`);
  lines.push(
    `requests:     ${formatNumber(m.gemini_request_duration?.values.count)} sent, ${load.httpRequests} HTTP attempts incl. ${load.retries} retries` +
      `${load.preflightRequests > 0 ? ` and ${load.preflightRequests} setup preflight` : ""}; ` +
      `errors ${ratePercent(m.gemini_errors)}${byClass.length > 0 ? ` (${byClass.join(", ")})` : ""}; ` +
      `429s ${formatNumber(m.gemini_rate_limited?.values.count ?? 0)}, 503s ${formatNumber(m.gemini_overloaded?.values.count ?? 0)}, blocked ${formatNumber(m.gemini_blocked?.values.count ?? 0)}`,
  );
  lines.push(`latency (ms)             p50      p90      p95      p99      max`);
  const trendRow = (label: string, name: string) => {
    const metric = m[name];
    if (!metric) return;
    const cells = hasNoSamples(metric)
      ? `  ${NO_SAMPLES}`
      : ["med", "p(90)", "p(95)", "p(99)", "max"].map((k) => formatNumber(metric.values[k], 1).padStart(8)).join(" ");
    lines.push(`  ${label.padEnd(20)} ${cells}`);
  };
  trendRow("request (all tries)", "gemini_request_duration");
  trendRow("one attempt", "gemini_attempt_duration");
  trendRow("time to first token", "gemini_ttft");
  trendRow("ms per output token", "gemini_time_per_output_token");
  lines.push(
    `tokens:       prompt ${formatNumber(m.gemini_prompt_tokens?.values.count ?? 0)}, output ${formatNumber(m.gemini_output_tokens?.values.count ?? 0)}, ` +
      `thinking ${formatNumber(m.gemini_thinking_tokens?.values.count ?? 0)}; output tokens/s p50 ${trendStat(m.gemini_tokens_per_second, "med", 1)}; ` +
      `estimated cost $${(m.gemini_cost_usd?.values.count ?? 0).toFixed(4)}`,
  );
  // The gated contract checks only: plain `checks` also counts "verdict matches the label", which is accuracy.
  const rates = context.rates.map(([label, metric]) => `${label} ${ratePercent(m[metric])}, `).join("");
  lines.push(
    `${`${context.name}:`.padEnd(13)} ${rates}goodput ${ratePercent(m.gemini_goodput)}, ` +
      `contract checks ${ratePercent(m["checks{check_kind:contract}"])}`,
  );
  const results = thresholdResults(data);
  const failed = results.filter((r) => !r.ok).length;
  if (requestsSent(data) === 0)
    lines.push(`no ${context.name} requests were sent: the run stopped before its load (see the message above)`);
  const completion = completionResult(data, context);
  if (completion?.failure) lines.push(`✗ ${completion.failure} — the run fails`);
  lines.push(`thresholds:   ${failed === 0 ? "all passed" : `${failed} of ${results.length} crossed — the run fails`}`);
  for (const r of results)
    lines.push(
      `  ${r.ok ? "✓" : "✗"} ${r.metric} ${r.expression} (${r.actual === undefined ? "no samples" : `actual ${formatNumber(r.actual)}`})`,
    );
  lines.push(`results:      ${files.join(", ")}`);
  lines.push("");
  return lines.join("\n");
}

/** `<results>/<run-id>/summary.json`: written here, read by verify and the Node tools (tools/results/store.ts). */
export interface SummaryFile {
  runId: string;
  model: string;
  /** The target without credentials (displayUrl). */
  baseUrl: string;
  apiVersion: string;
  scenario: SummaryContext["scenario"];
  passed: boolean;
  /** The test type (GEMINI_SHAPE): smoke, load, stress, spike, soak or breakpoint. */
  shape: NonNullable<SummaryContext["shape"]>;
  /** Present only when the run ended clearly before its planned length. */
  cutShort?: CutShort;
  load: LoadReport;
  /** spike, soak and breakpoint: the run in time windows (requests started in each). */
  windows?: WindowReport[];
  spike?: SpikeResult;
  breakpoint?: BreakpointResult;
  /** Present on one runner's summary of a distributed run. */
  runner?: RunnerInfo;
  thresholds: Array<Omit<ThresholdResult, "actual"> & { actual: number | null }>;
  config: unknown;
  testRunDurationMs: number;
  /** k6's own summary metrics. */
  metrics: Record<string, SummaryMetric>;
}

/** Everything handleSummary returns: stdout plus the files under the run's results folder. */
export function summaryOutputs(data: SummaryData, context: SummaryContext): Record<string, string> {
  const summaryPath = `${context.outputPrefix}summary.json`;
  const junitPath = `${context.outputPrefix}junit.xml`;
  const files = [summaryPath, junitPath];
  if (context.dashboard) files.push(`${context.outputPrefix}report.html`);
  const results = thresholdResults(data);
  const completion = completionResult(data, context);
  const short = cutShort(data, context);
  const criteria = completion ? [...results, completion] : results;
  const shape = shapeResults(data, context);
  const summary: SummaryFile = {
    runId: context.runId,
    model: context.model,
    baseUrl: displayUrl(context.baseUrl),
    apiVersion: context.apiVersion,
    scenario: context.scenario,
    shape: context.shape ?? "load",
    // A breakpoint run passes when it measured something: its per-window criteria are meant to break.
    passed: criteria.every((r) => r.ok),
    // Present only when the run ended clearly before its planned length (k6 aborted or interrupted).
    ...(short ? { cutShort: short } : {}),
    load: loadReport(data, context),
    ...(context.windows ? { windows: shape.windows } : {}),
    ...(shape.spike ? { spike: shape.spike } : {}),
    ...(shape.breakpoint ? { breakpoint: shape.breakpoint } : {}),
    ...(context.runner ? { runner: context.runner } : {}),
    // null, not a missing key, where a metric had no samples (k6's own verdict, `ok`, is kept).
    thresholds: results.map((r) => ({ ...r, actual: r.actual ?? null })),
    config: withDisplayUrl(context.config),
    testRunDurationMs: data.state.testRunDurationMs,
    metrics: data.metrics,
  };
  return {
    stdout: textSummary(data, context, files),
    [summaryPath]: `${JSON.stringify(summary, null, 2)}\n`,
    [junitPath]: junitXml(criteria, context, data.state.testRunDurationMs),
  };
}

/** The windows, spike recovery and breakpoint knee of the run, where its shape has them. */
function shapeResults(
  data: SummaryData,
  context: SummaryContext,
): { windows: WindowReport[]; spike?: SpikeResult; breakpoint?: BreakpointResult } {
  const windows = windowReports(data.metrics, context, data.state.testRunDurationMs);
  const spike = spikeResult(windows, context);
  const breakpoint = breakpointResult(windows, context);
  return { windows, ...(spike ? { spike } : {}), ...(breakpoint ? { breakpoint } : {}) };
}

function describeArrivals(arrivals: ArrivalsReport): string {
  const cv =
    arrivals.interArrivalCv === null
      ? "not measured (the rate changes over the run, k6 dropped iterations, or no iteration was timed)"
      : `${arrivals.interArrivalCv.toFixed(3)} over ${arrivals.samples} samples`;
  const expected = arrivals.process === "poisson" ? `about ${POISSON_PLANNED_CV.toFixed(3)} expected` : "about 0 expected";
  return `${arrivals.process}; inter-arrival CV ${cv} (${expected})`;
}

/** The shape's result in words: the knee, the recovery, the windows. */
function shapeLines(results: ReturnType<typeof shapeResults>, context: SummaryContext): string[] {
  const lines: string[] = [];
  const b = results.breakpoint;
  if (b) {
    if (b.brokeAtRate === null)
      lines.push(`breakpoint:   not reached: the objective held up to ${formatNumber(b.sustainedRate ?? 0)} req/s, the highest rate tried`);
    else
      lines.push(
        `breakpoint:   sustained ${b.sustainedRate === null ? "no window" : `${formatNumber(b.sustainedRate)} req/s`} within the objective; broke at ${formatNumber(b.brokeAtRate)} req/s: ${b.criterion}`,
      );
  }
  const spike = results.spike;
  if (spike) {
    const limit =
      spike.baselineP95Ms === null
        ? ""
        : ` (p95 back within ${Math.round(spike.margin * 100)}% of ${formatNumber(spike.baselineP95Ms, 0)} ms)`;
    lines.push(
      spike.recoverySeconds === null
        ? `spike:        did not recover before the run ended${limit}`
        : `spike:        recovered within ${formatNumber(spike.recoverySeconds)} s of the spike's end${limit}`,
    );
  }
  if (context.windows && results.windows.length > 0) {
    lines.push(`windows of ${context.windows.windowMs / 1000} s     start   offered   achieved     p50 ms     p95 ms   errors`);
    for (const w of results.windows) {
      const ms = (value: number | null) => (value === null ? "n/a" : value.toFixed(0)).padStart(10);
      const errors = w.errorRate === null ? "n/a" : `${(w.errorRate * 100).toFixed(1)}%`;
      lines.push(
        `  ${w.window}  ${`${w.startSeconds}s`.padStart(12)} ${w.offeredRate.toFixed(1).padStart(9)} ${w.achievedRate.toFixed(1).padStart(10)} ${ms(w.p50Ms)} ${ms(w.p95Ms)} ${errors.padStart(8)}`,
      );
    }
  }
  return lines;
}

/** The stored config with its base URL in the {@link displayUrl} form, whoever built it. */
function withDisplayUrl(config: unknown): unknown {
  if (typeof config !== "object" || config === null || !("baseUrl" in config) || typeof config.baseUrl !== "string") return config;
  return { ...config, baseUrl: displayUrl(config.baseUrl) };
}
