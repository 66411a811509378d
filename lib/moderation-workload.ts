// The moderation workload (labeled posts sent for a JSON verdict, checked against their labels) as a
// reusable piece: scenarios/moderation.ts is this workload alone, scenarios/retry-strategies.ts varies the retry policy around it.
// Call at init: it opens the data set.

import { SharedArray } from "k6/data";
import type { GenerateOutcome } from "./gemini-client.ts";
import type { GeminiConfig } from "./config.ts";
import {
  jsonStringContent,
  moderationBodyBuilder,
  readVerdict,
  SYSTEM_INSTRUCTION,
  validatePosts,
  VERDICT_SCHEMA,
  type LabeledPost,
} from "./moderation.ts";
import { checkAccuracy, checkContract, moderationCorrect } from "./moderation-checks.ts";

/** What defineScenario needs of a moderation scenario; items are indexes into the data set. */
export interface ModerationWorkload {
  pickItem(): number;
  buildRequest(index: number): string;
  checkAnswer(outcome: GenerateOutcome, index: number): boolean;
  promptChars(): number;
}

/**
 * The labeled posts of `data/moderation-posts.json`, decoded once and shared by every VU; call at init.
 * k6 resolves open() against the bundle's folder (dist/), so data/ is one level up.
 */
export function moderationPosts(): LabeledPost[] {
  return new SharedArray<LabeledPost>("moderation posts", () => validatePosts(JSON.parse(open("../data/moderation-posts.json"))));
}

/** The moderation workload over `data/moderation-posts.json`, with the run's output and thinking settings. */
export function moderationWorkload(config: Pick<GeminiConfig, "maxOutputTokens" | "thinkingBudget">): ModerationWorkload {
  const posts = moderationPosts();
  // SharedArray decodes an element on every access: each VU keeps the posts it used, and their escaped text.
  const postCount = posts.length;
  const postCache: LabeledPost[] = [];
  const escapedCache: string[] = [];
  const body = moderationBodyBuilder({ maxOutputTokens: config.maxOutputTokens, thinkingBudget: config.thinkingBudget });
  const labelTags: Record<string, { label: string }> = {};

  const post = (index: number): LabeledPost => {
    // biome-ignore lint/suspicious/noAssignInExpressions: per-VU memo on the hot path
    return (postCache[index] ??= posts[index] as LabeledPost);
  };

  return {
    // Each VU walks the data set from its own offset, so any stretch of requests mixes every category.
    pickItem: () => (__ITER + (__VU - 1) * 53) % postCount,
    buildRequest(index: number): string {
      const text = post(index).text;
      // biome-ignore lint/suspicious/noAssignInExpressions: per-VU memo on the hot path
      return body(text, (escapedCache[index] ??= jsonStringContent(text)));
    },
    checkAnswer(outcome: GenerateOutcome, index: number): boolean {
      const result = outcome.result;
      const verdict = outcome.ok && result !== undefined ? readVerdict(result.text) : undefined;
      const valid = verdict !== undefined;
      checkContract(outcome.ok, outcome.status, valid);
      if (verdict !== undefined) {
        const label = post(index).label;
        const correct = verdict.verdict === label;
        checkAccuracy(correct);
        // biome-ignore lint/suspicious/noAssignInExpressions: tags built once per label
        moderationCorrect.add(correct, (labelTags[label] ??= { label }));
      }
      return valid;
    },
    promptChars(): number {
      let total = 0;
      for (let i = 0; i < postCount; i++) total += (posts[i] as LabeledPost).text.length;
      return SYSTEM_INSTRUCTION.length + (postCount > 0 ? total / postCount : 0) + JSON.stringify(VERDICT_SCHEMA).length;
    },
  };
}
