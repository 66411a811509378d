// Load on a moderation service in front of the model (GEMINI_APP_URL; the reference is app/, any
// service keeping the contract in docs/app.md will do): labeled posts sent to POST /v1/moderate, the
// answer checked, and each answer's Server-Timing split into the app's queue, the model and the app's
// own overhead. Run: npm run load -- app-moderation.ts, or k6 run -e GEMINI_APP_URL=… dist/app-moderation.js

import http from "k6/http";
import { Counter, Trend } from "k6/metrics";
import { defineScenario, scenarioConfig } from "../lib/scenario-kit.ts";
import { moderationPosts } from "../lib/moderation-workload.ts";
import { isLoopbackHost, urlHost } from "../lib/config.ts";
import type { GenerateOutcome } from "../lib/gemini-client.ts";
import { classifyStatus } from "../lib/errors.ts";
import * as metrics from "../lib/metrics.ts";
import { jsonStringContent, moderationThresholds, type LabeledPost } from "../lib/moderation.ts";
import { checkAccuracy, checkContract, moderationCorrect } from "../lib/moderation-checks.ts";
import {
  APP_MODERATE_PATH,
  appAnswerCorrect,
  appRequestBody,
  appTimingSplit,
  readAppAnswer,
  type AppAnswer,
} from "../lib/app-moderation.ts";

const config = scenarioConfig();

/** Time the request waited in the app's own queue (Server-Timing `queue`). */
const appQueue = new Trend("gemini_app_queue", true);
/** Time the app spent waiting on the model, every attempt (Server-Timing `model`). */
const appModel = new Trend("gemini_app_model", true);
/** The rest of the app's time: total − queue − model. */
const appOverhead = new Trend("gemini_app_overhead", true);
/** Answers per upstream the app says it used (tag `upstream`, model@key name). */
const appUpstream = new Counter("gemini_app_upstream_requests");

const posts = moderationPosts();
const postCount = posts.length;
const url = `${config.appUrl}${APP_MODERATE_PATH}`;
const LABEL_TAGS: Record<string, { label: string }> = {};
const UPSTREAM_TAGS: Record<string, { upstream: string }> = {};
// Time kept before the hard stop for k6 to give up on the request and record it (as the kit's client does).
const CUT_MARGIN_MS = 250;

// The answer of this VU's last request, read by checkAnswer right after send: the kit's outcome carries Gemini results only.
let lastAnswer: AppAnswer | undefined;

function pickItem(): number {
  return (__ITER + (__VU - 1) * 53) % postCount;
}

function buildRequest(index: number): string {
  return appRequestBody((posts[index] as LabeledPost).text);
}

function params(hardStopAtMs: number) {
  const leftMs = Math.max(1, Math.floor(hardStopAtMs - Date.now() - CUT_MARGIN_MS));
  return {
    headers: { "Content-Type": "application/json" },
    timeout: Math.min(config.timeoutMs, leftMs),
    redirects: 0,
    responseCallback: http.expectedStatuses(200),
  };
}

/** One request to the app: no retries here, since retrying is the app's job and part of what is measured. */
function send(index: number, hardStopAtMs: number): GenerateOutcome {
  const res = http.post(url, buildRequest(index), params(hardStopAtMs));
  const timings = res.timings;
  const durationMs = timings.blocked + timings.connecting + timings.tls_handshaking + timings.duration;
  const status = res.status;
  const errorClass = classifyStatus(status, status === 0 ? res.error_code : 0);
  lastAnswer = errorClass === undefined && typeof res.body === "string" ? readAppAnswer(res.body) : undefined;
  const split = appTimingSplit(res.headers["Server-Timing"]);
  if (split.queueMs !== undefined) appQueue.add(split.queueMs);
  if (split.modelMs !== undefined) appModel.add(split.modelMs);
  if (split.overheadMs !== undefined) appOverhead.add(split.overheadMs);
  // biome-ignore lint/suspicious/noAssignInExpressions: tags built once per upstream, not per sample
  if (split.upstream !== undefined) appUpstream.add(1, (UPSTREAM_TAGS[split.upstream] ??= { upstream: split.upstream }));
  metrics.requestDuration.add(durationMs);
  const ok = errorClass === undefined && lastAnswer !== undefined;
  metrics.errors.add(!ok, ok ? undefined : { error_class: errorClass ?? "invalid_response" });
  if (ok) return { ok, status, attempts: 1, durationMs };
  const errorMessage =
    errorClass === undefined ? "the answer does not keep the contract (docs/app.md)" : `${APP_MODERATE_PATH} answered ${status}`;
  return { ok, status, errorClass: errorClass ?? "invalid_response", errorMessage, attempts: 1, durationMs };
}

function checkAnswer(outcome: GenerateOutcome, index: number): boolean {
  const answer = outcome.ok ? lastAnswer : undefined;
  checkContract(outcome.ok, outcome.status, answer !== undefined);
  if (answer === undefined) return false;
  const label = (posts[index] as LabeledPost).label;
  const correct = appAnswerCorrect(answer, label);
  checkAccuracy(correct);
  // biome-ignore lint/suspicious/noAssignInExpressions: tags built once per label, not per sample
  moderationCorrect.add(correct, (LABEL_TAGS[label] ??= { label }));
  return true;
}

/** One request before the load: a wrong URL or a service that breaks the contract stops the run with one line. */
function preflight(): string | undefined {
  // A service off this machine may well call the real API on every request: as with GEMINI_BASE_URL, no budget, no run.
  const host = urlHost(config.appUrl);
  if ((host === undefined || !isLoopbackHost(host)) && config.budget.maxRequests === undefined && config.budget.maxCostUsd === undefined) {
    return `gemini-k6: missing GEMINI_MAX_REQUESTS or GEMINI_MAX_COST_USD: GEMINI_APP_URL ${config.appUrl} is not a loopback address, and a service there may spend real API quota; set a budget`;
  }
  const res = http.post(url, appRequestBody("preflight: is this post fine?"), {
    headers: { "Content-Type": "application/json" },
    timeout: config.timeoutMs,
  });
  if (res.status === 200 && typeof res.body === "string" && readAppAnswer(res.body) !== undefined) return undefined;
  const why =
    res.status === 0
      ? `could not be reached (${res.error})`
      : `answered ${res.status}${res.status === 200 ? " with a body that does not keep the contract" : ""}`;
  return `gemini-k6: preflight failed: POST ${url} ${why}; GEMINI_APP_URL must point at a service keeping the contract in docs/app.md`;
}

function promptChars(): number {
  let total = 0;
  for (let i = 0; i < postCount; i++) total += jsonStringContent((posts[i] as LabeledPost).text).length;
  return postCount > 0 ? total / postCount : 0;
}

export const { options, setup, handleSummary, closedRampingVus, openConstantArrival } = defineScenario({
  name: "app-moderation",
  pickItem,
  buildRequest,
  checkAnswer,
  promptChars,
  send,
  preflight,
  target: config.appUrl,
  thresholds: moderationThresholds(config),
  summaryRates: [["accuracy", "gemini_moderation_correct"]],
});
