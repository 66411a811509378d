// The instrumentation floor of `npm run bench:k6` stands for "what dist/moderation.js records per
// answer, without reading it". That claim is checked here with real k6 against the emulator: per
// iteration, the floor must emit the same gemini_ samples and check samples as the moderation script
// does for its successful streamed verdicts, so the bench's floor ratio cannot drift from the script.

import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ensureK6 } from "../../tools/setup/k6.ts";
import { REPO_ROOT } from "../../tools/paths.ts";
import { runCaptured } from "../helpers/exec.ts";
import { cleanEnv, emulatorStats, resetEmulator, useScenarioRig } from "../helpers/k6.ts";

const MODEL = "gemini-2.5-flash";
/** The settings the bench gives every script: the emulator, the model and a short closed load. */
const benchEnv = (url: string) => ({
  GEMINI_BASE_URL: url,
  GEMINI_MODEL: MODEL,
  GEMINI_SCENARIO: "closed",
  GEMINI_VUS: "2",
  GEMINI_DURATION: "3s",
});

const rig = useScenarioRig();

interface Samples {
  /** Samples per metric name. */
  counts: Map<string, number>;
  /** The tag names each metric's samples carried, as sorted comma-joined sets. */
  tagNames: Map<string, Set<string>>;
}

/** What a k6 `--out json` file holds, per metric. */
async function readSamples(file: string): Promise<Samples> {
  const counts = new Map<string, number>();
  const tagNames = new Map<string, Set<string>>();
  for (const line of (await readFile(file, "utf8")).split("\n")) {
    if (line === "") continue;
    const entry = JSON.parse(line) as { type: string; metric: string; data: { tags?: Record<string, string> } };
    if (entry.type !== "Point") continue;
    counts.set(entry.metric, (counts.get(entry.metric) ?? 0) + 1);
    const names = Object.keys(entry.data.tags ?? {})
      .sort()
      .join(",");
    tagNames.set(entry.metric, (tagNames.get(entry.metric) ?? new Set()).add(names));
  }
  return { counts, tagNames };
}

/** Runs `script` with k6 writing every sample to a JSON file; returns what it recorded per metric. */
async function runWithSamples(script: string, env: Record<string, string>, work: string, name: string): Promise<Samples> {
  const k6 = await ensureK6({ log: () => {} });
  const out = path.join(work, `${name}.jsonl`);
  const run = await runCaptured(k6, ["run", "--quiet", "--summary-mode=disabled", `--out=json=${out}`, script], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv(), ...env },
    timeoutMs: 120_000,
  });
  assert.equal(run.code, 0, `k6 on ${name} failed (exit ${run.code}):\n${run.stderr.slice(-2000)}`);
  return readSamples(out);
}

const recorded = (metric: string) => metric.startsWith("gemini_") || metric === "checks";

/** Samples of every gemini_ metric and of `checks`, per iteration. */
function perIteration({ counts }: Samples): Record<string, number> {
  const iterations = counts.get("iterations") ?? 0;
  assert.ok(iterations > 20, `too few iterations to compare (${iterations})`);
  const rates: Record<string, number> = {};
  for (const [metric, count] of counts) {
    if (recorded(metric)) rates[metric] = count / iterations;
  }
  return rates;
}

test("the bench's instrumentation floor records per answer what dist/moderation.js records", async () => {
  const work = await mkdtemp(path.join(tmpdir(), "gemini-k6-floor-"));
  try {
    const url = rig.emulator.url;
    const floorSamples = await runWithSamples("dist/bench/instrumentation-floor.js", benchEnv(url), work, "floor");
    const floor = perIteration(floorSamples);

    await resetEmulator(url);
    const moderationSamples = await runWithSamples(
      "dist/moderation.js",
      { ...benchEnv(url), GEMINI_RESULTS_DIR: work },
      work,
      "moderation",
    );
    const moderation = perIteration(moderationSamples);
    // The comparison holds for answers that were plain successes: a failure or a blocked answer
    // records other samples, and the emulator's fast profile injects none.
    const stats = await emulatorStats(url);
    assert.equal(stats.requests.byStatus["200"], stats.requests.total, "the emulator answered something other than 200");

    assert.deepEqual(Object.keys(floor).sort(), Object.keys(moderation).sort(), "the two scripts record different metrics");
    for (const [metric, rate] of Object.entries(moderation)) {
      assert.ok(
        Math.abs((floor[metric] ?? 0) - rate) <= 0.02,
        `${metric}: the floor records ${floor[metric]?.toFixed(3)} samples per iteration, dist/moderation.js ${rate.toFixed(3)}`,
      );
    }
    // The same tags on every sample (each one a cost in k6): the run's, the scenario's, the checks' and the labels'.
    for (const [metric, names] of moderationSamples.tagNames) {
      if (recorded(metric)) assert.deepEqual([...(floorSamples.tagNames.get(metric) ?? [])].sort(), [...names].sort(), `tags of ${metric}`);
    }
    // Twelve gemini_ samples and three check samples per answer, as docs/benchmarks.md states.
    const geminiSamples = Object.entries(floor)
      .filter(([metric]) => metric.startsWith("gemini_"))
      .reduce((sum, [, rate]) => sum + rate, 0);
    assert.equal(geminiSamples, 12);
    assert.equal(floor.checks, 3);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
