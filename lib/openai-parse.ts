// Parses the OpenAI-compatible dialect's answers once, at the boundary, into the same GenerationResult
// the native parser gives, so checks and metrics read one form: chat.completion bodies, SSE streams of
// chat.completion.chunk ending with [DONE], and error bodies in the layer's array form.
// Finish reasons are mapped back to Gemini's (stop → STOP, length → MAX_TOKENS, content_filter → SAFETY).

import type { ApiErrorBody } from "./gemini-types.ts";
import { InvalidResponseError, parseErrorBody, parseJson, type GenerationResult } from "./gemini-parse.ts";

interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

interface ChatChoice {
  message?: { content?: string | null };
  delta?: { content?: string | null };
  finish_reason?: string | null;
}

interface ChatBody {
  object?: string;
  choices?: ChatChoice[];
  usage?: ChatUsage;
}

const FINISH: Readonly<Record<string, string>> = { stop: "STOP", length: "MAX_TOKENS", content_filter: "SAFETY" };

/** Thinking tokens are not a field of the dialect: the layer counts them in total_tokens only. */
function usageOf(usage: ChatUsage | undefined): GenerationResult["usage"] {
  const prompt = usage?.prompt_tokens ?? 0;
  const completion = usage?.completion_tokens ?? 0;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: completion,
    thoughtsTokenCount: Math.max(0, (usage?.total_tokens ?? 0) - prompt - completion),
  };
}

/** A whole chat.completion answer. */
export function parseChatCompletion(body: string): GenerationResult {
  const parsed = parseJson(body, "the chat completion") as ChatBody;
  if (typeof parsed !== "object" || parsed === null || !Array.isArray(parsed.choices))
    throw new InvalidResponseError("the chat completion has no choices");
  const choice = parsed.choices[0];
  const result: GenerationResult = { text: choice?.message?.content ?? "", chunks: 1, usage: usageOf(parsed.usage) };
  const finish = choice?.finish_reason;
  if (finish) result.finishReason = FINISH[finish] ?? finish;
  return result;
}

/**
 * A streamed answer: `data:` events of chat.completion.chunk until `data: [DONE]`. An event whose data
 * is an error object is the layer's failure after the stream started; a stream without [DONE] and
 * without such an error was cut short, which is an invalid response.
 */
export function parseChatSse(body: string): GenerationResult {
  const events = body.split("\n\n");
  let text = "";
  let chunks = 0;
  let firstChunkTextLength = 0;
  let finishReason: string | undefined;
  let usage: ChatUsage | undefined;
  let done = false;
  for (let i = 0; i < events.length; i++) {
    const event = (events[i] as string).trim();
    if (!event.startsWith("data:")) continue;
    const data = event.slice(5).trim();
    if (data === "[DONE]") {
      done = true;
      break;
    }
    const chunk = parseJson(data, "a stream event") as ChatBody & { error?: unknown };
    const error = chunk.error !== undefined ? parseErrorBody(data) : undefined;
    if (error) return { text, chunks, usage: usageOf(usage), streamError: error };
    if (Array.isArray(chunk.choices) && chunk.choices.length > 0) {
      const choice = chunk.choices[0] as ChatChoice;
      text += choice.delta?.content ?? "";
      if (chunks === 0) firstChunkTextLength = text.length;
      chunks++;
      if (choice.finish_reason) finishReason = FINISH[choice.finish_reason] ?? choice.finish_reason;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  if (!done) throw new InvalidResponseError("the stream ended without [DONE]");
  if (chunks === 0) throw new InvalidResponseError("the stream carried no chunk");
  // Usage arrives once, at the end: the first chunk's share of the tokens is estimated from its text.
  const result: GenerationResult = { text, chunks, usage: usageOf(usage), firstChunkTextLength };
  if (finishReason !== undefined) result.finishReason = finishReason;
  return result;
}

/** The error of an error body in either form: the layer's array `[{"error": …}]` or the native object. */
export function parseCompatError(body: string | null | undefined): ApiErrorBody["error"] | undefined {
  if (!body) return undefined;
  const start = body.trimStart();
  if (!start.startsWith("[")) return parseErrorBody(body);
  try {
    const parsed = JSON.parse(start) as unknown[];
    return Array.isArray(parsed) && parsed.length > 0 ? parseErrorBody(JSON.stringify(parsed[0])) : undefined;
  } catch {
    return undefined;
  }
}
