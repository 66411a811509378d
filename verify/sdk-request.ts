// Turns the k6 moderation body from lib/moderation.ts into the arguments each official SDK
// takes, so the SDKs are asked for the same logical request k6 sends.
import type { GenerateContentConfig, GenerateContentParameters } from "@google/genai";
import type { GenerateContentRequest as LegacyRequest, ModelParams } from "@google/generative-ai";
import type { GenerateContentRequest } from "../lib/gemini-types.ts";
import { moderationRequest, type ModerationRequestOptions } from "../lib/moderation.ts";

/** The post the preflight and the contract check ask about: harmless, and short to keep tokens low. */
const SAMPLE_POST = "Just finished a 10k run along the river, anyone up for the same route next Sunday?";

/** The k6 body for the sample post, built by lib/moderation.ts (the single source of truth). */
export function sampleModerationBody(options: ModerationRequestOptions = {}): GenerateContentRequest {
  return moderationRequest(SAMPLE_POST, options);
}

/** `@google/genai` parameters for the same request. */
export function genaiParameters(model: string, body: GenerateContentRequest): GenerateContentParameters {
  const config: GenerateContentConfig = { ...(body.generationConfig as GenerateContentConfig) };
  if (body.systemInstruction) config.systemInstruction = body.systemInstruction;
  return { model, contents: body.contents, config };
}

/** `@google/generative-ai` model parameters and request for the same request. */
export function legacyParameters(model: string, body: GenerateContentRequest): { modelParams: ModelParams; request: LegacyRequest } {
  const modelParams: ModelParams = { model };
  // The legacy SDK's own Schema type predates propertyOrdering and upper-case types; the body
  // is what the service reads, so it is passed through as is.
  if (body.generationConfig) modelParams.generationConfig = body.generationConfig as unknown as ModelParams["generationConfig"];
  if (body.systemInstruction) modelParams.systemInstruction = body.systemInstruction as unknown as ModelParams["systemInstruction"];
  return { modelParams, request: { contents: body.contents as unknown as LegacyRequest["contents"] } };
}
