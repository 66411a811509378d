// Poisson arrivals for the open shapes, and the inter-arrival coefficient of variation (CV) the summary reports.
// k6 has no Poisson executor: the arrival-rate executor runs POISSON_OVERSAMPLING (k) times faster and an
// iteration fires its request only when a hash of its index falls below 1/k (Bernoulli thinning). Gaps
// are then geometric on a 1/(k·λ) grid, CV √(1 − 1/k). Skipped iterations return at once.
// Pure: lib/pacing.ts applies it inside k6.

import { POISSON_OVERSAMPLING } from "./shapes.ts";

/** Seed of the fire decisions: fixed, so a schedule is the same in every VU and in every run. */
const ARRIVAL_SEED = 0x5eed_c0de;

const FIRE_BELOW = Math.floor(2 ** 32 / POISSON_OVERSAMPLING);

/** A 32-bit hash of an iteration index (any whole number below 2^53): murmur3's finalizer over both halves. */
function indexHash(seed: number, index: number): number {
  const low = index >>> 0;
  const high = Math.floor(index / 2 ** 32);
  return fmix32(Math.imul(low, 0x9e3779b1) ^ fmix32(seed ^ Math.imul(high, 0x85ebca6b)));
}

function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** True when iteration `index` of the oversampled clock sends its request: a pure function, the same in every VU. */
export function arrivalFires(index: number, seed = ARRIVAL_SEED): boolean {
  return indexHash(seed, index) < FIRE_BELOW;
}

/**
 * The index of the last firing iteration before `index`, or -1 when none is within `lookBack`
 * iterations (the first arrival; about k hashes are needed on average).
 */
export function previousFiring(index: number, lookBack = POISSON_OVERSAMPLING * 50, seed = ARRIVAL_SEED): number {
  for (let i = index - 1; i >= 0 && i >= index - lookBack; i--) if (arrivalFires(i, seed)) return i;
  return -1;
}

/**
 * The index of the (n+1)-th firing iteration: the first one beyond a budget of `n` requests. Computing
 * it takes about k·n hashes, once per VU, and only under a request budget.
 */
export function firingIndexAfter(n: number, seed = ARRIVAL_SEED): number {
  let fired = 0;
  for (let index = 0; ; index++) {
    if (arrivalFires(index, seed)) {
      if (fired === n) return index;
      fired++;
    }
  }
}

/** The counters lib/pacing.ts adds to: the Poisson schedule's gaps and k6's lateness, each as count, Σx, Σx². */
export const ARRIVAL_METRICS = {
  gaps: "gemini_arrival_gaps",
  gapMs: "gemini_arrival_gap_ms",
  gapMs2: "gemini_arrival_gap_ms2",
  lateness: "gemini_arrival_lateness_samples",
  latenessMs: "gemini_arrival_lateness_ms",
  latenessMs2: "gemini_arrival_lateness_ms2",
} as const;

/** Added to every lateness (which can be slightly negative: Date.now() is whole ms), since counters take no negatives; it leaves the variance alone. */
export const LATENESS_OFFSET_MS = 1000;

/** Sums of a quantity over its samples: count, Σx and Σx². */
export interface Moments {
  n: number;
  sum: number;
  sumSq: number;
}

function variance(m: Moments): number {
  const mean = m.sum / m.n;
  return Math.max(0, m.sumSq / m.n - mean * mean);
}

/**
 * The achieved inter-arrival CV. A request's start is its planned time plus k6's lateness, so the
 * achieved gap is the planned gap plus the difference of two latenesses: Var ≈ Var(planned) + 2·Var(lateness).
 * `plannedGaps` are the Poisson schedule's gaps (ms); constant arrivals have none and pass their fixed gap.
 * Undefined without samples.
 */
export function interArrivalCv(input: { plannedGaps?: Moments; fixedGapMs?: number; lateness: Moments }): number | undefined {
  const gaps = input.plannedGaps;
  const mean = gaps !== undefined && gaps.n > 0 ? gaps.sum / gaps.n : input.fixedGapMs;
  if (mean === undefined || !(mean > 0)) return undefined;
  if (gaps === undefined && input.lateness.n === 0) return undefined;
  const planned = gaps !== undefined && gaps.n > 0 ? variance(gaps) : 0;
  const late = input.lateness.n > 1 ? variance(input.lateness) : 0;
  return Math.sqrt(planned + 2 * late) / mean;
}
