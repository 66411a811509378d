// Time windows of the shapes that report over time (spike, soak, breakpoint). k6 VUs share no memory and
// handleSummary sees only aggregates, so every sample carries its window as a tag (set by lib/pacing.ts)
// and one threshold per window makes k6 keep that window's sub-metrics for the summary.
// Pure: the windows follow from the shape's timeline, known before the run.

import type { GeminiConfig } from "./config.ts";
import { ratePlan, offeredBetween, type ShapeConfig } from "./shapes.ts";
import type { Threshold } from "./thresholds.ts";

/** The windows of a run: `count` windows of `windowMs`, the first starting with the scenario. */
export interface WindowPlan {
  windowMs: number;
  count: number;
}

/** The windows of the shape, or undefined when it has none (smoke, load, stress). */
export function windowPlan(config: ShapeConfig): WindowPlan | undefined {
  if (config.shape !== "spike" && config.shape !== "soak" && config.shape !== "breakpoint") return undefined;
  const plan = ratePlan(config);
  const totalMs = plan?.stages.reduce((sum, stage) => sum + stage.durationMs, 0) ?? 0;
  const windowMs = config.shapes.windowMs;
  return { windowMs, count: Math.max(1, Math.ceil(totalMs / windowMs - 1e-9)) };
}

/** The tag value of window `index` (w000, w001, …): fixed width, so names sort in time order. */
export function windowName(index: number): string {
  return `w${String(index).padStart(3, "0")}`;
}

/** Offered requests per second over window `index`: the mean of the timeline across it. */
export function windowOfferedRate(config: ShapeConfig, windows: WindowPlan, index: number): number {
  const plan = ratePlan(config);
  if (plan === undefined) return 0;
  const from = index * windows.windowMs;
  // The last window may extend past the timeline's end: its rate is over the part that is planned.
  const totalMs = plan.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
  const to = Math.min(from + windows.windowMs, totalMs);
  return to > from ? offeredBetween(plan, from, to) / ((to - from) / 1000) : 0;
}

/**
 * One threshold per window and metric, so k6 keeps `gemini_request_duration{window:w007}` and
 * `gemini_errors{window:w007}`. Always true for spike and soak. For breakpoint they are the objective
 * itself (p95 within GEMINI_SLO_MS, errors within GEMINI_MAX_ERROR_RATE) and abort the run when
 * crossed; k6 measures `delayAbortEval` from the test's start, so each window may stop the run only
 * once it is over and half a window more has passed, when its slow requests have mostly come back.
 */
export function windowThresholds(config: ShapeConfig & Pick<GeminiConfig, "sloMs" | "thresholds">): Record<string, Threshold[]> {
  const windows = windowPlan(config);
  if (windows === undefined) return {};
  const thresholds: Record<string, Threshold[]> = {};
  for (let index = 0; index < windows.count; index++) {
    const name = windowName(index);
    if (config.shape === "breakpoint") {
      const delayAbortEval = `${Math.round((index + 1.5) * windows.windowMs)}ms`;
      thresholds[`gemini_request_duration{window:${name}}`] = [{ threshold: `p(95)<${config.sloMs}`, abortOnFail: true, delayAbortEval }];
      thresholds[`gemini_errors{window:${name}}`] = [
        { threshold: `rate<=${config.thresholds.maxErrorRate}`, abortOnFail: true, delayAbortEval },
      ];
    } else {
      thresholds[`gemini_request_duration{window:${name}}`] = ["max>=0"];
      thresholds[`gemini_errors{window:${name}}`] = ["rate>=0"];
    }
  }
  return thresholds;
}
