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
  firstChunkTokenEstimate,
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
    readonly status: number,
    readonly message: string,
    readonly retryInfoMs?: number,
  ) {}
}

/** k6's error code for a request that ran out of time (https://grafana.com/docs/k6/latest/javascript-api/error-codes/). */
const K6_REQUEST_TIMEOUT_CODE = 1050;
/** k6's own default per-request timeout, when the target sets none. */
const K6_DEFAULT_TIMEOUT_MS = 60_000;
/** Time kept before the hard stop for k6 to give up on an attempt and for the metrics to be recorded. */
const CUT_MARGIN_MS = 250;

/** A client bound to one target, model and retry policy; create one per VU. */
export class GeminiClient {
  private readonly budget: RetryBudget;
  // URL and params depend only on the target, model and method: built once, not per request.
  private readonly streamTemplate: BuiltRequest;
  private readonly unaryTemplate: BuiltRequest;
  private readonly timeoutMs: number;
  /** The last params cut short by {@link paramsBefore}, and the prepared ones they were copied from. */
  private cutParams: { from: BuiltRequest["params"]; params: BuiltRequest["params"] } | undefined;

  constructor(
    target: Target,
    model: string,
    private readonly policy: RetryPolicy,
  ) {
    this.budget = new RetryBudget(policy.budgetRatio, policy.budgetMinRetries);
    this.streamTemplate = streamGenerateContentRequest(target, model, { json: "" });
    this.unaryTemplate = generateContentRequest(target, model, { json: "" });
    this.timeoutMs = target.timeout ?? K6_DEFAULT_TIMEOUT_MS;
  }

  /**
   * Sends one generate request (streamed with alt=sse when `stream`), retrying as the policy allows.
   * `body` may be pre-serialized JSON ({ json }) to spare a stringify per request.
   * `hardStopAtMs` (epoch ms) is when k6 will cut the iteration off: the scenario's end plus its
   * graceful stop. An interrupted iteration records nothing, so a service slower than the graceful
   * stop would look healthier than it is; instead each attempt's timeout ends before the hard stop
   * and no retry starts that could not finish, so every request ends recorded — a cut one as a timeout.
   */
  generate(body: GenerateContentRequest | JsonText, stream: boolean, hardStopAtMs: number = Number.POSITIVE_INFINITY): GenerateOutcome {
    const built = stream ? this.streamTemplate : this.unaryTemplate;
    const json = isJsonText(body) ? body.json : JSON.stringify(body);
    this.budget.recordRequest();
    let totalMs = 0;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) metrics.retries.add(1);
      const res = http.post(built.url, json, this.paramsBefore(built, hardStopAtMs));
      // Each property read on a k6 response converts a Go value; read each one once.
      const timings = res.timings;
      const status = res.status;
      // What the attempt cost the caller, connection set-up included (k6's duration starts after it).
      const setupMs = timings.blocked + timings.connecting + timings.tls_handshaking;
      const attemptMs = setupMs + timings.duration;
      totalMs += attemptMs;
      metrics.attemptDuration.add(attemptMs);
      const responseBody = res.body;
      const read = this.readAttempt(status, res.error_code, typeof responseBody === "string" ? responseBody : "", stream);
      if (!(read instanceof AttemptFailure)) {
        const done: GenerateOutcome = { ok: true, status, result: read, attempts: attempt, durationMs: totalMs };
        if (stream) done.ttftMs = setupMs + timings.sending + timings.waiting;
        this.record(done, attemptMs);
        return done;
      }
      if (read.errorClass === "rate_limited") metrics.rateLimited.add(1);
      if (read.errorClass === "overloaded") metrics.overloaded.add(1);
      const decision = decideRetry(this.policy, this.budget, attempt, read, hardStopAtMs - Date.now() - CUT_MARGIN_MS);
      if (!decision.retry) {
        const failed: GenerateOutcome = {
          ok: false, status, errorClass: read.errorClass, errorMessage: read.message, attempts: attempt, durationMs: totalMs,
        };
        this.record(failed, attemptMs);
        return failed;
      }
      const waitStart = Date.now();
      sleep(decision.delayMs / 1000);
      totalMs += Date.now() - waitStart;
    }
  }

  /** The prepared params, or a copy whose timeout ends before the hard stop when that comes first. */
  private paramsBefore(built: BuiltRequest, hardStopAtMs: number): BuiltRequest["params"] {
    const leftMs = hardStopAtMs - Date.now() - CUT_MARGIN_MS;
    if (!(leftMs < this.timeoutMs)) return built.params;
    // Whole seconds while more than one is left, so a VU copies the params about once a second rather
    // than for every request (this runs per request, and runs shorter than the timeout always get here).
    const timeout = leftMs >= 1000 ? Math.floor(leftMs / 1000) * 1000 : Math.max(1, Math.floor(leftMs));
    const cut = this.cutParams;
    if (cut !== undefined && cut.from === built.params && cut.params.timeout === timeout) return cut.params;
    const params = { ...built.params, timeout };
    this.cutParams = { from: built.params, params };
    return params;
  }

  /** The result of a usable answer, or why the attempt failed (no wrapper object on the success path). */
  private readAttempt(status: number, errorCode: number, body: string, stream: boolean): GenerationResult | AttemptFailure {
    const errorClass = classifyStatus(status, errorCode);
    if (errorClass !== undefined) {
      const error = parseErrorBody(body);
      const message = describeFailure(status, errorCode, error);
      return new AttemptFailure(errorClass, status, message, retryInfoDelayMs(error?.details));
    }
    try {
      if (!stream) return foldChunks([parseGenerateContentBody(body)]);
      const result = parseSseGeneration(body);
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
    if (outcome.ttftMs !== undefined) metrics.ttft.add(outcome.ttftMs);
    // A stream's first chunk arrives with its first byte, inside the time to first token: only the
    // tokens after it were generated in `generationMs`. A one-chunk stream has no generation time to
    // measure, and a rate from it would be noise.
    if (outcome.ttftMs !== undefined && result.chunks < 2) return;
    const generated = outcome.ttftMs !== undefined ? usage.candidatesTokenCount - firstChunkTokens(result) : usage.candidatesTokenCount;
    if (generated <= 0 || generationMs <= 0) return;
    if (outcome.ttftMs !== undefined) metrics.timePerOutputToken.add(generationMs / generated);
    metrics.tokensPerSecond.add(generated / (generationMs / 1000));
  }
}

/** Visible tokens of a stream's first chunk (see firstChunkTokenEstimate). */
function firstChunkTokens(result: GenerationResult): number {
  return firstChunkTokenEstimate(result.usage.candidatesTokenCount, result.chunks, result.firstChunkTokens, result.firstChunkTextLength, result.text.length);
}

/** One line on a failed attempt, never including the key. */
function describeFailure(status: number, errorCode: number, error: ReturnType<typeof parseErrorBody>): string {
  if (status === 0) return errorCode === K6_REQUEST_TIMEOUT_CODE ? "timed out (no complete answer in time)" : `no answer (k6 error code ${errorCode})`;
  if (status >= 300 && status < 400) return `HTTP ${status}: a redirect, not followed (the key would go with it); point GEMINI_BASE_URL at the final address`;
  return `HTTP ${status}${error ? ` ${error.status}: ${error.message.split("\n")[0]}` : ""}`;
}
