// Pass/fail criteria of a run, defined once. A crossed threshold makes k6 exit 99, which fails CI.
// Pure: returns k6 `options.thresholds` from the config.

import type { GeminiConfig } from "./config.ts";
import { ERROR_CLASSES } from "./errors.ts";
import { CLOSED_SCENARIO, OPEN_SCENARIO } from "./workloads.ts";

/** One k6 threshold expression, plain or with abort settings. */
export type Threshold = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };

/** Error share at which a run is hopeless: it is stopped rather than left to burn time and quota. */
export const HOPELESS_ERROR_RATE = 0.5;

/**
 * Always-true thresholds that only make k6 keep the sub-metrics the summary needs to show offered
 * versus achieved load per scenario.
 */
export function loadReportThresholds(): Record<string, Threshold[]> {
  return {
    [`iterations{scenario:${OPEN_SCENARIO}}`]: ["count>=0"],
    [`iterations{scenario:${CLOSED_SCENARIO}}`]: ["count>=0"],
    [`http_reqs{scenario:${OPEN_SCENARIO}}`]: ["count>=0"],
  };
}

/** The `options.thresholds` every scenario shares; a scenario adds its own (lib/scenario-kit.ts). */
export function thresholdsFor(
  config: Pick<GeminiConfig, "thresholds" | "stream" | "budget">,
): Record<string, Threshold[]> {
  const t = config.thresholds;
  const thresholds: Record<string, Threshold[]> = {
    gemini_request_duration: [`p(95)<${t.p95Ms}`],
    gemini_errors: [
      `rate<=${t.maxErrorRate}`,
      // Wait for some samples so one early failure does not end the run. A user who accepts more errors
      // than the hopeless share is stopped only once their own limit is reached.
      { threshold: `rate<${Math.max(HOPELESS_ERROR_RATE, t.maxErrorRate)}`, abortOnFail: true, delayAbortEval: "10s" },
    ],
    // Only the contract checks (status, valid answer): a scenario's accuracy checks have their own threshold.
    "checks{check_kind:contract}": [`rate>=${t.minChecks}`],
    gemini_goodput: [`rate>=${t.minGoodput}`],
  };
  if (config.stream) thresholds.gemini_ttft = [`p(95)<${t.ttftP95Ms}`];
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
