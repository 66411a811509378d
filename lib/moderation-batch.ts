// Moderation in batches: N posts in one generateContent request, each post its own part of the user
// turn, answered with a JSON array of verdicts in the same order. Pure, so the body and the parsing are
// unit-tested under Node; scenarios/moderation-batch.ts sends it.

import type { GenerateContentRequest, Schema } from "./gemini-types.ts";
import { isCategory, SYSTEM_INSTRUCTION, VERDICT_SCHEMA, type ModerationRequestOptions, type Verdict } from "./moderation.ts";
import { parseJsonOrUndefined } from "./json.ts";

/** The system instruction of a batch: the single-post one, told that the turn holds several posts. */
export const BATCH_INSTRUCTION =
  `${SYSTEM_INSTRUCTION} The user's message holds several posts, one per part, in order: classify each ` +
  "on its own and answer with a JSON array holding one object per post, in the same order.";

/** The responseSchema for `n` posts: an array of exactly `n` verdicts. */
export function verdictsSchema(n: number): Schema & { minItems: string; maxItems: string } {
  // int64 fields travel as strings in proto3 JSON.
  return { type: "ARRAY", items: VERDICT_SCHEMA, minItems: String(n), maxItems: String(n) };
}

/** The generateContent body asking for one verdict per post. */
export function moderationBatchRequest(posts: readonly string[], options: ModerationRequestOptions = {}): GenerateContentRequest {
  const generationConfig: GenerateContentRequest["generationConfig"] = {
    temperature: 0,
    responseMimeType: "application/json",
    responseSchema: verdictsSchema(posts.length),
  };
  // A per-post output cap grows with the posts in the request.
  if (options.maxOutputTokens !== undefined) generationConfig.maxOutputTokens = options.maxOutputTokens * posts.length;
  if (options.thinkingBudget !== undefined) generationConfig.thinkingConfig = { thinkingBudget: options.thinkingBudget };
  return {
    systemInstruction: { parts: [{ text: BATCH_INSTRUCTION }] },
    contents: [{ role: "user", parts: posts.map((text) => ({ text })) }],
    generationConfig,
  };
}

/** The verdicts of an answer, or undefined unless it is an array of exactly `n` valid verdicts. */
export function readVerdicts(text: string, n: number): Verdict[] | undefined {
  const value = parseJsonOrUndefined(text);
  if (!Array.isArray(value) || value.length !== n) return undefined;
  for (const item of value) {
    const v = item as Partial<Verdict> | null;
    if (typeof v !== "object" || v === null || !isCategory(v.verdict) || typeof v.confidence !== "number") return undefined;
  }
  return value as Verdict[];
}
