// Sends generate calls through k6 http with retries, parses the answer once, and records the gemini_ metrics.
// The request shapes come from gemini-requests.ts; retry timing from retry.ts.

import http from "k6/http";
import { sleep } from "k6";
import type { GenerateContentRequest } from "./gemini-types.ts";
import {
  generateContentRequest,
  isJsonText,
  streamGenerateContentRequest,
  type BuiltRequest,
  type JsonText,
  type Target,
} from "./gemini-requests.ts";
import {
  foldChunks,
  InvalidResponseError,
  isBlocked,
  parseErrorBody,
  parseGenerateContentBody,
  parseSseGeneration,
  type GenerationResult,
} from "./gemini-parse.ts";
import { classifyStatus, classifyStreamError, type ErrorClass } from "./errors.ts";
import { decideRetry, retryInfoDelayMs, RetryBudget, type RetryPolicy } from "./retry.ts";
import * as metrics from "./metrics.ts";

/** The outcome of one logical request, after all attempts. */
export interface GenerateOutcome {
  ok: boolean;
  /** HTTP status of the last attempt (0 when there was no answer). */
  status: number;
  errorClass?: ErrorClass;
  /** A short description of the last failure, never including the key. */
  errorMessage?: string;
  result?: GenerationResult;
  attempts: number;
  /** All attempts plus waits, ms. */
  durationMs: number;
  /** First-byte time of the successful streaming attempt, ms. */
  ttftMs?: number;
}

/** Why one attempt failed. */
class AttemptFailure {
  constructor(
    readonly errorClass: ErrorClass,
    readonly message: string,
    readonly retryInfoMs?: number,
  ) {}
}

/** A client bound to one target, model and retry policy; create one per VU. */
export class GeminiClient {
  private readonly budget: RetryBudget;
  // URL and params depend only on the target, model and method: built once, not per request.
  private readonly streamTemplate: BuiltRequest;
  private readonly unaryTemplate: BuiltRequest;

  constructor(
    target: Target,
    model: string,
    private readonly policy: RetryPolicy,
  ) {
    this.budget = new RetryBudget(policy.budgetRatio, policy.budgetMinRetries);
    this.streamTemplate = streamGenerateContentRequest(target, model, { json: "" });
    this.unaryTemplate = generateContentRequest(target, model, { json: "" });
  }

  /**
   * Sends one generate request (streamed with alt=sse when `stream`), retrying as the policy allows.
   * `body` may be pre-serialized JSON ({ json }) to spare a stringify per request.
   */
  generate(body: GenerateContentRequest | JsonText, stream: boolean): GenerateOutcome {
    const built = stream ? this.streamTemplate : this.unaryTemplate;
    const json = isJsonText(body) ? body.json : JSON.stringify(body);
    this.budget.recordRequest();
    let totalMs = 0;
    for (let attempt = 1; ; attempt++) {
      const res = http.post(built.url, json, built.params);
      // Each property read on a k6 response converts a Go value; read each one once.
      const timings = res.timings;
      const status = res.status;
      const attemptMs = timings.duration;
      totalMs += attemptMs;
      metrics.attemptDuration.add(attemptMs);
      const responseBody = res.body;
      const read = this.readAttempt(status, res.error_code, typeof responseBody === "string" ? responseBody : "", stream);
      if (!(read instanceof AttemptFailure)) {
        const done: GenerateOutcome = { ok: true, status, result: read, attempts: attempt, durationMs: totalMs };
        if (stream) done.ttftMs = timings.waiting;
        this.record(done, attemptMs);
        return done;
      }
      if (read.errorClass === "rate_limited") metrics.rateLimited.add(1);
      if (read.errorClass === "overloaded") metrics.overloaded.add(1);
      const decision = decideRetry(this.policy, this.budget, attempt, read.errorClass, read.retryInfoMs);
      if (!decision.retry) {
        const failed: GenerateOutcome = {
          ok: false, status, errorClass: read.errorClass, errorMessage: read.message, attempts: attempt, durationMs: totalMs,
        };
        this.record(failed, attemptMs);
        return failed;
      }
      metrics.retries.add(1);
      const waitStart = Date.now();
      sleep(decision.delayMs / 1000);
      totalMs += Date.now() - waitStart;
    }
  }

  /** The result of a usable answer, or why the attempt failed (no wrapper object on the success path). */
  private readAttempt(status: number, errorCode: number, body: string, stream: boolean): GenerationResult | AttemptFailure {
    const errorClass = classifyStatus(status, errorCode);
    if (errorClass !== undefined) {
      const error = parseErrorBody(body);
      const message = status === 0 ? `no answer (k6 error code ${errorCode})` : `HTTP ${status}${error ? ` ${error.status}: ${error.message.split("\n")[0]}` : ""}`;
      return new AttemptFailure(errorClass, message, retryInfoDelayMs(error?.details));
    }
    try {
      if (!stream) return foldChunks([parseGenerateContentBody(body)]);
      const result = parseSseGeneration(body);
      if (result.streamError) {
        return new AttemptFailure(classifyStreamError(result.streamError.code), `stream failed after it started: ${result.streamError.status}`);
      }
      return result;
    } catch (error) {
      if (error instanceof InvalidResponseError) return new AttemptFailure("invalid_response", error.message);
      throw error;
    }
  }

  // Custom samples carry only the VU's tags (testid, model, scenario), plus error_class on failures:
  // a per-call tags object costs a conversion into Go on every add, and this runs for every request.
  private record(outcome: GenerateOutcome, lastAttemptMs: number): void {
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
    const generationMs = outcome.ttftMs !== undefined ? lastAttemptMs - outcome.ttftMs : lastAttemptMs;
    if (outcome.ttftMs !== undefined) {
      metrics.ttft.add(outcome.ttftMs);
      if (usage.candidatesTokenCount > 0) metrics.timePerOutputToken.add(generationMs / usage.candidatesTokenCount);
    }
    // A one-chunk stream has no measurable generation time; a rate from it would be noise.
    const measurable = outcome.ttftMs === undefined || result.chunks > 1;
    if (usage.candidatesTokenCount > 0 && generationMs > 0 && measurable) {
      metrics.tokensPerSecond.add(usage.candidatesTokenCount / (generationMs / 1000));
    }
  }
}
