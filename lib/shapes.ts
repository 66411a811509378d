// The test types (GEMINI_SHAPE), built from k6's own executors by one function, shapeScenarios():
// smoke, load (lib/workloads.ts' closed/open model), stress, spike, soak and breakpoint (docs/shapes.md).
// Pure: the timelines here also feed the plan (lib/budget.ts), the windows (lib/windows.ts) and the summary.

import { TIME_UNITS } from "./arrival-rate.ts";
import type { GeminiConfig, ScenarioChoice, ShapeName } from "./config.ts";
import {
  CLOSED_SCENARIO,
  GRACEFUL_STOP_MS,
  OPEN_SCENARIO,
  offeredRate,
  openShape,
  scenarioHardStopMs,
  scenariosFor,
  type ScenarioOptions,
} from "./workloads.ts";

/** The k6 `scenario` tag of each shape other than `load` (which keeps closed_ramping_vus / open_constant_arrival). */
const SHAPE_SCENARIOS: Readonly<Record<Exclude<ShapeName, "load">, string>> = {
  smoke: "smoke",
  stress: "stress_steps",
  spike: "spike",
  soak: "soak",
  breakpoint: "breakpoint",
};

/**
 * Poisson arrivals run the arrival-rate executor this many times faster and fire one iteration in this
 * many (lib/arrivals.ts): the gaps are then geometric on a fine grid, CV √(1 − 1/20) ≈ 0.975.
 */
export const POISSON_OVERSAMPLING = 20;

/** The config a shape reads. */
export type ShapeConfig = Pick<
  GeminiConfig,
  "shape" | "arrivals" | "shapes" | "scenario" | "durationMs" | "vus" | "rate" | "preAllocatedVus" | "maxVus" | "timeoutMs" | "retry"
>;

/** One stage of an arrival-rate timeline: reach `target` requests per second linearly over `durationMs`. */
export interface RateStage {
  durationMs: number;
  target: number;
}

/** An open shape's offered load over time, in requests per second (before Poisson oversampling). */
export interface RatePlan {
  startRate: number;
  stages: RateStage[];
}

/** The exec functions a scenario exports: one for the closed model's iterations, one for the open model's. */
export interface ExecNames {
  closed: string;
  open: string;
}

const ms = (value: number) => `${Math.round(value)}ms`;

/** Which of the two iteration functions the shape runs: closed (VUs), open (arrival rate) or both in turn. */
export function shapeModel(config: Pick<GeminiConfig, "shape" | "scenario">): ScenarioChoice {
  if (config.shape === "load") return config.scenario;
  return config.shape === "smoke" ? "closed" : "open";
}

/** The k6 `scenario` tag of the shape's closed or open model. */
export function scenarioName(config: Pick<GeminiConfig, "shape">, model: "closed" | "open"): string {
  if (config.shape === "load") return model === "closed" ? CLOSED_SCENARIO : OPEN_SCENARIO;
  return SHAPE_SCENARIOS[config.shape];
}

/** The offered-load timeline of an open shape; undefined for smoke and the closed-only load. */
export function ratePlan(config: ShapeConfig): RatePlan | undefined {
  const rate = config.rate;
  const s = config.shapes;
  switch (config.shape) {
    case "smoke":
      return undefined;
    case "load":
      return config.scenario === "closed" ? undefined : { startRate: rate, stages: [{ durationMs: config.durationMs, target: rate }] };
    case "soak":
      return { startRate: rate, stages: [{ durationMs: s.soakMs, target: rate }] };
    case "stress": {
      // Steps from GEMINI_RATE to peak × GEMINI_RATE; each reached within a tenth of its step, then held.
      const stages: RateStage[] = [];
      const rampMs = s.stress.stepMs / 10;
      for (let step = 0; step < s.stress.steps; step++) {
        const target = rate * (1 + ((s.stress.peak - 1) * step) / (s.stress.steps - 1));
        if (step > 0) stages.push({ durationMs: rampMs, target });
        stages.push({ durationMs: step > 0 ? s.stress.stepMs - rampMs : s.stress.stepMs, target });
      }
      return { startRate: rate, stages };
    }
    case "spike": {
      const peak = rate * s.spike.multiplier;
      return {
        startRate: rate,
        stages: [
          { durationMs: s.spike.beforeMs, target: rate },
          { durationMs: s.spike.rampMs, target: peak },
          { durationMs: s.spike.holdMs, target: peak },
          { durationMs: s.spike.rampMs, target: rate },
          { durationMs: s.spike.afterMs, target: rate },
        ],
      };
    }
    case "breakpoint":
      return { startRate: s.breakpoint.startRate, stages: [{ durationMs: s.breakpoint.durationMs, target: s.breakpoint.maxRate }] };
  }
}

/** Planned length of the load, from the first scenario's start to the last one's end, graceful stops excluded (smoke: its time limit). */
export function shapeDurationMs(config: ShapeConfig): number {
  if (config.shape === "smoke") return smokeMaxDurationMs(config);
  if (config.shape === "load") return config.scenario === "both" ? 2 * config.durationMs + GRACEFUL_STOP_MS : config.durationMs;
  return totalMs(ratePlan(config));
}

function totalMs(plan: RatePlan | undefined): number {
  return plan === undefined ? 0 : plan.stages.reduce((sum, stage) => sum + stage.durationMs, 0);
}

/**
 * Time from a scenario's own start to its hard stop, when k6 cuts whatever is still in flight: its
 * planned length plus the graceful stop.
 */
export function shapeHardStopMs(config: ShapeConfig): number {
  if (config.shape === "load") return scenarioHardStopMs(config);
  return shapeDurationMs(config) + GRACEFUL_STOP_MS;
}

/** Smoke's time limit: every iteration may take its whole timeout on every attempt, plus a minute. */
function smokeMaxDurationMs(config: Pick<GeminiConfig, "shapes" | "timeoutMs" | "retry">): number {
  return config.shapes.smokeIterations * config.timeoutMs * config.retry.maxAttempts + 60_000;
}

/** Requests offered between `fromMs` and `toMs` after the open scenario's start (the area under the timeline). */
export function offeredBetween(plan: RatePlan, fromMs: number, toMs: number): number {
  let total = 0;
  let from = plan.startRate;
  let start = 0;
  for (const stage of plan.stages) {
    const end = start + stage.durationMs;
    const a = Math.max(start, fromMs);
    const b = Math.min(end, toMs);
    if (b > a) {
      const at = (t: number) => from + ((stage.target - from) * (t - start)) / stage.durationMs;
      total += ((at(a) + at(b)) / 2) * ((b - a) / 1000);
    }
    from = stage.target;
    start = end;
  }
  return total;
}

/**
 * Iterations the open model starts at most: the area under the timeline, plus one per stage for k6's
 * rounding at stage boundaries. Poisson arrivals fire about as many (lib/arrivals.ts caps them exactly).
 */
export function plannedOpenIterations(config: ShapeConfig): number {
  // k6 starts one iteration at the very beginning and one per interval after.
  if (config.shape === "load") return config.scenario === "closed" ? 0 : Math.ceil(offeredRate(config) * (config.durationMs / 1000)) + 1;
  const plan = ratePlan(config);
  if (plan === undefined) return 0;
  return Math.ceil(offeredBetween(plan, 0, totalMs(plan)) - 1e-9) + plan.stages.length;
}

/** The whole-number rate per time unit k6 needs, for every rate of a timeline at once (1s, else 1m, else 1h). */
function commonTimeUnit(rates: number[]): { timeUnit: string; seconds: number } {
  for (const unit of TIME_UNITS) {
    if (rates.every((rate) => Math.abs(Math.round(rate * unit.seconds) - rate * unit.seconds) <= rate * unit.seconds * 0.001)) return unit;
  }
  return TIME_UNITS[TIME_UNITS.length - 1] ?? { timeUnit: "1h", seconds: 3600 };
}

/** k6's ramping-arrival-rate scenario for a timeline; Poisson arrivals run it POISSON_OVERSAMPLING times faster. */
function rampingArrivals(config: ShapeConfig, plan: RatePlan, exec: string): ScenarioOptions {
  const factor = config.arrivals === "poisson" ? POISSON_OVERSAMPLING : 1;
  const unit = commonTimeUnit([plan.startRate, ...plan.stages.map((stage) => stage.target)].map((rate) => rate * factor));
  const whole = (rate: number) => Math.round(rate * factor * unit.seconds);
  return {
    executor: "ramping-arrival-rate",
    exec,
    startRate: whole(plan.startRate),
    timeUnit: unit.timeUnit,
    stages: plan.stages.map((stage) => ({ duration: ms(stage.durationMs), target: whole(stage.target) })),
    preAllocatedVUs: config.preAllocatedVus,
    maxVUs: config.maxVus,
    gracefulStop: ms(GRACEFUL_STOP_MS),
  };
}

/** A constant-arrival-rate scenario at the configured rate, oversampled for Poisson arrivals. */
function constantArrivals(config: ShapeConfig, durationMs: number, exec: string): ScenarioOptions {
  const factor = config.arrivals === "poisson" ? POISSON_OVERSAMPLING : 1;
  return openShape({ ...config, durationMs, rate: config.rate * factor }, exec);
}

/**
 * The `options.scenarios` block of the configured shape: the one place k6 executors are chosen.
 * `load` is lib/workloads.ts' closed and/or open model, unchanged; every other shape is one scenario.
 */
export function shapeScenarios(config: ShapeConfig, exec: ExecNames): Record<string, ScenarioOptions> {
  switch (config.shape) {
    case "load": {
      const scenarios = scenariosFor(config, exec);
      const open = scenarios[OPEN_SCENARIO];
      if (open !== undefined && config.arrivals === "poisson") {
        scenarios[OPEN_SCENARIO] = {
          ...constantArrivals(config, config.durationMs, exec.open),
          ...(open.startTime ? { startTime: open.startTime } : {}),
        };
      }
      return scenarios;
    }
    case "smoke":
      return {
        [SHAPE_SCENARIOS.smoke]: {
          executor: "per-vu-iterations",
          exec: exec.closed,
          vus: 1,
          iterations: config.shapes.smokeIterations,
          maxDuration: ms(smokeMaxDurationMs(config)),
          gracefulStop: ms(GRACEFUL_STOP_MS),
        },
      };
    case "soak":
      return { [SHAPE_SCENARIOS.soak]: constantArrivals(config, config.shapes.soakMs, exec.open) };
    default: {
      const plan = ratePlan(config);
      if (plan === undefined) throw new Error(`no timeline for the ${config.shape} shape`);
      return { [SHAPE_SCENARIOS[config.shape]]: rampingArrivals(config, plan, exec.open) };
    }
  }
}

/** The spike's phases, ms after the scenario's start: the spike begins to rise at `startMs` and is back at base at `endMs`. */
export function spikePhases(config: Pick<GeminiConfig, "shapes">): { startMs: number; endMs: number } {
  const s = config.shapes.spike;
  return { startMs: s.beforeMs, endMs: s.beforeMs + 2 * s.rampMs + s.holdMs };
}
