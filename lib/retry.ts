// Retry decisions, pure so their timing can be tested: RetryInfo on 429, capped exponential backoff with
// full jitter on 500/503/504, a bounded number of attempts, a retry budget so retries cannot multiply
// load, and no retry that the end of the scenario would cut off.

import type { ErrorClass } from "./errors.ts";

/**
 * Which retry policy a client follows (GEMINI_RETRY_POLICY): `ours` (RetryInfo on 429, backoff with full
 * jitter otherwise, a retry budget), or, for comparison (scenarios/retry-strategies.ts), `none`, `fixed`
 * (every retry after GEMINI_BACKOFF_BASE_MS) and `exponential` (capped, full jitter): the common client
 * policies, which ignore RetryInfo and have no budget.
 */
export type RetryStrategy = "ours" | "none" | "fixed" | "exponential";

/** The accepted values of GEMINI_RETRY_POLICY. */
export const RETRY_STRATEGIES: readonly RetryStrategy[] = ["ours", "none", "fixed", "exponential"];

/** Retry settings (from GEMINI_MAX_ATTEMPTS, GEMINI_BACKOFF_BASE_MS, … in lib/config.ts). */
export interface RetryPolicy {
  /** Default `ours`. */
  strategy?: RetryStrategy;
  /** Attempts per request including the first; 1 turns retries off. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retries allowed per request sent, e.g. 0.1: at most one retry for every ten requests. */
  budgetRatio: number;
  /** Retries always allowed, so a quiet VU can still retry its first failures. */
  budgetMinRetries: number;
}

/** What to do after a failed attempt. */
export type RetryDecision =
  | { retry: true; delayMs: number; reason: "retry_info" | "backoff" }
  | { retry: false; reason: "not_retryable" | "attempts_exhausted" | "budget_exhausted" | "retry_delay_too_long" | "no_time_left" };

/** What a failed attempt tells the retry decision. */
export interface FailedAttempt {
  errorClass: ErrorClass;
  /** HTTP status (for a stream that failed after its 200, the error's code); 0 without an answer. */
  status: number;
  /** RetryInfo.retryDelay of a 429, in ms. */
  retryInfoMs?: number | undefined;
}

/** Less time than this after the wait, and a retry would be cut off by the end of the scenario. */
export const MIN_RETRY_WINDOW_MS = 1000;

/** Parses a protobuf Duration in JSON form ("26s", "11.968498755s") into milliseconds. */
export function parseRetryDelay(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
  if (!match || match[1] === undefined) return undefined;
  return Math.round(parseFloat(match[1]) * 1000);
}

/** Finds `google.rpc.RetryInfo.retryDelay` among an error's details, in milliseconds. */
export function retryInfoDelayMs(details: ReadonlyArray<{ "@type"?: string; retryDelay?: unknown }> | undefined): number | undefined {
  for (const detail of details ?? []) {
    if (detail["@type"] === "type.googleapis.com/google.rpc.RetryInfo") return parseRetryDelay(detail.retryDelay);
  }
  return undefined;
}

/**
 * Full jitter (a uniform draw between 0 and the capped exponential step) spreads retries so that
 * clients that failed together do not retry together.
 * See https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelayMs(policy: RetryPolicy, retryNumber: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Counts requests and retries so retries stay a bounded share of the traffic. Each k6 VU has its own
 * (VUs share no memory); the ratio bounds the whole test because it bounds every VU.
 */
export class RetryBudget {
  private requests = 0;
  private retries = 0;

  constructor(
    private readonly ratio: number,
    private readonly minRetries: number,
  ) {}

  /** Call once per logical request (not per attempt). */
  recordRequest(): void {
    this.requests += 1;
  }

  /** Takes one retry from the budget when there is one left. */
  tryTake(): boolean {
    if (this.retries + 1 > this.minRetries + this.ratio * this.requests) return false;
    this.retries += 1;
    return true;
  }

  /** Retries taken so far. */
  get used(): number {
    return this.retries;
  }
}

/**
 * The retryable failures: 429 (after its RetryInfo delay), 503, 504 and timeouts, and of the other
 * 5xx only 500 — a 501 or 505 will not change on a second try.
 */
function isRetryable(failure: FailedAttempt): boolean {
  switch (failure.errorClass) {
    case "rate_limited":
    case "overloaded":
    case "timeout":
      return true;
    case "server":
      return failure.status === 500;
    default:
      return false;
  }
}

/**
 * Decides whether attempt number `attempt` (1-based) should be retried. On 429 the server's
 * RetryInfo delay is honoured as sent — retrying sooner only earns another 429 — and a delay longer
 * than the backoff cap fails the request instead: the user would not wait that long either.
 * Otherwise backoff with full jitter. Client and network errors are not retried: a wrong key or
 * host stays wrong. No retry starts that could not finish before `timeLeftMs` runs out (the end of
 * the scenario), so no request is left unfinished and unrecorded. The budget is consulted last, so
 * a refused retry costs none of it.
 */
export function decideRetry(
  policy: RetryPolicy,
  budget: RetryBudget,
  attempt: number,
  failure: FailedAttempt,
  timeLeftMs: number = Number.POSITIVE_INFINITY,
  random: () => number = Math.random,
): RetryDecision {
  if (!isRetryable(failure)) return { retry: false, reason: "not_retryable" };
  const strategy = policy.strategy;
  if (strategy !== undefined && strategy !== "ours") return decideCommon(strategy, policy, attempt, timeLeftMs, random);
  if (attempt >= policy.maxAttempts) return { retry: false, reason: "attempts_exhausted" };
  const fromServer = failure.errorClass === "rate_limited" && failure.retryInfoMs !== undefined;
  if (fromServer && (failure.retryInfoMs as number) > policy.maxDelayMs) return { retry: false, reason: "retry_delay_too_long" };
  const delayMs = fromServer ? (failure.retryInfoMs as number) : backoffDelayMs(policy, attempt, random);
  if (delayMs + MIN_RETRY_WINDOW_MS > timeLeftMs) return { retry: false, reason: "no_time_left" };
  if (!budget.tryTake()) return { retry: false, reason: "budget_exhausted" };
  return { retry: true, delayMs, reason: fromServer ? "retry_info" : "backoff" };
}

/** The comparison policies: a retryable failure is retried after a fixed or a jittered exponential delay, RetryInfo unread, no budget. */
function decideCommon(
  strategy: Exclude<RetryStrategy, "ours">,
  policy: RetryPolicy,
  attempt: number,
  timeLeftMs: number,
  random: () => number,
): RetryDecision {
  if (strategy === "none" || attempt >= policy.maxAttempts) return { retry: false, reason: "attempts_exhausted" };
  const delayMs = strategy === "fixed" ? policy.baseDelayMs : backoffDelayMs(policy, attempt, random);
  if (delayMs + MIN_RETRY_WINDOW_MS > timeLeftMs) return { retry: false, reason: "no_time_left" };
  return { retry: true, delayMs, reason: "backoff" };
}
