// Quotas per API key and model (a key stands for a project): requests per minute and input tokens per
// minute over a sliding 60-second window, requests per day over the Pacific calendar day, as the
// service resets RPD at midnight Pacific. Exceeding one answers 429 with the violated quota named.

import { QUOTA_PRESETS, type QuotaLimits, type QuotaTier } from "./profiles.ts";
import type { QuotaViolation } from "./errors.ts";

const MINUTE_MS = 60_000;

interface Usage {
  /** Timestamps (ms) and input tokens of the requests admitted in the last minute, oldest first. */
  times: number[];
  tokens: number[];
  head: number;
  tokensInWindow: number;
  day: string;
  dayCount: number;
  /** When the last request was admitted. */
  lastMs: number;
  /** Whether a requests-per-day limit applied, so the day's count must outlive the minute window. */
  countsDays: boolean;
}

/** The quota family of a model name: pro, flash-lite, or flash for everything else. */
function quotaFamily(model: string): "pro" | "flash-lite" | "flash" {
  if (model.includes("flash-lite")) return "flash-lite";
  if (model.includes("pro")) return "pro";
  return "flash";
}

/** The limits that apply to a model: explicit per-model overrides, else the tier preset. */
export function limitsFor(tier: QuotaTier, model: string, overrides: Partial<QuotaLimits>): QuotaLimits {
  const preset = tier === "unlimited" ? { rpm: 0, tpm: 0, rpd: 0 } : QUOTA_PRESETS[tier][quotaFamily(model)];
  return { rpm: overrides.rpm ?? preset.rpm, tpm: overrides.tpm ?? preset.tpm, rpd: overrides.rpd ?? preset.rpd };
}

function pacificDay(ms: number): string {
  return new Date(ms).toLocaleDateString("en-CA", { timeZone: "America/Los_Angeles" });
}

function msUntilPacificMidnight(ms: number): number {
  // Step forward by minutes until the Pacific date changes; a day has at most 1,500 minutes.
  const today = pacificDay(ms);
  let lo = ms;
  let hi = ms + 26 * 3600_000;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2);
    if (pacificDay(mid) === today) lo = mid;
    else hi = mid;
  }
  return hi - ms;
}

/** Metric and quotaId suffixes of a tier's quotas: `_free_tier` / `-FreeTier` on the free tier, `_paid_tier` / none otherwise. */
function quotaSuffix(tier: QuotaTier): { metric: string; id: string } {
  return tier === "free" ? { metric: "_free_tier", id: "-FreeTier" } : { metric: "_paid_tier", id: "" };
}

/** A refusal of the tier's requests-per-minute quota of `rpm`, named as the service names it. */
function requestsPerMinuteViolation(tier: QuotaTier, model: string, rpm: number, retryDelaySeconds: number): QuotaViolation {
  const suffix = quotaSuffix(tier);
  return {
    quotaMetric: `generativelanguage.googleapis.com/generate_content${suffix.metric}_requests`,
    quotaId: `GenerateRequestsPerMinutePerProjectPerModel${suffix.id}`,
    model,
    quotaValue: rpm,
    retryDelaySeconds,
  };
}

/**
 * The violation a fault-injected 429 reports: the tier's requests-per-minute quota with the configured
 * limit (0 when the tier sets none, the emulator's "unlimited"). The retry delay runs to the end of the
 * current minute, so successive refusals count down as real ones do.
 */
export function injectedQuotaViolation(tier: QuotaTier, model: string, rpm: number, nowMs = Date.now()): QuotaViolation {
  return requestsPerMinuteViolation(tier, model, rpm, (MINUTE_MS - (nowMs % MINUTE_MS)) / 1000);
}

/** Quota windows for every key and model seen. */
export class QuotaTracker {
  private readonly usage = new Map<string, Usage>();
  private lastPruneMs = 0;

  /**
   * The tier decides the quota names in 429 bodies (free-tier metrics carry a `_free_tier` suffix).
   * `windowMs` is the per-minute window's length: a minute, or less to compress a quota's dynamics
   * into a short experiment (config `quotaWindowMs`).
   */
  constructor(
    public tier: QuotaTier,
    public windowMs = MINUTE_MS,
  ) {}

  /**
   * Admits a request of `tokens` input tokens or names the quota it would exceed. Admitted requests count
   * against all three quotas; refused ones against none.
   */
  admit(key: string, model: string, tokens: number, limits: QuotaLimits, nowMs = Date.now()): QuotaViolation | undefined {
    if (limits.rpm === 0 && limits.tpm === 0 && limits.rpd === 0) return undefined;
    const windowMs = this.windowMs;
    if (nowMs - this.lastPruneMs >= windowMs) this.prune(nowMs);
    const id = `${key}\u0000${model}`;
    let u = this.usage.get(id);
    if (!u) {
      u = { times: [], tokens: [], head: 0, tokensInWindow: 0, day: pacificDay(nowMs), dayCount: 0, lastMs: nowMs, countsDays: false };
      this.usage.set(id, u);
    }
    while (u.head < u.times.length && (u.times[u.head] as number) <= nowMs - windowMs) {
      u.tokensInWindow -= u.tokens[u.head] as number;
      u.head++;
    }
    if (u.head > 1024 && u.head * 2 > u.times.length) {
      u.times = u.times.slice(u.head);
      u.tokens = u.tokens.slice(u.head);
      u.head = 0;
    }
    const inWindow = u.times.length - u.head;
    const suffix = quotaSuffix(this.tier);
    if (limits.rpm > 0 && inWindow >= limits.rpm) {
      return requestsPerMinuteViolation(this.tier, model, limits.rpm, ((u.times[u.head] as number) + windowMs - nowMs) / 1000);
    }
    if (limits.tpm > 0 && u.tokensInWindow + tokens > limits.tpm) {
      // The window frees up as the oldest requests age out; point at the first moment enough has.
      let freed = 0;
      let i = u.head;
      while (i < u.times.length && u.tokensInWindow - freed + tokens > limits.tpm) freed += u.tokens[i++] as number;
      const until = i > u.head ? (u.times[i - 1] as number) + windowMs : nowMs + windowMs;
      return {
        quotaMetric: `generativelanguage.googleapis.com/generate_content${suffix.metric}_input_token_count`,
        quotaId: `GenerateContentInputTokensPerModelPerMinute${suffix.id}`,
        model,
        quotaValue: limits.tpm,
        retryDelaySeconds: Math.max(0, until - nowMs) / 1000,
      };
    }
    const day = pacificDay(nowMs);
    if (day !== u.day) {
      u.day = day;
      u.dayCount = 0;
    }
    if (limits.rpd > 0 && u.dayCount >= limits.rpd) {
      return {
        quotaMetric: `generativelanguage.googleapis.com/generate_content${suffix.metric}_requests`,
        quotaId: `GenerateRequestsPerDayPerProjectPerModel${suffix.id}`,
        model,
        quotaValue: limits.rpd,
        retryDelaySeconds: msUntilPacificMidnight(nowMs) / 1000,
      };
    }
    u.lastMs = nowMs;
    if (limits.rpd > 0) u.countsDays = true;
    u.times.push(nowMs);
    u.tokens.push(tokens);
    u.tokensInWindow += tokens;
    u.dayCount++;
    return undefined;
  }

  /** Keys and models being tracked (for tests and memory checks). */
  get size(): number {
    return this.usage.size;
  }

  /**
   * Drops the windows that no longer hold anything: no request in the last minute and, where a daily
   * limit applies, none today. Rotating keys would otherwise grow the map without bound.
   */
  prune(nowMs = Date.now()): void {
    this.lastPruneMs = nowMs;
    const today = pacificDay(nowMs);
    for (const [id, u] of this.usage) {
      if (u.lastMs > nowMs - this.windowMs) continue;
      if (u.countsDays && u.day === today) continue;
      this.usage.delete(id);
    }
  }

  /** Forgets every window. */
  reset(): void {
    this.usage.clear();
  }
}
