// The official openai npm SDK, unmodified, against the emulator's /v1beta/openai/ surface: chat (plain,
// streamed with usage, JSON schema), embeddings, models list/get, and each error as the SDK surfaces it
// (its error classes and status codes). The layer's errors are a JSON array, which this SDK version
// cannot read a message from: it reports "<status> status code (no body)", as it does against Google.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI, { AuthenticationError, BadRequestError, NotFoundError, PermissionDeniedError, RateLimitError } from "openai";
import { Ajv } from "ajv";
import { startEmulator, TEST_KEY, type TestEmulator } from "../helpers/emulator.ts";
import { RECIPE_JSON_SCHEMA, keysConfig, quotaConfig, rejectionOf } from "../helpers/conformance.ts";

const MODEL = "gemini-2.5-flash";
const MESSAGES = [{ role: "user" as const, content: "Explain in two sentences why the sky is blue." }];

let emulator: TestEmulator;

function client(apiKey: string = TEST_KEY): OpenAI {
  // No retries: each error must surface as the first answer gave it.
  return new OpenAI({ apiKey, baseURL: `${emulator.url}/v1beta/openai/`, maxRetries: 0 });
}

before(async () => {
  emulator = await startEmulator();
});
after(() => emulator.close());

describe("the openai SDK", () => {
  test("chat: a plain completion", async () => {
    const completion = await client().chat.completions.create({ model: MODEL, messages: MESSAGES });
    assert.equal(completion.object, "chat.completion");
    assert.equal(completion.choices[0]?.finish_reason, "stop");
    assert.ok((completion.choices[0]?.message.content ?? "").length > 0);
    assert.ok((completion.usage?.completion_tokens ?? 0) > 0);
  });

  test("chat: streamed, with usage on the final chunk, text equal to the chunks joined", async () => {
    await emulator.admin.reset();
    const stream = await client().chat.completions.create({
      model: MODEL,
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(chunks > 1);
    assert.equal(finish, "stop");
    assert.ok(text.length > 0);
    const stats = await emulator.admin.stats({ method: "openai.chat.completions" });
    assert.equal(usage?.completion_tokens, stats.tokens.output);
    assert.equal(usage?.prompt_tokens, stats.tokens.prompt);
  });

  test("chat: response_format json_schema gives JSON valid against the schema", async () => {
    const completion = await client().chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "A vegan recipe, please." }],
      response_format: {
        type: "json_schema",
        json_schema: { name: "recipe", schema: RECIPE_JSON_SCHEMA as unknown as Record<string, unknown> },
      },
    });
    const value = JSON.parse(completion.choices[0]?.message.content ?? "null") as unknown;
    const validate = new Ajv().compile(RECIPE_JSON_SCHEMA);
    assert.ok(validate(value), JSON.stringify(validate.errors));
  });

  test("embeddings: the SDK's default (base64) and float both decode to the same vectors", async () => {
    const sdk = client();
    const packed = await sdk.embeddings.create({ model: "gemini-embedding-001", input: ["one", "two"] });
    const floats = await sdk.embeddings.create({ model: "gemini-embedding-001", input: ["one", "two"], encoding_format: "float" });
    assert.equal(packed.data.length, 2);
    assert.equal(floats.data[0]?.embedding.length, 3072);
    assert.deepEqual(Array.from(packed.data[1]?.embedding ?? []), (floats.data[1]?.embedding ?? []).map(Math.fround));
  });

  test("models: list and retrieve", async () => {
    const sdk = client();
    const ids: string[] = [];
    for await (const model of sdk.models.list()) ids.push(model.id);
    assert.ok(ids.includes(`models/${MODEL}`));
    const one = await sdk.models.retrieve(MODEL);
    assert.equal(one.id, `models/${MODEL}`);
    await rejectionOf(() => sdk.models.retrieve("gemini-0-none"), NotFoundError);
  });

  test("a bad key is a BadRequestError (the layer answers 400, not 401)", async () => {
    await emulator.admin.patchConfig(keysConfig([TEST_KEY]));
    try {
      const error = await rejectionOf(
        () => client("wrong-key").chat.completions.create({ model: MODEL, messages: MESSAGES }),
        BadRequestError,
      );
      assert.equal(error.status, 400);
      assert.ok(!(error instanceof AuthenticationError));
      assert.equal(error.message, "400 status code (no body)");
    } finally {
      await emulator.admin.patchConfig(keysConfig([]));
    }
  });

  test("an empty key is a PermissionDeniedError", async () => {
    const error = await rejectionOf(
      () => new OpenAI({ apiKey: " ", baseURL: `${emulator.url}/v1beta/openai/`, maxRetries: 0 }).models.list(),
      PermissionDeniedError,
    );
    assert.equal(error.status, 403);
  });

  test("an unknown model is a NotFoundError", async () => {
    const error = await rejectionOf(() => client().chat.completions.create({ model: "gemini-9-ultra", messages: MESSAGES }), NotFoundError);
    assert.equal(error.status, 404);
    assert.equal(error.message, "404 status code (no body)");
  });

  test("a bad request is a BadRequestError", async () => {
    const error = await rejectionOf(
      () => client().chat.completions.create({ model: MODEL, messages: MESSAGES, temperature: 3 }),
      BadRequestError,
    );
    assert.equal(error.status, 400);
    assert.equal(error.message, "400 status code (no body)");
  });

  test("a spent quota is a RateLimitError", async () => {
    await emulator.admin.patchConfig(quotaConfig(MODEL, 1));
    try {
      await emulator.admin.reset();
      await client().chat.completions.create({ model: MODEL, messages: MESSAGES });
      const error = await rejectionOf(() => client().chat.completions.create({ model: MODEL, messages: MESSAGES }), RateLimitError);
      assert.equal(error.status, 429);
    } finally {
      await emulator.admin.patchConfig(quotaConfig(MODEL, null));
    }
  });
});
