// A distributed run: N k6 processes (the k6-operator's runners), each on one equal execution segment
// of the same script. Pure (no k6 import): the kit reads the segment from exec.test.options, which k6
// only allows outside the init context, and GEMINI_RUNNERS, which every runner is given alike.
//
// Why the global quantities hold: exec.scenario.iterationInTest numbers every iteration of the whole
// test, across runners, and no two runners get the same number; the kit caps on it, so the request
// budget splits exactly whatever each runner's share. Thresholds are evaluated per runner, so the
// budget's thresholds (the backstop behind the caps) take each runner's share (docs/distributed-and-ci.md).

/** One runner's execution segment. */
export interface Segment {
  /** Start and end as fractions of the whole test, e.g. 1/3 and 2/3. */
  from: number;
  to: number;
  /** As k6 was given it, e.g. "1/3:2/3". */
  text: string;
  /** 1-based position in the sequence, and the number of segments in it. */
  index: number;
  runners: number;
  /** The `instance` tag value: "2-of-3". */
  instance: string;
}

/** A problem with the segment k6 runs, worded for the user. */
export class SegmentError extends Error {}

/** "1/3", "0.5", "50%" or "1" as a number in [0, 1]; undefined when it is none of those. */
export function parseFraction(text: string): number | undefined {
  const value = text.trim();
  let result: number;
  if (/^\d+\/\d+$/.test(value)) {
    const [numerator, denominator] = value.split("/").map(Number) as [number, number];
    if (denominator === 0) return undefined;
    result = numerator / denominator;
  } else if (/^\d+(\.\d+)?%$/.test(value)) result = Number(value.slice(0, -1)) / 100;
  else if (/^\d+(\.\d+)?$/.test(value)) result = Number(value);
  else return undefined;
  return result >= 0 && result <= 1 ? result : undefined;
}

/** Fractions from k6 are exact rationals; compared as floats they need a tolerance. */
const EPSILON = 1e-9;

/**
 * The segment k6 runs, from `exec.test.options.executionSegment` and `executionSegmentSequence`;
 * undefined for an undivided run. Without a sequence k6 completes one around the segment
 * (0, from, to, 1, empty parts left out), and so does this.
 */
export function segmentOf(segment: string | null | undefined, sequence: string | null | undefined): Segment | undefined {
  if (segment === undefined || segment === null || segment.trim() === "") return undefined;
  const parts = segment.split(":");
  const from = parts.length === 2 ? parseFraction(parts[0] ?? "") : parts.length === 1 ? 0 : undefined;
  const to = parseFraction(parts.length === 2 ? (parts[1] ?? "") : (parts[0] ?? ""));
  if (from === undefined || to === undefined || to <= from) throw new SegmentError(`invalid execution segment '${segment}'`);
  if (from < EPSILON && to > 1 - EPSILON) return undefined;
  const points =
    sequence !== undefined && sequence !== null && sequence.trim() !== ""
      ? sequence.split(",").map((point) => parseFraction(point))
      : [0, from, to, 1];
  if (points.some((point) => point === undefined)) throw new SegmentError(`invalid execution segment sequence '${sequence}'`);
  const bounds = (points as number[]).filter((point, i, all) => i === 0 || point - (all[i - 1] ?? 0) > EPSILON);
  const index = bounds.findIndex((point, i) => Math.abs(point - from) < EPSILON && Math.abs((bounds[i + 1] ?? -1) - to) < EPSILON);
  if (index < 0) throw new SegmentError(`execution segment ${segment} is not one of the sequence ${sequence}`);
  const runners = bounds.length - 1;
  return { from, to, text: segment, index: index + 1, runners, instance: `${index + 1}-of-${runners}` };
}

/**
 * Checks that the segment k6 runs matches GEMINI_RUNNERS: the budget and the cost cap were split
 * N ways at init, before k6 lets the script see its segment. Returns the problem to report, if any.
 */
export function segmentProblem(segment: Segment | undefined, runners: number): string | undefined {
  const given = segment?.runners ?? 1;
  if (segment === undefined && runners > 1) {
    return `invalid GEMINI_RUNNERS: ${runners} runners were announced but k6 runs the whole test; give each runner --execution-segment and --execution-segment-sequence (npm run k8s does), or unset GEMINI_RUNNERS`;
  }
  if (segment === undefined) return undefined;
  if (given !== runners) {
    return `invalid GEMINI_RUNNERS: expected ${given} (k6 runs segment ${segment.text} of ${given}), got '${runners}'; set GEMINI_RUNNERS=${given} on every runner`;
  }
  if (Math.abs(segment.to - segment.from - 1 / runners) > EPSILON) {
    return `invalid execution segment ${segment.text}: gemini-k6 splits its budget into ${runners} equal parts, so each runner needs 1/${runners} of the test (the k6-operator's arithmetic)`;
  }
  return undefined;
}

/**
 * One runner's share of a request limit: its part of the first `total` iteration numbers, which
 * k6 spreads evenly over the runners, so never more than the ceiling of an equal share.
 */
export function runnerShareOfRequests(total: number, runners: number): number {
  return Math.ceil(total / runners - EPSILON);
}

/** One runner's share of the cost cap: the spend splits exactly, N equal parts adding up to the cap. */
export function runnerShareOfCost(maxCostUsd: number, runners: number): number {
  return maxCostUsd / runners;
}

/** A threshold as the kit builds them (lib/thresholds.ts). */
type Threshold = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };

/** What {@link runnerThresholds} reads of the config. */
interface BudgetSettings {
  runners: number;
  budget: { maxRequests: number | undefined; maxCostUsd: number | undefined };
  retry: { maxAttempts: number; budgetRatio: number };
}

/**
 * The thresholds of one runner: k6 evaluates them on the runner's own metrics, so the budget's
 * (abort when spent) take the runner's share. The request threshold is a backstop: the caps on the
 * test-wide iteration number keep the total exact; a runner's share of them is at most an equal
 * share rounded up, plus that request's retry and the runner's preflight.
 */
export function runnerThresholds(thresholds: Record<string, Threshold[]>, config: BudgetSettings): Record<string, Threshold[]> {
  if (config.runners <= 1) return thresholds;
  const result = { ...thresholds };
  const max = config.budget.maxRequests;
  if (max !== undefined) {
    const retries = config.retry.maxAttempts > 1 ? config.retry.budgetRatio : 0;
    const share = runnerShareOfRequests(max + config.runners * (1 + retries), config.runners);
    result.http_reqs = [{ threshold: `count<=${share}`, abortOnFail: true }];
  }
  const cost = config.budget.maxCostUsd;
  if (cost !== undefined) result.gemini_cost_usd = [{ threshold: `count<=${runnerShareOfCost(cost, config.runners)}`, abortOnFail: true }];
  return result;
}

/** The rates a summary context holds, as {@link runnerSummaryContext} scales them. */
interface RateContext {
  offeredRate: number;
  windows?: { windowMs: number; offeredRates: number[] };
}

/**
 * One runner's offered load: k6 gives each segment its share of every rate, so the runners' offered
 * and achieved rates add up to the whole run's. Peak VUs stay the run's (k6 splits them in whole VUs).
 */
export function runnerSummaryContext<T extends RateContext>(context: T, segment: Segment | undefined): T {
  if (segment === undefined) return context;
  const share = segment.to - segment.from;
  return {
    ...context,
    offeredRate: context.offeredRate * share,
    ...(context.windows ? { windows: { ...context.windows, offeredRates: context.windows.offeredRates.map((rate) => rate * share) } } : {}),
  };
}
