// The preflight: with @google/genai, checks that the key, the model and the moderation request
// work against the target, and measures the unloaded baseline (latency, TTFT, tokens/s) over a few
// sequential calls.
import { readFileSync } from "node:fs";
import path from "node:path";
import { GoogleGenAI } from "@google/genai";
import { firstChunkTokenEstimate } from "../lib/gemini-parse.ts";
import { countTokensRequest } from "../lib/gemini-requests.ts";
import type { GenerateContentRequest } from "../lib/gemini-types.ts";
import { moderationRequest, parseVerdict, validatePosts, type Verdict } from "../lib/moderation.ts";
import { classifyError, FAILURES, VerifyFailure, type FailureClass } from "./failures.ts";
import type { Baseline } from "./post-run.ts";
import { genaiParameters, sampleModerationBody } from "./sdk-request.ts";
import { interpolatedPercentile, spreadOf } from "./spread.ts";

/** Where and how to run the preflight. */
export interface PreflightOptions {
  baseUrl: string;
  apiKey: string;
  model: string;
  apiVersion: "v1beta" | "v1";
  timeoutMs: number;
  maxOutputTokens?: number | undefined;
  thinkingBudget?: number | undefined;
  /** Sequential calls the baseline is measured over, after the checks (which warm the connection up). */
  baselineCalls: number;
  /** Whether the baseline's calls stream, as the load test does with GEMINI_STREAM (the default). */
  stream: boolean;
  /** GEMINI_DIALECT: `openai` runs the preflight with the openai SDK (openai-preflight.ts); default native. */
  dialect?: "native" | "openai";
}

/** The fewest and most baseline calls verify accepts: fewer than 5 leave the median no interval. */
export const BASELINE_CALLS = { min: 5, max: 200, default: 10 } as const;

/**
 * HTTP requests the preflight sends: models.get, countTokens, one generateContent and one stream
 * (the checks), then the baseline's calls. The SDK does not retry.
 */
function preflightRequests(options: Pick<PreflightOptions, "baselineCalls">): number {
  return 4 + options.baselineCalls;
}

/** The one-line refusal of a preflight that would send more than GEMINI_MAX_REQUESTS (when set), else undefined. */
export function preflightBudgetProblem(
  options: Pick<PreflightOptions, "baselineCalls"> & { maxRequests?: number | undefined },
): string | undefined {
  const requests = preflightRequests(options);
  if (options.maxRequests === undefined || requests <= options.maxRequests) return undefined;
  return `GEMINI_MAX_REQUESTS=${options.maxRequests} is below the ${requests} requests the preflight sends: raise it, or lower --baseline-calls (GEMINI_VERIFY_BASELINE_CALLS)`;
}

/** The one-line plan printed before a preflight against a paid endpoint. */
export function describePreflightPlan(options: Pick<PreflightOptions, "baselineCalls" | "stream">, target: string): string {
  const kind = options.stream ? "streams" : "generateContent calls";
  return `plan: ${preflightRequests(options)} requests to ${target}: models.get, countTokens, a generateContent and a stream check, then ${options.baselineCalls} sequential ${kind} for the baseline`;
}

/** One step of the preflight as reported. */
interface PreflightStep {
  name: "model" | "countTokens" | "generateContent" | "stream" | "baseline";
  ok: boolean;
  detail: string;
}

/** The preflight outcome; this is what verify.json's `preflight` holds. */
export interface PreflightResult {
  ok: boolean;
  at: string;
  baseUrl: string;
  apiVersion: string;
  model: string;
  steps: PreflightStep[];
  modelInfo?: { name: string; inputTokenLimit: number | null; outputTokenLimit: number | null };
  countTokens?: { totalTokens: number };
  generate?: { latencyMs: number; verdict: Verdict; promptTokens: number; outputTokens: number; thoughtsTokens: number };
  stream?: { ttftMs: number; totalMs: number; chunks: number; outputTokens: number; tokensPerSecond: number };
  baseline?: Baseline;
  failure?: { class: FailureClass; exitCode: number; message: string; hint: string };
}

const round = (value: number): number => Math.round(value * 10) / 10;

/** What a stream's timing and usage were, as the preflight saw them. */
export interface StreamTiming {
  outputTokens: number;
  /** candidatesTokenCount of the first chunk, when it carried usage. */
  firstChunkTokens: number | undefined;
  /** Visible text of the first chunk and of the whole stream, characters: the first chunk's share when it carried no count. */
  firstChunkTextLength: number;
  textLength: number;
  chunks: number;
  ttftMs: number;
  totalMs: number;
}

/**
 * Output tokens per second of generation, as k6's gemini_tokens_per_second measures it: the tokens
 * generated after the first chunk (whose own tokens arrive with the first byte) over the time after
 * it. A one-chunk stream has no such time; the whole call stands in for the baseline figure.
 */
export function tokensPerSecond(stream: StreamTiming): number {
  if (stream.chunks < 2) return stream.totalMs > 0 ? stream.outputTokens / (stream.totalMs / 1000) : 0;
  const firstChunk = firstChunkTokenEstimate(
    stream.outputTokens,
    stream.chunks,
    stream.firstChunkTokens,
    stream.firstChunkTextLength,
    stream.textLength,
  );
  const generated = stream.outputTokens - firstChunk;
  const generationMs = stream.totalMs - stream.ttftMs;
  return generated > 0 && generationMs > 0 ? generated / (generationMs / 1000) : 0;
}

type GenerateParams = ReturnType<typeof genaiParameters>;

/** Sends one stream and times it; with `check`, its verdict must parse, as a stream the load test reads would. */
async function measureStream(ai: GoogleGenAI, params: GenerateParams, check = true): Promise<StreamTiming> {
  const started = performance.now();
  const stream = await ai.models.generateContentStream(params);
  let ttftMs: number | undefined;
  let chunks = 0;
  let text = "";
  let outputTokens = 0;
  let firstChunkTokens: number | undefined;
  let firstChunkTextLength = 0;
  for await (const chunk of stream) {
    ttftMs ??= performance.now() - started;
    if (chunks === 0) {
      firstChunkTokens = chunk.usageMetadata?.candidatesTokenCount;
      firstChunkTextLength = (chunk.text ?? "").length;
    }
    chunks++;
    text += chunk.text ?? "";
    outputTokens = chunk.usageMetadata?.candidatesTokenCount ?? outputTokens;
  }
  const totalMs = performance.now() - started;
  if (ttftMs === undefined) throw new VerifyFailure("invalid_response", "the stream ended without a chunk");
  const streamed = parseVerdict(text);
  if (check && !streamed.valid) throw new VerifyFailure("invalid_response", `the streamed verdict is invalid: ${streamed.problem}`);
  return { outputTokens, firstChunkTokens, firstChunkTextLength, textLength: text.length, chunks, ttftMs, totalMs };
}

/**
 * The posts the baseline asks about: `n` spread evenly over the load test's own set, so its calls
 * carry the load's mix of prompts (how long a model thinks depends on the post, not only on luck).
 */
export function baselinePosts(n: number): string[] {
  const file = path.join(import.meta.dirname, "..", "data", "moderation-posts.json");
  const posts = validatePosts(JSON.parse(readFileSync(file, "utf8")));
  return Array.from({ length: n }, (_, i) => (posts[Math.floor((i * posts.length) / n)] as { text: string }).text);
}

/**
 * The baseline: `baselineCalls` sequential calls of the load test's kind after the checks (the first
 * call of a process pays for connection set-up and warm-up), so that what load changes can be told
 * from what one call's luck does.
 */
async function measureBaseline(ai: GoogleGenAI, options: PreflightOptions): Promise<Baseline> {
  const requests = baselineBodies(options).map((body) => genaiParameters(options.model, body));
  return timeBaseline(
    requests,
    options.stream,
    (params) => ai.models.generateContent(params),
    (params) => measureStream(ai, params, false),
  );
}

/** The moderation bodies of the baseline's calls, in the load test's generation settings. */
export function baselineBodies(options: PreflightOptions): GenerateContentRequest[] {
  return baselinePosts(options.baselineCalls).map((text) =>
    moderationRequest(text, { maxOutputTokens: options.maxOutputTokens, thinkingBudget: options.thinkingBudget }),
  );
}

/** Sends `requests` one after another, as streams timed by `measure` or as unary calls by `call`, and sums them up. */
export async function timeBaseline<R>(
  requests: R[],
  stream: boolean,
  call: (request: R) => Promise<unknown>,
  measure: (request: R) => Promise<StreamTiming>,
): Promise<Baseline> {
  if (!stream) {
    const totals: number[] = [];
    for (const request of requests) {
      const started = performance.now();
      await call(request);
      totals.push(performance.now() - started);
    }
    return { kind: "generateContent", calls: totals.length, totalMs: spreadOf(totals.map(round)), ttftMs: null, tokensPerSecond: null };
  }
  const streams: StreamTiming[] = [];
  for (const request of requests) streams.push(await measure(request));
  return {
    kind: "stream",
    calls: streams.length,
    totalMs: spreadOf(streams.map((s) => round(s.totalMs))),
    ttftMs: spreadOf(streams.map((s) => round(s.ttftMs))),
    tokensPerSecond: round(interpolatedPercentile(streams.map(tokensPerSecond), 0.5)),
  };
}

/** Records the stream step's figures and its one-line detail. */
export function recordStream(result: PreflightResult, checked: StreamTiming): void {
  const tps = tokensPerSecond(checked);
  result.stream = {
    ttftMs: round(checked.ttftMs),
    totalMs: round(checked.totalMs),
    chunks: checked.chunks,
    outputTokens: checked.outputTokens,
    tokensPerSecond: round(tps),
  };
  result.steps.push({
    name: "stream",
    ok: true,
    detail: `time to first token ${Math.round(checked.ttftMs)} ms; ${Math.round(tps)} tokens/s; ${checked.chunks} chunks in ${Math.round(checked.totalMs)} ms`,
  });
}

/** Records the baseline, the last step: the preflight passed. */
export function recordBaseline(result: PreflightResult, baseline: Baseline): void {
  result.baseline = baseline;
  result.steps.push({ name: "baseline", ok: true, detail: baselineDetail(baseline) });
  result.ok = true;
}

/** Records the step that failed and why, with the failure's exit code and hint. */
export function recordFailure(result: PreflightResult, step: PreflightStep["name"], failure: VerifyFailure): void {
  const info = FAILURES[failure.failure];
  result.steps.push({ name: step, ok: false, detail: `${info.title}: ${failure.message}` });
  result.failure = { class: failure.failure, exitCode: info.exitCode, message: failure.message, hint: info.hint };
}

/** The baseline step's one-line detail: median and p95 with their intervals. */
export function baselineDetail(baseline: Baseline): string {
  const figure = (name: string, spread: Baseline["totalMs"]): string =>
    `${name} p50 ${Math.round(spread.p50.value)} ms (${Math.round(spread.p50.low)}–${Math.round(spread.p50.high)}), p95 ${Math.round(spread.p95.value)} ms (${Math.round(spread.p95.low)}–${Math.round(spread.p95.high)})`;
  const parts = [figure("total", baseline.totalMs)];
  if (baseline.ttftMs) parts.push(figure("TTFT", baseline.ttftMs));
  const kind = baseline.kind === "stream" ? "streams" : "generateContent calls";
  return `${baseline.calls} sequential ${kind}: ${parts.join("; ")} (95% intervals)`;
}

function failureOf(error: unknown, model: string): VerifyFailure {
  const failure = classifyError(error);
  // A 404 that does not name a model is a wrong path prefix (e.g. a base URL ending in /v1beta),
  // not a missing model.
  if (failure.failure === "unknown_model" && !failure.message.includes(`models/${model}`)) {
    return new VerifyFailure("wrong_base_url", failure.message);
  }
  return failure;
}

/** Runs every preflight step in order and stops at the first failure. Never throws for API errors. */
export async function runPreflight(options: PreflightOptions): Promise<PreflightResult> {
  const result: PreflightResult = {
    ok: false,
    at: new Date().toISOString(),
    baseUrl: options.baseUrl,
    apiVersion: options.apiVersion,
    model: options.model,
    steps: [],
  };
  const ai = new GoogleGenAI({
    // The Gemini API, whatever GOOGLE_GENAI_USE_VERTEXAI says: the SDK would otherwise read it.
    vertexai: false,
    apiKey: options.apiKey,
    httpOptions: { baseUrl: options.baseUrl, apiVersion: options.apiVersion, timeout: options.timeoutMs },
  });
  const body = sampleModerationBody({ maxOutputTokens: options.maxOutputTokens, thinkingBudget: options.thinkingBudget });
  let step: PreflightStep["name"] = "model";
  try {
    const model = await ai.models.get({ model: options.model });
    if (typeof model.name !== "string" || !model.name.includes(options.model)) {
      throw new VerifyFailure("wrong_base_url", "models.get answered, but not with a model resource");
    }
    result.modelInfo = {
      name: model.name,
      inputTokenLimit: model.inputTokenLimit ?? null,
      outputTokenLimit: model.outputTokenLimit ?? null,
    };
    result.steps.push({
      name: "model",
      ok: true,
      detail: `key accepted; ${model.name} (input ${model.inputTokenLimit ?? "?"} / output ${model.outputTokenLimit ?? "?"} tokens)`,
    });

    step = "countTokens";
    // The same {contents} body k6's countTokens builder sends; systemInstruction is not part of
    // countTokens on the Gemini API.
    const countBody = JSON.parse(
      countTokensRequest({ baseUrl: "", apiKey: "", apiVersion: options.apiVersion }, options.model, body.contents).body,
    ) as {
      contents: typeof body.contents;
    };
    const counted = await ai.models.countTokens({ model: options.model, contents: countBody.contents });
    if (typeof counted.totalTokens !== "number") {
      throw new VerifyFailure("invalid_response", "countTokens answered without totalTokens");
    }
    result.countTokens = { totalTokens: counted.totalTokens };
    result.steps.push({ name: "countTokens", ok: true, detail: `${counted.totalTokens} tokens in the moderation prompt` });

    step = "generateContent";
    const params = genaiParameters(options.model, body);
    const started = performance.now();
    const response = await ai.models.generateContent(params);
    const latencyMs = performance.now() - started;
    const verdict = parseVerdict(response.text ?? "");
    if (!verdict.valid) {
      throw new VerifyFailure("invalid_response", `the verdict is invalid: ${verdict.problem}`);
    }
    const usage = response.usageMetadata ?? {};
    result.generate = {
      latencyMs: round(latencyMs),
      verdict: verdict.verdict,
      promptTokens: usage.promptTokenCount ?? 0,
      outputTokens: usage.candidatesTokenCount ?? 0,
      thoughtsTokens: usage.thoughtsTokenCount ?? 0,
    };
    result.steps.push({
      name: "generateContent",
      ok: true,
      detail: `verdict "${verdict.verdict.verdict}" (confidence ${verdict.verdict.confidence}) valid; ${Math.round(latencyMs)} ms; ${result.generate.promptTokens} in / ${result.generate.outputTokens} out tokens`,
    });

    step = "stream";
    recordStream(result, await measureStream(ai, params));

    step = "baseline";
    recordBaseline(result, await measureBaseline(ai, options));
  } catch (error) {
    recordFailure(result, step, failureOf(error, options.model));
  }
  return result;
}
