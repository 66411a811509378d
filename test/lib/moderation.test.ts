// Unit tests for lib/moderation.ts and the labeled data set it reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  CATEGORIES,
  jsonStringContent,
  moderationBodyBuilder,
  moderationRequest,
  parseVerdict,
  readVerdict,
  SYSTEM_INSTRUCTION,
  validatePosts,
  VERDICT_SCHEMA,
} from "../../lib/moderation.ts";

const POSTS_FILE = new URL("../../data/moderation-posts.json", import.meta.url);

test("the request asks for JSON that follows the verdict schema, with the post in the user turn", () => {
  const request = moderationRequest("Buy followers cheap!!!");
  assert.equal(request.generationConfig?.responseMimeType, "application/json");
  assert.deepEqual(request.generationConfig?.responseSchema, VERDICT_SCHEMA);
  assert.deepEqual(VERDICT_SCHEMA.properties?.verdict?.enum, [...CATEGORIES]);
  assert.deepEqual(VERDICT_SCHEMA.required, ["verdict", "confidence", "reason"]);
  assert.equal(request.systemInstruction?.parts?.[0]?.text, SYSTEM_INSTRUCTION);
  assert.match(request.contents[0]?.parts?.[0]?.text ?? "", /Buy followers cheap!!!$/);
  assert.equal(request.generationConfig?.maxOutputTokens, undefined);
  assert.equal(request.generationConfig?.thinkingConfig, undefined);
});

test("output and thinking limits are sent only when configured", () => {
  const request = moderationRequest("hi", { maxOutputTokens: 128, thinkingBudget: 0 });
  assert.equal(request.generationConfig?.maxOutputTokens, 128);
  assert.deepEqual(request.generationConfig?.thinkingConfig, { thinkingBudget: 0 });
});

test("a conforming verdict is accepted", () => {
  assert.deepEqual(parseVerdict('{"verdict":"spam","confidence":0.93,"reason":"link bait"}'), {
    valid: true,
    verdict: { verdict: "spam", confidence: 0.93, reason: "link bait" },
  });
});

test("anything off-schema is invalid, with the reason", () => {
  const cases: Array<[string, RegExp]> = [
    ["not json", /not JSON/],
    ["[1]", /not a JSON object/],
    ['{"verdict":"rude","confidence":0.5,"reason":"x"}', /verdict is not one of the categories/],
    ['{"verdict":"Spam","confidence":0.5,"reason":"x"}', /verdict is not one of the categories/],
    ['{"verdict":"constructor","confidence":0.5,"reason":"x"}', /verdict is not one of the categories/],
    ['{"verdict":"__proto__","confidence":0.5,"reason":"x"}', /verdict is not one of the categories/],
    ['{"verdict":"toString","confidence":0.5,"reason":"x"}', /verdict is not one of the categories/],
    ['{"verdict":1,"confidence":0.5,"reason":"x"}', /verdict is not one of the categories/],
    ['{"verdict":"spam","confidence":1.5,"reason":"x"}', /confidence/],
    ['{"verdict":"spam","confidence":"high","reason":"x"}', /confidence/],
    ['{"verdict":"spam","confidence":0.5}', /reason/],
    ['{"verdict":"spam","confidence":0.5,"reason":"x","extra":1}', /unexpected field extra/],
  ];
  for (const [text, problem] of cases) {
    const result = parseVerdict(text);
    assert.equal(result.valid, false, text);
    if (!result.valid) assert.match(result.problem, problem, text);
  }
});

test("the data set has 300–400 unique posts, every category well represented, short and long", () => {
  const posts = validatePosts(JSON.parse(readFileSync(POSTS_FILE, "utf8")));
  assert.ok(posts.length >= 300 && posts.length <= 400, `${posts.length} posts`);
  assert.equal(new Set(posts.map((p) => p.id)).size, posts.length, "ids must be unique");
  assert.equal(new Set(posts.map((p) => p.text)).size, posts.length, "texts must be unique");
  for (const category of CATEGORIES) {
    const count = posts.filter((p) => p.label === category).length;
    assert.ok(count >= 40, `${category}: ${count} posts`);
  }
  const words = posts.map((p) => p.text.split(/\s+/).length);
  assert.ok(Math.min(...words) <= 8, "some posts should be a few words");
  assert.ok(Math.max(...words) >= 35, "some posts should be a few sentences");
  // The first 30 posts mix categories, so a short run still sees most of them.
  assert.ok(new Set(posts.slice(0, 30).map((p) => p.label)).size >= 5);
});

test("a malformed data set is refused with the entry named", () => {
  assert.throws(() => validatePosts([]), /non-empty array/);
  assert.throws(
    () =>
      validatePosts([
        { id: "a", text: "x", label: "clean" },
        { id: "b", text: "y", label: "rude" },
      ]),
    /entry 1/,
  );
});

test("the fast body builder produces exactly the JSON of moderationRequest, for any post text", () => {
  const texts = [
    "plain",
    'quotes " and \\ backslash',
    "new\nline\ttab",
    "emoji 🔥 and ünïcödé",
    "\u0000post\u0000 marker lookalike",
    "</script>",
  ];
  for (const options of [{}, { maxOutputTokens: 64, thinkingBudget: 0 }]) {
    const build = moderationBodyBuilder(options);
    for (const text of texts) assert.equal(build(text), JSON.stringify(moderationRequest(text, options)), text);
    // The scenario passes each post's escaped text, kept per VU, to spare the stringify on repeats.
    for (const text of texts) assert.equal(build(text, jsonStringContent(text)), JSON.stringify(moderationRequest(text, options)), text);
  }
});

test("readVerdict, the per-request form, accepts exactly what parseVerdict accepts", () => {
  const answers = [
    '{"verdict":"spam","confidence":0.93,"reason":"link bait"}',
    '{"reason":"r","verdict":"clean","confidence":0}',
    '{"verdict":"spam","confidence":0.93}',
    '{"verdict":"spam","confidence":0.93,"reason":"x","extra":1}',
    '{"verdict":"toxic","confidence":0.5,"reason":"x"}',
    '{"verdict":"spam","confidence":1.5,"reason":"x"}',
    '["spam"]',
    "not json",
  ];
  for (const text of answers) {
    const full = parseVerdict(text);
    assert.deepEqual(readVerdict(text), full.valid ? full.verdict : undefined, text);
  }
  assert.equal(readVerdict(answers[0] as string)?.verdict, "spam");
});
