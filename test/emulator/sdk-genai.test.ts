// The official @google/genai SDK, unmodified, against the emulator: every method we use, JSON mode,
// thinking, MAX_TOKENS, and each error class surfacing with the real status code and message.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ApiError, GoogleGenAI, Type } from "@google/genai";
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
  type ErrorBody,
} from "../helpers/conformance.ts";

const MODEL = "gemini-2.5-flash";
const PROMPT = "Explain in two sentences why the sky is blue.";

let emulator: TestEmulator;

function client(apiVersion?: string, apiKey: string = TEST_KEY): GoogleGenAI {
  const httpOptions: { baseUrl: string; apiVersion?: string } = { baseUrl: emulator.url };
  if (apiVersion !== undefined) httpOptions.apiVersion = apiVersion;
  // vertexai: false, so a GOOGLE_GENAI_USE_VERTEXAI in the environment cannot switch the SDK's endpoint.
  return new GoogleGenAI({ vertexai: false, apiKey, httpOptions });
}

/** Awaits a call that must fail and returns the SDK's ApiError with its body parsed. */
async function apiErrorOf(call: () => Promise<unknown>): Promise<{ status: number; body: ErrorBody }> {
  const error = await rejectionOf(call, ApiError);
  return { status: error.status, body: JSON.parse(error.message) as ErrorBody };
}

async function loggedPaths(): Promise<string[]> {
  return (await emulator.admin.requests()).map((r) => r.path);
}

before(async () => {
  emulator = await startEmulator({ profile: "zero-latency" });
});
after(async () => {
  await emulator?.close();
});

describe("@google/genai 3.3.0 against the emulator", () => {
  test("generateContent over the default /v1/ path returns text and consistent usage", async () => {
    await emulator.admin.patchConfig(requestLogConfig(true));
    await emulator.admin.reset();
    const ai = client();
    const response = await ai.models.generateContent({ model: MODEL, contents: PROMPT });
    assert.ok(response.text && response.text.length > 0, "text is empty");
    const candidate = response.candidates?.[0];
    assert.equal(candidate?.finishReason, "STOP");
    assert.equal(candidate?.content?.role, "model");
    assert.equal(typeof response.responseId, "string");
    assert.match(response.modelVersion ?? "", /^gemini-2\.5-flash/);
    const usage = response.usageMetadata;
    assert.ok(usage, "usageMetadata missing");
    const counted = await ai.models.countTokens({ model: MODEL, contents: PROMPT });
    assert.equal(usage.promptTokenCount, counted.totalTokens, "prompt tokens differ from countTokens");
    assert.ok((usage.candidatesTokenCount ?? 0) > 0);
    assert.equal(
      usage.totalTokenCount,
      (usage.promptTokenCount ?? 0) + (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
    );
    const paths = await loggedPaths();
    assert.ok(paths.includes(`/v1/models/${MODEL}:generateContent`), `paths: ${paths.join(", ")}`);
    await emulator.admin.patchConfig(requestLogConfig(false));
  });

  test("the same call with apiVersion v1beta uses /v1beta/ and the same seed gives the same text", async () => {
    await emulator.admin.patchConfig(requestLogConfig(true));
    await emulator.admin.reset();
    const first = await client("v1beta").models.generateContent({ model: MODEL, contents: PROMPT });
    const second = await client("v1beta").models.generateContent({ model: MODEL, contents: PROMPT });
    assert.ok(first.text && first.text.length > 0);
    assert.equal(second.text, first.text, "content is not deterministic for one seed and request");
    const paths = await loggedPaths();
    assert.ok(paths.includes(`/v1beta/models/${MODEL}:generateContent`), `paths: ${paths.join(", ")}`);
    await emulator.admin.patchConfig(requestLogConfig(false));
  });

  for (const apiVersion of ["v1", "v1beta"]) {
    test(`generateContentStream (${apiVersion}) yields chunks ending with STOP and cumulative usage`, async () => {
      const stream = await client(apiVersion).models.generateContentStream({ model: MODEL, contents: PROMPT });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      assert.ok(chunks.length >= 2, `only ${chunks.length} chunk(s)`);
      const text = chunks.map((c) => c.text ?? "").join("");
      assert.ok(text.length > 0);
      const last = chunks.at(-1);
      assert.equal(last?.candidates?.[0]?.finishReason, "STOP");
      for (const chunk of chunks.slice(0, -1)) {
        assert.equal(chunk.candidates?.[0]?.finishReason, undefined, "finishReason before the last chunk");
      }
      let previous = 0;
      for (const chunk of chunks) {
        const count = chunk.usageMetadata?.candidatesTokenCount ?? 0;
        assert.ok(count >= previous, "candidatesTokenCount is not cumulative");
        previous = count;
      }
      const nonStream = await client(apiVersion).models.generateContent({ model: MODEL, contents: PROMPT });
      assert.equal(text, nonStream.text, "streamed text differs from the non-streamed text");
    });
  }

  test("countTokens grows with the text and is a whole number", async () => {
    const ai = client();
    const short = await ai.models.countTokens({ model: MODEL, contents: "hello" });
    const long = await ai.models.countTokens({ model: MODEL, contents: "hello ".repeat(200) });
    assert.ok(Number.isInteger(short.totalTokens) && (short.totalTokens ?? 0) > 0);
    assert.ok((long.totalTokens ?? 0) > (short.totalTokens ?? 0) * 10);
  });

  test("embedContent (sent as batchEmbedContents) returns one vector per content", async () => {
    await emulator.admin.patchConfig(requestLogConfig(true));
    await emulator.admin.reset();
    const ai = client();
    const result = await ai.models.embedContent({
      model: "gemini-embedding-001",
      contents: ["first text", "second text", "first text"],
    });
    const embeddings = result.embeddings ?? [];
    assert.equal(embeddings.length, 3);
    const [a, b, c] = embeddings.map((e) => e.values ?? []);
    assert.ok(a && b && c);
    assert.ok(a.length > 0 && a.every((v) => typeof v === "number" && Number.isFinite(v)));
    assert.equal(a.length, b.length);
    assert.deepEqual(c, a, "the same text must embed to the same vector");
    assert.notDeepEqual(b, a, "different texts embed to the same vector");
    const paths = await loggedPaths();
    assert.ok(paths.includes("/v1/models/gemini-embedding-001:batchEmbedContents"), `paths: ${paths.join(", ")}`);
    await emulator.admin.patchConfig(requestLogConfig(false));
  });

  test("models.get returns the Model resource with the published limits", async () => {
    const model = await client().models.get({ model: MODEL });
    assert.equal(model.name, `models/${MODEL}`);
    assert.equal(model.inputTokenLimit, 1048576);
    assert.equal(model.outputTokenLimit, 65536);
    assert.ok(model.supportedActions?.includes("generateContent"), `actions: ${model.supportedActions}`);
    assert.ok(model.supportedActions?.includes("countTokens"));
    assert.equal(model.thinking, true);
    const embedding = await client().models.get({ model: "gemini-embedding-001" });
    assert.equal(embedding.outputTokenLimit, 1);
    assert.ok(embedding.supportedActions?.includes("embedContent"));
  });

  test("models.list pages through every model with pageSize 2", async () => {
    const pager = await client().models.list({ config: { pageSize: 2 } });
    assert.ok(pager.page.length <= 2 && pager.page.length > 0, `first page has ${pager.page.length}`);
    assert.ok(pager.hasNextPage(), "no second page although more than two models are served");
    const names: string[] = [];
    for await (const model of pager) names.push(model.name ?? "");
    assert.equal(new Set(names).size, names.length, `duplicates: ${names.join(", ")}`);
    for (const expected of ["gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro", "gemini-2.0-flash", "gemini-embedding-001"]) {
      assert.ok(names.includes(`models/${expected}`), `models/${expected} missing from ${names.join(", ")}`);
    }
  });

  test("JSON mode with responseSchema returns JSON that validates against the schema", async () => {
    const response = await client().models.generateContent({
      model: MODEL,
      contents: "Give me a cookie recipe.",
      config: {
        responseMimeType: "application/json",
        responseSchema: {
          type: Type.OBJECT,
          properties: {
            name: { type: Type.STRING },
            servings: { type: Type.INTEGER },
            vegan: { type: Type.BOOLEAN },
            ingredients: { type: Type.ARRAY, items: { type: Type.STRING }, minItems: "1" },
            difficulty: { type: Type.STRING, enum: ["easy", "medium", "hard"], format: "enum" },
          },
          required: ["name", "servings", "vegan", "ingredients", "difficulty"],
        },
      },
    });
    const parsed = JSON.parse(response.text ?? "") as unknown;
    const validate = new Ajv().compile(RECIPE_JSON_SCHEMA);
    assert.ok(validate(parsed), JSON.stringify(validate.errors));
  });

  test("JSON mode with responseJsonSchema returns JSON that validates against that schema", async () => {
    const response = await client("v1beta").models.generateContent({
      model: MODEL,
      contents: "Give me a cookie recipe.",
      config: { responseMimeType: "application/json", responseJsonSchema: RECIPE_JSON_SCHEMA },
    });
    const parsed = JSON.parse(response.text ?? "") as unknown;
    const validate = new Ajv().compile(RECIPE_JSON_SCHEMA);
    assert.ok(validate(parsed), JSON.stringify(validate.errors));
  });

  test("a thinking model reports thoughtsTokenCount; thinkingBudget 0 turns it off", async () => {
    const ai = client();
    const thinking = await ai.models.generateContent({
      model: MODEL,
      contents: PROMPT,
      config: { thinkingConfig: { thinkingBudget: 1024 } },
    });
    const thoughts = thinking.usageMetadata?.thoughtsTokenCount ?? 0;
    assert.ok(thoughts > 0 && thoughts <= 1024, `thoughtsTokenCount ${thoughts}`);
    const off = await ai.models.generateContent({
      model: MODEL,
      contents: PROMPT,
      config: { thinkingConfig: { thinkingBudget: 0 } },
    });
    assert.equal(off.usageMetadata?.thoughtsTokenCount ?? 0, 0);
    const pro = await ai.models.generateContent({ model: "gemini-2.5-pro", contents: PROMPT });
    assert.ok((pro.usageMetadata?.thoughtsTokenCount ?? 0) > 0, "2.5 Pro always thinks");
  });

  test("maxOutputTokens cuts the answer with finishReason MAX_TOKENS", async () => {
    const response = await client().models.generateContent({
      model: MODEL,
      contents: "Write a long essay about the history of the bicycle.",
      config: { maxOutputTokens: 5, thinkingConfig: { thinkingBudget: 0 } },
    });
    assert.equal(response.candidates?.[0]?.finishReason, "MAX_TOKENS");
    const output = response.usageMetadata?.candidatesTokenCount ?? 0;
    assert.ok(output > 0 && output <= 5, `candidatesTokenCount ${output}`);
  });
});

describe("@google/genai errors carry the real status code and message", () => {
  test("400 API_KEY_INVALID for a key not in the configured list", async () => {
    await emulator.admin.patchConfig(keysConfig(["the-only-good-key"]));
    try {
      const { status, body } = await apiErrorOf(() =>
        client(undefined, "some-other-key").models.generateContent({ model: MODEL, contents: PROMPT }),
      );
      assert.equal(status, 400);
      assert.equal(body.error.code, 400);
      assert.equal(body.error.status, "INVALID_ARGUMENT");
      assert.equal(body.error.message, BAD_KEY_MESSAGE);
      const info = body.error.details?.find((d) => d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo");
      assert.equal(info?.reason, "API_KEY_INVALID");
      const ok = await client(undefined, "the-only-good-key").models.generateContent({ model: MODEL, contents: PROMPT });
      assert.ok(ok.text);
    } finally {
      await emulator.admin.patchConfig(keysConfig([]));
    }
  });

  test("403 PERMISSION_DENIED without a key (raw fetch: the SDK will not send a keyless request)", async () => {
    // Without an apiKey, @google/genai 3.3.0 falls back to Google application-default credentials
    // and fails before sending anything ("Could not load the default credentials"), so the keyless
    // request is sent by hand, with the body the SDK would send, and parsed as the SDK parses errors.
    for (const apiVersion of ["v1", "v1beta"]) {
      const response = await fetch(`${emulator.url}/${apiVersion}/models/${MODEL}:generateContent`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: PROMPT }] }] }),
      });
      assert.equal(response.status, 403);
      const body = (await response.json()) as ErrorBody;
      assert.equal(body.error.code, 403);
      assert.equal(body.error.status, "PERMISSION_DENIED");
      assert.equal(body.error.message, NO_KEY_MESSAGE);
      assert.equal(body.error.details, undefined, "the real 403 has no details");
    }
  });

  test("404 NOT_FOUND for an unknown model, naming the API version", async () => {
    for (const apiVersion of ["v1", "v1beta"]) {
      const { status, body } = await apiErrorOf(() =>
        client(apiVersion).models.generateContent({ model: "gemini-0.1-nonexistent", contents: PROMPT }),
      );
      assert.equal(status, 404);
      assert.equal(body.error.status, "NOT_FOUND");
      assert.equal(body.error.message, notFoundMessage("gemini-0.1-nonexistent", apiVersion));
    }
    const stream = await apiErrorOf(() => client().models.generateContentStream({ model: "gemini-0.1-nonexistent", contents: PROMPT }));
    assert.equal(stream.status, 404);
    assert.equal(stream.body.error.message, notFoundMessage("gemini-0.1-nonexistent", "v1"));
  });

  test("429 RESOURCE_EXHAUSTED with QuotaFailure, Help and RetryInfo when the quota is used up", async () => {
    await emulator.admin.reset();
    await emulator.admin.patchConfig(quotaConfig(MODEL, 2));
    try {
      const ai = client(undefined, "quota-key");
      await ai.models.generateContent({ model: MODEL, contents: PROMPT });
      await ai.models.generateContent({ model: MODEL, contents: PROMPT });
      const { status, body } = await apiErrorOf(() => ai.models.generateContent({ model: MODEL, contents: PROMPT }));
      assert.equal(status, 429);
      assert.equal(body.error.status, "RESOURCE_EXHAUSTED");
      assert.match(body.error.message, /^You exceeded your current quota/);
      const types = (body.error.details ?? []).map((d) => d["@type"]);
      for (const type of QUOTA_DETAIL_TYPES) assert.ok(types.includes(type), `${type} missing from ${types.join(", ")}`);
      const retry = body.error.details?.find((d) => d["@type"].endsWith("RetryInfo"));
      assert.match(String(retry?.retryDelay), /^\d+(\.\d+)?s$/);
    } finally {
      await emulator.admin.patchConfig(quotaConfig(MODEL, null));
      await emulator.admin.reset();
    }
  });

  for (const [code, status, messages] of [
    [500, "INTERNAL", [INTERNAL_MESSAGE]],
    [503, "UNAVAILABLE", OVERLOADED_MESSAGES],
  ] as const) {
    test(`${code} ${status} from an injected fault, non-streaming and streaming`, async () => {
      await emulator.admin.patchConfig(faultConfig(code, 1));
      try {
        const plain = await apiErrorOf(() => client().models.generateContent({ model: MODEL, contents: PROMPT }));
        assert.equal(plain.status, code);
        assert.equal(plain.body.error.code, code);
        assert.equal(plain.body.error.status, status);
        assert.ok((messages as readonly string[]).includes(plain.body.error.message), plain.body.error.message);
        const streamed = await apiErrorOf(async () => {
          const stream = await client().models.generateContentStream({ model: MODEL, contents: PROMPT });
          for await (const chunk of stream) void chunk;
        });
        assert.equal(streamed.status, code);
        assert.equal(streamed.body.error.status, status);
      } finally {
        await emulator.admin.patchConfig(faultConfig(code, 0));
      }
    });
  }
});
