// GenerateContentResponse, countTokens and embedding bodies in the service's JSON shapes: proto3 JSON
// (zero counts omitted), `index` and per-chunk usage on 2.5+ models, the 2.0 forms where they differ.

import { randomBytes } from "node:crypto";
import type { ContentPlan } from "./content.ts";
import type { ModelInfo } from "./models.ts";
import { blockedRatings } from "./safety.ts";
import { Rng, hashString } from "./random.ts";

/** A response id shaped like the service's (23 base64url characters). */
export function newResponseId(): string {
  // One randomBytes call per 1,024 ids: a call per request was a visible share of the hot path.
  if (idPoolOffset + 18 > idPool.length) {
    idPool = randomBytes(18 * 1024);
    idPoolOffset = 0;
  }
  const bytes = idPool.subarray(idPoolOffset, idPoolOffset + 18);
  idPoolOffset += 18;
  return bytes.toString("base64url").slice(0, 23);
}
let idPool = Buffer.alloc(0);
let idPoolOffset = 0;

function usage(
  promptTokens: number,
  candidates: number,
  thoughts: number,
  model: ModelInfo,
  withCandidateDetails: boolean,
): Record<string, unknown> {
  const u: Record<string, unknown> = { promptTokenCount: promptTokens };
  if (candidates > 0) u.candidatesTokenCount = candidates;
  u.totalTokenCount = promptTokens + candidates + thoughts;
  u.promptTokensDetails = [{ modality: "TEXT", tokenCount: promptTokens }];
  if (withCandidateDetails && candidates > 0 && model.streamUsage === "last-chunk") {
    u.candidatesTokensDetails = [{ modality: "TEXT", tokenCount: candidates }];
  }
  if (thoughts > 0) u.thoughtsTokenCount = thoughts;
  return u;
}

function candidate(
  model: ModelInfo,
  parts: unknown[] | undefined,
  finishReason: string | undefined,
  index: number,
  rngSeed: number,
  streamed: boolean,
): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  if (parts) c.content = { parts, role: "model" };
  else if (finishReason === "MAX_TOKENS") c.content = { role: "model" };
  if (finishReason) c.finishReason = finishReason;
  if (finishReason === "SAFETY") c.safetyRatings = blockedRatings();
  // 2.0 answers follow proto3 JSON strictly: index 0, the default, is omitted, other indexes are not.
  if (model.streamUsage === "every-chunk" || index !== 0) c.index = index;
  // 2.0 reports avgLogprobs on whole answers only, never on streamed chunks.
  if (model.avgLogprobs && !streamed && finishReason && parts) c.avgLogprobs = -(0.05 + new Rng(rngSeed).next() * 0.3);
  return c;
}

function blockedPromptBody(plan: ContentPlan, model: ModelInfo, responseId: string): Record<string, unknown> {
  return {
    promptFeedback: { blockReason: "SAFETY", safetyRatings: blockedRatings() },
    usageMetadata: usage(plan.promptTokens, 0, 0, model, false),
    modelVersion: model.id,
    responseId,
  };
}

/** The whole non-streaming answer. */
export function fullResponse(plan: ContentPlan, model: ModelInfo, responseId: string): Record<string, unknown> {
  if (plan.blockedPrompt) return blockedPromptBody(plan, model, responseId);
  const text = plan.chunks.join("");
  const parts: unknown[] = [];
  if (plan.thoughtSummary) parts.push({ text: plan.thoughtSummary, thought: true });
  if (plan.chunks.length > 0) parts.push({ text });
  const candidates: unknown[] = [];
  for (let i = 0; i < plan.candidateCount; i++) {
    candidates.push(candidate(model, parts.length > 0 ? parts : undefined, plan.finishReason, i, hashString(text, i), false));
  }
  return {
    candidates,
    usageMetadata: usage(plan.promptTokens, plan.outputTokens * plan.candidateCount, plan.thoughtsTokens, model, true),
    modelVersion: model.id,
    responseId,
  };
}

/**
 * The streamed chunks. 2.5+ models: every chunk carries full usage with a cumulative candidatesTokenCount
 * and thoughtsTokenCount from the first; 2.0: prompt counts only until the last chunk. finishReason only last.
 */
export function streamChunks(plan: ContentPlan, model: ModelInfo, responseId: string): Record<string, unknown>[] {
  if (plan.blockedPrompt) return [blockedPromptBody(plan, model, responseId)];
  const out: Record<string, unknown>[] = [];
  const n = Math.max(1, plan.chunks.length);
  let cumulative = 0;
  for (let k = 0; k < n; k++) {
    const last = k === n - 1;
    const chunkText = plan.chunks[k];
    cumulative += plan.chunkTokens[k] ?? 0;
    const parts: unknown[] = [];
    if (k === 0 && plan.thoughtSummary) parts.push({ text: plan.thoughtSummary, thought: true });
    if (chunkText !== undefined) parts.push({ text: chunkText });
    const candidates: unknown[] = [];
    for (let i = 0; i < plan.candidateCount; i++) {
      candidates.push(
        candidate(
          model,
          parts.length > 0 ? parts : undefined,
          last ? plan.finishReason : undefined,
          i,
          hashString(chunkText ?? "", i),
          true,
        ),
      );
    }
    const counted = model.streamUsage === "every-chunk" || last;
    out.push({
      candidates,
      usageMetadata: counted
        ? usage(plan.promptTokens, cumulative * plan.candidateCount, plan.thoughtsTokens, model, last)
        : usage(plan.promptTokens, 0, 0, model, false),
      modelVersion: model.id,
      responseId,
    });
  }
  return out;
}

/** countTokens answer. */
export function countTokensResponse(tokens: number): Record<string, unknown> {
  return { totalTokens: tokens, promptTokensDetails: [{ modality: "TEXT", tokenCount: tokens }] };
}

/** A deterministic unit-length embedding of a text. */
export function embeddingValues(text: string, dimensions: number, seed: number): number[] {
  const rng = new Rng(hashString(text, seed));
  const values = new Array<number>(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const v = rng.next() * 2 - 1;
    values[i] = v;
    norm += v * v;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dimensions; i++) values[i] = Math.round((values[i] as number) * scale * 1e8) / 1e8;
  return values;
}
