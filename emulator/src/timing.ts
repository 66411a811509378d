// The timing model: lognormal time to first token, thinking time, token pacing, and precise waits
// against absolute deadlines so that delays do not drift.

import { performance } from "node:perf_hooks";

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
function inverseNormal(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

/** z-score of the 95th percentile. */
const Z95 = 1.6448536269514722;

/** Lognormal parameters from a median and a 95th percentile: mu = ln(median), sigma = ln(p95/median) / z95. */
function lognormalParams(medianMs: number, p95Ms: number): { mu: number; sigma: number } {
  return { mu: Math.log(medianMs), sigma: medianMs > 0 ? Math.log(p95Ms / medianMs) / Z95 : 0 };
}

/** The value of the lognormal at quantile `u` (0..1). */
export function lognormalQuantile(medianMs: number, p95Ms: number, u: number): number {
  if (medianMs <= 0) return 0;
  const { mu, sigma } = lognormalParams(medianMs, p95Ms);
  return Math.exp(mu + sigma * inverseNormal(u));
}

const GOLDEN = 0.6180339887498949;

/**
 * Quantiles for successive delay draws. A golden-ratio (Weyl) sequence started at a seeded point covers
 * (0, 1) evenly, so the percentiles of any few thousand draws sit close to the configured ones (plain
 * random draws would wander by several percent at the 95th) while single draws still look random.
 */
export class QuantileSequence {
  private u: number;
  constructor(seed: number) {
    this.u = ((seed >>> 0) % 1_000_003) / 1_000_003;
  }
  next(): number {
    this.u += GOLDEN;
    if (this.u >= 1) this.u -= 1;
    // Keep away from 0 and 1, where the quantile function is infinite.
    return Math.min(Math.max(this.u, 1e-6), 1 - 1e-6);
  }
}

/** Milliseconds since an arbitrary origin, sub-millisecond precision. */
export function now(): number {
  return performance.now();
}

/**
 * Resolves at `deadline` (a `now()` value), within about a millisecond. Timers are armed against the
 * absolute deadline, so a chain of waits does not accumulate drift; no busy-waiting, which would steal
 * the CPU that hundreds of concurrent streams need.
 */
export function waitUntil(deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      const left = deadline - performance.now();
      // libuv's clock is whole milliseconds, so a timer may fire up to 1 ms early: re-arm for what is left.
      if (left > 1) setTimeout(check, left);
      else resolve();
    };
    check();
  });
}
