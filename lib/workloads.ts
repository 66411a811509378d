// Load shapes, defined once: a closed ramping-VU shape, an open constant-arrival-rate shape, or both in sequence.
// Pure: returns k6 `options.scenarios` entries from the config.

import { arrivalRate, TIME_UNITS } from "./arrival-rate.ts";
import type { GeminiConfig } from "./config.ts";

/** The k6 `scenario` tag of the closed model (docs/architecture.md). */
export const CLOSED_SCENARIO = "closed_ramping_vus";
/** The k6 `scenario` tag of the open model (docs/architecture.md). */
export const OPEN_SCENARIO = "open_constant_arrival";

/** Time k6 lets in-flight iterations finish after a scenario ends. */
export const GRACEFUL_STOP_MS = 5000;

/** The subset of k6 scenario options these shapes use. */
export interface ScenarioOptions {
  executor: "ramping-vus" | "constant-arrival-rate" | "ramping-arrival-rate" | "per-vu-iterations";
  exec: string;
  startTime?: string;
  gracefulStop?: string;
  [option: string]: unknown;
}

const ms = (value: number) => `${Math.round(value)}ms`;

/**
 * Closed model: a quarter of the time ramping up to the peak VUs, half holding, a quarter ramping down.
 * Each VU waits for its answer before sending again, so the offered load falls when the service slows.
 */
export function closedShape(config: Pick<GeminiConfig, "durationMs" | "vus">, exec: string): ScenarioOptions {
  const ramp = config.durationMs / 4;
  return {
    executor: "ramping-vus",
    exec,
    startVUs: 0,
    stages: [
      { duration: ms(ramp), target: config.vus },
      { duration: ms(config.durationMs - 2 * ramp), target: config.vus },
      { duration: ms(ramp), target: 0 },
    ],
    // VUs told to stop when the ramp-down begins may finish their request until the scenario's own
    // graceful stop ends, so in-flight requests are cut only at duration + GRACEFUL_STOP_MS.
    gracefulRampDown: ms(ramp + GRACEFUL_STOP_MS),
    gracefulStop: ms(GRACEFUL_STOP_MS),
  };
}

/**
 * Open model: iterations start at a fixed rate whatever the response time, so a slow service shows up
 * as latency and, when VUs run out, as dropped_iterations instead of silently lowering the load.
 */
export function openShape(config: Pick<GeminiConfig, "durationMs" | "rate" | "preAllocatedVus" | "maxVus">, exec: string): ScenarioOptions {
  return {
    executor: "constant-arrival-rate",
    exec,
    ...wholeRate(config.rate),
    duration: ms(config.durationMs),
    preAllocatedVUs: config.preAllocatedVus,
    maxVUs: config.maxVus,
    gracefulStop: ms(GRACEFUL_STOP_MS),
  };
}

/**
 * Time from a scenario's own start to its hard stop, when k6 cuts whatever is still in flight: its
 * duration plus the graceful stop, for both shapes (the closed shape's graceful ramp-down ends there too).
 */
export function scenarioHardStopMs(config: Pick<GeminiConfig, "durationMs">): number {
  return config.durationMs + GRACEFUL_STOP_MS;
}

/** The `options.scenarios` block for the chosen shape; `both` runs closed first, then open. */
export function scenariosFor(
  config: Pick<GeminiConfig, "scenario" | "durationMs" | "vus" | "rate" | "preAllocatedVus" | "maxVus">,
  exec: { closed: string; open: string },
): Record<string, ScenarioOptions> {
  const scenarios: Record<string, ScenarioOptions> = {};
  if (config.scenario !== "open") scenarios[CLOSED_SCENARIO] = closedShape(config, exec.closed);
  if (config.scenario !== "closed") {
    const open = openShape(config, exec.open);
    if (config.scenario === "both") open.startTime = ms(config.durationMs + GRACEFUL_STOP_MS);
    scenarios[OPEN_SCENARIO] = open;
  }
  return scenarios;
}

function wholeRate(perSecond: number): { rate: number; timeUnit: string } {
  const { rate, timeUnit } = arrivalRate(perSecond);
  return { rate, timeUnit };
}

/** Offered rate of the open scenario in requests per second (what k6 was asked to start). */
export function offeredRate(config: Pick<GeminiConfig, "rate">): number {
  const { rate, timeUnit } = arrivalRate(config.rate);
  return rate / (TIME_UNITS.find((unit) => unit.timeUnit === timeUnit)?.seconds ?? 1);
}
