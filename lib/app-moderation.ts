// The contract of a moderation service under test (docs/app.md): its request, its answer checked
// strictly, and the Server-Timing split of each answer into the app's queue, the model and the rest.
// Pure, so scenarios/app-moderation.ts's rules are unit-tested under Node.

import { CATEGORIES, type Category } from "./moderation.ts";
import { parseJsonOrUndefined } from "./json.ts";

/** The path every service under test answers. */
export const APP_MODERATE_PATH = "/v1/moderate";

/** A valid answer of POST /v1/moderate. */
export interface AppAnswer {
  verdict: "allow" | "block";
  categories: Category[];
  confidence: number;
  model: string;
}

/** Where the service says the time went, in ms; a part it did not send is undefined. */
export interface AppTimingSplit {
  queueMs: number | undefined;
  modelMs: number | undefined;
  totalMs: number | undefined;
  /** total − queue − model: the app's own work (parsing, retries' waits, framework), never below 0. */
  overheadMs: number | undefined;
  /** The `upstream` entry's description (model@key name), when sent. */
  upstream: string | undefined;
}

/** The request body for one post. */
export function appRequestBody(text: string): string {
  return JSON.stringify({ text });
}

/** The answer when it keeps the contract: verdict allow|block, categories from the moderation set (none when allowed), confidence 0–1, the model. */
export function readAppAnswer(body: string): AppAnswer | undefined {
  const value = parseJsonOrUndefined(body);
  if (typeof value !== "object" || value === null) return undefined;
  const a = value as Partial<AppAnswer>;
  if (a.verdict !== "allow" && a.verdict !== "block") return undefined;
  if (!Array.isArray(a.categories) || !a.categories.every((c) => c !== "clean" && CATEGORIES.includes(c))) return undefined;
  if ((a.verdict === "allow") !== (a.categories.length === 0)) return undefined;
  if (typeof a.confidence !== "number" || !(a.confidence >= 0 && a.confidence <= 1)) return undefined;
  if (typeof a.model !== "string" || a.model === "") return undefined;
  return a as AppAnswer;
}

/** Whether the answer agrees with the post's label: clean is allowed, anything else blocked with its category. */
export function appAnswerCorrect(answer: AppAnswer, label: Category): boolean {
  return label === "clean" ? answer.verdict === "allow" : answer.verdict === "block" && answer.categories.includes(label);
}

/** Reads `queue`, `model`, `total` and `upstream` from a Server-Timing header (other entries are ignored). */
export function appTimingSplit(header: string | undefined): AppTimingSplit {
  const split: AppTimingSplit = { queueMs: undefined, modelMs: undefined, totalMs: undefined, overheadMs: undefined, upstream: undefined };
  if (header === undefined || header === "") return split;
  for (const entry of header.split(",")) {
    const params = entry.split(";");
    const name = (params[0] as string).trim();
    if (name !== "queue" && name !== "model" && name !== "total" && name !== "upstream") continue;
    for (let i = 1; i < params.length; i++) {
      const param = (params[i] as string).trim();
      if (name === "upstream" && param.startsWith("desc=")) split.upstream = param.slice(5).replace(/^"|"$/g, "");
      if (!param.startsWith("dur=")) continue;
      const ms = Number(param.slice(4));
      if (!Number.isFinite(ms) || ms < 0) continue;
      if (name === "queue") split.queueMs = ms;
      else if (name === "model") split.modelMs = ms;
      else if (name === "total") split.totalMs = ms;
    }
  }
  if (split.totalMs !== undefined) split.overheadMs = Math.max(0, split.totalMs - (split.queueMs ?? 0) - (split.modelMs ?? 0));
  return split;
}
