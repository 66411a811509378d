// Moderation in batches: GEMINI_BATCH_SIZE posts per request, each its own part, answered with an array
// of verdicts; at 1 it sends the single-post moderation request, its unbatched twin. Reports cost and
// latency per post beside the per-request figures, and accuracy per post. Compare the two at the same
// posts per second: GEMINI_RATE is requests per second, so run the twin at N times the batched rate.

import { check } from "k6";
import { Counter, Trend } from "k6/metrics";
import { defineScenario, scenarioConfig } from "../lib/scenario-kit.ts";
import { moderationPosts } from "../lib/moderation-workload.ts";
import type { GenerateOutcome } from "../lib/gemini-client.ts";
import { priceFor, tokenCostUsd, type PriceTable } from "../lib/budget.ts";
import {
  moderationBodyBuilder,
  moderationThresholds,
  readVerdict,
  SYSTEM_INSTRUCTION,
  VERDICT_SCHEMA,
  type LabeledPost,
  type Verdict,
} from "../lib/moderation.ts";
import { BATCH_INSTRUCTION, moderationBatchRequest, readVerdicts, verdictsSchema } from "../lib/moderation-batch.ts";
import { checkAccuracy, moderationCorrect } from "../lib/moderation-checks.ts";

const config = scenarioConfig();
const n = config.batchSize;
const posts = moderationPosts();
const postCount = posts.length;
const price = priceFor(JSON.parse(open("../data/prices.json")) as PriceTable, config.model);
const single = moderationBodyBuilder({ maxOutputTokens: config.maxOutputTokens, thinkingBudget: config.thinkingBudget });

const postsSent = new Counter("gemini_batch_posts");
const latencyPerPost = new Trend("gemini_latency_per_post", true);
const costPerPost = new Trend("gemini_cost_per_post_usd");
const CONTRACT = {
  "status is 200": (o: GenerateOutcome) => o.ok && o.status === 200,
  "one verdict per post": (o: GenerateOutcome) => o.ok && verdictsOf(o) !== undefined,
};
const CONTRACT_TAGS = { check_kind: "contract" };
const batchTags = { batch_size: String(n) };

function post(index: number): LabeledPost {
  return posts[index % postCount] as LabeledPost;
}

/** The first post of this request's group; each VU walks the data set from its own offset. */
function pickItem(): number {
  return ((__ITER + (__VU - 1) * 53) * n) % postCount;
}

function buildRequest(start: number): string {
  if (n === 1) return single(post(start).text);
  const texts: string[] = [];
  for (let i = 0; i < n; i++) texts.push(post(start + i).text);
  return JSON.stringify(moderationBatchRequest(texts, { maxOutputTokens: config.maxOutputTokens, thinkingBudget: config.thinkingBudget }));
}

function verdictsOf(outcome: GenerateOutcome): Verdict[] | undefined {
  const text = outcome.result?.text;
  if (text === undefined) return undefined;
  if (n > 1) return readVerdicts(text, n);
  const verdict = readVerdict(text);
  return verdict ? [verdict] : undefined;
}

function checkAnswer(outcome: GenerateOutcome, start: number): boolean {
  const valid = check(outcome, CONTRACT, CONTRACT_TAGS);
  const verdicts = valid ? verdictsOf(outcome) : undefined;
  if (verdicts === undefined) return false;
  for (let i = 0; i < n; i++) {
    const correct = verdicts[i]?.verdict === post(start + i).label;
    checkAccuracy(correct);
    moderationCorrect.add(correct, batchTags);
  }
  postsSent.add(n, batchTags);
  latencyPerPost.add(outcome.durationMs / n, batchTags);
  const usage = outcome.result?.usage;
  if (price !== undefined && usage !== undefined) {
    costPerPost.add(tokenCostUsd(price, usage.promptTokenCount, usage.candidatesTokenCount, usage.thoughtsTokenCount) / n, batchTags);
  }
  return true;
}

/** The instruction, the schema and N average posts: what each request sends as its prompt. */
function promptChars(): number {
  let total = 0;
  for (let i = 0; i < postCount; i++) total += (posts[i] as LabeledPost).text.length;
  const average = postCount > 0 ? total / postCount : 0;
  if (n === 1) return SYSTEM_INSTRUCTION.length + average + JSON.stringify(VERDICT_SCHEMA).length;
  return BATCH_INSTRUCTION.length + n * average + JSON.stringify(verdictsSchema(n)).length;
}

export const { options, setup, handleSummary, closedRampingVus, openConstantArrival } = defineScenario({
  name: `moderation-batch (${n} per request)`,
  pickItem,
  buildRequest,
  checkAnswer,
  promptChars,
  thresholds: moderationThresholds(config),
  summaryRates: [["accuracy per post", "gemini_moderation_correct"]],
});
