// The attempt and retry loop both dialect clients (gemini-client.ts, openai-client.ts) send through, and
// the gemini_ samples it records per outcome. A dialect brings only how its answers and error bodies read.
// This is k6's per-request hot path: nothing here allocates per request beyond the outcome it returns.

import http from "k6/http";
import { sleep } from "k6";
import type { ApiErrorBody } from "./gemini-types.ts";
import { firstChunkTokenEstimate, InvalidResponseError, isBlocked, type GenerationResult } from "./gemini-parse.ts";
import { classifyStatus, classifyStreamError, type ErrorClass } from "./errors.ts";
import { decideRetry, retryInfoDelayMs, type RetryBudget, type RetryPolicy } from "./retry.ts";
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

/** How a dialect reads its answers; one module-level object per dialect, not one per request. */
export interface AnswerReader {
  /** The error of an error body, or undefined when it has none. */
  error(body: string): ApiErrorBody["error"] | undefined;
  /** A unary answer; throws InvalidResponseError when it is not one. */
  json(body: string): GenerationResult;
  /** A streamed (SSE) answer; throws InvalidResponseError when it is not one. */
  sse(body: string): GenerationResult;
}

/** How a 2xx answer is read: an SSE stream, one JSON answer, or not at all (a preflight). */
export type BodyRead = "sse" | "json" | "none";

/** The k6 params of an attempt; only the timeout is changed here. */
export interface AttemptParams {
  headers: Record<string, string>;
  redirects: number;
  timeout?: number;
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
export const K6_DEFAULT_TIMEOUT_MS = 60_000;
/** Time kept before the hard stop for k6 to give up on an attempt and for the metrics to be recorded. */
const CUT_MARGIN_MS = 250;

/** The attempts of one client (one per VU): retry policy, per-attempt timeout and the dialect's reader. */
export class Attempts {
  /** The last params cut short by {@link paramsBefore}, and the prepared ones they were copied from. */
  private cutParams: { from: AttemptParams; params: AttemptParams } | undefined;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly timeoutMs: number,
    private readonly reader: AnswerReader,
  ) {}

  /**
   * Sends a request until it succeeds or the policy, `budget` or `hardStopAtMs` (epoch ms) ends it; each
   * attempt's timeout ends before the hard stop. `recording` says whether it adds gemini_ samples.
   */
  run(
    method: "GET" | "POST",
    url: string,
    body: string | null,
    params: AttemptParams,
    read: BodyRead,
    budget: RetryBudget,
    hardStopAtMs: number,
    recording: boolean,
  ): GenerateOutcome {
    let totalMs = 0;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1 && recording) metrics.retries.add(1);
      const attemptParams = this.paramsBefore(params, hardStopAtMs);
      const res = method === "POST" ? http.post(url, body, attemptParams) : http.request(method, url, body, attemptParams);
      // Each property read on a k6 response converts a Go value; read each one once.
      const timings = res.timings;
      const status = res.status;
      // What the attempt cost the caller, connection set-up included (k6's duration starts after it).
      const setupMs = timings.blocked + timings.connecting + timings.tls_handshaking;
      const attemptMs = setupMs + timings.duration;
      totalMs += attemptMs;
      if (recording) metrics.attemptDuration.add(attemptMs);
      const answer = readAttempt(res, status, read, this.reader);
      if (!(answer instanceof AttemptFailure)) {
        // One literal with every field: a property added to an object afterwards costs more in k6's runtime.
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

  /** The prepared params, or a copy whose timeout ends before the hard stop when that comes first. */
  private paramsBefore(params: AttemptParams, hardStopAtMs: number): AttemptParams {
    const leftMs = hardStopAtMs - Date.now() - CUT_MARGIN_MS;
    if (!(leftMs < this.timeoutMs)) return params;
    // Whole seconds while more than one is left, so a VU copies the params about once a second rather
    // than for every request (this runs per request, and runs shorter than the timeout always get here).
    const timeout = leftMs >= 1000 ? Math.floor(leftMs / 1000) * 1000 : Math.max(1, Math.floor(leftMs));
    const cut = this.cutParams;
    if (cut !== undefined && cut.from === params && cut.params.timeout === timeout) return cut.params;
    const copy = { ...params, timeout };
    this.cutParams = { from: params, params: copy };
    return copy;
  }
}

type K6Response = ReturnType<typeof http.request>;

/** The result of a usable answer (undefined when it is not read), or why the attempt failed (no wrapper object on the success path). */
function readAttempt(res: K6Response, status: number, read: BodyRead, reader: AnswerReader): GenerationResult | AttemptFailure | undefined {
  // k6's error code matters only without an HTTP answer; like every response property, a read converts a Go value.
  const errorCode = status === 0 ? res.error_code : 0;
  const errorClass = classifyStatus(status, errorCode);
  if (errorClass !== undefined) {
    const error = reader.error(bodyText(res));
    const message = describeFailure(status, errorCode, status === 0 ? res.error : "", error);
    return new AttemptFailure(errorClass, status, message, retryInfoDelayMs(error?.details));
  }
  if (read === "none") return undefined;
  try {
    if (read === "json") return reader.json(bodyText(res));
    const result = reader.sse(bodyText(res));
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

function bodyText(res: K6Response): string {
  const body = res.body;
  return typeof body === "string" ? body : "";
}

/**
 * One line on a failed attempt, never including the key: k6's error text when nothing answered, else the
 * status and the first line of the service's error message. (The preflight adds what to do about it.)
 */
function describeFailure(status: number, errorCode: number, errorText: string, error: ApiErrorBody["error"] | undefined): string {
  if (status === 0) {
    if (errorCode === K6_REQUEST_TIMEOUT_CODE) return "timed out (no complete answer in time)";
    return `no answer (${errorText ? errorText : `k6 error code ${errorCode}`})`;
  }
  return `HTTP ${status}${error ? ` ${error.status}: ${error.message.split("\n")[0]}` : ""}`;
}

// Custom samples carry only the VU's tags (testid, model, scenario), plus error_class on failures:
// a per-call tags object costs a conversion into Go on every add, and this runs for every request.
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
  // A stream's first chunk arrives with its first byte, inside the time to first token: only the
  // tokens after it were generated in `generationMs`. A one-chunk stream has no generation time to
  // measure, and a rate from it would be noise.
  if (ttftMs !== undefined && result.chunks < 2) return;
  const firstCount = result.firstChunkTokens;
  const generated =
    ttftMs === undefined
      ? usage.candidatesTokenCount
      : usage.candidatesTokenCount - (firstCount !== undefined ? firstCount : firstChunkTokens(result));
  if (generated <= 0 || generationMs <= 0) return;
  if (ttftMs !== undefined) metrics.timePerOutputToken.add(generationMs / generated);
  metrics.tokensPerSecond.add(generated / (generationMs / 1000));
}

/** Visible tokens of a stream's first chunk (see firstChunkTokenEstimate). */
function firstChunkTokens(result: GenerationResult): number {
  return firstChunkTokenEstimate(
    result.usage.candidatesTokenCount,
    result.chunks,
    result.firstChunkTokens,
    result.firstChunkTextLength,
    result.text.length,
  );
}
