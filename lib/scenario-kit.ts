// The scenario kit: everything a scenario needs that is not its workload — configuration, the plan and
// budget, the preflight, the load shapes and their hard stops, thresholds, run id and handleSummary.
// A scenario file gives its request, the checks on its answer, its metrics and thresholds (docs/scenarios.md).

import exec from "k6/execution";
import { sleep } from "k6";
import { budgetProblem, describePlan, estimateUsage, planRun, priceFor, requestCaps, tokenCostUsd, type PriceTable } from "./budget.ts";
import { ConfigError, displayUrl, parseConfig, redactedConfig, unknownVariables, type GeminiConfig } from "./config.ts";
import { GeminiClient, type GenerateOutcome } from "./gemini-client.ts";
import { OpenAiClient } from "./openai-client.ts";
import { countTokensRequest } from "./gemini-requests.ts";
import * as metrics from "./metrics.ts";
import { preflightFailure } from "./preflight.ts";
import { RetryBudget } from "./retry.ts";
import { runnerSummaryContext, runnerThresholds, SegmentError, segmentOf, segmentProblem, type Segment } from "./segments.ts";
import { newRunId } from "./run-id.ts";
import { summaryOutputs, type SummaryData } from "./summary.ts";
import { loadReportThresholds, thresholdsFor, type Threshold } from "./thresholds.ts";
import { openIterationCap, openIterationHook } from "./pacing.ts";
import { shapeHardStopMs, shapeScenarios } from "./shapes.ts";
import { shapeSummaryContext } from "./shape-report.ts";
import { windowThresholds } from "./windows.ts";
import type { ScenarioOptions } from "./workloads.ts";

/** What a scenario gives the kit: its workload. `Item` is one request's input, such as a labeled post. */
export interface ScenarioSpec<Item> {
  /** Short name: the text summary's title and line, the JUnit suite, "no <name> requests were sent". */
  name: string;
  /** This request's input; called once per request, so keep it cheap (no object literal, no closure). */
  pickItem(): Item;
  /** The generateContent body for `item`, serialized to JSON. */
  buildRequest(item: Item): string;
  /**
   * Runs the scenario's checks on the answer and records its own metrics; returns true when the
   * answer is valid (goodput counts valid answers within GEMINI_SLO_MS). `outcome.result` is set when
   * the request succeeded. Its contract checks must carry the tag `check_kind: "contract"`.
   */
  checkAnswer(outcome: GenerateOutcome, item: Item): boolean;
  /** Characters of an average prompt, for the token and cost estimate of the plan; called once, in setup(). */
  promptChars(): number;
  /** The scenario's own thresholds, beside the kit's (latency, errors, contract checks, goodput, budget). */
  thresholds?: Record<string, Threshold[]>;
  /** The scenario's own rate metrics shown on its line of the text summary, as [label, metric name]. */
  summaryRates?: ReadonlyArray<readonly [label: string, metric: string]>;
  /**
   * For a scenario aimed at a service other than Gemini (scenarios/app-moderation.ts): sends `item`
   * itself instead of the Gemini client, records gemini_request_duration and gemini_errors, and
   * returns the outcome (`result` undefined). Its attempt must end before `hardStopAtMs` (epoch ms).
   */
  send?(item: Item, hardStopAtMs: number): GenerateOutcome;
  /** With `send`: the scenario's own preflight, replacing countTokens; the message to stop with, or undefined when the target is fine. */
  preflight?(): string | undefined;
  /** With `send`: the URL the summary names as the target (default GEMINI_BASE_URL). */
  target?: string;
}

/** The k6 options the kit builds. */
export interface KitOptions {
  scenarios: Record<string, ScenarioOptions>;
  thresholds: Record<string, Threshold[]>;
  tags: { testid: string; model: string };
  summaryTrendStats: string[];
}

/** What a scenario file re-exports, each under its own name (k6 finds `exec` functions by export name). */
export interface Scenario {
  options: KitOptions;
  setup(): void;
  handleSummary(data: SummaryData): Record<string, string>;
  /** The closed model's iteration (scenario closed_ramping_vus). */
  closedRampingVus(): void;
  /** The open model's iteration (scenario open_constant_arrival). */
  openConstantArrival(): void;
}

// k6 resolves open() against the bundle's folder (dist/), so data/ is one level up.
const PRICES: PriceTable = JSON.parse(open("../data/prices.json"));

let loaded: GeminiConfig | undefined;

/**
 * The run's configuration from the GEMINI_* variables, parsed once per VU. A bad variable or budget
 * stops k6 with one line and no stack trace, before any request.
 */
export function scenarioConfig(): GeminiConfig {
  if (loaded !== undefined) return loaded;
  try {
    const config = parseConfig(__ENV);
    const problem = budgetProblem(config, PRICES);
    if (problem) throw new ConfigError([problem]);
    loaded = config;
    return config;
  } catch (error) {
    if (error instanceof ConfigError) exec.test.abort(`gemini-k6: ${error.message}`);
    throw error;
  }
}

/** Builds a scenario from its workload; call once, at init, and re-export the result's members. */
export function defineScenario<Item>(spec: ScenarioSpec<Item>): Scenario {
  const config = scenarioConfig();
  const price = priceFor(PRICES, config.model);
  const target = { baseUrl: config.baseUrl, apiKey: config.apiKey, apiVersion: config.apiVersion, timeout: config.timeoutMs };
  // GEMINI_DIALECT=openai speaks the OpenAI-compatible surface with the same metrics, retries and outcome.
  const client =
    config.dialect === "openai"
      ? new OpenAiClient(target, config.model, config.retry)
      : new GeminiClient(target, config.model, config.retry);
  const caps = requestCaps(config);
  // Poisson arrivals count k6's skipped iterations too: the cap becomes an index of its clock.
  const openCap = openIterationCap(config, caps.open);
  const beforeOpenIteration = openIterationHook(config);
  const stream = config.stream;
  const sloMs = config.sloMs;
  const rates = spec.summaryRates ?? [];

  const options: KitOptions = {
    scenarios: shapeScenarios(config, { closed: "closedRampingVus", open: "openConstantArrival" }),
    // One runner of a distributed run aborts on its share of the budget (lib/segments.ts).
    thresholds: runnerThresholds(
      { ...thresholdsFor(config), ...spec.thresholds, ...loadReportThresholds(config), ...windowThresholds(config) },
      config,
    ),
    // Read back everywhere through exec.test.options, so a generated id is the same in every VU.
    tags: { testid: config.runId ?? newRunId(new Date()), model: config.model },
    summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"],
  };

  /**
   * This process's execution segment, checked against GEMINI_RUNNERS, and its `instance` tag on this
   * VU's samples. Once per VU: k6 shows the segment only outside the init context.
   */
  let segment: Segment | undefined;
  let joined = false;
  function readSegment(): Segment | undefined {
    try {
      return segmentOf(exec.test.options.executionSegment, exec.test.options.executionSegmentSequence);
    } catch (error) {
      if (error instanceof SegmentError) exec.test.abort(`gemini-k6: ${error.message}`);
      throw error;
    }
  }
  function joinRun(): void {
    joined = true;
    segment = readSegment();
    const problem = segmentProblem(segment, config.runners);
    if (problem !== undefined) exec.test.abort(`gemini-k6: ${problem}`);
    if (segment !== undefined) exec.vu.metrics.tags.instance = segment.instance;
  }

  /** Prints the plan, then one preflight request, so a wrong URL, key or model stops the run with a clear message. */
  function setup(): void {
    joinRun();
    // A misspelled variable would otherwise be ignored without a word (the run tools say the same, with a
    // guess, and do not pass such variables on to k6).
    for (const name of unknownVariables(__ENV))
      console.warn(`gemini-k6: ${name} is not a setting of gemini-k6 and is ignored (docs/configuration.md lists them)`);
    const plan = planRun(config, estimateUsage(spec.promptChars(), config.model, config.thinkingBudget), price);
    for (const line of describePlan(plan, config, PRICES).split("\n")) console.log(`gemini-k6 plan: ${line}`);
    // Retried like any request, so one passing 429 or 503 does not end the run; under a request budget
    // the preflight is the one request it reserves (lib/budget.ts), so no retries then.
    if (spec.preflight !== undefined) {
      const own = spec.preflight();
      if (own !== undefined) exec.test.abort(own);
      return;
    }
    const preflightRetries = new RetryBudget(0, config.budget.maxRequests === undefined ? config.retry.maxAttempts : 0);
    const outcome =
      client instanceof OpenAiClient
        ? client.preflight(preflightRetries)
        : client.send(countTokensRequest(target, config.model, [{ role: "user", parts: [{ text: "preflight" }] }]), preflightRetries);
    const failure = preflightFailure(outcome, config);
    if (failure !== undefined) exec.test.abort(failure);
  }

  /**
   * A scenario has started all the requests GEMINI_MAX_REQUESTS allows it (lib/budget.ts requestCaps).
   * When no scenario follows, the test stops; when the open model is still to come, the closed model's
   * VUs idle until their scenario ends, so the open model keeps its share.
   */
  function budgetSpent(kind: "closed" | "open", hardStopAtMs: number): void {
    if (kind === "open" || config.shape !== "load" || config.scenario === "closed") {
      exec.test.abort(
        `gemini-k6: the request budget is spent (GEMINI_MAX_REQUESTS=${config.budget.maxRequests}, counting the preflight and the retries it allows); the test stops`,
      );
    }
    sleep(Math.max(0, hardStopAtMs - Date.now()) / 1000);
  }

  // Everything below runs for every request, so it is kept lean: in k6's JavaScript runtime every
  // property read, call and allocation costs (docs/benchmarks.md measures the script against a bare one).
  const pickItem = spec.pickItem;
  const buildRequest = spec.buildRequest;
  const checkAnswer = spec.checkAnswer;
  const send = spec.send;

  function request(hardStopAtMs: number): void {
    const item = pickItem();
    const outcome = send === undefined ? client.generate(buildRequest(item), stream, hardStopAtMs) : send(item, hardStopAtMs);
    const valid = checkAnswer(outcome, item);
    metrics.goodput.add(valid && outcome.durationMs <= sloMs);
    const result = outcome.result;
    if (price !== undefined && result !== undefined) {
      const usage = result.usage;
      metrics.costUsd.add(tokenCostUsd(price, usage.promptTokenCount, usage.candidatesTokenCount, usage.thoughtsTokenCount));
    }
  }

  // When k6 will cut each scenario's iterations off (its start, duration and graceful stop), read once
  // per VU: a VU may serve both scenarios in turn, and exec.scenario is built anew on every access.
  let closedHardStopAtMs: number | undefined;
  let openHardStopAtMs: number | undefined;

  function closedRampingVus(): void {
    if (!joined) joinRun();
    closedHardStopAtMs ??= exec.scenario.startTime + shapeHardStopMs(config);
    if (caps.closed !== undefined && exec.scenario.iterationInTest >= caps.closed) budgetSpent("closed", closedHardStopAtMs);
    else request(closedHardStopAtMs);
  }

  function openConstantArrival(): void {
    if (!joined) joinRun();
    openHardStopAtMs ??= exec.scenario.startTime + shapeHardStopMs(config);
    if (beforeOpenIteration?.()) return;
    if (openCap !== undefined && exec.scenario.iterationInTest >= openCap) budgetSpent("open", openHardStopAtMs);
    else request(openHardStopAtMs);
  }

  /** Writes summary.json and junit.xml under the run's results folder and prints the text summary. */
  function handleSummary(data: SummaryData): Record<string, string> {
    const runId = String(exec.test.options.tags?.testid ?? "unknown");
    // Its own VU: read the segment, but too late to abort on it (the iterations did).
    if (!joined) segment = readSegment();
    // k6 cannot create folders: the run tool (npm run load / npm start) creates results/<run-id>/ and
    // passes GEMINI_RUN_ID; a bare `k6 run` writes results/<run-id>-summary.json etc. instead.
    const outputPrefix = config.runId !== undefined ? `${config.resultsDir}/${runId}/` : `${config.resultsDir}/${runId}-`;
    return summaryOutputs(data, {
      name: spec.name,
      rates,
      runId,
      outputPrefix,
      model: config.model,
      baseUrl: displayUrl(spec.target ?? config.baseUrl),
      // The dialect's path says which API was measured: the summary line reads "(v1beta/openai)".
      apiVersion: config.dialect === "openai" ? "v1beta/openai" : config.apiVersion,
      ...runnerSummaryContext(shapeSummaryContext(config), segment),
      ...(segment ? { runner: { instance: segment.instance, segment: segment.text, runners: segment.runners } } : {}),
      dashboard: config.dashboard,
      config: redactedConfig(config),
    });
  }

  return { options, setup, handleSummary, closedRampingVus, openConstantArrival };
}
