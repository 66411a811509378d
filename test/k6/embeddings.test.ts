// scenarios/embeddings.ts with real k6 against the emulator: the same 20 texts embedded one per
// embedContent request and ten per batchEmbedContents request. Both smoke runs pass, embed every text,
// send the emulator the same tokens, and batching cuts the latency per text; a generate model is refused.

import { test } from "node:test";
import assert from "node:assert/strict";
import { runLoadTest } from "../../tools/run/run-load.ts";
import { embedBody, readEmbeddingCount } from "../../lib/embeddings.ts";
import { cleanEnv, emulatorStats, metricValue, readSummary, resetEmulator } from "../helpers/k6.ts";
import { fastEmulatorSuite } from "../helpers/k6-suite.ts";

const TEXTS = 20;
const suite = fastEmulatorSuite();

function run(env: Record<string, string>) {
  return runLoadTest({
    baseUrl: suite.url,
    profile: "fast",
    script: "dist/embeddings.js",
    build: false,
    stdio: "pipe",
    log: () => {},
    baseEnv: cleanEnv(),
    resultsRoot: suite.resultsRoot,
    env: { GEMINI_SHAPE: "smoke", GEMINI_MODEL: "gemini-embedding-001", ...env },
  });
}

test("the bodies and the reading of embedding answers", () => {
  assert.deepEqual(JSON.parse(embedBody("gemini-embedding-001", ["a"])), {
    model: "models/gemini-embedding-001",
    content: { parts: [{ text: "a" }] },
  });
  assert.equal((JSON.parse(embedBody("models/gemini-embedding-001", ["a", "b"])) as { requests: unknown[] }).requests.length, 2);
  assert.equal(readEmbeddingCount(JSON.stringify({ embedding: { values: [0.1] } })), 1);
  assert.equal(readEmbeddingCount(JSON.stringify({ embeddings: [{ values: [0.1] }, { values: [0.2] }] })), 2);
  assert.equal(readEmbeddingCount(JSON.stringify({ embeddings: [{ values: [] }] })), 0);
  assert.equal(readEmbeddingCount("not json"), 0);
});

test("ten texts per batchEmbedContents embed the same texts as one per embedContent, at a lower latency per text", async () => {
  const figures: { tokens: number; requests: number; perText: number; texts: number }[] = [];
  for (const [size, method] of [
    [1, "embedContent"],
    [10, "batchEmbedContents"],
  ] as const) {
    await resetEmulator(suite.url);
    const result = await run({ GEMINI_BATCH_SIZE: String(size), GEMINI_SMOKE_ITERATIONS: String(TEXTS / size) });
    assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
    const summary = await readSummary(result.resultsDir);
    const stats = await emulatorStats(suite.url, { method });
    figures.push({
      tokens: stats.tokens.prompt,
      requests: stats.requests.total,
      perText: metricValue(summary, "gemini_embed_latency_per_text", "avg"),
      texts: metricValue(summary, "gemini_embed_texts", "count"),
    });
  }
  const [one, ten] = figures as [(typeof figures)[0], (typeof figures)[0]];
  assert.deepEqual([one.requests, ten.requests], [TEXTS, TEXTS / 10]);
  assert.deepEqual([one.texts, ten.texts], [TEXTS, TEXTS]);
  assert.ok(one.tokens > 0 && one.tokens === ten.tokens, `tokens ${one.tokens} vs ${ten.tokens}`);
  assert.ok(ten.perText < one.perText, `latency per text ${ten.perText} ms batched vs ${one.perText} ms single`);
});

test("a generate model is refused before any request with the setting to change", async () => {
  await resetEmulator(suite.url);
  const result = await run({ GEMINI_MODEL: "gemini-2.5-flash" });
  assert.notEqual(result.exitCode, 0);
  assert.match(
    result.stdout + result.stderr,
    /embeddings needs an embedding model, got 'gemini-2\.5-flash': set GEMINI_MODEL=gemini-embedding-001/,
  );
  assert.equal((await emulatorStats(suite.url, { method: "embedContent" })).requests.total, 0);
});
