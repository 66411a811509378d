// lib/app-moderation.ts: the contract scenarios/app-moderation.ts holds a service to, and its reading
// of Server-Timing, checked against what the reference app sends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appAnswerCorrect, appRequestBody, appTimingSplit, readAppAnswer } from "../../lib/app-moderation.ts";
import { serverTiming } from "../../app/server-timing.ts";

test("a valid answer is read; each broken rule of the contract makes it invalid", () => {
  const good = { verdict: "block", categories: ["spam"], confidence: 0.9, model: "gemini-2.5-flash" };
  assert.deepEqual(readAppAnswer(JSON.stringify(good)), good);
  assert.deepEqual(readAppAnswer(JSON.stringify({ ...good, verdict: "allow", categories: [] })), {
    ...good,
    verdict: "allow",
    categories: [],
  });
  const broken: object[] = [
    { ...good, verdict: "maybe" },
    { ...good, categories: "spam" },
    { ...good, categories: ["gossip"] },
    { ...good, categories: [] },
    { ...good, verdict: "allow" },
    { ...good, categories: ["clean"] },
    { ...good, confidence: 1.5 },
    { ...good, confidence: "high" },
    { ...good, model: "" },
  ];
  for (const b of broken) assert.equal(readAppAnswer(JSON.stringify(b)), undefined, JSON.stringify(b));
  assert.equal(readAppAnswer("not json"), undefined);
  assert.equal(readAppAnswer("null"), undefined);
});

test("an answer is correct when a clean post is allowed and any other is blocked with its category", () => {
  const allow = { verdict: "allow" as const, categories: [], confidence: 1, model: "m" };
  const spam = { verdict: "block" as const, categories: ["spam" as const], confidence: 1, model: "m" };
  assert.equal(appAnswerCorrect(allow, "clean"), true);
  assert.equal(appAnswerCorrect(spam, "spam"), true);
  assert.equal(appAnswerCorrect(spam, "hate"), false);
  assert.equal(appAnswerCorrect(allow, "spam"), false);
  assert.equal(appAnswerCorrect(spam, "clean"), false);
});

test("the request body is the post as JSON text", () => {
  assert.deepEqual(JSON.parse(appRequestBody('say "hi"\n')), { text: 'say "hi"\n' });
});

test("the split reads the reference app's header: queue, model, total, overhead = total − queue − model, upstream", () => {
  const header = serverTiming({
    queueMs: 120,
    attempts: [
      { upstream: "gemini-2.5-flash@k1", ms: 300, result: "503" },
      { upstream: "gemini-2.5-flash-lite@k1", ms: 200, result: "ok" },
    ],
    modelMs: 500,
    retryWaitMs: 0,
    parseMs: 0.5,
    totalMs: 640,
    upstream: "gemini-2.5-flash-lite@k1",
  });
  const split = appTimingSplit(header);
  assert.deepEqual(split, { queueMs: 120, modelMs: 500, totalMs: 640, overheadMs: 20, upstream: "gemini-2.5-flash-lite@k1" });
});

test("the split takes any service's Server-Timing: missing parts stay undefined, other entries and bad values are ignored", () => {
  assert.deepEqual(appTimingSplit(undefined), {
    queueMs: undefined,
    modelMs: undefined,
    totalMs: undefined,
    overheadMs: undefined,
    upstream: undefined,
  });
  const other = appTimingSplit('db;dur=5, model;dur=40;desc="llm", total;dur=55, cache;desc=hit, queue;dur=abc');
  assert.deepEqual(other, { queueMs: undefined, modelMs: 40, totalMs: 55, overheadMs: 15, upstream: undefined });
  assert.equal(appTimingSplit("model;dur=80, total;dur=50").overheadMs, 0, "never below zero");
});
