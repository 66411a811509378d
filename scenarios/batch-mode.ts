// Batch Mode: each iteration submits a job of GEMINI_BATCH_SIZE moderation requests (inlined), polls it
// with a doubling backoff until it is done, and records its turnaround, the cost per item at Batch Mode
// prices, per-request errors and accuracy per item. The turnaround is also the iteration's
// gemini_request_duration. A job not done by the scenario's hard stop is cancelled and counts as a timeout.
// Polls are requests too: GEMINI_MAX_REQUESTS counts them.

import { check, sleep } from "k6";
import http from "k6/http";
import { Counter, Trend } from "k6/metrics";
import { defineScenario, scenarioConfig } from "../lib/scenario-kit.ts";
import { moderationPosts } from "../lib/moderation-workload.ts";
import type { GenerateOutcome } from "../lib/gemini-client.ts";
import type { PriceTable } from "../lib/budget.ts";
import { tokenCostUsd } from "../lib/budget.ts";
import { classifyStatus, type ErrorClass } from "../lib/errors.ts";
import * as metrics from "../lib/metrics.ts";
import { moderationThresholds, readVerdict, SYSTEM_INSTRUCTION, VERDICT_SCHEMA, type LabeledPost } from "../lib/moderation.ts";
import { checkAccuracy, moderationCorrect } from "../lib/moderation-checks.ts";
import { batchCreateBody, batchPriceFor, pollDelayMs, readBatchJob, type BatchJobView } from "../lib/batch-mode.ts";

const config = scenarioConfig();
const n = config.batchSize;
const posts = moderationPosts();
const postCount = posts.length;
const price = batchPriceFor(JSON.parse(open("../data/prices.json")) as PriceTable, config.model);
const root = `${config.baseUrl}/${config.apiVersion}`;
const createUrl = `${root}/models/${config.model}:batchGenerateContent`;
const FIRST_POLL_MS = 100;
const POLL_CAP_MS = 30_000;
// Time kept before the hard stop for k6 to give up on a request and record it (as the kit's client does).
const CUT_MARGIN_MS = 250;

const turnaround = new Trend("gemini_batch_turnaround", true);
const costPerItem = new Trend("gemini_batch_cost_per_item_usd");
const items = new Counter("gemini_batch_items");
const itemErrors = new Counter("gemini_batch_item_errors");
const polls = new Counter("gemini_batch_polls");
const CONTRACT = {
  "the job succeeded": (o: GenerateOutcome) => o.ok,
  "one answer per request": (o: GenerateOutcome) => o.ok && lastJob?.items.length === n,
};
const CONTRACT_TAGS = { check_kind: "contract" };

// The finished job of this VU's last iteration, read by checkAnswer right after send.
let lastJob: BatchJobView | undefined;

function post(index: number): LabeledPost {
  return posts[index % postCount] as LabeledPost;
}

function pickItem(): number {
  return ((__ITER + (__VU - 1) * 53) * n) % postCount;
}

function buildRequest(start: number): string {
  const group: { key: string; text: string }[] = [];
  for (let i = 0; i < n; i++) group.push({ key: String(start + i), text: post(start + i).text });
  return batchCreateBody(`gemini-k6 ${__VU}-${__ITER}`, group, {
    maxOutputTokens: config.maxOutputTokens,
    thinkingBudget: config.thinkingBudget,
  });
}

function params(name: string, hardStopAtMs: number) {
  const leftMs = Math.max(1, Math.floor(hardStopAtMs - Date.now() - CUT_MARGIN_MS));
  return {
    headers: { "Content-Type": "application/json", "x-goog-api-key": config.apiKey },
    timeout: Math.min(config.timeoutMs, leftMs),
    redirects: 0,
    responseCallback: http.expectedStatuses(200),
    tags: { name },
  };
}

function failed(status: number, errorClass: ErrorClass, errorMessage: string, durationMs: number): GenerateOutcome {
  metrics.requestDuration.add(durationMs);
  metrics.errors.add(true, { error_class: errorClass });
  return { ok: false, status, errorClass, errorMessage, attempts: 1, durationMs };
}

/** Submits the job, polls it until done (or cancels it at the hard stop), and keeps it for checkAnswer. */
function send(start: number, hardStopAtMs: number): GenerateOutcome {
  lastJob = undefined;
  const startedAt = Date.now();
  const created = http.post(createUrl, buildRequest(start), params("batchGenerateContent", hardStopAtMs));
  const createClass = classifyStatus(created.status, created.status === 0 ? created.error_code : 0);
  if (createClass !== undefined)
    return failed(created.status, createClass, `batchGenerateContent answered ${created.status}`, Date.now() - startedAt);
  const first = typeof created.body === "string" ? readBatchJob(created.body) : undefined;
  if (first === undefined)
    return failed(created.status, "invalid_response", "batchGenerateContent answered no Operation", Date.now() - startedAt);
  let job: BatchJobView = first;
  for (let poll = 0; !job.done; poll++) {
    const waitMs = pollDelayMs(poll, FIRST_POLL_MS, POLL_CAP_MS);
    if (Date.now() + waitMs + CUT_MARGIN_MS >= hardStopAtMs) {
      // Cancelled, so a job the run no longer waits for does not keep running (and billing).
      http.post(`${root}/${job.name}:cancel`, "{}", params("batches.cancel", hardStopAtMs + CUT_MARGIN_MS));
      return failed(0, "timeout", `${job.name} was still ${job.state} when the scenario ended`, Date.now() - startedAt);
    }
    sleep(waitMs / 1000);
    const res = http.get(`${root}/${job.name}`, params("batches.get", hardStopAtMs));
    polls.add(1);
    const pollClass = classifyStatus(res.status, res.status === 0 ? res.error_code : 0);
    // A refused or overloaded poll says nothing about the job: poll again later.
    if (pollClass === "rate_limited" || pollClass === "overloaded") continue;
    if (pollClass !== undefined) return failed(res.status, pollClass, `batches.get answered ${res.status}`, Date.now() - startedAt);
    const next: BatchJobView | undefined = typeof res.body === "string" ? readBatchJob(res.body) : undefined;
    if (next === undefined) return failed(res.status, "invalid_response", "batches.get answered no Operation", Date.now() - startedAt);
    job = next;
  }
  const durationMs = Date.now() - startedAt;
  if (job.state !== "SUCCEEDED") return failed(200, "server", `${job.name} ended ${job.state}`, durationMs);
  lastJob = job;
  metrics.requestDuration.add(durationMs);
  metrics.errors.add(false);
  turnaround.add(durationMs);
  return { ok: true, status: 200, attempts: 1, durationMs };
}

function answerText(item: BatchJobView["items"][number]): string | undefined {
  const parts = item.response?.candidates?.[0]?.content?.parts;
  if (!parts) return undefined;
  let text = "";
  for (const part of parts) if (!part.thought && typeof part.text === "string") text += part.text;
  return text;
}

function checkAnswer(outcome: GenerateOutcome): boolean {
  const valid = check(outcome, CONTRACT, CONTRACT_TAGS);
  const job = lastJob;
  if (!valid || job === undefined) return false;
  let cost = 0;
  for (const item of job.items) {
    if (item.error || !item.response) {
      itemErrors.add(1);
      continue;
    }
    items.add(1);
    const verdict = readVerdict(answerText(item) ?? "");
    const index = Number(item.key);
    if (verdict !== undefined && Number.isInteger(index)) {
      const correct = verdict.verdict === post(index).label;
      checkAccuracy(correct);
      moderationCorrect.add(correct);
    }
    const usage = item.response.usageMetadata;
    if (price !== undefined && usage)
      cost += tokenCostUsd(price, usage.promptTokenCount ?? 0, usage.candidatesTokenCount ?? 0, usage.thoughtsTokenCount ?? 0);
  }
  if (price !== undefined) {
    metrics.costUsd.add(cost);
    costPerItem.add(cost / job.items.length);
  }
  return true;
}

function promptChars(): number {
  let total = 0;
  for (let i = 0; i < postCount; i++) total += (posts[i] as LabeledPost).text.length;
  return n * (SYSTEM_INSTRUCTION.length + (postCount > 0 ? total / postCount : 0) + JSON.stringify(VERDICT_SCHEMA).length);
}

export const { options, setup, handleSummary, closedRampingVus, openConstantArrival } = defineScenario({
  name: `batch-mode (${n} per job)`,
  pickItem,
  buildRequest,
  checkAnswer,
  promptChars,
  send,
  thresholds: moderationThresholds(config),
  summaryRates: [["accuracy per item", "gemini_moderation_correct"]],
});
