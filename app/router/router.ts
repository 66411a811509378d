// The router: chooses the upstream (model × key) of each model attempt. `static` always sends to the
// first, `round-robin` takes turns, `adaptive` sends to the best-scoring upstream whose breaker and
// quota allow it, explores now and then so a recovered upstream is noticed, and can hedge a slow
// attempt after a latency percentile. Pure: the caller passes the time, so tests drive a fake clock.

import type { BreakerOptions, BreakerState, BreakerTransition } from "./breaker.ts";
import { UpstreamHealth, type Outcome, type Upstream } from "./health.ts";

export type { Outcome, Upstream } from "./health.ts";

/** The routing strategies. */
export const STRATEGIES = ["static", "round-robin", "adaptive"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** How the router decides. */
export interface RouterOptions {
  strategy: Strategy;
  breaker: BreakerOptions;
  /** Adaptive: every Nth choice goes to the upstream observed longest ago (0 = never). */
  exploreEvery: number;
  /** Adaptive: how much the error rate weighs against latency (score = latency × (1 + penalty × error rate)). */
  errorPenalty: number;
  /** Adaptive: start a second attempt on another upstream once the first has taken this quantile (0–1) of its latencies. */
  hedgeQuantile?: number;
}

/** Defaults tuned for model calls of 0.1–10 s. */
export const DEFAULT_ROUTER_OPTIONS: Omit<RouterOptions, "strategy"> = {
  breaker: { window: 20, minSamples: 8, failureRate: 0.25, openMs: 2000 },
  exploreEvery: 20,
  errorPenalty: 4,
};

/** The live state of one upstream, as the admin endpoint shows it. */
export interface UpstreamSnapshot {
  id: string;
  model: string;
  keyName: string;
  sent: number;
  inFlight: number;
  latencyEwmaMs: number | null;
  latencyP95Ms: number | null;
  errorRate: number;
  rate429: number;
  rate503: number;
  breaker: BreakerState;
  breakerTransitions: BreakerTransition[];
  quotaBlockedForMs: number;
  score: number | null;
}

/** The router's live state. */
export interface RouterSnapshot {
  strategy: Strategy;
  hedgeQuantile: number | null;
  upstreams: UpstreamSnapshot[];
}

/** Chooses upstreams and learns from the outcomes it is told. */
export class Router {
  private readonly health: UpstreamHealth[];
  private readonly byId = new Map<string, UpstreamHealth>();
  private turn = 0;
  private picks = 0;

  constructor(
    upstreams: readonly Upstream[],
    readonly options: RouterOptions,
  ) {
    if (upstreams.length === 0) throw new Error("the router needs at least one upstream");
    this.health = upstreams.map((u) => new UpstreamHealth(u, options.breaker));
    for (const h of this.health) this.byId.set(h.upstream.id, h);
  }

  /**
   * The upstream for the next attempt, avoiding those in `exclude` (already tried by this request)
   * where the strategy can; undefined when adaptive routing finds every upstream open or out of quota.
   */
  pick(now: number, exclude: ReadonlySet<string> = new Set()): Upstream | undefined {
    const chosen = this.choose(now, exclude);
    if (!chosen) return undefined;
    chosen.sent++;
    chosen.onSend(now);
    chosen.breaker.onSend(now);
    return chosen.upstream;
  }

  private choose(now: number, exclude: ReadonlySet<string>): UpstreamHealth | undefined {
    const all = this.health;
    if (this.options.strategy === "static") return all[0];
    if (this.options.strategy === "round-robin") {
      for (let i = 0; i < all.length; i++) {
        const h = all[(this.turn + i) % all.length] as UpstreamHealth;
        if (!exclude.has(h.upstream.id) || i === all.length - 1) {
          this.turn = (this.turn + i + 1) % all.length;
          return h;
        }
      }
      return undefined;
    }
    let candidates = all.filter((h) => !h.quotaBlocked(now) && h.breaker.allows(now));
    const untried = candidates.filter((h) => !exclude.has(h.upstream.id));
    if (untried.length > 0) candidates = untried;
    if (candidates.length === 0) return undefined;
    this.picks++;
    const explore = this.options.exploreEvery > 0 && this.picks % this.options.exploreEvery === 0;
    let best = candidates[0] as UpstreamHealth;
    for (const h of candidates) {
      if (explore ? h.lastObservedAt < best.lastObservedAt : this.score(h, now) < this.score(best, now)) best = h;
    }
    return best;
  }

  /**
   * Lower is better: latency × (1 + penalty × error rate), the latency being the EWMA or, when longer,
   * the age of the oldest attempt still out, so an upstream turning slow loses traffic before its first
   * slow answer returns. Never observed scores 0, so it is tried first; one that only ever failed, the worst.
   */
  private score(h: UpstreamHealth, now: number): number {
    if (h.latencyEwmaMs === undefined) return h.errorRate > 0 ? Number.POSITIVE_INFINITY : 0;
    return Math.max(h.latencyEwmaMs, h.oldestInFlightMs(now)) * (1 + this.options.errorPenalty * h.errorRate);
  }

  /** Tells the router how an attempt on upstream `id` ended. */
  record(id: string, outcome: Outcome, now: number): void {
    this.byId.get(id)?.record(outcome, now);
  }

  /** Tells the router an attempt on `id` was cancelled unanswered after `elapsedMs` (the losing side of a hedge). */
  abandon(id: string, elapsedMs: number, now: number): void {
    this.byId.get(id)?.abandon(elapsedMs, now);
  }

  /**
   * Adaptive with hedging on: after how many ms an attempt on `id` still unanswered should be hedged
   * on another upstream; undefined while too few latencies are known (or hedging is off).
   */
  hedgeDelayMs(id: string): number | undefined {
    const q = this.options.hedgeQuantile;
    if (this.options.strategy !== "adaptive" || q === undefined || this.health.length < 2) return undefined;
    return this.byId.get(id)?.latencyQuantile(q);
  }

  /** Milliseconds until some upstream can take a request again (0 when one can now). */
  nextAvailableInMs(now: number): number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const h of this.health) {
      if (!h.quotaBlocked(now) && h.breaker.allows(now)) return 0;
      const quota = Math.max(0, h.quotaBlockedUntil - now);
      soonest = Math.min(soonest, Math.max(quota, h.breaker.probeInMs(now)));
    }
    return soonest;
  }

  /** The live state of every upstream. */
  snapshot(now: number): RouterSnapshot {
    const round = (n: number) => Math.round(n * 1000) / 1000;
    return {
      strategy: this.options.strategy,
      hedgeQuantile: this.options.hedgeQuantile ?? null,
      upstreams: this.health.map((h) => ({
        id: h.upstream.id,
        model: h.upstream.model,
        keyName: h.upstream.keyName,
        sent: h.sent,
        inFlight: h.inFlight,
        latencyEwmaMs: orNull(h.latencyEwmaMs, round),
        latencyP95Ms: orNull(h.latencyQuantile(0.95, 1), round),
        errorRate: round(h.errorRate),
        rate429: round(h.rate429),
        rate503: round(h.rate503),
        breaker: h.breaker.current(now),
        breakerTransitions: [...h.breaker.transitions],
        quotaBlockedForMs: Math.max(0, h.quotaBlockedUntil - now),
        score: h.latencyEwmaMs === undefined ? null : round(this.score(h, now)),
      })),
    };
  }
}

function orNull(n: number | undefined, f: (n: number) => number): number | null {
  return n === undefined ? null : f(n);
}
