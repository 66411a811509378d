// How a requests-per-second rate becomes k6's whole rate per time unit; read by the config parser
// (which refuses rates k6 cannot run closely enough) and by the load shapes in workloads.ts.

/** The time units k6 accepts for an arrival rate, with their length. */
export const TIME_UNITS = [
  { timeUnit: "1s", seconds: 1 },
  { timeUnit: "1m", seconds: 60 },
  { timeUnit: "1h", seconds: 3600 },
] as const;

/** How far (relative) the rate k6 runs may be from the one asked for; lib/config.ts refuses rates beyond it. */
export const RATE_TOLERANCE = 0.01;
/** The smallest GEMINI_RATE worth naming in a message: 1 per hour, in requests per second. */
export const SMALLEST_RATE_TEXT = (1 / 3600).toPrecision(3);

/**
 * k6 wants a whole number of iterations per time unit: of 1s, 1m and 1h, the one whose whole rate is
 * closest to `perSecond` (the shortest on a tie). `error` is the relative difference from `perSecond`.
 */
export function arrivalRate(perSecond: number): { rate: number; timeUnit: string; error: number } {
  let best = { rate: 1, timeUnit: "1h", error: Infinity };
  for (const { timeUnit, seconds } of TIME_UNITS) {
    const rate = Math.max(1, Math.round(perSecond * seconds));
    const error = Math.abs(rate / seconds - perSecond) / perSecond;
    if (error < best.error) best = { rate, timeUnit, error };
  }
  return best;
}
