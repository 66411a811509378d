// Unit tests of the one token-count approximation and of chunking that keeps counts additive.
import { test } from "node:test";
import assert from "node:assert/strict";
import { countTextTokens, countRequestTokens } from "../../emulator/src/tokens.ts";
import { EVEN_CHUNKS, GROWING_CHUNKS, chunkText, tokenUnits } from "../../emulator/src/content.ts";
import { Rng } from "../../emulator/src/random.ts";

test("word runs cost ceil(len/4), symbols one, spaces nothing, line-break runs one", () => {
  assert.equal(countTextTokens(""), 0);
  assert.equal(countTextTokens("why is the sky blue?"), 6);
  assert.equal(countTextTokens("abcd"), 1);
  assert.equal(countTextTokens("abcde"), 2);
  assert.equal(countTextTokens("a\n\n\nb"), 3);
  assert.equal(countTextTokens('{"a": 1}'), 7);
  assert.equal(countTextTokens("日本"), 2);
  assert.equal(countTextTokens("😀"), 1);
});

test("request tokens count contents, system instruction and media parts", () => {
  const tokens = countRequestTokens({
    systemInstruction: { parts: [{ text: "be brief" }] },
    contents: [{ role: "user", parts: [{ text: "hello world" }, { inlineData: { mimeType: "image/png", data: "AAAA" } }] }],
  });
  // "be brief" = 1 + 2, "hello world" = 2 + 2, one image = 258.
  assert.equal(tokens, 3 + 4 + 258);
});

test("chunks of random texts add up to the count of the whole, and truncation respects the budget", () => {
  const rng = new Rng(99);
  const alphabet = ["word", " ", "\n", ",", "longerword", "x", "  ", "{", '"', "é", "😀", "\n\n"];
  for (let trial = 0; trial < 300; trial++) {
    let text = "";
    const n = rng.int(0, 80);
    for (let i = 0; i < n; i++) text += rng.pick(alphabet);
    const whole = countTextTokens(text);
    const units = tokenUnits(text);
    assert.equal(
      units.tokens.reduce((a, b) => a + b, 0),
      whole,
      `units of ${JSON.stringify(text)}`,
    );
    const [first, size] = [rng.int(1, 5), rng.int(1, 10)];
    const full = chunkText(text, Number.MAX_SAFE_INTEGER, (k) => (k === 0 ? first : size));
    assert.equal(full.chunks.join(""), text);
    assert.equal(full.truncated, false);
    assert.deepEqual(full.chunks.map(countTextTokens), full.chunkTokens);
    const budget = rng.int(0, whole);
    const cut = chunkText(text, budget, trial % 2 === 0 ? GROWING_CHUNKS : (k) => (k === 0 ? 1 : 3));
    const used = cut.chunkTokens.reduce((a, b) => a + b, 0);
    assert.ok(used <= budget);
    assert.equal(countTextTokens(cut.chunks.join("")), used);
    assert.equal(cut.truncated, used < whole && budget < whole);
  }
});

test("chunk schedules: 2.0 models grow 1, 3, 16, 24 … up to 80 tokens; others 4 then 24", () => {
  assert.deepEqual(
    Array.from({ length: 14 }, (_, k) => GROWING_CHUNKS(k)),
    [1, 3, 16, 24, 32, 40, 48, 56, 64, 72, 80, 80, 80, 80],
  );
  assert.deepEqual([0, 1, 2, 9].map(EVEN_CHUNKS), [4, 24, 24, 24]);
  // A 377-token answer (the recorded Chats stream) comes out in about as many chunks as the service sent (11).
  const text = "word ".repeat(377);
  const { chunkTokens } = chunkText(text, Number.MAX_SAFE_INTEGER, GROWING_CHUNKS);
  assert.deepEqual(chunkTokens, [1, 3, 16, 24, 32, 40, 48, 56, 64, 72, 21]);
});
