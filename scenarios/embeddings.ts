// Embeddings one text at a time against batched: GEMINI_BATCH_SIZE texts per batchEmbedContents request,
// or, at 1, embedContent per text (the unbatched twin). Texts are the moderation posts. Reports latency
// per text beside per request; one attempt per request (no retries). Needs an embedding model
// (GEMINI_MODEL=gemini-embedding-001). Compare at the same texts per second: run the twin at N times the rate.

import { check } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import { SharedArray } from "k6/data";
import { Counter, Trend } from "k6/metrics";
import { defineScenario, scenarioConfig } from "../lib/scenario-kit.ts";
import type { GenerateOutcome } from "../lib/gemini-client.ts";
import { classifyStatus } from "../lib/errors.ts";
import * as metrics from "../lib/metrics.ts";
import { validatePosts, type LabeledPost } from "../lib/moderation.ts";
import { embedBody, readEmbeddingCount } from "../lib/embeddings.ts";

const config = scenarioConfig();
if (!/embedding/.test(config.model)) {
  exec.test.abort(`gemini-k6: embeddings needs an embedding model, got '${config.model}': set GEMINI_MODEL=gemini-embedding-001`);
}
const k = config.batchSize;
const method = k === 1 ? "embedContent" : "batchEmbedContents";
const texts = new SharedArray<string>("embedding texts", () =>
  validatePosts(JSON.parse(open("../data/moderation-posts.json"))).map((p: LabeledPost) => p.text),
);
const textCount = texts.length;
const url = `${config.baseUrl}/${config.apiVersion}/models/${config.model}:${method}`;
// Time kept before the hard stop for k6 to give up on the request and record it (as the kit's client does).
const CUT_MARGIN_MS = 250;

const textsEmbedded = new Counter("gemini_embed_texts");
const latencyPerText = new Trend("gemini_embed_latency_per_text", true);
const batchTags = { batch_size: String(k) };
const CONTRACT = {
  "status is 200": (o: GenerateOutcome) => o.status === 200,
  "one embedding per text": (o: GenerateOutcome) => o.ok,
};
const CONTRACT_TAGS = { check_kind: "contract" };

function pickItem(): number {
  return ((__ITER + (__VU - 1) * 53) * k) % textCount;
}

function buildRequest(start: number): string {
  const group: string[] = [];
  for (let i = 0; i < k; i++) group.push(texts[(start + i) % textCount] as string);
  return embedBody(config.model, group);
}

function send(start: number, hardStopAtMs: number): GenerateOutcome {
  const leftMs = Math.max(1, Math.floor(hardStopAtMs - Date.now() - CUT_MARGIN_MS));
  const res = http.post(url, buildRequest(start), {
    headers: { "Content-Type": "application/json", "x-goog-api-key": config.apiKey },
    timeout: Math.min(config.timeoutMs, leftMs),
    redirects: 0,
    responseCallback: http.expectedStatuses(200),
    tags: { name: method },
  });
  const timings = res.timings;
  const durationMs = timings.blocked + timings.connecting + timings.tls_handshaking + timings.duration;
  const status = res.status;
  const errorClass = classifyStatus(status, status === 0 ? res.error_code : 0);
  const ok = errorClass === undefined && typeof res.body === "string" && readEmbeddingCount(res.body) === k;
  metrics.requestDuration.add(durationMs);
  metrics.errors.add(!ok, ok ? undefined : { error_class: errorClass ?? "invalid_response" });
  if (ok) return { ok, status, attempts: 1, durationMs };
  const errorMessage = errorClass === undefined ? `the answer does not hold ${k} embeddings` : `${method} answered ${status}`;
  return { ok, status, errorClass: errorClass ?? "invalid_response", errorMessage, attempts: 1, durationMs };
}

function checkAnswer(outcome: GenerateOutcome): boolean {
  const valid = check(outcome, CONTRACT, CONTRACT_TAGS);
  if (!valid) return false;
  textsEmbedded.add(k, batchTags);
  latencyPerText.add(outcome.durationMs / k, batchTags);
  return true;
}

function promptChars(): number {
  let total = 0;
  for (let i = 0; i < textCount; i++) total += (texts[i] as string).length;
  return textCount > 0 ? (k * total) / textCount : 0;
}

export const { options, setup, handleSummary, closedRampingVus, openConstantArrival } = defineScenario({
  name: `embeddings (${k === 1 ? "embedContent" : `batchEmbedContents × ${k}`})`,
  pickItem,
  buildRequest,
  checkAnswer,
  promptChars,
  send,
});
