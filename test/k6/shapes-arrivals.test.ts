// Poisson and constant arrivals as the service sees them: the emulator's own arrival times give the
// inter-arrival coefficient of variation (CV), ≈1 for a Poisson process and ≈0 for fixed spacing, and
// the summary's figure (from k6's schedule and its lateness, lib/arrivals.ts) agrees with it.

import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, beforeEach, test } from "node:test";
import { start } from "../../emulator/index.ts";
import { buildScenarios, emulatorSamples, readSummary, resetEmulator, runScenario, tempResultsRoot } from "../helpers/k6.ts";

let emulator: Awaited<ReturnType<typeof start>>;
let resultsRoot: string;

before(async () => {
  await buildScenarios();
  resultsRoot = await tempResultsRoot();
  emulator = await start({ port: 0, profile: "zero-latency", seed: 7 });
});

beforeEach(async () => {
  await resetEmulator(emulator.url);
});

after(async () => {
  await emulator?.close();
  await rm(resultsRoot, { recursive: true, force: true });
});

/** The CV of the gaps between the generate requests the emulator received, and how many arrived. */
async function measuredArrivals(): Promise<{ arrivals: number; cv: number }> {
  const starts = (await emulatorSamples(emulator.url))
    .filter((sample) => sample.method === "generateContent" || sample.method === "streamGenerateContent")
    .map((sample) => new Date(sample.startedAt).getTime())
    .sort((a, b) => a - b);
  const gaps = starts.slice(1).map((t, i) => t - (starts[i] ?? t));
  const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
  const variance = gaps.reduce((sum, gap) => sum + (gap - mean) ** 2, 0) / gaps.length;
  return { arrivals: starts.length, cv: Math.sqrt(variance) / mean };
}

async function openRun(env: Record<string, string>): Promise<{ process: string; interArrivalCv: number | null; dropped: number }> {
  const run = await runScenario({
    baseUrl: emulator.url,
    resultsRoot,
    env: { GEMINI_SCENARIO: "open", GEMINI_STREAM: "false", ...env },
  });
  assert.equal(run.exitCode, 0, run.stdout.slice(-2000) + run.stderr.slice(-2000));
  const load = (await readSummary(run.resultsDir)).load as {
    arrivals: { process: string; interArrivalCv: number | null };
    open: { dropped: number };
  };
  assert.match(run.stdout, new RegExp(`arrivals: {5}${load.arrivals.process}; inter-arrival CV [\\d.]+ over \\d+ samples`));
  return { ...load.arrivals, dropped: load.open.dropped };
}

test("Poisson arrivals: the service sees a CV within 0.85–1.15 over at least 2,000 arrivals, and the summary agrees", async (t) => {
  // k6 runs a 1,500/s clock here; on a busy machine it may drop iterations, which perturbs the spacing
  // being judged: one more try then, as for any timing-sensitive run. All VUs start before the load, as
  // one initialised mid-run costs k6 the CPU its clock needs.
  let summary = await openRun({
    GEMINI_ARRIVALS: "poisson",
    GEMINI_RATE: "75",
    GEMINI_DURATION: "28s",
    GEMINI_PREALLOCATED_VUS: "150",
    GEMINI_MAX_VUS: "150",
  });
  if (summary.dropped > 0) {
    t.diagnostic(`k6 dropped ${summary.dropped} iterations: once more`);
    await resetEmulator(emulator.url);
    summary = await openRun({
      GEMINI_ARRIVALS: "poisson",
      GEMINI_RATE: "75",
      GEMINI_DURATION: "28s",
      GEMINI_PREALLOCATED_VUS: "150",
      GEMINI_MAX_VUS: "150",
    });
  }
  const seen = await measuredArrivals();
  t.diagnostic(`${seen.arrivals} arrivals, CV ${seen.cv.toFixed(3)} at the emulator, ${summary.interArrivalCv} in the summary`);
  assert.equal(summary.dropped, 0, "k6 dropped iterations twice: the machine was too busy to judge the spacing");
  assert.ok(seen.arrivals >= 2000, `only ${seen.arrivals} arrivals`);
  assert.ok(seen.cv >= 0.85 && seen.cv <= 1.15, `CV ${seen.cv} at the emulator`);
  assert.equal(summary.process, "poisson");
  assert.ok(
    summary.interArrivalCv !== null && Math.abs(summary.interArrivalCv - seen.cv) <= 0.1,
    `summary CV ${summary.interArrivalCv}, emulator ${seen.cv}`,
  );
});

test("constant arrivals: the service sees a CV below 0.1, and so does the summary", async (t) => {
  // 200 ms gaps: the emulator's own timestamps jitter by some milliseconds when the machine is busy,
  // which must not read as k6's spacing; one more try when they did, as for any timing-sensitive run.
  let summary = await openRun({ GEMINI_RATE: "5", GEMINI_DURATION: "20s", GEMINI_PREALLOCATED_VUS: "5", GEMINI_MAX_VUS: "5" });
  let seen = await measuredArrivals();
  if (seen.cv >= 0.1) {
    t.diagnostic(`CV ${seen.cv.toFixed(3)} at the emulator: once more`);
    await resetEmulator(emulator.url);
    summary = await openRun({ GEMINI_RATE: "5", GEMINI_DURATION: "20s", GEMINI_PREALLOCATED_VUS: "5", GEMINI_MAX_VUS: "5" });
    seen = await measuredArrivals();
  }
  t.diagnostic(`${seen.arrivals} arrivals, CV ${seen.cv.toFixed(3)} at the emulator, ${summary.interArrivalCv} in the summary`);
  assert.ok(seen.arrivals >= 100, `only ${seen.arrivals} arrivals`);
  assert.ok(seen.cv < 0.1, `CV ${seen.cv} at the emulator`);
  assert.equal(summary.process, "constant");
  assert.ok(summary.interArrivalCv !== null && summary.interArrivalCv < 0.1, `summary CV ${summary.interArrivalCv}`);
});
