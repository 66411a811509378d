// The legacy official SDK @google/generative-ai 0.24.1, unmodified, against the emulator (/v1beta/):
// generate, SSE stream, countTokens in its generateContentRequest form, embeddings, JSON mode, errors.
// This SDK has no model listing, so models get/list are covered by the @google/genai tests.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { GoogleGenerativeAI, GoogleGenerativeAIFetchError, SchemaType, type GenerationConfig } from "@google/generative-ai";
import { Ajv } from "ajv";
import { startEmulator, TEST_KEY, type TestEmulator } from "../helpers/emulator.ts";
import {
  BAD_KEY_MESSAGE,
  INTERNAL_MESSAGE,
  NO_KEY_MESSAGE,
  OVERLOADED_MESSAGES,
  QUOTA_DETAIL_TYPES,
  RECIPE_JSON_SCHEMA,
  faultConfig,
  keysConfig,
  notFoundMessage,
  quotaConfig,
  rejectionOf,
  requestLogConfig,
} from "../helpers/conformance.ts";

const MODEL = "gemini-2.5-flash";
const PROMPT = "Explain in two sentences why the sky is blue.";

let emulator: TestEmulator;

function model(name = MODEL, apiKey = TEST_KEY, generationConfig?: GenerationConfig) {
  const params = generationConfig ? { model: name, generationConfig } : { model: name };
  return new GoogleGenerativeAI(apiKey).getGenerativeModel(params, { baseUrl: emulator.url });
}

/** Awaits a call that must fail with the SDK's fetch error and returns it. */
function fetchErrorOf(call: () => Promise<unknown>): Promise<GoogleGenerativeAIFetchError> {
  return rejectionOf(call, GoogleGenerativeAIFetchError);
}

before(async () => {
  emulator = await startEmulator({ profile: "zero-latency" });
});
after(async () => {
  await emulator?.close();
});

describe("@google/generative-ai 0.24.1 against the emulator", () => {
  test("generateContent over /v1beta/ returns text, STOP and usage consistent with countTokens", async () => {
    await emulator.admin.patchConfig(requestLogConfig(true));
    await emulator.admin.reset();
    const gemini = model();
    const { response } = await gemini.generateContent(PROMPT);
    assert.ok(response.text().length > 0);
    assert.equal(response.candidates?.[0]?.finishReason, "STOP");
    const usage = response.usageMetadata;
    assert.ok(usage);
    const counted = await gemini.countTokens(PROMPT);
    assert.equal(usage.promptTokenCount, counted.totalTokens);
    const requests = await emulator.admin.requests();
    assert.ok(requests.some((r) => r.path === `/v1beta/models/${MODEL}:generateContent`));
    const countRequest = requests.find((r) => r.path === `/v1beta/models/${MODEL}:countTokens`);
    assert.ok(countRequest, "countTokens request not logged");
    assert.ok(
      typeof countRequest.body === "object" && countRequest.body !== null && "generateContentRequest" in countRequest.body,
      "the legacy SDK is expected to send the generateContentRequest form",
    );
    await emulator.admin.patchConfig(requestLogConfig(false));
  });

  test("countTokens in the generateContentRequest form counts the same as the contents form", async () => {
    const viaSdk = await model().countTokens({
      generateContentRequest: { contents: [{ role: "user", parts: [{ text: PROMPT }] }] },
    });
    const response = await fetch(`${emulator.url}/v1beta/models/${MODEL}:countTokens`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": TEST_KEY },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: PROMPT }] }] }),
    });
    const viaContents = (await response.json()) as { totalTokens: number };
    assert.ok(viaSdk.totalTokens > 0);
    assert.equal(viaSdk.totalTokens, viaContents.totalTokens);
  });

  test("generateContentStream parses every SSE event and the aggregated response", async () => {
    const { stream, response } = await model().generateContentStream(PROMPT);
    const pieces: string[] = [];
    for await (const chunk of stream) pieces.push(chunk.text());
    assert.ok(pieces.length >= 2, `only ${pieces.length} chunk(s)`);
    const aggregated = await response;
    assert.equal(aggregated.text(), pieces.join(""));
    assert.equal(aggregated.candidates?.[0]?.finishReason, "STOP");
    const whole = await model().generateContent(PROMPT);
    assert.equal(aggregated.text(), whole.response.text(), "streamed text differs from the non-streamed text");
  });

  test("embedContent and batchEmbedContents return vectors, equal for equal texts", async () => {
    const embedder = model("gemini-embedding-001");
    const single = await embedder.embedContent("first text");
    assert.ok(single.embedding.values.length > 0);
    assert.ok(single.embedding.values.every((v) => Number.isFinite(v)));
    const batch = await embedder.batchEmbedContents({
      requests: ["first text", "second text"].map((text) => ({
        model: "models/gemini-embedding-001",
        content: { role: "user", parts: [{ text }] },
      })),
    });
    assert.equal(batch.embeddings.length, 2);
    assert.deepEqual(batch.embeddings[0]?.values, single.embedding.values);
    assert.notDeepEqual(batch.embeddings[1]?.values, single.embedding.values);
  });

  test("JSON mode with a responseSchema (lower-case types) returns JSON valid against it", async () => {
    const gemini = model(MODEL, TEST_KEY, {
      responseMimeType: "application/json",
      responseSchema: {
        type: SchemaType.OBJECT,
        properties: {
          name: { type: SchemaType.STRING },
          servings: { type: SchemaType.INTEGER },
          vegan: { type: SchemaType.BOOLEAN },
          ingredients: { type: SchemaType.ARRAY, items: { type: SchemaType.STRING }, minItems: 1 },
          difficulty: { type: SchemaType.STRING, format: "enum", enum: ["easy", "medium", "hard"] },
        },
        required: ["name", "servings", "vegan", "ingredients", "difficulty"],
      },
    });
    const { response } = await gemini.generateContent("Give me a cookie recipe.");
    const validate = new Ajv().compile(RECIPE_JSON_SCHEMA);
    const parsed = JSON.parse(response.text()) as unknown;
    assert.ok(validate(parsed), JSON.stringify(validate.errors));
  });

  test("thinking tokens are reported and maxOutputTokens cuts with MAX_TOKENS", async () => {
    const { response: thinking } = await model("gemini-2.5-pro").generateContent(PROMPT);
    const thoughts = (thinking.usageMetadata as { thoughtsTokenCount?: number } | undefined)?.thoughtsTokenCount ?? 0;
    assert.ok(thoughts > 0, "2.5 Pro always thinks");
    const short = model(MODEL, TEST_KEY, { maxOutputTokens: 4, thinkingConfig: { thinkingBudget: 0 } } as GenerationConfig);
    const { response } = await short.generateContent("Write a long essay about the history of the bicycle.");
    assert.equal(response.candidates?.[0]?.finishReason, "MAX_TOKENS");
    const output = response.usageMetadata?.candidatesTokenCount ?? 0;
    assert.ok(output > 0 && output <= 4, `candidatesTokenCount ${output}`);
  });
});

describe("@google/generative-ai errors: GoogleGenerativeAIFetchError with status, statusText, errorDetails", () => {
  test("400 for a key not in the configured list, with ErrorInfo API_KEY_INVALID", async () => {
    await emulator.admin.patchConfig(keysConfig(["the-only-good-key"]));
    try {
      const error = await fetchErrorOf(() => model(MODEL, "some-other-key").generateContent(PROMPT));
      assert.equal(error.status, 400);
      assert.equal(error.statusText, "Bad Request");
      assert.ok(error.message.includes(`[400 Bad Request] ${BAD_KEY_MESSAGE}`), error.message);
      const info = error.errorDetails?.find((d) => d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo") as
        | { reason?: string; domain?: string; metadata?: { service?: string } }
        | undefined;
      assert.equal(info?.reason, "API_KEY_INVALID");
      assert.equal(info?.domain, "googleapis.com");
      assert.equal(info?.metadata?.service, "generativelanguage.googleapis.com");
      const { response } = await model(MODEL, "the-only-good-key").generateContent(PROMPT);
      assert.ok(response.text());
    } finally {
      await emulator.admin.patchConfig(keysConfig([]));
    }
  });

  test("403 PERMISSION_DENIED when the SDK is given an empty key", async () => {
    const error = await fetchErrorOf(() => model(MODEL, "").generateContent(PROMPT));
    assert.equal(error.status, 403);
    assert.equal(error.statusText, "Forbidden");
    assert.ok(error.message.endsWith(`[403 Forbidden] ${NO_KEY_MESSAGE}`), error.message);
    assert.equal(error.errorDetails, undefined);
  });

  test("404 for an unknown model, on generate and on stream", async () => {
    const plain = await fetchErrorOf(() => model("gemini-0.1-nonexistent").generateContent(PROMPT));
    assert.equal(plain.status, 404);
    assert.equal(plain.statusText, "Not Found");
    assert.ok(plain.message.includes(notFoundMessage("gemini-0.1-nonexistent", "v1beta")), plain.message);
    const streamed = await fetchErrorOf(() => model("gemini-0.1-nonexistent").generateContentStream(PROMPT));
    assert.equal(streamed.status, 404);
  });

  test("429 with QuotaFailure, Help and RetryInfo in errorDetails", async () => {
    await emulator.admin.reset();
    await emulator.admin.patchConfig(quotaConfig(MODEL, 1));
    try {
      await model(MODEL, "legacy-quota-key").generateContent(PROMPT);
      const error = await fetchErrorOf(() => model(MODEL, "legacy-quota-key").generateContent(PROMPT));
      assert.equal(error.status, 429);
      assert.equal(error.statusText, "Too Many Requests");
      assert.ok(error.message.includes("You exceeded your current quota"), error.message);
      const types = (error.errorDetails ?? []).map((d) => d["@type"]);
      for (const type of QUOTA_DETAIL_TYPES) assert.ok(types.includes(type), `${type} missing from ${types.join(", ")}`);
    } finally {
      await emulator.admin.patchConfig(quotaConfig(MODEL, null));
      await emulator.admin.reset();
    }
  });

  for (const [code, statusText, messages] of [
    [500, "Internal Server Error", [INTERNAL_MESSAGE]],
    [503, "Service Unavailable", OVERLOADED_MESSAGES],
  ] as const) {
    test(`${code} ${statusText} from an injected fault, on generate and on stream`, async () => {
      await emulator.admin.patchConfig(faultConfig(code, 1));
      try {
        const plain = await fetchErrorOf(() => model().generateContent(PROMPT));
        assert.equal(plain.status, code);
        assert.equal(plain.statusText, statusText);
        assert.ok(
          (messages as readonly string[]).some((m) => plain.message.endsWith(`[${code} ${statusText}] ${m}`)),
          plain.message,
        );
        const streamed = await fetchErrorOf(() => model().generateContentStream(PROMPT));
        assert.equal(streamed.status, code);
      } finally {
        await emulator.admin.patchConfig(faultConfig(code, 0));
      }
    });
  }
});
