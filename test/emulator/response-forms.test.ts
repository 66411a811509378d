// Response details that differ by model generation and stream form, and where a mid-stream fault lands.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, postJson, type TestEmulator } from "../helpers/emulator.ts";

let emu: TestEmulator;
before(async () => {
  emu = await startEmulator({ profile: "zero-latency" });
});
after(() => emu.close());

type Candidate = Record<string, unknown>;
const twoCandidates = { contents: [{ parts: [{ text: "tell me a story" }] }], generationConfig: { candidateCount: 2, maxOutputTokens: 200 } };

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
    assert.equal(items.some((item) => candidatesOf(item).some((c) => "finishReason" in c)), false, array.text);
    assert.deepEqual(items.at(-1), { error: { code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" } });
    const sse = await postJson(emu.url, `${path}?alt=sse`, oneWord);
    assert.equal(sse.status, 200);
    assert.equal(sse.text.includes("finishReason"), false, sse.text);
    assert.equal((JSON.parse(sse.text) as { error: { code: number } }).error.code, 503);
  } finally {
    await emu.admin.patchConfig({ faults: { midStreamError: { rate: 0 } } });
  }
});
