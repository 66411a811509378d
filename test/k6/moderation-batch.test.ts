// scenarios/moderation-batch.ts with real k6 against the emulator: the same 50 posts sent one per
// request (its unbatched twin, GEMINI_BATCH_SIZE=1) and five per request. Each smoke run passes, every
// post gets its own verdict (the same accuracy both ways), the per-post cost agrees with the emulator's
// token counts, and batching cuts the cost per post, though not to 1/N: the verdicts are output per post.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runLoadTest } from "../../tools/run/run-load.ts";
import { cleanEnv, emulatorStats, metricValue, readSummary, resetEmulator, type SummaryFile } from "../helpers/k6.ts";
import { fastEmulatorSuite } from "../helpers/k6-suite.ts";

const POSTS = 50;
const prices = JSON.parse(readFileSync(new URL("../../data/prices.json", import.meta.url), "utf8")) as {
  models: Record<string, { input: number; output: number }>;
};
const flash = prices.models["gemini-2.5-flash"] as { input: number; output: number };

const suite = fastEmulatorSuite();

/** A smoke run over the first 50 posts, `size` per request; its summary and the emulator's cost per post. */
async function run(size: number): Promise<{ summary: SummaryFile; truthCostPerPost: number; requests: number }> {
  await resetEmulator(suite.url);
  const result = await runLoadTest({
    baseUrl: suite.url,
    profile: "fast",
    script: "dist/moderation-batch.js",
    build: false,
    stdio: "pipe",
    log: () => {},
    baseEnv: cleanEnv(),
    resultsRoot: suite.resultsRoot,
    env: { GEMINI_SHAPE: "smoke", GEMINI_SMOKE_ITERATIONS: String(POSTS / size), GEMINI_BATCH_SIZE: String(size), GEMINI_STREAM: "false" },
  });
  assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
  const stats = await emulatorStats(suite.url, { method: "generateContent" });
  const truthCost = (stats.tokens.prompt * flash.input + (stats.tokens.output + stats.tokens.thoughts) * flash.output) / 1_000_000;
  return { summary: await readSummary(result.resultsDir), truthCostPerPost: truthCost / POSTS, requests: stats.requests.total };
}

test("five posts per request: one verdict each, the same accuracy as one per request, and a lower cost per post", async () => {
  const one = await run(1);
  const five = await run(5);
  assert.equal(one.requests, POSTS);
  assert.equal(five.requests, POSTS / 5);
  for (const r of [one, five]) {
    assert.equal(metricValue(r.summary, "gemini_batch_posts", "count"), POSTS);
    // Every post's verdict was read (50 accuracy samples), and the k6 figure matches the emulator's tokens.
    assert.equal(metricValue(r.summary, "gemini_latency_per_post", "count"), POSTS / (r === one ? 1 : 5));
    const costPerPost = metricValue(r.summary, "gemini_cost_per_post_usd", "avg");
    assert.ok(Math.abs(costPerPost - r.truthCostPerPost) / r.truthCostPerPost < 0.05, `${costPerPost} vs ${r.truthCostPerPost}`);
  }
  assert.equal(
    metricValue(five.summary, "gemini_moderation_correct", "rate"),
    metricValue(one.summary, "gemini_moderation_correct", "rate"),
    "per-post accuracy differs between one and five posts per request",
  );
  const ratio = metricValue(five.summary, "gemini_cost_per_post_usd", "avg") / metricValue(one.summary, "gemini_cost_per_post_usd", "avg");
  // Not 1/5: each post's verdict is still output billed per post; the instruction, schema and thinking are
  // what five posts share (with a realistic ~300 thinking tokens a request the ratio comes closer to 1/N).
  assert.ok(ratio > 1 / 5 && ratio < 0.75, `five per request cost ${ratio.toFixed(2)} of one per request, per post`);
  const perRequestOne = metricValue(one.summary, "gemini_request_duration", "avg");
  const perPostFive = metricValue(five.summary, "gemini_latency_per_post", "avg");
  assert.ok(perPostFive < perRequestOne, `latency per post ${perPostFive} ms batched vs ${perRequestOne} ms single`);
});
