// What the router has observed of one upstream: latency (EWMA and a window for percentiles), the
// error, 429 and 503 rates (EWMAs), its breaker and the quota block a 429 with RetryInfo sets.

import { CircuitBreaker, type BreakerOptions } from "./breaker.ts";

/** A model reached with one API key: the unit the router chooses. The key itself is never here. */
export interface Upstream {
  /** `<model>@<key name>`, unique. */
  id: string;
  model: string;
  /** The key's name (a label from the app's config), never the key. */
  keyName: string;
}

/** How one attempt on an upstream ended. */
export interface Outcome {
  ok: boolean;
  /** HTTP status when the upstream answered with an error (429, 503, …); undefined for a network failure or a timeout. */
  status?: number;
  latencyMs: number;
  /** RetryInfo's delay on a 429: the key is out of quota for this long. */
  retryAfterMs?: number;
}

/** Smoothing of the EWMAs: the weight of the newest observation. */
const ALPHA = 0.2;
const WINDOW = 100;

/** The health record of one upstream. */
export class UpstreamHealth {
  latencyEwmaMs: number | undefined;
  errorRate = 0;
  rate429 = 0;
  rate503 = 0;
  quotaBlockedUntil = 0;
  lastObservedAt = Number.NEGATIVE_INFINITY;
  sent = 0;
  /** When each attempt still unanswered was sent, oldest first. */
  private readonly sentAt: number[] = [];
  readonly breaker: CircuitBreaker;
  private readonly latencies: number[] = [];

  constructor(
    readonly upstream: Upstream,
    breaker: BreakerOptions,
  ) {
    this.breaker = new CircuitBreaker(breaker);
  }

  /** Folds one outcome in; a 429 with a retry delay blocks the upstream's key for that model until then. */
  record(outcome: Outcome, now: number): void {
    this.lastObservedAt = now;
    this.settle(outcome.latencyMs, now);
    const failed = outcome.ok ? 0 : 1;
    this.errorRate += ALPHA * (failed - this.errorRate);
    this.rate429 += ALPHA * ((outcome.status === 429 ? 1 : 0) - this.rate429);
    this.rate503 += ALPHA * ((outcome.status === 503 ? 1 : 0) - this.rate503);
    // A quick error must not make an upstream look fast; a slow one (a timeout) shows it is slow.
    if (this.latencyEwmaMs === undefined) {
      if (outcome.ok) this.latencyEwmaMs = outcome.latencyMs;
    } else if (outcome.ok || outcome.latencyMs > this.latencyEwmaMs) this.latencyEwmaMs += ALPHA * (outcome.latencyMs - this.latencyEwmaMs);
    if (outcome.ok) {
      this.latencies.push(outcome.latencyMs);
      if (this.latencies.length > WINDOW) this.latencies.shift();
    }
    if (outcome.status === 429 && outcome.retryAfterMs !== undefined)
      this.quotaBlockedUntil = Math.max(this.quotaBlockedUntil, now + outcome.retryAfterMs);
    this.breaker.record(outcome.ok, now);
  }

  /** An attempt cancelled unanswered (a hedge that lost): its time so far is a latency lower bound, its breaker undecided. */
  abandon(elapsedMs: number, now: number): void {
    this.lastObservedAt = now;
    this.settle(elapsedMs, now);
    if (this.latencyEwmaMs !== undefined && elapsedMs > this.latencyEwmaMs) this.latencyEwmaMs += ALPHA * (elapsedMs - this.latencyEwmaMs);
    this.breaker.cancelProbe();
  }

  /** Notes an attempt sent at `now`. */
  onSend(now: number): void {
    this.sentAt.push(now);
  }

  /** Attempts sent and not yet answered or abandoned. */
  get inFlight(): number {
    return this.sentAt.length;
  }

  /** How long the oldest unanswered attempt has been out (0 with none). */
  oldestInFlightMs(now: number): number {
    return this.sentAt.length === 0 ? 0 : now - (this.sentAt[0] as number);
  }

  // The attempt that ended is the one sent `elapsedMs` ago: its entry is the closest to that time.
  private settle(elapsedMs: number, now: number): void {
    if (this.sentAt.length === 0) return;
    const sent = now - elapsedMs;
    let best = 0;
    for (let i = 1; i < this.sentAt.length; i++) {
      if (Math.abs((this.sentAt[i] as number) - sent) < Math.abs((this.sentAt[best] as number) - sent)) best = i;
    }
    this.sentAt.splice(best, 1);
  }

  /** The `p`-quantile (0–1) of the recent successful latencies, nearest rank; undefined with fewer than `min` samples. */
  latencyQuantile(p: number, min = 10): number | undefined {
    if (this.latencies.length < min) return undefined;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  }

  /** Whether its key is out of quota for this model at `now`. */
  quotaBlocked(now: number): boolean {
    return now < this.quotaBlockedUntil;
  }
}
