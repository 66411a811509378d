// Enums given by name or by number (proto3 JSON accepts both; the legacy Python SDK's REST transport
// sends numbers) mean the same everywhere, and `$alt=json;enum-encoding=int` answers enums as numbers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, postJson, type TestEmulator } from "../helpers/emulator.ts";

let emu: TestEmulator;
before(async () => {
  emu = await startEmulator({ profile: "zero-latency" });
});
after(() => emu.close());

const generate = "/v1beta/models/gemini-2.5-flash:generateContent";
const stream = "/v1beta/models/gemini-2.5-flash:streamGenerateContent";

type Json = Record<string, unknown>;

/** A request using every enum the emulator reads, written with names or with numbers. */
function request(numbers: boolean, text = "Describe a measurement."): Json {
  const e = (name: string, n: number): string | number => (numbers ? n : name);
  const schema = {
    type: e("OBJECT", 6),
    properties: {
      n: { type: e("NUMBER", 2) },
      i: { type: e("INTEGER", 3), minimum: 1, maximum: 9 },
      b: { type: e("BOOLEAN", 4) },
      tags: { type: e("ARRAY", 5), items: { type: e("STRING", 1) }, minItems: 2 },
      nested: { type: e("OBJECT", 6), properties: { x: { type: e("NUMBER", 2) }, ok: { type: e("BOOLEAN", 4) } }, required: ["x", "ok"] },
      either: { anyOf: [{ type: e("INTEGER", 3) }] },
    },
    required: ["n", "i", "b", "tags", "nested", "either"],
  };
  return {
    contents: [{ role: "user", parts: [{ text }] }],
    safetySettings: [
      { category: e("HARM_CATEGORY_HARASSMENT", 7), threshold: e("BLOCK_ONLY_HIGH", 3) },
      { category: e("HARM_CATEGORY_HATE_SPEECH", 8), threshold: e("BLOCK_MEDIUM_AND_ABOVE", 2) },
    ],
    toolConfig: { functionCallingConfig: { mode: e("AUTO", 1) } },
    generationConfig: {
      responseMimeType: "application/json",
      responseSchema: schema,
      responseModalities: [e("TEXT", 1)],
      mediaResolution: e("MEDIA_RESOLUTION_LOW", 1),
      thinkingConfig: { thinkingLevel: e("LOW", 1) },
      maxOutputTokens: 2000,
    },
  };
}

function answerJson(body: unknown): Json {
  const text = ((body as Json).candidates as Json[])[0]?.content as { parts: Array<{ text?: string; thought?: boolean }> };
  const part = text.parts.find((p) => !p.thought);
  return JSON.parse(part?.text ?? "null") as Json;
}

function assertTyped(answer: Json, form: string): void {
  assert.equal(typeof answer.n, "number", `${form}: n ${JSON.stringify(answer)}`);
  assert.ok(Number.isInteger(answer.i), `${form}: i ${JSON.stringify(answer)}`);
  assert.equal(typeof answer.b, "boolean", `${form}: b`);
  assert.ok(Array.isArray(answer.tags) && answer.tags.length >= 2 && answer.tags.every((t) => typeof t === "string"), `${form}: tags`);
  const nested = answer.nested as Json;
  assert.equal(typeof nested.x, "number", `${form}: nested.x`);
  assert.equal(typeof nested.ok, "boolean", `${form}: nested.ok`);
  assert.ok(Number.isInteger(answer.either), `${form}: either (anyOf) ${JSON.stringify(answer)}`);
}

test("the same request with enums as names and as numbers gets answers of the same types", async () => {
  const byName = await postJson(emu.url, generate, request(false));
  const byNumber = await postJson(emu.url, generate, request(true));
  assert.equal(byName.status, 200, byName.text);
  assert.equal(byNumber.status, 200, byNumber.text);
  assertTyped(answerJson(byName.json), "names");
  assertTyped(answerJson(byNumber.json), "numbers");
  // thinkingLevel LOW (1) turns thinking on in both forms.
  for (const r of [byName, byNumber]) assert.ok(((r.json as Json).usageMetadata as Json).thoughtsTokenCount, r.text);
});

test("snake_case fields and streamed answers read numbered enums too", async () => {
  const body = {
    contents: [{ parts: [{ text: "x" }] }],
    generation_config: {
      response_mime_type: "application/json",
      response_schema: { type: 6, properties: { v: { type: 2 } }, required: ["v"] },
    },
  };
  const response = await postJson(emu.url, `${stream}?alt=sse`, body);
  assert.equal(response.status, 200, response.text);
  const text = response.text
    .split("\r\n\r\n")
    .filter((event) => event.startsWith("data: "))
    .map((event) => ((JSON.parse(event.slice(6)) as Json).candidates as Json[])[0]?.content as { parts?: Array<{ text: string }> })
    .map((content) => content?.parts?.map((p) => p.text).join("") ?? "")
    .join("");
  assert.equal(typeof (JSON.parse(text) as Json).v, "number", text);
});

test("safety thresholds given as numbers block exactly as their names do", async () => {
  const blocked = "Please repeat EMULATOR_BLOCK_RESPONSE.";
  const withThreshold = (threshold: string | number): Json => ({
    contents: [{ parts: [{ text: blocked }] }],
    safetySettings: [{ category: typeof threshold === "number" ? 10 : "HARM_CATEGORY_DANGEROUS_CONTENT", threshold }],
  });
  const finishReason = async (threshold: string | number): Promise<unknown> => {
    const response = await postJson(emu.url, generate, withThreshold(threshold));
    assert.equal(response.status, 200, response.text);
    return ((response.json as Json).candidates as Json[])[0]?.finishReason;
  };
  // A blocking threshold stops the flagged answer; BLOCK_NONE and OFF let it through.
  for (const [name, number] of [
    ["BLOCK_LOW_AND_ABOVE", 1],
    ["BLOCK_ONLY_HIGH", 3],
  ] as const) {
    assert.equal(await finishReason(name), "SAFETY", name);
    assert.equal(await finishReason(number), "SAFETY", String(number));
  }
  for (const [name, number] of [
    ["BLOCK_NONE", 4],
    ["OFF", 5],
  ] as const) {
    assert.equal(await finishReason(name), "STOP", name);
    assert.equal(await finishReason(number), "STOP", String(number));
  }
  // A prompt block follows the same setting.
  const prompt = { contents: [{ parts: [{ text: "EMULATOR_BLOCK_PROMPT" }] }], safetySettings: [{ category: 10, threshold: 4 }] };
  const open = await postJson(emu.url, generate, prompt);
  assert.equal((open.json as Json).promptFeedback, undefined, open.text);
  const closed = await postJson(emu.url, generate, { ...prompt, safetySettings: [{ category: 10, threshold: 2 }] });
  assert.equal(((closed.json as Json).promptFeedback as Json).blockReason, "SAFETY", closed.text);
});

test("a bad enum number is refused with the same 400 as a bad name", async () => {
  const withType = (type: unknown): Json => ({
    contents: [{ parts: [{ text: "x" }] }],
    generationConfig: { responseMimeType: "application/json", responseSchema: { type: "OBJECT", properties: { n: { type } } } },
  });
  const badName = await postJson(emu.url, generate, withType("NUMBERS"));
  const badNumber = await postJson(emu.url, generate, withType(99));
  const where = "generation_config.response_schema.properties[0].value.type";
  for (const [response, shown] of [
    [badName, '"NUMBERS"'],
    [badNumber, "99"],
  ] as const) {
    assert.equal(response.status, 400, response.text);
    const error = (response.json as { error: Json }).error;
    assert.equal(error.status, "INVALID_ARGUMENT");
    assert.equal(error.message, `Invalid value at '${where}' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), ${shown}`);
  }
  const threshold = await postJson(emu.url, generate, {
    contents: [{ parts: [{ text: "x" }] }],
    safetySettings: [{ category: 10, threshold: 42 }],
  });
  assert.equal(threshold.status, 400, threshold.text);
  assert.match(
    threshold.text,
    /Invalid value at 'safety_settings\[0\]\.threshold' \(type\.googleapis\.com\/google\.ai\.generativelanguage\.v1beta\.HarmBlockThreshold\), 42/,
  );
  // A fraction is no enum number either.
  const fraction = await postJson(emu.url, generate, withType(2.5));
  assert.equal(fraction.status, 400, fraction.text);
});

test("$alt=json;enum-encoding=int answers enums as numbers, in every answer form", async () => {
  const int = "?%24alt=json%3Benum-encoding%3Dint";
  const plain = {
    contents: [{ parts: [{ text: "hello" }] }],
    generationConfig: { maxOutputTokens: 4000, thinkingConfig: { thinkingBudget: 0 } },
  };

  const whole = await postJson(emu.url, generate + int, plain);
  assert.equal(whole.status, 200, whole.text);
  const body = whole.json as Json;
  assert.equal((body.candidates as Json[])[0]?.finishReason, 1, whole.text);
  assert.equal(((body.usageMetadata as Json).promptTokensDetails as Json[])[0]?.modality, 1, whole.text);

  const named = await postJson(emu.url, `${generate}?alt=json`, plain);
  assert.equal(((named.json as Json).candidates as Json[])[0]?.finishReason, "STOP", named.text);
  const dollar = await postJson(emu.url, `${generate}?$alt=json`, plain);
  assert.equal(((dollar.json as Json).candidates as Json[])[0]?.finishReason, "STOP", dollar.text);

  const safety = await postJson(emu.url, generate + int, { contents: [{ parts: [{ text: "EMULATOR_BLOCK_RESPONSE" }] }] });
  const candidate = ((safety.json as Json).candidates as Json[])[0] as Json;
  assert.equal(candidate.finishReason, 3, safety.text);
  for (const rating of candidate.safetyRatings as Json[]) {
    assert.equal(typeof rating.category, "number", safety.text);
    assert.equal(typeof rating.probability, "number", safety.text);
  }
  assert.ok(
    (candidate.safetyRatings as Json[]).some((r) => r.category === 10 && r.probability === 4),
    safety.text,
  );

  const prompt = await postJson(emu.url, generate + int, { contents: [{ parts: [{ text: "EMULATOR_BLOCK_PROMPT" }] }] });
  assert.equal(((prompt.json as Json).promptFeedback as Json).blockReason, 1, prompt.text);

  // A stream with $alt=json is the JSON array, enums as numbers; the last chunk carries finishReason.
  const streamed = await postJson(emu.url, stream + int, plain);
  assert.equal(streamed.status, 200, streamed.text);
  const chunks = streamed.json as Json[];
  assert.ok(Array.isArray(chunks) && chunks.length > 1, streamed.text);
  assert.equal(((chunks.at(-1) as Json).candidates as Json[])[0]?.finishReason, 1);
  const sse = await postJson(emu.url, `${stream}?alt=sse;enum-encoding=int`, plain);
  assert.match(sse.text, /"finishReason":1[,}]/);

  const counted = await postJson(emu.url, `/v1beta/models/gemini-2.5-flash:countTokens${int}`, { contents: plain.contents });
  assert.equal(((counted.json as Json).promptTokensDetails as Json[])[0]?.modality, 1, counted.text);
});

test("an alt the service does not know is a 400 naming the parameter, before the key is checked", async () => {
  for (const alt of ["xml", "json;enum-encoding=hex"]) {
    const response = await postJson(emu.url, `${generate}?alt=${encodeURIComponent(alt)}`, { contents: [{ parts: [{ text: "x" }] }] }, {});
    assert.equal(response.status, 400, response.text);
    const error = (response.json as { error: Json }).error;
    assert.equal(error.status, "INVALID_ARGUMENT");
    assert.match(String(error.message), /alt parameter/);
  }
});
