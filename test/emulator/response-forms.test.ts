// Response details that differ by model generation and stream form, and where a mid-stream fault lands.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { OVERLOADED_MESSAGES } from "../helpers/conformance.ts";
import { countTextTokens } from "../../emulator/src/tokens.ts";
import { startEmulator, postJson, type TestEmulator } from "../helpers/emulator.ts";

const OVERLOADED_2026 = OVERLOADED_MESSAGES[1];

let emu: TestEmulator;
before(async () => {
  emu = await startEmulator({ profile: "zero-latency" });
});
after(() => emu.close());

type Candidate = Record<string, unknown>;
const twoCandidates = {
  contents: [{ parts: [{ text: "tell me a story" }] }],
  generationConfig: { candidateCount: 2, maxOutputTokens: 200 },
};

function candidatesOf(body: unknown): Candidate[] {
  return ((body as { candidates?: Candidate[] }).candidates ?? []) as Candidate[];
}

test("Gemini 2.0: avgLogprobs on whole answers only, never on streamed chunks", async () => {
  const whole = await postJson(emu.url, "/v1beta/models/gemini-2.0-flash:generateContent", twoCandidates);
  assert.equal(whole.status, 200);
  for (const c of candidatesOf(whole.json)) assert.equal(typeof c.avgLogprobs, "number");
  const streamed = await postJson(emu.url, "/v1beta/models/gemini-2.0-flash:streamGenerateContent", twoCandidates);
  const chunks = streamed.json as unknown[];
  assert.ok(chunks.length > 1);
  for (const chunk of chunks) for (const c of candidatesOf(chunk)) assert.equal("avgLogprobs" in c, false, JSON.stringify(c));
});

test("Gemini 2.0 streams chunks that grow (1, 3, 16, 24 … tokens), 2.5 streams 4 then about 24", async () => {
  const long = { contents: [{ parts: [{ text: "tell me a long story" }] }], generationConfig: { maxOutputTokens: 400 } };
  const sizes = async (model: string, thinkingConfig?: object): Promise<number[]> => {
    const body = thinkingConfig ? { ...long, generationConfig: { ...long.generationConfig, thinkingConfig } } : long;
    const streamed = await postJson(emu.url, `/v1beta/models/${model}:streamGenerateContent`, body);
    assert.equal(streamed.status, 200, streamed.text);
    const texts = (streamed.json as unknown[]).map((chunk) =>
      candidatesOf(chunk)
        .flatMap((c) => (c.content as { parts?: Array<{ text?: string; thought?: boolean }> } | undefined)?.parts ?? [])
        .filter((p) => !p.thought)
        .map((p) => p.text ?? "")
        .join(""),
    );
    return texts.map(countTextTokens);
  };
  const old = await sizes("gemini-2.0-flash");
  assert.ok(old.length >= 4, JSON.stringify(old));
  // Each chunk closes at the first word boundary at or past its target, so a long word may add a token or two.
  const near = (actual: number | undefined, target: number): boolean => actual !== undefined && actual >= target && actual <= target + 3;
  assert.ok(near(old[0], 1) && near(old[1], 3) && near(old[2], 16), JSON.stringify(old));
  // Without thinking, so that the thoughts cannot use up the output budget.
  const current = await sizes("gemini-2.5-flash", { thinkingBudget: 0 });
  assert.ok(current.length >= 3, JSON.stringify(current));
  assert.ok(near(current[0], 4) && near(current[1], 24), JSON.stringify(current));
});

test("Gemini 2.0: index omitted for candidate 0 only (proto3 default), present for the others", async () => {
  for (const method of ["generateContent", "streamGenerateContent"]) {
    const response = await postJson(emu.url, `/v1beta/models/gemini-2.0-flash:${method}`, twoCandidates);
    const bodies = method === "generateContent" ? [response.json] : (response.json as unknown[]);
    for (const body of bodies) {
      const [first, second] = candidatesOf(body);
      assert.equal(first && "index" in first, false, `${method}: ${JSON.stringify(first)}`);
      assert.equal(second?.index, 1, `${method}: ${JSON.stringify(second)}`);
    }
  }
});

test("a mid-stream fault on a one-chunk stream never follows the chunk that carries finishReason", async () => {
  const oneWord = {
    contents: [{ parts: [{ text: "yes or no?" }] }],
    generationConfig: { responseMimeType: "text/x.enum", responseSchema: { type: "STRING", enum: ["yes"] } },
  };
  const path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent";
  const healthy = await postJson(emu.url, path, oneWord);
  assert.equal((healthy.json as unknown[]).length, 1, "the answer should be a single chunk");
  await emu.admin.patchConfig({ faults: { midStreamError: { rate: 1, status: 503 } } });
  try {
    const array = await postJson(emu.url, path, oneWord);
    assert.equal(array.status, 200);
    const items = array.json as Array<Record<string, unknown>>;
    assert.equal(
      items.some((item) => candidatesOf(item).some((c) => "finishReason" in c)),
      false,
      array.text,
    );
    assert.deepEqual(items.at(-1), { error: { code: 503, message: OVERLOADED_2026, status: "UNAVAILABLE" } });
    const sse = await postJson(emu.url, `${path}?alt=sse`, oneWord);
    assert.equal(sse.status, 200);
    assert.equal(sse.text.includes("finishReason"), false, sse.text);
    assert.equal((JSON.parse(sse.text) as { error: { code: number } }).error.code, 503);
  } finally {
    await emu.admin.patchConfig({ faults: { midStreamError: { rate: 0 } } });
  }
});
