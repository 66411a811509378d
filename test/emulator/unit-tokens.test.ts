// Unit tests of the one token-count approximation and of chunking that keeps counts additive.
import { test } from "node:test";
import assert from "node:assert/strict";
import { countTextTokens, countRequestTokens } from "../../emulator/src/tokens.ts";
import { chunkText, tokenUnits } from "../../emulator/src/content.ts";
import { Rng } from "../../emulator/src/random.ts";

test("word runs cost ceil(len/4), symbols one, spaces nothing, line-break runs one", () => {
  assert.equal(countTextTokens(""), 0);
  assert.equal(countTextTokens("why is the sky blue?"), 6);
  assert.equal(countTextTokens("abcd"), 1);
  assert.equal(countTextTokens("abcde"), 2);
  assert.equal(countTextTokens("a\n\n\nb"), 3);
  assert.equal(countTextTokens("{\"a\": 1}"), 7);
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
  const alphabet = ["word", " ", "\n", ",", "longerword", "x", "  ", "{", "\"", "é", "😀", "\n\n"];
  for (let trial = 0; trial < 300; trial++) {
    let text = "";
    const n = rng.int(0, 80);
    for (let i = 0; i < n; i++) text += rng.pick(alphabet);
    const whole = countTextTokens(text);
    const units = tokenUnits(text);
    assert.equal(units.tokens.reduce((a, b) => a + b, 0), whole, `units of ${JSON.stringify(text)}`);
    const full = chunkText(text, Number.MAX_SAFE_INTEGER, rng.int(1, 10), rng.int(1, 5));
    assert.equal(full.chunks.join(""), text);
    assert.equal(full.truncated, false);
    assert.deepEqual(full.chunks.map(countTextTokens), full.chunkTokens);
    const budget = rng.int(0, whole);
    const cut = chunkText(text, budget, 3, 1);
    const used = cut.chunkTokens.reduce((a, b) => a + b, 0);
    assert.ok(used <= budget);
    assert.equal(countTextTokens(cut.chunks.join("")), used);
    assert.equal(cut.truncated, used < whole && budget < whole);
  }
});
