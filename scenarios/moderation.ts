// Real-time content moderation under load: labeled posts sent for a JSON verdict, in a closed (ramping VUs)
// and/or open (constant arrival rate) model, with thresholds that fail CI. Run: k6 run dist/moderation.js

import exec from "k6/execution";
import http from "k6/http";
import { check, sleep } from "k6";
import { SharedArray } from "k6/data";
import { ConfigError, displayUrl, parseConfig, redactedConfig, unknownVariables, type GeminiConfig } from "../lib/config.ts";
import { GeminiClient } from "../lib/gemini-client.ts";
import { countTokensRequest } from "../lib/gemini-requests.ts";
import { parseErrorBody } from "../lib/gemini-parse.ts";
import { jsonStringContent, moderationBodyBuilder, parseVerdict, validatePosts, SYSTEM_INSTRUCTION, VERDICT_SCHEMA, type LabeledPost } from "../lib/moderation.ts";
import { ACCURACY_CHECK, ACCURACY_TAGS, CONTRACT_CHECKS, CONTRACT_TAGS } from "../lib/moderation-checks.ts";
import { GRACEFUL_STOP_MS, offeredRate, scenarioHardStopMs, scenariosFor } from "../lib/workloads.ts";
import { loadReportThresholds, thresholdsFor } from "../lib/thresholds.ts";
import { budgetProblem, describePlan, estimateUsage, planRun, priceFor, requestCaps, tokenCostUsd, type PriceTable } from "../lib/budget.ts";
import { decideRetry, RetryBudget, retryInfoDelayMs } from "../lib/retry.ts";
import { classifyStatus } from "../lib/errors.ts";
import { summaryOutputs, type SummaryData } from "../lib/summary.ts";
import { newRunId } from "../lib/run-id.ts";
import * as metrics from "../lib/metrics.ts";

// k6 resolves open() against this bundle's folder (dist/), so data/ is one level up.
const PRICES: PriceTable = JSON.parse(open("../data/prices.json"));

function loadConfig(): GeminiConfig {
  try {
    const config = parseConfig(__ENV);
    const problem = budgetProblem(config, PRICES);
    if (problem) throw new ConfigError([problem]);
    return config;
  } catch (error) {
    // abort() ends k6 with one line and no stack trace, before any request.
    if (error instanceof ConfigError) exec.test.abort(`gemini-k6: ${error.message}`);
    throw error;
  }
}

const config = loadConfig();

const posts = new SharedArray<LabeledPost>("moderation posts", () => validatePosts(JSON.parse(open("../data/moderation-posts.json"))));

const price = priceFor(PRICES, config.model);
const target = { baseUrl: config.baseUrl, apiKey: config.apiKey, apiVersion: config.apiVersion, timeout: config.timeoutMs };
const client = new GeminiClient(target, config.model, config.retry);
const caps = requestCaps(config);
const moderationBody = moderationBodyBuilder({ maxOutputTokens: config.maxOutputTokens, thinkingBudget: config.thinkingBudget });

export const options = {
  scenarios: scenariosFor(config, { closed: "closedRampingVus", open: "openConstantArrival" }),
  thresholds: { ...thresholdsFor(config), ...loadReportThresholds() },
  // Read back everywhere through exec.test.options, so a generated id is the same in every VU.
  tags: { testid: config.runId ?? newRunId(new Date()), model: config.model },
  summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"],
};

/** One preflight request, so a wrong URL, key or model stops the run with a clear message; prints the plan. */
export function setup(): void {
  // A misspelled variable would otherwise be ignored without a word (the run tools say the same, with a
  // guess, and do not pass such variables on to k6).
  for (const name of unknownVariables(__ENV)) console.warn(`gemini-k6: ${name} is not a setting of gemini-k6 and is ignored (docs/configuration.md lists them)`);
  const averageChars = posts.length > 0 ? sumLengths() / posts.length : 0;
  const promptChars = SYSTEM_INSTRUCTION.length + averageChars + JSON.stringify(VERDICT_SCHEMA).length;
  const plan = planRun(config, estimateUsage(promptChars, config.model, config.thinkingBudget), price);
  for (const line of describePlan(plan, config, PRICES).split("\n")) console.log(`gemini-k6 plan: ${line}`);

  const res = preflight();
  if (res.status === 200) return;
  const error = parseErrorBody(typeof res.body === "string" ? res.body : "");
  const detail = error ? `${res.status} ${error.status}: ${error.message.split("\n")[0]}` : res.status === 0 ? `no answer (${res.error})` : `HTTP ${res.status}`;
  let hint = "check GEMINI_BASE_URL, GEMINI_API_KEY and GEMINI_MODEL";
  if (res.status === 0) hint = `nothing answered at GEMINI_BASE_URL=${displayUrl(config.baseUrl)}; start the emulator (npm run emulator) or fix the URL`;
  else if (res.status >= 300 && res.status < 400) hint = `GEMINI_BASE_URL=${displayUrl(config.baseUrl)} redirects elsewhere; redirects are not followed (the key would go with them): use the final address`;
  else if (res.status === 429 || res.status === 503) hint = "the service is rate limiting or overloaded even before the load: wait and retry, or check your quota";
  else if (res.status === 401 || res.status === 403 || (res.status === 400 && /API key/i.test(error?.message ?? ""))) hint = "the service rejected GEMINI_API_KEY";
  else if (res.status === 404) hint = `GEMINI_MODEL=${config.model} or GEMINI_API_VERSION=${config.apiVersion} is not served at GEMINI_BASE_URL=${displayUrl(config.baseUrl)}`;
  exec.test.abort(`gemini-k6: preflight failed (${detail}): ${hint}`);
}

/** The preflight countTokens call, retried like any request so one passing 429 or 503 does not end the run. */
function preflight(): ReturnType<typeof http.post> {
  const request = countTokensRequest(target, config.model, [{ role: "user", parts: [{ text: "preflight" }] }]);
  // Under a request budget the preflight is the one request it reserves (lib/budget.ts): no retries then.
  const budget = new RetryBudget(0, config.budget.maxRequests === undefined ? config.retry.maxAttempts : 0);
  for (let attempt = 1; ; attempt++) {
    const res = http.post(request.url, request.body, request.params);
    const errorClass = classifyStatus(res.status, res.error_code);
    if (errorClass === undefined) return res;
    const retryInfoMs = retryInfoDelayMs(parseErrorBody(typeof res.body === "string" ? res.body : "")?.details);
    const decision = decideRetry(config.retry, budget, attempt, { errorClass, status: res.status, retryInfoMs });
    if (!decision.retry) return res;
    sleep(decision.delayMs / 1000);
  }
}

function sumLengths(): number {
  let total = 0;
  for (let i = 0; i < posts.length; i++) total += (posts[i] as LabeledPost).text.length;
  return total;
}

// When k6 will cut each scenario's iterations off (its start, duration and graceful stop), read once
// per VU: a VU may serve both scenarios in turn, and exec.scenario is built anew on every access.
let closedHardStopAtMs: number | undefined;
let openHardStopAtMs: number | undefined;

/** Closed model iteration (scenario closed_ramping_vus). */
export function closedRampingVus(): void {
  closedHardStopAtMs ??= exec.scenario.startTime + scenarioHardStopMs(config);
  if (caps.closed !== undefined && exec.scenario.iterationInTest >= caps.closed) budgetSpent("closed", closedHardStopAtMs);
  else moderateOnePost(closedHardStopAtMs);
}

/** Open model iteration (scenario open_constant_arrival). */
export function openConstantArrival(): void {
  openHardStopAtMs ??= exec.scenario.startTime + scenarioHardStopMs(config);
  if (caps.open !== undefined && exec.scenario.iterationInTest >= caps.open) budgetSpent("open", openHardStopAtMs);
  else moderateOnePost(openHardStopAtMs);
}

/**
 * A scenario has started all the requests GEMINI_MAX_REQUESTS allows it (lib/budget.ts requestCaps).
 * When no scenario follows, the test stops; when the open model is still to come, the closed model's
 * VUs idle until their scenario ends, so the open model keeps its share.
 */
function budgetSpent(kind: "closed" | "open", hardStopAtMs: number): void {
  if (kind === "open" || config.scenario === "closed") {
    exec.test.abort(`gemini-k6: the request budget is spent (GEMINI_MAX_REQUESTS=${config.budget.maxRequests}, counting the preflight and the retries it allows); the test stops`);
  }
  sleep(Math.max(0, hardStopAtMs - Date.now()) / 1000);
}

// Everything below runs for every request, so it is kept lean: in k6's JavaScript runtime every
// property read, call and allocation costs (docs/benchmarks.md measures the script against a bare one).
// SharedArray decodes an element on every access, and even its length is a call into Go: each VU keeps
// the posts it has used and their text escaped for the request body (the whole set is about 60 KB).
const postCount = posts.length;
const postCache: LabeledPost[] = [];
const escapedCache: string[] = [];
const stream = config.stream;
const sloMs = config.sloMs;

// k6 builds its module's exports anew on every read of an imported binding such as `check` (a map and
// a wrapped Go function each time), so the function is read once.
const checkNow = check;
// Per-label tags are built once.
const LABEL_TAGS: Record<string, { label: string }> = {};

function moderateOnePost(hardStopAtMs: number): void {
  // Each VU walks the data set from its own offset; the file interleaves labels, so any stretch of it
  // mixes every category. (__ITER and __VU are plain numbers, unlike exec.scenario, which is built per access.)
  const index = (__ITER + (__VU - 1) * 53) % postCount;
  // biome-ignore lint/suspicious/noAssignInExpressions: per-VU memo on the hot path, one lookup per request
  const post = (postCache[index] ??= posts[index] as LabeledPost);
  // biome-ignore lint/suspicious/noAssignInExpressions: per-VU memo on the hot path, one lookup per request
  const body = moderationBody(post.text, (escapedCache[index] ??= jsonStringContent(post.text)));
  const outcome = client.generate({ json: body }, stream, hardStopAtMs);
  const result = outcome.result;
  const verdict = outcome.ok && result !== undefined ? parseVerdict(result.text) : undefined;
  const valid = verdict?.valid === true;

  checkNow({ ok: outcome.ok, status: outcome.status, valid }, CONTRACT_CHECKS, CONTRACT_TAGS);
  if (verdict?.valid) {
    const correct = verdict.verdict.verdict === post.label;
    checkNow(correct, ACCURACY_CHECK, ACCURACY_TAGS);
    // biome-ignore lint/suspicious/noAssignInExpressions: tags built once per label, not per sample
    metrics.moderationCorrect.add(correct, (LABEL_TAGS[post.label] ??= { label: post.label }));
  }
  metrics.goodput.add(valid && outcome.durationMs <= sloMs);
  if (price !== undefined && result !== undefined) {
    const usage = result.usage;
    metrics.costUsd.add(tokenCostUsd(price, usage.promptTokenCount, usage.candidatesTokenCount, usage.thoughtsTokenCount));
  }
}

/** Writes summary.json and junit.xml under the run's results folder and prints the text summary. */
export function handleSummary(data: SummaryData): Record<string, string> {
  const runId = String(exec.test.options.tags?.testid ?? "unknown");
  // k6 cannot create folders: the run tool (npm run load / npm start) creates results/<run-id>/ and
  // passes GEMINI_RUN_ID; a bare `k6 run` writes results/<run-id>-summary.json etc. instead.
  const outputPrefix = config.runId !== undefined ? `${config.resultsDir}/${runId}/` : `${config.resultsDir}/${runId}-`;
  return summaryOutputs(data, {
    runId,
    outputPrefix,
    model: config.model,
    baseUrl: displayUrl(config.baseUrl),
    apiVersion: config.apiVersion,
    scenario: config.scenario,
    offeredRate: offeredRate(config),
    openDurationMs: config.durationMs,
    openStartMs: config.scenario === "both" ? config.durationMs + GRACEFUL_STOP_MS : 0,
    closedDurationMs: config.durationMs,
    peakVus: config.vus,
    dashboard: config.dashboard,
    config: redactedConfig(config),
  });
}
