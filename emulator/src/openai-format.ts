// Chat completions in the OpenAI wire format, built from the same content plan as a native answer:
// `chat.completion` whole, `chat.completion.chunk` SSE frames ending with `data: [DONE]`, usage on the
// final chunk when `stream_options.include_usage` asks (the layer puts it there, beside the last choice,
// rather than on a separate chunk with empty choices).

import type { ContentPlan } from "./content.ts";
import type { AnswerFormat } from "./exchange.ts";
import type { ApiError } from "./errors.ts";
import type { ModelInfo } from "./models.ts";
import { compatErrorBody, compatStreamError } from "./openai-errors.ts";

const FINISH: Record<ContentPlan["finishReason"], string> = { STOP: "stop", MAX_TOKENS: "length", SAFETY: "content_filter" };

/** Errors only: the form of the embeddings and models calls. */
export const COMPAT_ERRORS: AnswerFormat = {
  whole: () => "",
  frames: () => [],
  streamError: compatStreamError,
  error: compatErrorBody,
};

/**
 * usage as the layer reports it: completion_tokens are the answer's tokens only, total_tokens also
 * counts thinking, so thinking tokens = total − prompt − completion.
 */
function usage(plan: ContentPlan, completion: number): Record<string, number> {
  return {
    completion_tokens: completion,
    prompt_tokens: plan.promptTokens,
    total_tokens: plan.promptTokens + completion + plan.thoughtsTokens,
  };
}

/** The answer format of one chat completions request. */
export class ChatFormat implements AnswerFormat {
  private readonly created = Math.floor(Date.now() / 1000);
  constructor(private readonly includeUsage: boolean) {}

  whole(plan: ContentPlan, model: ModelInfo, responseId: string): string {
    const text = plan.chunks.join("");
    const choices: unknown[] = [];
    const finish = plan.blockedPrompt ? "content_filter" : FINISH[plan.finishReason];
    for (let i = 0; i < plan.candidateCount; i++) {
      const content = plan.blockedPrompt || plan.finishReason === "SAFETY" ? null : text;
      choices.push({ finish_reason: finish, index: i, message: { content, role: "assistant" } });
    }
    return JSON.stringify({
      choices,
      created: this.created,
      id: responseId,
      model: model.id,
      object: "chat.completion",
      usage: usage(plan, plan.outputTokens * plan.candidateCount),
    });
  }

  frames(plan: ContentPlan, model: ModelInfo, responseId: string): string[] {
    const n = plan.blockedPrompt ? 1 : Math.max(1, plan.chunks.length);
    const frames: string[] = [];
    let cumulative = 0;
    for (let k = 0; k < n; k++) {
      const last = k === n - 1;
      cumulative += plan.chunkTokens[k] ?? 0;
      const delta: Record<string, unknown> = { role: "assistant" };
      const text = plan.chunks[k];
      if (text !== undefined) delta.content = text;
      const choices: unknown[] = [];
      for (let i = 0; i < plan.candidateCount; i++) {
        const choice: Record<string, unknown> = { delta, index: i };
        if (last) choice.finish_reason = plan.blockedPrompt ? "content_filter" : FINISH[plan.finishReason];
        choices.push(choice);
      }
      const chunk: Record<string, unknown> = {
        choices,
        created: this.created,
        id: responseId,
        model: model.id,
        object: "chat.completion.chunk",
      };
      if (last && this.includeUsage) chunk.usage = usage(plan, cumulative * plan.candidateCount);
      frames.push(last ? `data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n` : `data: ${JSON.stringify(chunk)}\n\n`);
    }
    return frames;
  }

  streamError(error: ApiError): string {
    return compatStreamError(error);
  }

  error(error: ApiError): string {
    return compatErrorBody(error);
  }
}
