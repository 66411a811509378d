// lib/moderation-batch.ts: N posts as N parts under an array-of-verdicts schema, and its strict reading;
// the emulator answers such a request with each post's own verdict, in order.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { moderationBatchRequest, readVerdicts } from "../../lib/moderation-batch.ts";
import type { LabeledPost } from "../../lib/moderation.ts";
import { postJson, startEmulator, type TestEmulator } from "../helpers/emulator.ts";

const posts = JSON.parse(readFileSync(new URL("../../data/moderation-posts.json", import.meta.url), "utf8")) as LabeledPost[];

let emulator: TestEmulator;
before(async () => {
  emulator = await startEmulator({ profile: "zero-latency" });
});
after(async () => {
  await emulator?.close();
});

test("the body holds one part per post and asks for exactly that many verdicts", () => {
  const body = moderationBatchRequest(["a", "b", "c"], { maxOutputTokens: 100, thinkingBudget: 0 });
  assert.deepEqual(
    body.contents[0]?.parts?.map((p) => p.text),
    ["a", "b", "c"],
  );
  const config = body.generationConfig as Record<string, unknown>;
  assert.equal(config.maxOutputTokens, 300);
  assert.deepEqual(config.thinkingConfig, { thinkingBudget: 0 });
  const schema = config.responseSchema as Record<string, unknown>;
  assert.equal(schema.type, "ARRAY");
  assert.equal(schema.minItems, "3");
  assert.equal(schema.maxItems, "3");
});

test("readVerdicts accepts exactly n valid verdicts", () => {
  const v = { verdict: "spam", confidence: 0.9, reason: "r" };
  assert.deepEqual(readVerdicts(JSON.stringify([v, v]), 2), [v, v]);
  assert.equal(readVerdicts(JSON.stringify([v]), 2), undefined);
  assert.equal(readVerdicts(JSON.stringify([v, { ...v, verdict: "rude" }]), 2), undefined);
  assert.equal(readVerdicts("{", 2), undefined);
  assert.equal(readVerdicts(JSON.stringify(v), 1), undefined);
});

test("the emulator gives each post of a batch its own verdict, in order", async () => {
  // One post of each label, so a single verdict for the whole batch could not match them all.
  const picked = ["clean", "hate", "harassment", "violence", "spam", "self_harm"].map(
    (label) => posts.find((p) => p.label === label) as LabeledPost,
  );
  const answer = await postJson(
    emulator.url,
    "/v1beta/models/gemini-2.5-flash:generateContent",
    moderationBatchRequest(picked.map((p) => p.text)),
  );
  assert.equal(answer.status, 200, answer.text);
  const text =
    (answer.json as { candidates: { content: { parts: { text: string }[] } }[] }).candidates[0]?.content.parts.at(-1)?.text ?? "";
  const verdicts = readVerdicts(text, picked.length);
  assert.ok(verdicts, text);
  const labels = picked.map((p) => p.label);
  const agree = verdicts.filter((v, i) => v.verdict === labels[i]).length;
  // The lexicon gets most posts of the data set right; per-post verdicts must follow each post.
  assert.ok(agree >= 5, `verdicts ${verdicts.map((v) => v.verdict).join(",")} vs labels ${labels.join(",")}`);
});
