// The k6 client of Gemini's OpenAI-compatible dialect (GEMINI_DIALECT=openai): sends the scenario's
// native generate body as a chat completion (streamed with usage when GEMINI_STREAM is on), with the same
// retry policy and budget, error classes and gemini_ metrics as GeminiClient, so runs over either
// dialect compare one to one. Its generate() and preflight have GeminiClient's signatures and outcome.

import http from "k6/http";
import { sleep } from "k6";
import type { GenerateContentRequest } from "./gemini-types.ts";
import type { Target } from "./gemini-requests.ts";
import { firstChunkTokenEstimate, InvalidResponseError, isBlocked, type GenerationResult } from "./gemini-parse.ts";
import { chatBody, chatCompletionsRequest, openAiBaseUrl, type OpenAiRequest } from "./openai-requests.ts";
import { parseChatCompletion, parseChatSse, parseCompatError } from "./openai-parse.ts";
import { classifyStatus, classifyStreamError, type ErrorClass } from "./errors.ts";
import { decideRetry, retryInfoDelayMs, RetryBudget, type RetryPolicy } from "./retry.ts";
import type { GenerateOutcome } from "./gemini-client.ts";
import * as metrics from "./metrics.ts";

/** Why one attempt failed. */
class AttemptFailure {
  constructor(
    readonly errorClass: ErrorClass,
    readonly status: number,
    readonly message: string,
    readonly retryInfoMs?: number,
  ) {}
}

const K6_REQUEST_TIMEOUT_CODE = 1050;
const K6_DEFAULT_TIMEOUT_MS = 60_000;
/** Time kept before the hard stop for k6 to give up on an attempt and for the metrics to be recorded. */
const CUT_MARGIN_MS = 250;
/** Translated bodies kept: a load test replays a data set, so the same native body recurs. */
const MAX_CACHED_BODIES = 1024;

type Read = "sse" | "json" | "none";

/** A client of the dialect bound to one target, model and retry policy; create one per VU. */
export class OpenAiClient {
  private readonly budget: RetryBudget;
  private readonly streamTemplate: OpenAiRequest;
  private readonly unaryTemplate: OpenAiRequest;
  private readonly modelUrl: string;
  private readonly timeoutMs: number;
  private readonly bodies = new Map<string, string>();

  constructor(
    target: Target,
    private readonly model: string,
    private readonly policy: RetryPolicy,
  ) {
    this.budget = new RetryBudget(policy.budgetRatio, policy.budgetMinRetries);
    const empty: GenerateContentRequest = { contents: [] };
    this.streamTemplate = chatCompletionsRequest(target, model, empty, true);
    this.unaryTemplate = chatCompletionsRequest(target, model, empty, false);
    this.modelUrl = `${openAiBaseUrl(target.baseUrl)}models/${encodeURIComponent(model)}`;
    this.timeoutMs = target.timeout ?? K6_DEFAULT_TIMEOUT_MS;
  }

  /**
   * Sends one generate request as a chat completion, retrying as the policy allows, and records the
   * gemini_ metrics; `body` is the native GenerateContentRequest (or its JSON), as for GeminiClient.
   * `hardStopAtMs` bounds every attempt as GeminiClient.generate does.
   */
  generate(body: GenerateContentRequest | string, stream: boolean, hardStopAtMs: number = Number.POSITIVE_INFINITY): GenerateOutcome {
    this.budget.recordRequest();
    const template = stream ? this.streamTemplate : this.unaryTemplate;
    return this.attempts(
      "POST",
      template.url,
      this.translate(body, stream),
      template.params,
      stream ? "sse" : "json",
      this.budget,
      hardStopAtMs,
      true,
    );
  }

  /** The preflight: GET models/{model} through the same attempts (key and model checked, no tokens spent); no gemini_ metric. */
  preflight(budget: RetryBudget): GenerateOutcome {
    budget.recordRequest();
    const params = {
      headers: { authorization: this.unaryTemplate.params.headers.authorization as string },
      redirects: 0,
      timeout: this.timeoutMs,
    };
    return this.attempts("GET", this.modelUrl, null, params, "none", budget, Number.POSITIVE_INFINITY, false);
  }

  private translate(body: GenerateContentRequest | string, stream: boolean): string {
    const key = typeof body === "string" ? (stream ? `s${body}` : `u${body}`) : undefined;
    const cached = key !== undefined ? this.bodies.get(key) : undefined;
    if (cached !== undefined) return cached;
    const request = typeof body === "string" ? (JSON.parse(body) as GenerateContentRequest) : body;
    const json = JSON.stringify(chatBody(this.model, request, stream));
    if (key !== undefined && this.bodies.size < MAX_CACHED_BODIES) this.bodies.set(key, json);
    return json;
  }

  private attempts(
    method: "GET" | "POST",
    url: string,
    json: string | null,
    baseParams: OpenAiRequest["params"] | { headers: Record<string, string>; redirects: number; timeout: number },
    read: Read,
    budget: RetryBudget,
    hardStopAtMs: number,
    recording: boolean,
  ): GenerateOutcome {
    let totalMs = 0;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1 && recording) metrics.retries.add(1);
      const res = http.request(method, url, json, this.paramsBefore(baseParams, hardStopAtMs));
      const timings = res.timings;
      const status = res.status;
      const setupMs = timings.blocked + timings.connecting + timings.tls_handshaking;
      const attemptMs = setupMs + timings.duration;
      totalMs += attemptMs;
      if (recording) metrics.attemptDuration.add(attemptMs);
      const answer = readAttempt(res, status, read);
      if (!(answer instanceof AttemptFailure)) {
        const ttftMs = read === "sse" ? setupMs + timings.sending + timings.waiting : undefined;
        const done: GenerateOutcome = { ok: true, status, result: answer, attempts: attempt, durationMs: totalMs, ttftMs };
        if (recording) record(done, attemptMs);
        return done;
      }
      if (recording && answer.errorClass === "rate_limited") metrics.rateLimited.add(1);
      if (recording && answer.errorClass === "overloaded") metrics.overloaded.add(1);
      const decision = decideRetry(this.policy, budget, attempt, answer, hardStopAtMs - Date.now() - CUT_MARGIN_MS);
      if (!decision.retry) {
        const failed: GenerateOutcome = {
          ok: false,
          status,
          errorClass: answer.errorClass,
          errorMessage: answer.message,
          attempts: attempt,
          durationMs: totalMs,
        };
        if (recording) record(failed, attemptMs);
        return failed;
      }
      const waitStart = Date.now();
      sleep(decision.delayMs / 1000);
      totalMs += Date.now() - waitStart;
    }
  }

  /** The params, or a copy whose timeout ends before the hard stop when that comes first. */
  private paramsBefore<P extends { timeout?: number }>(params: P, hardStopAtMs: number): P {
    const leftMs = hardStopAtMs - Date.now() - CUT_MARGIN_MS;
    if (!(leftMs < this.timeoutMs)) return params;
    return { ...params, timeout: leftMs >= 1000 ? Math.floor(leftMs / 1000) * 1000 : Math.max(1, Math.floor(leftMs)) };
  }
}

function readAttempt(res: ReturnType<typeof http.request>, status: number, read: Read): GenerationResult | AttemptFailure | undefined {
  const errorCode = status === 0 ? res.error_code : 0;
  const errorClass = classifyStatus(status, errorCode);
  if (errorClass !== undefined) {
    const error = parseCompatError(bodyText(res));
    let message: string;
    if (status === 0)
      message =
        errorCode === K6_REQUEST_TIMEOUT_CODE
          ? "timed out (no complete answer in time)"
          : `no answer (${res.error || `k6 error code ${errorCode}`})`;
    else message = `HTTP ${status}${error ? ` ${error.status}: ${error.message.split("\n")[0]}` : ""}`;
    return new AttemptFailure(errorClass, status, message, retryInfoDelayMs(error?.details));
  }
  if (read === "none") return undefined;
  try {
    if (read === "json") return parseChatCompletion(bodyText(res));
    const result = parseChatSse(bodyText(res));
    if (result.streamError) {
      const code = result.streamError.code;
      return new AttemptFailure(classifyStreamError(code), code, `stream failed after it started: ${result.streamError.status}`);
    }
    return result;
  } catch (error) {
    if (error instanceof InvalidResponseError) return new AttemptFailure("invalid_response", status, error.message);
    throw error;
  }
}

function bodyText(res: ReturnType<typeof http.request>): string {
  const body = res.body;
  return typeof body === "string" ? body : "";
}

// The same samples as GeminiClient records (lib/gemini-client.ts), from the same result form.
function record(outcome: GenerateOutcome, lastAttemptMs: number): void {
  metrics.requestDuration.add(outcome.durationMs);
  if (!outcome.ok) {
    metrics.errors.add(true, { error_class: outcome.errorClass ?? "invalid_response" });
    return;
  }
  metrics.errors.add(false);
  const result = outcome.result;
  if (!result) return;
  const usage = result.usage;
  metrics.promptTokens.add(usage.promptTokenCount);
  metrics.outputTokens.add(usage.candidatesTokenCount);
  if (usage.thoughtsTokenCount > 0) metrics.thinkingTokens.add(usage.thoughtsTokenCount);
  if (isBlocked(result)) metrics.blocked.add(1);
  const ttftMs = outcome.ttftMs;
  const generationMs = ttftMs !== undefined ? lastAttemptMs - ttftMs : lastAttemptMs;
  if (ttftMs !== undefined) metrics.ttft.add(ttftMs);
  if (ttftMs !== undefined && result.chunks < 2) return;
  const firstChunk =
    ttftMs === undefined
      ? 0
      : firstChunkTokenEstimate(
          usage.candidatesTokenCount,
          result.chunks,
          result.firstChunkTokens,
          result.firstChunkTextLength,
          result.text.length,
        );
  const generated = usage.candidatesTokenCount - firstChunk;
  if (generated <= 0 || generationMs <= 0) return;
  if (ttftMs !== undefined) metrics.timePerOutputToken.add(generationMs / generated);
  metrics.tokensPerSecond.add(generated / (generationMs / 1000));
}
