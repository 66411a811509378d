// Real-API safety: the planned request count and estimated cost of a run, and per-request cost from usage.
// Pure; the scenario prints the plan in setup(), caps each scenario's requests (requestCaps), and thresholds
// (lib/thresholds.ts) stop the run when the cost budget is spent.

import type { GeminiConfig } from "./config.ts";
import { plannedOpenIterations, ratePlan, shapeModel, type ShapeConfig } from "./shapes.ts";

/** Prices of one model, USD per 1M tokens; output includes thinking tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Long-prompt tier, when the model has one. */
  inputAbove200k?: number;
  outputAbove200k?: number;
}

/** data/prices.json. */
export interface PriceTable {
  date: string;
  source: string;
  unit: string;
  models: Record<string, ModelPrice>;
}

/** Token counts of one request. */
export interface TokenUsage {
  promptTokens: number;
  outputTokens: number;
  thinkingTokens: number;
}

/** The price entry for a model, or undefined when the table has none. */
export function priceFor(table: PriceTable, model: string): ModelPrice | undefined {
  return table.models[model.replace(/^models\//, "")];
}

/** Cost of one request in USD; thinking tokens are billed as output. */
export function requestCostUsd(price: ModelPrice, usage: TokenUsage): number {
  return tokenCostUsd(price, usage.promptTokens, usage.outputTokens, usage.thinkingTokens);
}

/** {@link requestCostUsd} from the three counts, for the per-request path (no usage object to build). */
export function tokenCostUsd(price: ModelPrice, promptTokens: number, outputTokens: number, thinkingTokens: number): number {
  const long = promptTokens > 200_000;
  const input = long && price.inputAbove200k !== undefined ? price.inputAbove200k : price.input;
  const output = long && price.outputAbove200k !== undefined ? price.outputAbove200k : price.output;
  return (promptTokens * input + (outputTokens + thinkingTokens) * output) / 1_000_000;
}

/** A run's planned size, printed before the first request. */
export interface RunPlan {
  requests: number;
  /** How the request count was obtained, for the printed plan. */
  basis: string;
  /** True when GEMINI_MAX_REQUESTS cut the count: the run will stop before its planned end. */
  capped: boolean;
  costUsd: number | undefined;
  perRequest: TokenUsage;
}

/** Assumed time per closed-model request when estimating its count: VUs wait for answers, so the count depends on latency. */
export const CLOSED_ASSUMED_REQUEST_MS = 1000;

/** The config the plan and the caps read; `runners` (GEMINI_RUNNERS) defaults to 1. */
type PlanConfig = ShapeConfig & Pick<GeminiConfig, "budget"> & Partial<Pick<GeminiConfig, "runners">>;

/**
 * The preflight requests setup() sends before the load: one per runner of a distributed run, the
 * most it can be (where the k6-operator runs setup() once, the rest of the reserve stays unspent).
 */
function preflightRequests(config: PlanConfig): number {
  return config.runners ?? 1;
}

/** Share of requests that may be retried on top (0 when retries are off). */
export function retryShare(config: Pick<GeminiConfig, "retry">): number {
  return config.retry.maxAttempts > 1 ? config.retry.budgetRatio : 0;
}

/** How many requests each scenario may start; undefined where nothing caps it. */
export interface RequestCaps {
  closed: number | undefined;
  open: number | undefined;
}

/**
 * Caps on the requests each scenario starts (`exec.scenario.iterationInTest` is exact within a
 * scenario), so that with the preflight and every retry the budget allows, HTTP requests never exceed
 * GEMINI_MAX_REQUESTS. Running both, the open model keeps what its plan needs and the closed model,
 * which runs first, gets the rest.
 */
export function requestCaps(config: PlanConfig): RequestCaps {
  const max = config.budget.maxRequests;
  if (max === undefined) return { closed: undefined, open: undefined };
  // The epsilon keeps 99 / 1.1 at 90, not 89.999…
  const requests = Math.max(0, Math.floor((max - preflightRequests(config)) / (1 + retryShare(config)) + 1e-9));
  const model = shapeModel(config);
  if (model === "closed") return { closed: requests, open: undefined };
  if (model === "open") return { closed: undefined, open: requests };
  const open = Math.min(requests, plannedOpenIterations(config));
  return { closed: requests - open, open };
}

/**
 * Plans a run: the worst case of its shape. Open model (every shape but smoke and the closed load): the
 * iterations k6 starts over the whole timeline (a breakpoint run as if it never broke, a soak to its end),
 * exact apart from retries; Poisson arrivals fire about as many, and never more than a request budget.
 * Closed model: VU-seconds of the ramp (¾ of peak VUs × duration) divided by an assumed 1 s per request,
 * an estimate, not a bound; smoke: its iterations. Retries add at most the budget's ratio of the
 * requests, plus one per VU when no request budget is set; the preflight adds one. A request budget caps the total.
 */
export function planRun(config: PlanConfig, perRequest: TokenUsage, price: ModelPrice | undefined): RunPlan {
  const seconds = config.durationMs / 1000;
  let requests = 0;
  let vus = 0;
  const basis: string[] = [];
  const model = shapeModel(config);
  if (model !== "closed") {
    const open = plannedOpenIterations(config);
    requests += open;
    vus += config.maxVus;
    basis.push(`${config.shape === "load" ? "open" : config.shape}: ${describeTimeline(config)} = ${open}`);
  }
  if (config.shape === "smoke") {
    requests += config.shapes.smokeIterations;
    vus += 1;
    basis.push(`smoke: ${config.shapes.smokeIterations} iterations of 1 VU`);
  } else if (model !== "open") {
    const closed = Math.ceil((0.75 * config.vus * seconds * 1000) / CLOSED_ASSUMED_REQUEST_MS);
    requests += closed;
    vus += config.vus;
    basis.push(`closed: about ${closed} at ${CLOSED_ASSUMED_REQUEST_MS / 1000}s per request`);
  }
  const retries = retryShare(config) > 0 ? Math.ceil(requests * retryShare(config)) + vus * config.retry.budgetMinRetries : 0;
  if (retries > 0) basis.push(`+${retries} retries at most`);
  const preflights = preflightRequests(config);
  basis.push(preflights === 1 ? "+1 preflight" : `+${preflights} preflights (one per runner)`);
  const planned = requests + retries + preflights;
  const max = config.budget.maxRequests;
  const capped = max !== undefined && planned > max;
  if (capped) basis.push(`capped at GEMINI_MAX_REQUESTS=${max}`);
  const total = capped ? max : planned;
  return {
    requests: total,
    basis: basis.join(", "),
    capped,
    costUsd: price === undefined ? undefined : total * requestCostUsd(price, perRequest),
    perRequest,
  };
}

/** The open timeline in words for the plan: "5/s × 30s + 1", or its stages' rates and total length. */
function describeTimeline(config: ShapeConfig): string {
  const plan = ratePlan(config);
  if (plan === undefined) return "0";
  const totalS = plan.stages.reduce((sum, stage) => sum + stage.durationMs, 0) / 1000;
  const poisson = config.arrivals === "poisson" ? " (Poisson: about as many)" : "";
  if (plan.stages.every((stage) => stage.target === plan.startRate))
    return `${plan.startRate}/s × ${totalS}s + ${plan.stages.length}${poisson}`;
  const peak = Math.max(plan.startRate, ...plan.stages.map((stage) => stage.target));
  const worst = config.shape === "breakpoint" ? ", if it never breaks" : "";
  return `${round2(plan.startRate)}/s rising to ${round2(peak)}/s over ${totalS}s${worst}${poisson}`;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * Tokens one moderation request is expected to use: prompt ≈ characters / 4 (the usual rule of thumb
 * for English), a short JSON verdict, and thinking for models that think by default.
 */
export function estimateUsage(promptChars: number, model: string, thinkingBudget: number | undefined): TokenUsage {
  const thinksByDefault = /gemini-(2\.5|[3-9])/.test(model);
  const thinking = thinkingBudget !== undefined ? Math.max(0, Math.min(thinkingBudget, 1024)) : thinksByDefault ? 512 : 0;
  return { promptTokens: Math.ceil(promptChars / 4), outputTokens: 40, thinkingTokens: thinking };
}

/** Formats the plan as the lines printed by setup(). */
export function describePlan(
  plan: RunPlan,
  config: Pick<GeminiConfig, "model" | "budget">,
  table: Pick<PriceTable, "date" | "source">,
): string {
  const cost = plan.costUsd === undefined ? `unknown (no price for ${config.model} in data/prices.json)` : `$${plan.costUsd.toFixed(4)}`;
  const limits = [
    config.budget.maxRequests !== undefined ? `${config.budget.maxRequests} requests` : undefined,
    config.budget.maxCostUsd !== undefined ? `$${config.budget.maxCostUsd}` : undefined,
  ].filter((limit) => limit !== undefined);
  const lines = [
    `planned requests: ${plan.requests} (${plan.basis})`,
    `estimated cost: ${cost} at about ${plan.perRequest.promptTokens} prompt + ${plan.perRequest.outputTokens} output + ${plan.perRequest.thinkingTokens} thinking tokens per request (prices of ${table.date}, ${table.source})`,
    `budget: ${limits.length > 0 ? `${limits.join(" and ")}; the test aborts when it is spent` : "none (loopback target)"}`,
  ];
  const overRequests = plan.capped;
  const overCost = config.budget.maxCostUsd !== undefined && plan.costUsd !== undefined && plan.costUsd > config.budget.maxCostUsd;
  if (overRequests || overCost) lines.push("warning: the plan exceeds the budget, so the run will stop before its planned end");
  return lines.join("\n");
}

/** A cost budget is meaningless without a price; returns the problem to report, if any. */
export function budgetProblem(config: PlanConfig & Pick<GeminiConfig, "model">, table: PriceTable): string | undefined {
  if (config.budget.maxCostUsd !== undefined && priceFor(table, config.model) === undefined) {
    return `invalid GEMINI_MAX_COST_USD: data/prices.json has no price for ${config.model}; add one or use GEMINI_MAX_REQUESTS`;
  }
  const caps = requestCaps(config);
  if (caps.closed === 0 || caps.open === 0) {
    const scenarios = shapeModel(config) === "both" ? "each scenario" : "the scenario";
    return `invalid GEMINI_MAX_REQUESTS: ${config.budget.maxRequests} leaves ${scenarios} no request after the preflight and the retry share; raise it, or lower GEMINI_RETRY_BUDGET or GEMINI_RATE`;
  }
  return undefined;
}
