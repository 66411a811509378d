// The one per-iteration hook of the open shapes, called by lib/scenario-kit.ts before each request:
// tags samples with their time window (lib/windows.ts), thins Poisson arrivals (lib/arrivals.ts) and
// measures how late k6 started the iteration, for the inter-arrival CV. Shapes that need none of it
// get no hook at all, so the default load pays nothing.

import exec from "k6/execution";
import { Counter } from "k6/metrics";
import { ARRIVAL_METRICS, arrivalFires, firingIndexAfter, LATENESS_OFFSET_MS, previousFiring } from "./arrivals.ts";
import type { GeminiConfig } from "./config.ts";
import { POISSON_OVERSAMPLING, shapeModel } from "./shapes.ts";
import { windowName, windowPlan } from "./windows.ts";
import { offeredRate } from "./workloads.ts";

// Sums for the inter-arrival CV (lib/arrivals.ts interArrivalCv); k6 keeps only a counter's total.
const gapCount = new Counter(ARRIVAL_METRICS.gaps);
const gapSum = new Counter(ARRIVAL_METRICS.gapMs);
const gapSumSq = new Counter(ARRIVAL_METRICS.gapMs2);
const lateCount = new Counter(ARRIVAL_METRICS.lateness);
const lateSum = new Counter(ARRIVAL_METRICS.latenessMs);
const lateSumSq = new Counter(ARRIVAL_METRICS.latenessMs2);

/**
 * At high rates constant arrivals measure the lateness of one iteration in this many per VU: the
 * variance needs no more, and the hook stays cheap. Below {@link SAMPLE_EVERY_FROM_RATE} every iteration
 * is measured: there a VU may start only a handful of iterations in the whole run.
 */
const LATENESS_SAMPLE_EVERY = 8;
const SAMPLE_EVERY_FROM_RATE = 100;

/**
 * The hook for the open model's iterations, or undefined when the shape needs none. It returns true
 * when the iteration must send nothing (a Poisson non-arrival).
 */
export function openIterationHook(config: GeminiConfig): (() => boolean) | undefined {
  if (shapeModel(config) === "closed") return undefined;
  const windows = windowPlan(config);
  const poisson = config.arrivals === "poisson";
  // Only a constant offered rate has a known schedule (iteration i at start + i·interval).
  const constantRate = config.shape === "load" || config.shape === "soak";
  if (windows === undefined && !poisson && !constantRate) return undefined;
  const factor = poisson ? POISSON_OVERSAMPLING : 1;
  const intervalMs = 1000 / (offeredRate(config) * factor);
  const sampleEvery = offeredRate(config) >= SAMPLE_EVERY_FROM_RATE ? LATENESS_SAMPLE_EVERY : 1;
  const windowMs = windows?.windowMs ?? 0;
  const lastWindow = (windows?.count ?? 1) - 1;
  let startMs = -1;
  let current = -1;
  let iterations = 0;

  function late(now: number, index: number): void {
    const lateness = now - (startMs + index * intervalMs) + LATENESS_OFFSET_MS;
    lateCount.add(1);
    lateSum.add(lateness);
    lateSumSq.add(lateness * lateness);
  }

  return function beforeIteration(): boolean {
    const now = Date.now();
    // exec.scenario is built anew on every access: read the start once per VU.
    if (startMs < 0) startMs = exec.scenario.startTime;
    if (windows !== undefined) {
      const index = Math.min(lastWindow, Math.floor((now - startMs) / windowMs));
      if (index !== current) {
        current = index;
        // A VU-level tag: every sample of this VU carries it until the window changes.
        exec.vu.metrics.tags.window = windowName(index);
      }
    }
    if (poisson) {
      const index = exec.scenario.iterationInTest;
      if (!arrivalFires(index)) return true;
      if (constantRate) {
        const previous = previousFiring(index);
        if (previous >= 0) {
          const gap = (index - previous) * intervalMs;
          gapCount.add(1);
          gapSum.add(gap);
          gapSumSq.add(gap * gap);
        }
        late(now, index);
      }
      return false;
    }
    if (constantRate && ++iterations % sampleEvery === 0) late(now, exec.scenario.iterationInTest);
    return false;
  };
}

/**
 * The open model's budget cap in iterations of k6's clock: with Poisson arrivals, the index of the first
 * firing iteration beyond `requests` (k6 counts the skipped iterations too); otherwise `requests`.
 */
export function openIterationCap(config: Pick<GeminiConfig, "arrivals">, requests: number | undefined): number | undefined {
  if (requests === undefined || config.arrivals !== "poisson") return requests;
  return firingIndexAfter(requests);
}
