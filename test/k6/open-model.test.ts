// The open model keeps offering its configured rate while the service is slow (the whole point of
// an arrival-rate executor), and says so with dropped_iterations when it runs out of VUs.

import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, beforeEach, test } from "node:test";
import { start } from "../../emulator/index.ts";
import {
  buildScenarios,
  emulatorSamples,
  metricValue,
  patchEmulatorConfig,
  readSummary,
  resetEmulator,
  runScenario,
  tempResultsRoot,
} from "../helpers/k6.ts";

const RATE = 20;
const DURATION_S = 10;
/** Responses take about this long, so at RATE/s roughly RATE × this many VUs are busy at once. */
const SLOW_MS = 800;

let emulator: Awaited<ReturnType<typeof start>>;
let resultsRoot: string;

before(async () => {
  await buildScenarios();
  resultsRoot = await tempResultsRoot();
  emulator = await start({ port: 0, profile: "fast", seed: 11 });
  await makeSlow(emulator.url, SLOW_MS);
});

beforeEach(async () => {
  await resetEmulator(emulator.url);
});

after(async () => {
  await emulator?.close();
  await rm(resultsRoot, { recursive: true, force: true });
});

test("constant-arrival-rate holds its configured rate within 2% while responses are slow", async (t) => {
  const run = await runOpen(40, 60);
  const summary = await readSummary(run.resultsDir);
  const starts = (await emulatorSamples(emulator.url))
    .filter((sample) => sample.method === "streamGenerateContent" || sample.method === "generateContent")
    .map((sample) => new Date(sample.startedAt).getTime())
    .sort((a, b) => a - b);

  // Arrivals as the service saw them. The rate is the slope of a least-squares line through
  // (arrival time, arrival number): every arrival counts, so one late first or last request on a
  // busy machine cannot move it much, as it would a rate taken from the first and last alone.
  const expected = RATE * DURATION_S;
  assert.ok(Math.abs(starts.length - expected) <= expected * 0.02, `${starts.length} requests arrived, expected ${expected}`);
  const achieved = arrivalRate(starts);
  const spanS = (starts.at(-1)! - starts[0]!) / 1000;
  t.diagnostic(`${starts.length} arrivals over ${spanS.toFixed(3)} s: ${achieved.toFixed(3)}/s fitted (configured ${RATE}/s)`);
  assert.ok(Math.abs(achieved - RATE) <= RATE * 0.02, `arrivals came at ${achieved.toFixed(2)}/s, configured ${RATE}/s`);

  const p50 = metricValue(summary, "http_req_duration", "med");
  assert.ok(p50 >= SLOW_MS * 0.8, `the emulator was not slow (median ${p50} ms), so the test proves nothing`);
  assert.equal(summary.metrics.dropped_iterations?.values.count ?? 0, 0, "no iteration may be dropped with enough VUs");
});

/** Arrivals per second: the least-squares slope of arrival number over arrival time (ms). */
function arrivalRate(startsMs: number[]): number {
  const n = startsMs.length;
  const meanT = startsMs.reduce((sum, t) => sum + t, 0) / n;
  const meanI = (n - 1) / 2;
  let covariance = 0;
  let variance = 0;
  startsMs.forEach((t, i) => {
    covariance += (t - meanT) * (i - meanI);
    variance += (t - meanT) ** 2;
  });
  return (covariance / variance) * 1000;
}

test("with too few VUs the open model reports dropped iterations instead of lowering the load silently", async () => {
  const run = await runOpen(2, 2);
  const summary = await readSummary(run.resultsDir);
  const dropped = metricValue(summary, "dropped_iterations", "count");
  // Two VUs finish at most 2 / 0.8 s = 2.5 requests a second of the 20 offered.
  assert.ok(dropped >= RATE * DURATION_S * 0.5, `only ${dropped} dropped iterations reported`);
  // The printed summary says so too, with the same count, next to the offered and achieved rates.
  assert.match(run.stdout, new RegExp(`offered ${RATE}\\.00 req/s, achieved [0-9.]+ req/s \\(\\d+ iterations, ${dropped} dropped\\)`));
});

/** The open scenario at RATE for DURATION_S, with the VUs it may use. */
function runOpen(preAllocatedVus: number, maxVus: number): ReturnType<typeof runScenario> {
  return runScenario({
    baseUrl: emulator.url,
    resultsRoot,
    env: {
      GEMINI_SCENARIO: "open",
      GEMINI_RATE: String(RATE),
      GEMINI_DURATION: `${DURATION_S}s`,
      GEMINI_PREALLOCATED_VUS: String(preAllocatedVus),
      GEMINI_MAX_VUS: String(maxVus),
    },
  });
}

/** Makes the default model's first token take about `ms` (a narrow lognormal), changed at run time. */
async function makeSlow(url: string, ms: number): Promise<void> {
  await patchEmulatorConfig(url, { models: { "gemini-2.5-flash": { ttftMedianMs: ms, ttftP95Ms: ms * 1.1 } } });
}
