// The preflight over Gemini's OpenAI-compatible surface (GEMINI_DIALECT=openai), with the official openai
// SDK: the key and model (models.retrieve), one moderation chat completion whose verdict must parse, one
// stream with usage (time to first token, tokens/s as k6 measures them), then the unloaded baseline.
// It reports in the same PreflightResult as the native preflight, so --after and the report read both.
import OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { chatBody, openAiBaseUrl } from "../lib/openai-requests.ts";
import { parseVerdict } from "../lib/moderation.ts";
import { VerifyFailure } from "./failures.ts";
import { capturingFetch, classifyOpenAiError } from "./openai-failures.ts";
import type { Baseline } from "./post-run.ts";
import {
  baselineBodies,
  recordBaseline,
  recordFailure,
  recordStream,
  timeBaseline,
  type PreflightOptions,
  type PreflightResult,
  type StreamTiming,
} from "./preflight.ts";
import { sampleModerationBody } from "./sdk-request.ts";

const round = (value: number): number => Math.round(value * 10) / 10;

/** The SDK client pointed at the compatibility root of `baseUrl`; it never retries (each request counts). */
function openAiClient(options: Pick<PreflightOptions, "baseUrl" | "apiKey" | "timeoutMs">, fetcher?: typeof fetch): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey,
    baseURL: openAiBaseUrl(options.baseUrl),
    maxRetries: 0,
    timeout: options.timeoutMs,
    ...(fetcher ? { fetch: fetcher } : {}),
  });
}

type StreamParams = ChatCompletionCreateParamsStreaming;

/** Sends one streamed completion and times it, as measureStream does for the native stream. */
async function measureStream(client: OpenAI, params: StreamParams, check: boolean): Promise<StreamTiming> {
  const started = performance.now();
  const stream = await client.chat.completions.create(params);
  let ttftMs: number | undefined;
  let chunks = 0;
  let text = "";
  let outputTokens = 0;
  let firstChunkTextLength = 0;
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta.content ?? "";
    // A chunk with a choice is a token's arrival (a usage-only tail would have none).
    if (chunk.choices.length > 0) {
      ttftMs ??= performance.now() - started;
      if (chunks === 0) firstChunkTextLength = delta.length;
      chunks++;
    }
    text += delta;
    if (chunk.usage) outputTokens = chunk.usage.completion_tokens;
  }
  const totalMs = performance.now() - started;
  if (ttftMs === undefined) throw new VerifyFailure("invalid_response", "the stream ended without a chunk");
  const verdict = parseVerdict(text);
  if (check && !verdict.valid) throw new VerifyFailure("invalid_response", `the streamed verdict is invalid: ${verdict.problem}`);
  // The dialect reports usage once, at the end: the first chunk's share is estimated from its text.
  return { outputTokens, firstChunkTokens: undefined, firstChunkTextLength, textLength: text.length, chunks, ttftMs, totalMs };
}

async function measureBaseline(client: OpenAI, options: PreflightOptions): Promise<Baseline> {
  return timeBaseline(
    baselineBodies(options),
    options.stream,
    (body) => client.chat.completions.create(chatBody(options.model, body, false) as unknown as ChatCompletionCreateParamsNonStreaming),
    (body) => measureStream(client, chatBody(options.model, body, true) as unknown as StreamParams, false),
  );
}

/** Runs the dialect's preflight steps in order and stops at the first failure. Never throws for API errors. */
export async function runOpenAiPreflight(options: PreflightOptions): Promise<PreflightResult> {
  const result: PreflightResult = {
    ok: false,
    at: new Date().toISOString(),
    baseUrl: options.baseUrl,
    apiVersion: "v1beta/openai",
    model: options.model,
    steps: [],
  };
  const capture = capturingFetch();
  const client = openAiClient(options, capture.fetch);
  const body = sampleModerationBody({ maxOutputTokens: options.maxOutputTokens, thinkingBudget: options.thinkingBudget });
  let step: PreflightResult["steps"][number]["name"] = "model";
  try {
    const model = await client.models.retrieve(options.model);
    if (typeof model.id !== "string" || !model.id.includes(options.model)) {
      throw new VerifyFailure("wrong_base_url", "models.retrieve answered, but not with a model object");
    }
    result.modelInfo = { name: model.id, inputTokenLimit: null, outputTokenLimit: null };
    result.steps.push({ name: "model", ok: true, detail: `key accepted; ${model.id} (the dialect reports no token limits)` });

    step = "generateContent";
    const started = performance.now();
    const completion = await client.chat.completions.create(
      chatBody(options.model, body, false) as unknown as ChatCompletionCreateParamsNonStreaming,
    );
    const latencyMs = performance.now() - started;
    const verdict = parseVerdict(completion.choices[0]?.message.content ?? "");
    if (!verdict.valid) throw new VerifyFailure("invalid_response", `the verdict is invalid: ${verdict.problem}`);
    const usage = completion.usage;
    const promptTokens = usage?.prompt_tokens ?? 0;
    const outputTokens = usage?.completion_tokens ?? 0;
    result.generate = {
      latencyMs: round(latencyMs),
      verdict: verdict.verdict,
      promptTokens,
      outputTokens,
      // The layer counts thinking in total_tokens only.
      thoughtsTokens: Math.max(0, (usage?.total_tokens ?? 0) - promptTokens - outputTokens),
    };
    result.steps.push({
      name: "generateContent",
      ok: true,
      detail: `chat completion: verdict "${verdict.verdict.verdict}" (confidence ${verdict.verdict.confidence}) valid; ${Math.round(latencyMs)} ms; ${promptTokens} in / ${outputTokens} out tokens`,
    });

    step = "stream";
    recordStream(result, await measureStream(client, chatBody(options.model, body, true) as unknown as StreamParams, true));

    step = "baseline";
    recordBaseline(result, await measureBaseline(client, options));
  } catch (error) {
    let failure = classifyOpenAiError(error, capture.lastErrorBody());
    // A 404 that does not name the model is a wrong path prefix, not a missing model.
    if (failure.failure === "unknown_model" && !failure.message.includes(`models/${options.model}`))
      failure = new VerifyFailure("wrong_base_url", failure.message);
    recordFailure(result, step, failure);
  }
  return result;
}
