// The moderation task: categories, prompt, JSON response schema, and strict validation of the verdict.
// Pure, so the request body and the verdict rules are unit-tested under Node.

import type { GeminiConfig } from "./config.ts";
import type { GenerateContentRequest, Schema } from "./gemini-types.ts";
import type { Threshold } from "./thresholds.ts";

/** Moderation categories; also the labels of data/moderation-posts.json. */
export const CATEGORIES = ["clean", "hate", "harassment", "violence", "spam", "self_harm"] as const;

/** One moderation category. */
export type Category = (typeof CATEGORIES)[number];

/** One labeled post of the data set. */
export interface LabeledPost {
  id: string;
  text: string;
  label: Category;
}

/** A verdict that conforms to {@link VERDICT_SCHEMA}. */
export interface Verdict {
  verdict: Category;
  confidence: number;
  reason: string;
}

/** System instruction sent with every moderation request. */
export const SYSTEM_INSTRUCTION =
  "You are a content moderator for a social network. Classify the user's post into exactly one " +
  "category: clean (acceptable), hate (attacks people for a protected trait such as race, religion, " +
  "gender, disability or sexual orientation), harassment (insults, threats or bullying aimed at a " +
  "person), violence (threats or glorification of physical harm), spam (unsolicited advertising, " +
  "scams, link bait) or self_harm (suicide or self-injury). Answer only with the JSON object the " +
  "schema describes; keep the reason under 20 words.";

/** The responseSchema: a verdict from the categories, a confidence in [0, 1], a short reason. */
export const VERDICT_SCHEMA: Schema = {
  type: "OBJECT",
  properties: {
    verdict: { type: "STRING", enum: [...CATEGORIES], description: "the single best category" },
    confidence: { type: "NUMBER", minimum: 0, maximum: 1, description: "confidence in the verdict, 0 to 1" },
    reason: { type: "STRING", description: "why, in under 20 words" },
  },
  required: ["verdict", "confidence", "reason"],
  propertyOrdering: ["verdict", "confidence", "reason"],
};

/** Options of the moderation request that come from the config. */
export interface ModerationRequestOptions {
  maxOutputTokens?: number | undefined;
  thinkingBudget?: number | undefined;
}

/** The generateContent body that asks for a verdict on one post. */
export function moderationRequest(postText: string, options: ModerationRequestOptions = {}): GenerateContentRequest {
  const generationConfig: GenerateContentRequest["generationConfig"] = {
    temperature: 0,
    responseMimeType: "application/json",
    responseSchema: VERDICT_SCHEMA,
  };
  if (options.maxOutputTokens !== undefined) generationConfig.maxOutputTokens = options.maxOutputTokens;
  if (options.thinkingBudget !== undefined) generationConfig.thinkingConfig = { thinkingBudget: options.thinkingBudget };
  return {
    systemInstruction: { parts: [{ text: SYSTEM_INSTRUCTION }] },
    contents: [{ role: "user", parts: [{ text: `Classify this post:\n\n${postText}` }] }],
    generationConfig,
  };
}

/**
 * A fast builder for the JSON of {@link moderationRequest}: requests differ only in the post, so the
 * body is serialized once around a marker and each post is spliced in as an escaped JSON string.
 * `escaped` lets a caller that sends the same post again pass its {@link jsonStringContent} instead.
 */
export function moderationBodyBuilder(options: ModerationRequestOptions = {}): (postText: string, escaped?: string) => string {
  const marker = "\u0000post\u0000";
  const json = JSON.stringify(moderationRequest(marker, options));
  const encodedMarker = jsonStringContent(marker);
  const at = json.indexOf(encodedMarker);
  const head = json.slice(0, at);
  const tail = json.slice(at + encodedMarker.length);
  return (postText, escaped) => `${head}${escaped ?? jsonStringContent(postText)}${tail}`;
}

/** `text` escaped as the inside of a JSON string literal (without the quotes). */
export function jsonStringContent(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** The outcome of reading a model answer as a verdict. */
export type VerdictResult = { valid: true; verdict: Verdict } | { valid: false; problem: string };

// A property read instead of a call into Array.prototype.includes: this runs for every answer. Compared
// with `=== true`, so inherited names such as "constructor" are no category.
const IS_CATEGORY: Readonly<Record<string, boolean>> = Object.fromEntries(CATEGORIES.map((category) => [category, true]));

/** True when `value` is one of the categories. */
export function isCategory(value: unknown): value is Category {
  return typeof value === "string" && IS_CATEGORY[value] === true;
}

/** Parses and validates the model's text against {@link VERDICT_SCHEMA}; extra fields make it invalid too. */
export function parseVerdict(text: string): VerdictResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { valid: false, problem: "answer is not JSON" };
  }
  const problem = verdictProblem(parsed);
  // The parsed object has exactly the three fields, checked: it is the verdict, no copy needed.
  return problem === undefined ? { valid: true, verdict: parsed as Verdict } : { valid: false, problem };
}

/** {@link parseVerdict} for the per-request path: the verdict, or undefined when the answer is not one (no wrapper object). */
export function readVerdict(text: string): Verdict | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return verdictProblem(parsed) === undefined ? (parsed as Verdict) : undefined;
}

/** What keeps a parsed answer from being a verdict, or undefined when it is one. */
function verdictProblem(parsed: unknown): string | undefined {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "answer is not a JSON object";
  const record = parsed as Record<string, unknown>;
  // Object.keys is several times cheaper than a for-in loop in k6's runtime, and this runs per request:
  // three keys with the three names present means no other field, so the names are read only otherwise.
  const keys = Object.keys(record);
  if (keys.length !== 3 || record.verdict === undefined || record.confidence === undefined || record.reason === undefined) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key !== "verdict" && key !== "confidence" && key !== "reason") return `unexpected field ${key}`;
    }
  }
  if (!isCategory(record.verdict)) return "verdict is not one of the categories";
  if (typeof record.confidence !== "number" || !(record.confidence >= 0 && record.confidence <= 1))
    return "confidence is not a number from 0 to 1";
  if (typeof record.reason !== "string") return "reason is not a string";
  return undefined;
}

/** Checks the shape of the loaded data set once, so a broken file fails at start, not as wrong verdicts. */
export function validatePosts(value: unknown): LabeledPost[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error("data/moderation-posts.json must be a non-empty array");
  value.forEach((post: unknown, index) => {
    const p = post as Partial<LabeledPost> | null;
    if (!p || typeof p.id !== "string" || typeof p.text !== "string" || p.text === "" || !isCategory(p.label)) {
      throw new Error(
        `data/moderation-posts.json entry ${index} needs a string id, a non-empty text and a label from ${CATEGORIES.join(", ")}`,
      );
    }
  });
  return value as LabeledPost[];
}

/** The moderation scenario's own threshold: accuracy, from GEMINI_MIN_ACCURACY. */
export function moderationThresholds(config: Pick<GeminiConfig, "thresholds">): Record<string, Threshold[]> {
  return { gemini_moderation_correct: [`rate>=${config.thresholds.minAccuracy}`] };
}
