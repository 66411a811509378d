// What each shape's summary adds: the time windows (spike, soak, breakpoint), the spike's recovery time,
// the breakpoint's knee and the arrivals' achieved inter-arrival CV, computed from k6's aggregates.
// Pure: lib/summary.ts calls it from handleSummary; the run context comes from shapeSummaryContext().

import { ARRIVAL_METRICS, interArrivalCv, type Moments } from "./arrivals.ts";
import type { ArrivalProcess, GeminiConfig, ScenarioChoice, ShapeName } from "./config.ts";
import { offeredBetween, POISSON_OVERSAMPLING, ratePlan, scenarioName, shapeDurationMs, shapeModel, spikePhases } from "./shapes.ts";
import { windowName, windowOfferedRate, windowPlan } from "./windows.ts";
import { GRACEFUL_STOP_MS, offeredRate } from "./workloads.ts";

/** The values of k6's summary metrics, as far as this module reads them. */
type Metrics = Readonly<Record<string, { values: Record<string, number> } | undefined>>;

/** The run context of a shape, as lib/summary.ts SummaryContext holds it. */
export interface ShapeContext {
  shape: ShapeName;
  /** Which model ran: closed (smoke, load closed), open (stress, spike, soak, breakpoint, load open) or both. */
  scenario: ScenarioChoice;
  /** The k6 `scenario` tags of the open and the closed model. */
  openScenario: string;
  closedScenario: string;
  /** Mean offered rate of the open model over its planned length, requests/s. */
  offeredRate: number;
  openDurationMs: number;
  openStartMs: number;
  /** 0 for smoke: it runs its iterations, however long they take. */
  closedDurationMs: number;
  peakVus: number;
  arrivals: {
    process: ArrivalProcess;
    /** The planned gap of constant arrivals at a constant rate, ms; absent when the rate changes. */
    fixedGapMs?: number;
    /** True for load and soak: only a constant offered rate has a known schedule to measure the CV against. */
    constantRate: boolean;
  };
  windows?: { windowMs: number; offeredRates: number[] };
  spike?: { startMs: number; endMs: number; margin: number };
  breakpoint?: { sloMs: number; maxErrorRate: number };
}

/** The summary context of the configured shape (lib/scenario-kit.ts passes it to summaryOutputs). */
export function shapeSummaryContext(config: GeminiConfig): ShapeContext {
  const model = shapeModel(config);
  const load = config.shape === "load";
  const windows = windowPlan(config);
  const openDurationMs = load ? config.durationMs : config.shape === "smoke" ? 0 : shapeDurationMs(config);
  const constantRate = load || config.shape === "soak";
  const offered = constantRate ? offeredRate(config) : meanOffered(config, openDurationMs);
  return {
    shape: config.shape,
    scenario: model,
    openScenario: scenarioName(config, "open"),
    closedScenario: scenarioName(config, "closed"),
    offeredRate: offered,
    openDurationMs,
    openStartMs: load && config.scenario === "both" ? config.durationMs + GRACEFUL_STOP_MS : 0,
    closedDurationMs: config.shape === "smoke" ? 0 : config.durationMs,
    peakVus: config.shape === "smoke" ? 1 : config.vus,
    arrivals: { process: config.arrivals, constantRate, ...(constantRate ? { fixedGapMs: 1000 / offeredRate(config) } : {}) },
    ...(windows
      ? {
          windows: {
            windowMs: windows.windowMs,
            offeredRates: Array.from({ length: windows.count }, (_, i) => windowOfferedRate(config, windows, i)),
          },
        }
      : {}),
    ...(config.shape === "spike" ? { spike: { ...spikePhases(config), margin: config.shapes.spike.margin } } : {}),
    ...(config.shape === "breakpoint" ? { breakpoint: { sloMs: config.sloMs, maxErrorRate: config.thresholds.maxErrorRate } } : {}),
  };
}

/** Mean offered rate over the open model's planned length: the area under its timeline over its length. */
function meanOffered(config: GeminiConfig, durationMs: number): number {
  const plan = ratePlan(config);
  return plan === undefined || durationMs <= 0 ? 0 : offeredBetween(plan, 0, durationMs) / (durationMs / 1000);
}

/** One time window of the run, as summary.json stores it. Latency and errors are of the requests started in it. */
export interface WindowReport {
  window: string;
  startSeconds: number;
  offeredRate: number;
  requests: number;
  /** Requests started per second (completed ones). */
  achievedRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
  errorRate: number | null;
}

/** The windows that got samples or lie within the run, in time order. */
export function windowReports(metrics: Metrics, context: Pick<ShapeContext, "windows">, testRunDurationMs: number): WindowReport[] {
  const windows = context.windows;
  if (windows === undefined) return [];
  const reports: WindowReport[] = [];
  windows.offeredRates.forEach((offered, index) => {
    const name = windowName(index);
    const duration = metrics[`gemini_request_duration{window:${name}}`]?.values;
    const errors = metrics[`gemini_errors{window:${name}}`]?.values;
    const requests = duration?.count ?? 0;
    const startMs = index * windows.windowMs;
    if (requests === 0 && startMs >= testRunDurationMs) return;
    const errorSamples = (errors?.passes ?? 0) + (errors?.fails ?? 0);
    reports.push({
      window: name,
      startSeconds: startMs / 1000,
      offeredRate: round(offered, 3),
      requests,
      achievedRate: round(requests / (windows.windowMs / 1000), 3),
      p50Ms: requests > 0 ? round(duration?.med ?? 0, 1) : null,
      p95Ms: requests > 0 ? round(duration?.["p(95)"] ?? 0, 1) : null,
      errorRate: errorSamples > 0 ? round(errors?.rate ?? 0, 4) : null,
    });
  });
  return reports;
}

/** summary.json `spike`: seconds from the spike's end until a window's p95 was back within the margin of before. */
export interface SpikeResult {
  /** Null when no window after the spike came back within the margin before the run ended. */
  recoverySeconds: number | null;
  /** Mean p95 of the windows wholly before the spike, ms. */
  baselineP95Ms: number | null;
  margin: number;
}

/**
 * The spike's recovery: the first window starting at or after the spike's end whose p95 is at most
 * (1 + margin) × the pre-spike windows' mean p95; reported at that window's end, so its resolution is
 * one window (0 cannot be observed: a window is needed to measure).
 */
export function spikeResult(windows: WindowReport[], context: Pick<ShapeContext, "spike" | "windows">): SpikeResult | undefined {
  const spike = context.spike;
  const windowMs = context.windows?.windowMs;
  if (spike === undefined || windowMs === undefined) return undefined;
  const before = windows.filter((w) => w.startSeconds * 1000 + windowMs <= spike.startMs && w.p95Ms !== null);
  const baseline = before.length > 0 ? before.reduce((sum, w) => sum + (w.p95Ms ?? 0), 0) / before.length : null;
  let recoverySeconds: number | null = null;
  if (baseline !== null) {
    const limit = baseline * (1 + spike.margin);
    const recovered = windows.find((w) => w.startSeconds * 1000 >= spike.endMs && w.p95Ms !== null && w.p95Ms <= limit);
    if (recovered) recoverySeconds = round((recovered.startSeconds * 1000 + windowMs - spike.endMs) / 1000, 3);
  }
  return { recoverySeconds, baselineP95Ms: baseline === null ? null : round(baseline, 1), margin: spike.margin };
}

/** summary.json `breakpoint`, in requests per second. */
export interface BreakpointResult {
  /** The highest offered rate of a window before the first broken one that kept the objective; null when the first window broke it. */
  sustainedRate: number | null;
  /** The offered rate of the first window that broke the objective; null when none did (the capacity is above the range tried). */
  brokeAtRate: number | null;
  /** Which rule broke, e.g. "p95 5234 ms > 5000 ms over 10 s"; null when none did. */
  criterion: string | null;
}

/** The knee: windows in time order, until the first whose p95 reached GEMINI_SLO_MS or whose error rate exceeded the maximum. */
export function breakpointResult(
  windows: WindowReport[],
  context: Pick<ShapeContext, "breakpoint" | "windows">,
): BreakpointResult | undefined {
  const objective = context.breakpoint;
  const windowMs = context.windows?.windowMs;
  if (objective === undefined || windowMs === undefined) return undefined;
  const span = `over ${windowMs / 1000} s`;
  let sustained: number | null = null;
  for (const w of windows) {
    if (w.requests === 0) continue;
    let criterion: string | undefined;
    if (w.p95Ms !== null && w.p95Ms >= objective.sloMs) criterion = `p95 ${Math.round(w.p95Ms)} ms ≥ ${objective.sloMs} ms ${span}`;
    else if (w.errorRate !== null && w.errorRate > objective.maxErrorRate)
      criterion = `errors ${(w.errorRate * 100).toFixed(1)}% > ${(objective.maxErrorRate * 100).toFixed(1)}% ${span}`;
    if (criterion !== undefined)
      return { sustainedRate: sustained, brokeAtRate: w.offeredRate, criterion: `${criterion} (window ${w.window})` };
    sustained = Math.max(sustained ?? 0, w.offeredRate);
  }
  return { sustainedRate: sustained, brokeAtRate: null, criterion: null };
}

/** summary.json `load.arrivals`. */
export interface ArrivalsReport {
  process: ArrivalProcess;
  /** Achieved inter-arrival coefficient of variation: ≈1 for Poisson, ≈0 for constant; null where not measured (a changing rate, or dropped iterations). */
  interArrivalCv: number | null;
  /** How many gaps (Poisson) or lateness samples (constant) it rests on. */
  samples: number;
}

/** The arrivals of the open model and their measured CV (lib/arrivals.ts interArrivalCv). */
export function arrivalsReport(
  metrics: Metrics,
  context: Pick<ShapeContext, "arrivals" | "scenario">,
  dropped = 0,
): ArrivalsReport | undefined {
  if (context.scenario === "closed") return undefined;
  const total = (name: string) => metrics[name]?.values.count ?? 0;
  const moments = (n: string, sum: string, sumSq: string): Moments => ({ n: total(n), sum: total(sum), sumSq: total(sumSq) });
  const lateness = moments(ARRIVAL_METRICS.lateness, ARRIVAL_METRICS.latenessMs, ARRIVAL_METRICS.latenessMs2);
  const poisson = context.arrivals.process === "poisson";
  const gaps = poisson ? moments(ARRIVAL_METRICS.gaps, ARRIVAL_METRICS.gapMs, ARRIVAL_METRICS.gapMs2) : undefined;
  // A dropped iteration shifts k6's iteration numbers off the schedule the lateness is measured against.
  const cv =
    context.arrivals.constantRate && dropped === 0
      ? interArrivalCv({
          ...(gaps ? { plannedGaps: gaps } : {}),
          ...(poisson ? {} : { fixedGapMs: context.arrivals.fixedGapMs ?? 0 }),
          lateness,
        })
      : undefined;
  return { process: context.arrivals.process, interArrivalCv: cv === undefined ? null : round(cv, 4), samples: gaps?.n ?? lateness.n };
}

/** The expected CV of Poisson arrivals by thinning (√(1 − 1/k)), for the text summary. */
export const POISSON_PLANNED_CV = Math.sqrt(1 - 1 / POISSON_OVERSAMPLING);

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
