// The emulator's OpenAI-compatible surface over raw HTTP: the wire forms (chat.completion, SSE chunks
// ending with [DONE], usage on the final chunk, embeddings, models), the request translation (max tokens,
// n, stop, reasoning_effort, response_format), errors as a JSON array, and stats under openai.* methods.

import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, postJson, TEST_KEY, type TestEmulator } from "../helpers/emulator.ts";
import { faultConfig, keysConfig, quotaConfig, RECIPE_JSON_SCHEMA } from "../helpers/conformance.ts";

const AUTH = { authorization: `Bearer ${TEST_KEY}` };
const CHAT = "/v1beta/openai/chat/completions";
const USER = [{ role: "user", content: "Explain in two sentences why the sky is blue." }];

interface Chunk {
  object: string;
  id: string;
  choices: { index: number; delta: { content?: string; role?: string }; finish_reason?: string }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

let emulator: TestEmulator;

before(async () => {
  emulator = await startEmulator();
});
after(() => emulator.close());
beforeEach(() => emulator.admin.reset());

function chat(body: Record<string, unknown>, headers: Record<string, string> = AUTH) {
  return postJson(emulator.url, CHAT, { model: "gemini-2.5-flash", messages: USER, ...body }, headers);
}

/** The SSE data lines of a streamed answer, in order. */
function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .filter((event) => event.startsWith("data: "))
    .map((event) => event.slice(6));
}

/** The one error of an error body in the compatibility layer's array form. */
function arrayError(json: unknown): { code: number; message: string; status: string } {
  assert.ok(Array.isArray(json), `expected a JSON array, got ${JSON.stringify(json)}`);
  assert.equal(json.length, 1);
  return (json[0] as { error: { code: number; message: string; status: string } }).error;
}

describe("chat completions", () => {
  test("a whole answer is a chat.completion with usage that counts thinking in total_tokens only", async () => {
    const r = await chat({});
    assert.equal(r.status, 200);
    const body = r.json as {
      object: string;
      model: string;
      id: string;
      choices: { index: number; finish_reason: string; message: { role: string; content: string } }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    assert.equal(body.object, "chat.completion");
    assert.equal(body.model, "gemini-2.5-flash");
    assert.match(body.id, /^[\w-]{23}$/);
    assert.equal(body.choices.length, 1);
    assert.equal(body.choices[0]?.finish_reason, "stop");
    assert.equal(body.choices[0]?.message.role, "assistant");
    assert.ok((body.choices[0]?.message.content ?? "").length > 0);
    const stats = await emulator.admin.stats();
    assert.equal(stats.requests.byMethod["openai.chat.completions"], 1);
    assert.equal(body.usage.prompt_tokens, stats.tokens.prompt);
    assert.equal(body.usage.completion_tokens, stats.tokens.output);
    assert.ok(stats.tokens.thoughts > 0, "2.5 Flash thinks by default");
    assert.equal(body.usage.total_tokens, stats.tokens.prompt + stats.tokens.output + stats.tokens.thoughts);
  });

  test("stream: chat.completion.chunk events, finish_reason and usage on the last, then [DONE]", async () => {
    const r = await chat({ stream: true, stream_options: { include_usage: true } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^text\/event-stream/);
    const data = sseData(r.text);
    assert.equal(data.at(-1), "[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    assert.ok(chunks.length > 1, "a prose answer arrives in several chunks");
    for (const c of chunks) assert.equal(c.object, "chat.completion.chunk");
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1, "one id across the stream");
    const last = chunks.at(-1) as Chunk;
    assert.equal(last.choices[0]?.finish_reason, "stop");
    assert.ok(last.usage, "usage rides on the final chunk");
    for (const c of chunks.slice(0, -1)) {
      assert.equal(c.choices[0]?.finish_reason, undefined);
      assert.equal(c.usage, undefined);
    }
    const stats = await emulator.admin.stats({ method: "openai.chat.completions" });
    assert.equal(last.usage?.completion_tokens, stats.tokens.output);
    assert.equal(stats.requests.total, 1);
  });

  test("stream without include_usage carries no usage", async () => {
    const r = await chat({ stream: true });
    const chunks = sseData(r.text)
      .slice(0, -1)
      .map((d) => JSON.parse(d) as Chunk);
    assert.ok(chunks.every((c) => c.usage === undefined));
  });

  test("max_completion_tokens cuts the answer: finish_reason length", async () => {
    const r = await chat({ max_completion_tokens: 5, reasoning_effort: "none" });
    const body = r.json as {
      choices: { finish_reason: string }[];
      usage: { completion_tokens: number; total_tokens: number; prompt_tokens: number };
    };
    assert.equal(body.choices[0]?.finish_reason, "length");
    assert.ok(body.usage.completion_tokens <= 5);
  });

  test("reasoning_effort none turns thinking off; low caps it at 1,024 tokens", async () => {
    const off = (await chat({ reasoning_effort: "none" })).json as {
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    assert.equal(off.usage.total_tokens, off.usage.prompt_tokens + off.usage.completion_tokens);
    await chat({ reasoning_effort: "low" });
    const stats = await emulator.admin.stats();
    assert.ok(stats.tokens.thoughts > 0 && stats.tokens.thoughts <= 1024);
  });

  test("reasoning_effort none on a model that only thinks is the native 400", async () => {
    const r = await chat({ model: "gemini-2.5-pro", reasoning_effort: "none" });
    assert.equal(r.status, 400);
    assert.match(arrayError(r.json).message, /only works in thinking mode/);
  });

  test("n gives that many choices", async () => {
    const body = (await chat({ n: 3 })).json as { choices: { index: number }[] };
    assert.deepEqual(
      body.choices.map((c) => c.index),
      [0, 1, 2],
    );
  });

  test("stop cuts the text before the first stop sequence", async () => {
    const whole = (await chat({ reasoning_effort: "none" })).json as { usage: { completion_tokens: number } };
    const cut = (await chat({ reasoning_effort: "none", stop: ["e", "XYZ"] })).json as {
      choices: { message: { content: string }; finish_reason: string }[];
      usage: { completion_tokens: number };
    };
    const content = cut.choices[0]?.message.content ?? "";
    assert.ok(!content.includes("e"), `no stop sequence in ${JSON.stringify(content)}`);
    assert.equal(cut.choices[0]?.finish_reason, "stop");
    assert.ok(cut.usage.completion_tokens < whole.usage.completion_tokens);
  });

  test("response_format json_schema: the content is JSON that fits the schema", async () => {
    const r = await chat({ response_format: { type: "json_schema", json_schema: { name: "recipe", schema: RECIPE_JSON_SCHEMA } } });
    const content = (r.json as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? "";
    const recipe = JSON.parse(content) as Record<string, unknown>;
    for (const key of RECIPE_JSON_SCHEMA.required) assert.ok(key in recipe, `${key} in ${content}`);
    assert.ok(["easy", "medium", "hard"].includes(recipe.difficulty as string));
  });

  test("a repeated body gets the same answer with a fresh id and is counted again; a config change plans anew", async () => {
    type Whole = { id: string; choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
    const first = (await chat({ reasoning_effort: "none" })).json as Whole;
    const again = (await chat({ reasoning_effort: "none" })).json as Whole;
    assert.equal(again.choices[0]?.message.content, first.choices[0]?.message.content);
    assert.notEqual(again.id, first.id);
    const stats = await emulator.admin.stats({ method: "openai.chat.completions" });
    assert.equal(stats.requests.total, 2);
    assert.equal(stats.tokens.output, first.usage.completion_tokens * 2);
    const seed = (await emulator.admin.config()).seed;
    await emulator.admin.patchConfig({ seed: seed + 1 });
    try {
      const reseeded = (await chat({ reasoning_effort: "none" })).json as Whole;
      assert.notEqual(reseeded.choices[0]?.message.content, first.choices[0]?.message.content);
    } finally {
      await emulator.admin.patchConfig({ seed });
    }
  });

  test("a system message and models/ ids are accepted", async () => {
    const r = await chat({ model: "models/gemini-2.5-flash", messages: [{ role: "system", content: "Be brief." }, ...USER] });
    assert.equal(r.status, 200);
  });
});

describe("errors in the compatibility layer's array form", () => {
  test("a bad key is the native 400 API_KEY_INVALID, wrapped in an array", async () => {
    await emulator.admin.patchConfig(keysConfig([TEST_KEY]));
    try {
      const r = await chat({}, { authorization: "Bearer wrong" });
      assert.equal(r.status, 400);
      const error = arrayError(r.json);
      assert.equal(error.status, "INVALID_ARGUMENT");
      assert.match(error.message, /API key not valid/);
    } finally {
      await emulator.admin.patchConfig(keysConfig([]));
    }
  });

  test("no key is 403", async () => {
    const r = await chat({}, {});
    assert.equal(r.status, 403);
    assert.equal(arrayError(r.json).status, "PERMISSION_DENIED");
  });

  test("an unknown model is 404 naming v1main", async () => {
    const r = await chat({ model: "gemini-9-ultra" });
    assert.equal(r.status, 404);
    assert.match(arrayError(r.json).message, /^models\/gemini-9-ultra is not found for API version v1main/);
  });

  test("an unknown field and a bad value are 400 naming the field", async () => {
    const unknown = await chat({ reasoning: { effort: "low" } });
    assert.equal(unknown.status, 400);
    assert.equal(arrayError(unknown.json).message, 'Invalid JSON payload received. Unknown name "reasoning": Cannot find field.');
    const bad = await chat({ reasoning_effort: "extreme" });
    assert.equal(bad.status, 400);
    assert.match(arrayError(bad.json).message, /^reasoning_effort: expected none, minimal, low, medium or high/);
    const empty = await chat({ messages: [] });
    assert.match(arrayError(empty.json).message, /^messages: /);
  });

  test("quota and injected errors keep the native statuses in the array form", async () => {
    await emulator.admin.patchConfig(quotaConfig("gemini-2.5-flash", 1));
    try {
      assert.equal((await chat({})).status, 200);
      const limited = await chat({});
      assert.equal(limited.status, 429);
      assert.equal(arrayError(limited.json).status, "RESOURCE_EXHAUSTED");
    } finally {
      await emulator.admin.patchConfig(quotaConfig("gemini-2.5-flash", null));
    }
    await emulator.admin.patchConfig(faultConfig(503, 1));
    try {
      const overloaded = await chat({});
      assert.equal(overloaded.status, 503);
      assert.equal(arrayError(overloaded.json).status, "UNAVAILABLE");
    } finally {
      await emulator.admin.patchConfig(faultConfig(503, 0));
    }
    const stats = await emulator.admin.stats({ method: "openai.chat.completions" });
    assert.deepEqual(stats.requests.byStatus, { "200": 1, "429": 1, "503": 1 });
  });

  test("an error after the stream started is one data event with the error object, and no [DONE]", async () => {
    await emulator.admin.patchConfig({ faults: { midStreamError: { rate: 1 } } });
    try {
      const r = await chat({ stream: true });
      assert.equal(r.status, 200);
      const data = sseData(r.text);
      assert.notEqual(data.at(-1), "[DONE]");
      const error = JSON.parse(data.at(-1) as string) as { error: { code: number } };
      assert.ok(error.error.code >= 500);
    } finally {
      await emulator.admin.patchConfig({ faults: { midStreamError: { rate: 0 } } });
    }
  });
});

describe("embeddings and models", () => {
  test("embeddings: one vector per input, the same as embedContent's for the same text", async () => {
    const r = await postJson(
      emulator.url,
      "/v1beta/openai/embeddings",
      { model: "gemini-embedding-001", input: ["one", "two"], encoding_format: "float" },
      AUTH,
    );
    assert.equal(r.status, 200);
    const body = r.json as {
      object: string;
      data: { object: string; index: number; embedding: number[] }[];
      usage: { prompt_tokens: number };
    };
    assert.equal(body.object, "list");
    assert.deepEqual(
      body.data.map((d) => d.index),
      [0, 1],
    );
    assert.equal(body.data[0]?.embedding.length, 3072);
    const native = await postJson(emulator.url, "/v1beta/models/gemini-embedding-001:embedContent", {
      content: { parts: [{ text: "one" }] },
    });
    assert.deepEqual(body.data[0]?.embedding, (native.json as { embedding: { values: number[] } }).embedding.values);
    const stats = await emulator.admin.stats({ method: "openai.embeddings" });
    assert.equal(stats.requests.total, 1);
    assert.equal(body.usage.prompt_tokens, stats.tokens.prompt);
  });

  test("embeddings in base64 are the float32 bytes of the same vector, and dimensions are honoured", async () => {
    const r = await postJson(
      emulator.url,
      "/v1beta/openai/embeddings",
      { model: "gemini-embedding-001", input: "one", encoding_format: "base64", dimensions: 8 },
      AUTH,
    );
    const encoded = (r.json as { data: { embedding: string }[] }).data[0]?.embedding as string;
    const floats = new Float32Array(Uint8Array.from(Buffer.from(encoded, "base64")).buffer);
    assert.equal(floats.length, 8);
    const plain = await postJson(
      emulator.url,
      "/v1beta/openai/embeddings",
      { model: "gemini-embedding-001", input: "one", dimensions: 8 },
      AUTH,
    );
    const values = (plain.json as { data: { embedding: number[] }[] }).data[0]?.embedding as number[];
    assert.deepEqual([...floats], values.map(Math.fround));
  });

  test("embeddings on a chat model is 404", async () => {
    const r = await postJson(emulator.url, "/v1beta/openai/embeddings", { model: "gemini-2.5-flash", input: "one" }, AUTH);
    assert.equal(r.status, 404);
    assert.match(arrayError(r.json).message, /not supported for embedContent/);
  });

  test("models list and get, with and without models/", async () => {
    const list = await fetch(`${emulator.url}/v1beta/openai/models`, { headers: AUTH });
    const body = (await list.json()) as { object: string; data: { id: string; object: string; owned_by: string }[] };
    assert.equal(body.object, "list");
    assert.ok(body.data.some((m) => m.id === "models/gemini-2.5-flash" && m.object === "model" && m.owned_by === "google"));
    for (const id of ["gemini-2.5-flash", "models%2Fgemini-2.5-flash"]) {
      const one = await fetch(`${emulator.url}/v1beta/openai/models/${id}`, { headers: AUTH });
      assert.equal(one.status, 200);
      assert.equal(((await one.json()) as { id: string }).id, "models/gemini-2.5-flash");
    }
    const missing = await fetch(`${emulator.url}/v1beta/openai/models/nope`, { headers: AUTH });
    assert.equal(missing.status, 404);
    const stats = await emulator.admin.stats({ method: "openai.models" });
    assert.equal(stats.requests.total, 4);
  });

  test("an unknown path under /v1beta/openai/ is 404", async () => {
    const r = await postJson(emulator.url, "/v1beta/openai/completions", { model: "gemini-2.5-flash", prompt: "hi" }, AUTH);
    assert.equal(r.status, 404);
  });
});
