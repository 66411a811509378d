// What a few sequential unloaded calls say about the latency distribution: the median with a
// distribution-free confidence interval, the 95th percentile with a lognormal one, and whether a
// loaded figure lies beyond what that spread allows.

/** A percentile estimated from the baseline's samples, with the interval the true value lies in at `confidence`. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
  /** Probability that [low, high] holds the true percentile (two-sided; each side fails at most half of 1 − confidence). */
  confidence: number;
}

/** One baseline figure (total time, or time to first token) over the calls, milliseconds. */
export interface Spread {
  /** Every call's figure, in call order. */
  samplesMs: number[];
  /** Median: the interpolated sample median, interval between two order statistics (no distribution assumed). */
  p50: Estimate;
  /** 95th percentile of a lognormal fitted to the samples, interval from the noncentral t distribution. */
  p95: Estimate;
}

/** How a loaded figure compares with the baseline's interval for the same percentile. */
export type Verdict = "within_noise" | "regression" | "faster";

/** The confidence every interval aims at. */
const CONFIDENCE = 0.95;

const Z95 = 1.6448536269514722;

/** Standard normal CDF (erfc by the Chebyshev fit of Numerical Recipes' erfcc, |error| < 1.2e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
function logGamma(x: number): number {
  const c = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905,
    -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let sum = c[0] as number;
  for (let i = 1; i < 9; i++) sum += (c[i] as number) / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * CDF of the noncentral t distribution with `df` degrees of freedom and noncentrality `delta`:
 * P(T ≤ t) = E[Φ(t·X/√df − delta)] with X chi-distributed, integrated by Simpson's rule.
 */
function noncentralTCdf(t: number, df: number, delta: number): number {
  const upper = Math.sqrt(df) + 12;
  const steps = 2000;
  const h = upper / steps;
  const logNorm = (df / 2 - 1) * Math.log(2) + logGamma(df / 2);
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const x = i * h;
    const density = x === 0 ? 0 : Math.exp((df - 1) * Math.log(x) - (x * x) / 2 - logNorm);
    const weight = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
    sum += weight * density * normalCdf((t * x) / Math.sqrt(df) - delta);
  }
  return Math.min(1, Math.max(0, (sum * h) / 3));
}

function noncentralTQuantile(probability: number, df: number, delta: number): number {
  let low = delta - 60;
  let high = delta + 400;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (noncentralTCdf(mid, df, delta) < probability) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * Factor k of a normal tolerance bound: with n samples of mean m and standard deviation s,
 * m + k·s lies above the `p` quantile with probability `confidence` (for confidence < 0.5, below it
 * with probability 1 − confidence). k = t'(confidence; n − 1, z_p·√n) / √n.
 */
export function toleranceFactor(n: number, p: number, confidence: number): number {
  const key = `${n}/${p}/${confidence}`;
  let k = toleranceFactors.get(key);
  if (k === undefined) {
    const zp = p === 0.95 ? Z95 : inverseNormalCdf(p);
    k = noncentralTQuantile(confidence, n - 1, zp * Math.sqrt(n)) / Math.sqrt(n);
    toleranceFactors.set(key, k);
  }
  return k;
}

// Each factor takes some 50 ms of integration; a process asks for the same few again and again.
const toleranceFactors = new Map<string, number>();

function inverseNormalCdf(p: number): number {
  let low = -10;
  let high = 10;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (normalCdf(mid) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

function binomialCdf(k: number, n: number): number {
  // P(X ≤ k) for X ~ Binomial(n, 1/2).
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) - n * Math.LN2);
  return sum;
}

/** The `p`-th percentile (0–1) by linear interpolation between ranks, as k6 computes a Trend's. */
export function interpolatedPercentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = p * (sorted.length - 1);
  const below = sorted[Math.floor(at)] as number;
  const above = sorted[Math.ceil(at)] as number;
  return below + (above - below) * (at - Math.floor(at));
}

/**
 * The median with a distribution-free interval: [x(k), x(n+1−k)] of the sorted samples, with k the
 * largest rank whose binomial tail P(Bin(n, ½) < k) stays within (1 − CONFIDENCE)/2. For n = 10 that is
 * [x(2), x(9)], which holds the true median with probability 97.9%.
 */
export function medianEstimate(samples: readonly number[]): Estimate {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  let k = 1;
  while (k + 1 <= n / 2 && binomialCdf(k, n) <= (1 - CONFIDENCE) / 2) k++;
  return {
    value: interpolatedPercentile(sorted, 0.5),
    low: sorted[k - 1] as number,
    high: sorted[n - k] as number,
    confidence: 1 - 2 * binomialCdf(k - 1, n),
  };
}

/**
 * The 95th percentile of a lognormal fitted to the samples (mean m and standard deviation s of their
 * logarithms): exp(m + 1.645·s), within [exp(m + k_low·s), exp(m + k_high·s)] where the factors are the
 * normal tolerance factors at 2.5% and 97.5% confidence. No distribution-free interval exists: with fewer
 * than 59 samples even their maximum lies below the true 95th percentile more than 5% of the time.
 */
export function p95Estimate(samples: readonly number[]): Estimate {
  // A sample of 0 ms (a zero-latency emulator) has no logarithm; 0.01 ms is below any timer's resolution.
  const logs = samples.map((value) => Math.log(Math.max(value, 0.01)));
  const n = logs.length;
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const tail = (1 - CONFIDENCE) / 2;
  return {
    value: Math.exp(mean + Z95 * sd),
    low: Math.exp(mean + toleranceFactor(n, 0.95, tail) * sd),
    high: Math.exp(mean + toleranceFactor(n, 0.95, 1 - tail) * sd),
    confidence: CONFIDENCE,
  };
}

/** The spread of a few samples (at least 2; verify asks for at least 5). */
export function spreadOf(samples: readonly number[]): Spread {
  return { samplesMs: [...samples], p50: medianEstimate(samples), p95: p95Estimate(samples) };
}

/** A loaded figure beyond the interval is a regression (or faster); inside it, within the baseline's own noise. */
export function verdictOf(underLoad: number, estimate: Pick<Estimate, "low" | "high">): Verdict {
  if (underLoad > estimate.high) return "regression";
  if (underLoad < estimate.low) return "faster";
  return "within_noise";
}
