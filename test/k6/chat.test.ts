// scenarios/chat.ts with real k6 against the emulator: one VU holds two conversations of three streamed
// turns. Each turn sends the whole history under the system instruction, the prompt tokens per turn grow
// with it and match the emulator's counts, and TTFT and thinking tokens are recorded.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { start } from "../../emulator/index.ts";
import { runLoadTest } from "../../tools/run/run-load.ts";
import { Conversation } from "../../lib/chat.ts";
import { buildScenarios, cleanEnv, emulatorSamples, metricValue, readSummary, resetEmulator, tempResultsRoot } from "../helpers/k6.ts";
import { emulatorAdmin } from "../../emulator/client.ts";

let emulator: Awaited<ReturnType<typeof start>>;
let resultsRoot: string;
before(async () => {
  await buildScenarios();
  emulator = await start({ port: 0, profile: "fast", config: { requestLog: true } });
  resultsRoot = await tempResultsRoot();
});
after(async () => {
  await emulator?.close();
  await rm(resultsRoot, { recursive: true, force: true });
});

test("a conversation sends its history and starts again after its last turn", () => {
  const c = new Conversation(2, 0);
  const first = JSON.parse(c.nextRequest(undefined)) as { contents: unknown[]; systemInstruction: unknown };
  assert.equal(first.contents.length, 1);
  assert.ok(first.systemInstruction);
  c.answered("answer one");
  const second = JSON.parse(c.nextRequest({ maxOutputTokens: 10 })) as { contents: { role: string }[]; generationConfig: unknown };
  assert.deepEqual(
    second.contents.map((x) => x.role),
    ["user", "model", "user"],
  );
  assert.deepEqual(second.generationConfig, { maxOutputTokens: 10 });
  c.answered("answer two");
  assert.equal(c.nextTurn, 1);
  assert.equal((JSON.parse(c.nextRequest(undefined)) as { contents: unknown[] }).contents.length, 1);
});

test("three streamed turns per conversation: history sent, prompt tokens per turn growing and matching the emulator", async () => {
  await resetEmulator(emulator.url);
  const result = await runLoadTest({
    baseUrl: emulator.url,
    profile: "fast",
    script: "dist/chat.js",
    build: false,
    stdio: "pipe",
    log: () => {},
    baseEnv: cleanEnv(),
    resultsRoot,
    env: { GEMINI_SHAPE: "smoke", GEMINI_SMOKE_ITERATIONS: "6", GEMINI_CHAT_TURNS: "3" },
  });
  assert.equal(result.exitCode, 0, `${result.stdout}\n${result.stderr}`);
  const summary = await readSummary(result.resultsDir);
  const samples = (await emulatorSamples(emulator.url)).filter((s) => s.method === "streamGenerateContent");
  assert.equal(samples.length, 6);
  const perTurn = [1, 2, 3].map((t) => metricValue(summary, `gemini_chat_prompt_tokens{turn:${t}}`, "avg"));
  const [one, two, three] = perTurn as [number, number, number];
  assert.ok(one < two && two < three, `prompt tokens per turn ${perTurn.join(", ")}`);
  for (const [i, turnAvg] of perTurn.entries()) {
    const truth = ((samples[i]?.promptTokens ?? 0) + (samples[i + 3]?.promptTokens ?? 0)) / 2;
    assert.equal(turnAvg, truth, `turn ${i + 1}`);
  }
  const logged = (await emulatorAdmin(emulator.url).requests()).filter((r) => r.path.endsWith(":streamGenerateContent"));
  assert.deepEqual(
    logged.map((r) => (r.body as { contents: unknown[] }).contents.length),
    [1, 3, 5, 1, 3, 5],
  );
  assert.equal(metricValue(summary, "gemini_ttft", "count"), 6);
  assert.ok(metricValue(summary, "gemini_thinking_tokens", "count") > 0);
  assert.ok(metricValue(summary, "gemini_tokens_per_second", "avg") > 0);
});
