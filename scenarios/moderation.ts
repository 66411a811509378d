// Real-time content moderation under load: labeled posts sent for a JSON verdict, in a closed (ramping VUs)
// and/or open (constant arrival rate) model, with thresholds that fail CI. Run: k6 run dist/moderation.js
// The workload only; configuration, plan, budget, preflight, shapes and summary come from lib/scenario-kit.ts.

import { SharedArray } from "k6/data";
import { defineScenario, scenarioConfig } from "../lib/scenario-kit.ts";
import type { GenerateOutcome } from "../lib/gemini-client.ts";
import {
  jsonStringContent,
  moderationBodyBuilder,
  moderationThresholds,
  readVerdict,
  SYSTEM_INSTRUCTION,
  validatePosts,
  VERDICT_SCHEMA,
  type LabeledPost,
} from "../lib/moderation.ts";
import { checkAccuracy, checkContract, moderationCorrect } from "../lib/moderation-checks.ts";

const config = scenarioConfig();

// k6 resolves open() against this bundle's folder (dist/), so data/ is one level up.
const posts = new SharedArray<LabeledPost>("moderation posts", () => validatePosts(JSON.parse(open("../data/moderation-posts.json"))));

// SharedArray decodes an element on every access, and even its length is a call into Go: each VU keeps
// the posts it has used and their text escaped for the request body (the whole set is about 60 KB).
const postCount = posts.length;
const postCache: LabeledPost[] = [];
const escapedCache: string[] = [];
const moderationBody = moderationBodyBuilder({ maxOutputTokens: config.maxOutputTokens, thinkingBudget: config.thinkingBudget });

// Per-label tags are built once.
const LABEL_TAGS: Record<string, { label: string }> = {};

/** Each VU walks the data set from its own offset; the file interleaves labels, so any stretch of it mixes every category. */
function pickItem(): number {
  // __ITER and __VU are plain numbers, unlike exec.scenario, which is built per access.
  return (__ITER + (__VU - 1) * 53) % postCount;
}

function post(index: number): LabeledPost {
  // biome-ignore lint/suspicious/noAssignInExpressions: per-VU memo on the hot path, one lookup per request
  return (postCache[index] ??= posts[index] as LabeledPost);
}

function buildRequest(index: number): string {
  const text = post(index).text;
  // biome-ignore lint/suspicious/noAssignInExpressions: per-VU memo on the hot path, one lookup per request
  return moderationBody(text, (escapedCache[index] ??= jsonStringContent(text)));
}

function checkAnswer(outcome: GenerateOutcome, index: number): boolean {
  const result = outcome.result;
  const verdict = outcome.ok && result !== undefined ? readVerdict(result.text) : undefined;
  const valid = verdict !== undefined;
  checkContract(outcome.ok, outcome.status, valid);
  if (verdict !== undefined) {
    const label = post(index).label;
    const correct = verdict.verdict === label;
    checkAccuracy(correct);
    // biome-ignore lint/suspicious/noAssignInExpressions: tags built once per label, not per sample
    moderationCorrect.add(correct, (LABEL_TAGS[label] ??= { label }));
  }
  return valid;
}

/** The system instruction, an average post and the schema: what each request sends as its prompt. */
function promptChars(): number {
  let total = 0;
  for (let i = 0; i < postCount; i++) total += (posts[i] as LabeledPost).text.length;
  const averageChars = postCount > 0 ? total / postCount : 0;
  return SYSTEM_INSTRUCTION.length + averageChars + JSON.stringify(VERDICT_SCHEMA).length;
}

export const { options, setup, handleSummary, closedRampingVus, openConstantArrival } = defineScenario({
  name: "moderation",
  pickItem,
  buildRequest,
  checkAnswer,
  promptChars,
  thresholds: moderationThresholds(config),
  summaryRates: [["accuracy", "gemini_moderation_correct"]],
});
