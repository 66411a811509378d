// Pass/fail criteria of a run, defined once. A crossed threshold makes k6 exit 99, which fails CI.
// Pure: returns k6 `options.thresholds` from the config.

import type { GeminiConfig } from "./config.ts";
import { ERROR_CLASSES } from "./errors.ts";
import { scenarioName, shapeModel } from "./shapes.ts";

/** One k6 threshold expression, plain or with abort settings. */
export type Threshold = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };

/** Error share at which a run is hopeless: it is stopped rather than left to burn time and quota. */
const HOPELESS_ERROR_RATE = 0.5;

/**
 * Always-true thresholds that only make k6 keep the sub-metrics the summary needs to show offered
 * versus achieved load per scenario (by default those of the `load` shape's two scenarios).
 */
export function loadReportThresholds(
  config: Pick<GeminiConfig, "shape" | "scenario"> = { shape: "load", scenario: "both" },
): Record<string, Threshold[]> {
  const open = scenarioName(config, "open");
  const closed = scenarioName(config, "closed");
  const model = shapeModel(config);
  const thresholds: Record<string, Threshold[]> = {};
  if (model !== "closed") {
    thresholds[`iterations{scenario:${open}}`] = ["count>=0"];
    thresholds[`http_reqs{scenario:${open}}`] = ["count>=0"];
  }
  if (model !== "open") thresholds[`iterations{scenario:${closed}}`] = ["count>=0"];
  return thresholds;
}

/** The `options.thresholds` every scenario shares; a scenario adds its own (lib/scenario-kit.ts). */
export function thresholdsFor(
  config: Pick<GeminiConfig, "thresholds" | "stream" | "budget"> & Partial<Pick<GeminiConfig, "shape">>,
): Record<string, Threshold[]> {
  const t = config.thresholds;
  const thresholds: Record<string, Threshold[]> = {};
  if (config.shape === "smoke") {
    // The check for every change: not one error, every contract check passing, latency within its limit.
    thresholds.gemini_request_duration = [`p(95)<${t.p95Ms}`];
    thresholds.gemini_errors = ["rate==0"];
    thresholds["checks{check_kind:contract}"] = ["rate==1"];
  } else if (config.shape === "breakpoint") {
    // Kept for the summary's line only (always true): an overloaded service fails them by design.
    thresholds["checks{check_kind:contract}"] = ["rate>=0"];
  } else {
    // A breakpoint run is meant to break its objective: its criteria are per window (lib/windows.ts).
    thresholds.gemini_request_duration = [`p(95)<${t.p95Ms}`];
    thresholds.gemini_errors = [
      `rate<=${t.maxErrorRate}`,
      // Wait for some samples so one early failure does not end the run. A user who accepts more errors
      // than the hopeless share is stopped only once their own limit is reached.
      { threshold: `rate<${Math.max(HOPELESS_ERROR_RATE, t.maxErrorRate)}`, abortOnFail: true, delayAbortEval: "10s" },
    ];
    // Only the contract checks (status, valid answer): a scenario's accuracy checks have their own threshold.
    thresholds["checks{check_kind:contract}"] = [`rate>=${t.minChecks}`];
    thresholds.gemini_goodput = [`rate>=${t.minGoodput}`];
    if (config.stream) thresholds.gemini_ttft = [`p(95)<${t.ttftP95Ms}`];
  }
  // Always-true thresholds make k6 keep one sub-metric per error class, so the summary can count them.
  for (const errorClass of ERROR_CLASSES) thresholds[`gemini_errors{error_class:${errorClass}}`] = ["rate>=0"];
  // k6 VUs share no memory, so no VU can see the test-wide spend. Thresholds are evaluated centrally on
  // the aggregated metrics (every 2 s), so they see all VUs: a run may overshoot by about two seconds of
  // traffic, which the planned figures printed in setup() make visible beforehand.
  if (config.budget.maxRequests !== undefined) {
    thresholds.http_reqs = [{ threshold: `count<=${config.budget.maxRequests}`, abortOnFail: true }];
  }
  if (config.budget.maxCostUsd !== undefined) {
    thresholds.gemini_cost_usd = [{ threshold: `count<=${config.budget.maxCostUsd}`, abortOnFail: true }];
  }
  return thresholds;
}
