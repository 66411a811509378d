// Every response shape the emulator gives, checked against the official protos (field names, types,
// enum values) and the real recordings (headers, fields the protos lack), both as committed in
// test/fixtures/gemini-api/, and against the service's SSE framing and error envelope.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadSchemaFixture, parseProtoInto, resolveType, type ProtoSchema } from "../helpers/proto.ts";
import { shapeViolations } from "../helpers/shape.ts";
import { loadRecordings, methodOfUrl, type RecordedInteraction } from "../helpers/recordings.ts";
import { startEmulator, TEST_KEY, type TestEmulator } from "../helpers/emulator.ts";
import { faultConfig, keysConfig, quotaConfig } from "../helpers/conformance.ts";

const schema: ProtoSchema = loadSchemaFixture();
const recordings: RecordedInteraction[] = loadRecordings();

const RESPONSE_MESSAGE: Record<string, string> = {
  generateContent: "GenerateContentResponse",
  streamGenerateContent: "GenerateContentResponse",
  countTokens: "CountTokensResponse",
  embedContent: "EmbedContentResponse",
  batchEmbedContents: "BatchEmbedContentsResponse",
};

/**
 * Fields the real service sends that the protos lack, as `Message.field`: exactly the unknown
 * fields found in the recordings, so nothing is allowed that the service was not seen sending.
 */
const recordedExtras: Set<string> = (() => {
  const extras = new Set<string>();
  for (const interaction of recordings) {
    const message = RESPONSE_MESSAGE[methodOfUrl(interaction.url)];
    if (!message) continue;
    for (const segment of interaction.bodySegments) {
      for (const problem of shapeViolations(schema, message, segment)) {
        const match = /^(.*)\.([A-Za-z0-9_]+): field not in (\S+)$/.exec(problem);
        if (match?.[2] && match[3]) extras.add(`${match[3]}.${match[2]}`);
      }
    }
  }
  return extras;
})();

describe("proto schema", () => {
  test("the digest holds the known fields, labels and enums of the response messages", () => {
    const fields = (name: string): string[] => [...(schema.messages.get(name)?.fields.keys() ?? [])];
    assert.deepEqual(fields("GenerateContentResponse"), ["candidates", "promptFeedback", "usageMetadata", "modelVersion", "responseId"]);
    for (const name of ["promptTokenCount", "candidatesTokenCount", "thoughtsTokenCount", "totalTokenCount", "promptTokensDetails"]) {
      assert.ok(fields("GenerateContentResponse.UsageMetadata").includes(name), name);
    }
    assert.equal(schema.messages.get("Candidate")?.fields.get("safetyRatings")?.label, "repeated");
    assert.equal(schema.messages.get("Candidate")?.fields.get("index")?.label, "optional");
    assert.equal(schema.messages.get("Part")?.fields.get("text")?.oneof, "data");
    assert.equal(schema.messages.get("Model")?.fields.get("inputTokenLimit")?.type, "int32");
    assert.deepEqual(fields("ListModelsResponse"), ["models", "nextPageToken"]);
    assert.deepEqual(fields("CountTokensResponse"), [
      "totalTokens",
      "cachedContentTokenCount",
      "promptTokensDetails",
      "cacheTokensDetails",
    ]);
    assert.ok(schema.enums.get("Candidate.FinishReason")?.values.includes("MAX_TOKENS"));
    assert.ok(schema.enums.get("GenerateContentResponse.PromptFeedback.BlockReason")?.values.includes("SAFETY"));
    assert.ok(schema.enums.get("HarmCategory")?.values.includes("HARM_CATEGORY_HARASSMENT"));
    const usage = resolveType(schema, "UsageMetadata", "GenerateContentResponse");
    assert.equal(usage.kind === "message" && usage.message.fullName, "GenerateContentResponse.UsageMetadata");
  });

  test("reads maps, int64, nested enums and options the way protoc does", () => {
    const own: ProtoSchema = { messages: new Map(), enums: new Map() };
    parseProtoInto(
      `syntax = "proto3"; package x;
       // a comment with message Fake { }
       message Outer { enum Kind { KIND_UNSPECIFIED = 0; BIG = 1 [deprecated = true]; }
         /* block */ map<string, Inner> by_name = 1; int64 total_bytes = 2 [(a.b) = OUTPUT_ONLY];
         message Inner { Kind kind = 1; reserved 2, 3; } oneof pick { string a_b = 3; Inner c = 4; } }`,
      own,
    );
    const outer = own.messages.get("Outer");
    assert.deepEqual([...(outer?.fields.keys() ?? [])], ["byName", "totalBytes", "aB", "c"]);
    assert.equal(outer?.fields.get("byName")?.label, "map");
    assert.equal(outer?.fields.get("byName")?.keyType, "string");
    assert.equal(outer?.fields.get("aB")?.oneof, "pick");
    assert.deepEqual(own.enums.get("Outer.Kind")?.values, ["KIND_UNSPECIFIED", "BIG"]);
    assert.equal(own.messages.has("Fake"), false);
    assert.deepEqual(shapeViolations(own, "Outer", { totalBytes: "12", byName: { x: { kind: "BIG" } } }), []);
    assert.equal(shapeViolations(own, "Outer", { totalBytes: 12 }).length, 1, "int64 must be a string");
    assert.equal(shapeViolations(own, "Outer", { byName: { x: { kind: "SMALL" } } }).length, 1);
    assert.equal(shapeViolations(own, "Outer", { aB: "x", c: {} }).length, 1, "two members of one oneof");
  });

  test("the checker rejects unknown fields, wrong types and bad enums, and accepts the recordings", () => {
    assert.match(shapeViolations(schema, "GenerateContentResponse", { foo: 1 })[0] ?? "", /foo: field not in/);
    assert.match(
      shapeViolations(schema, "GenerateContentResponse", { usageMetadata: { promptTokenCount: "7" } })[0] ?? "",
      /expected an integer number/,
    );
    assert.match(
      shapeViolations(schema, "GenerateContentResponse", { candidates: [{ finishReason: "DONE" }] })[0] ?? "",
      /not a value of enum Candidate.FinishReason/,
    );
    let checked = 0;
    for (const interaction of recordings) {
      const message = RESPONSE_MESSAGE[methodOfUrl(interaction.url)];
      if (!message) continue;
      for (const segment of interaction.bodySegments) {
        assert.deepEqual(shapeViolations(schema, message, segment, recordedExtras), [], interaction.recording);
        checked++;
      }
    }
    assert.ok(checked >= 20, `only ${checked} recorded bodies checked`);
  });
});

let emulator: TestEmulator;

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const init: RequestInit = { method, headers: { "x-goog-api-key": TEST_KEY, ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const response = await fetch(`${emulator.url}${path}`, init);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function assertShape(message: string, value: unknown, where: string): void {
  assert.deepEqual(shapeViolations(schema, message, value, recordedExtras), [], where);
}

/** Splits a raw SSE body into its events, asserting the framing the real service uses. */
function sseEvents(text: string, where: string): unknown[] {
  assert.ok(text.endsWith("\r\n\r\n"), `${where}: the stream does not end with CRLF CRLF`);
  assert.ok(!text.includes("[DONE]"), `${where}: [DONE] sentinel`);
  const events = text.slice(0, -4).split("\r\n\r\n");
  return events.map((event, i) => {
    assert.ok(event.startsWith("data: "), `${where}: event ${i} does not start with "data: ": ${event.slice(0, 40)}`);
    const payload = event.slice("data: ".length);
    assert.ok(!/[\r\n]/.test(payload), `${where}: event ${i} spans more than one line`);
    return JSON.parse(payload) as unknown;
  });
}

/** Headers that only frame the HTTP message; present or not depending on the connection. */
const FRAMING_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"]);

/** Header names and constant values the real service sent on every response of one content type. */
function recordedHeaders(contentType: string): { names: Set<string>; constants: Map<string, string> } {
  const group = recordings.filter((r) => r.headers["Content-Type"] === contentType);
  assert.ok(group.length > 0, `no recording with Content-Type ${contentType}`);
  const values = new Map<string, Set<string>>();
  const counts = new Map<string, number>();
  for (const interaction of group) {
    for (const [name, value] of Object.entries(interaction.headers)) {
      const key = name.toLowerCase();
      counts.set(key, (counts.get(key) ?? 0) + 1);
      values.set(key, (values.get(key) ?? new Set()).add(value));
    }
  }
  const names = new Set([...counts].filter(([name, n]) => n === group.length && !FRAMING_HEADERS.has(name)).map(([n]) => n));
  const constants = new Map<string, string>();
  for (const name of names) {
    const seen = values.get(name);
    if (seen?.size === 1) constants.set(name, [...seen][0] ?? "");
  }
  return { names, constants };
}

function assertRecordedHeaders(response: RawResponse, contentType: string, where: string): void {
  const { names, constants } = recordedHeaders(contentType);
  for (const name of names) assert.ok(response.headers.has(name), `${where}: header ${name} missing`);
  for (const [name, value] of constants) assert.equal(response.headers.get(name), value, `${where}: header ${name}`);
  for (const name of response.headers.keys()) {
    assert.ok(names.has(name) || FRAMING_HEADERS.has(name), `${where}: header ${name} is not sent by the real service`);
  }
  assert.match(response.headers.get("server-timing") ?? "", /^gfet4t7; dur=\d+$/, `${where}: Server-Timing`);
  assert.ok(!Number.isNaN(Date.parse(response.headers.get("date") ?? "")), `${where}: Date`);
}

const CANONICAL_STATUS: Record<number, string[]> = {
  400: ["INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE"],
  403: ["PERMISSION_DENIED"],
  404: ["NOT_FOUND"],
  405: ["METHOD_NOT_ALLOWED", "NOT_FOUND"],
  411: ["LENGTH_REQUIRED", "INVALID_ARGUMENT"],
  413: ["INVALID_ARGUMENT", "OUT_OF_RANGE"],
  429: ["RESOURCE_EXHAUSTED"],
  500: ["INTERNAL"],
  503: ["UNAVAILABLE"],
  504: ["DEADLINE_EXCEEDED"],
};

/** Fields allowed in each google.rpc detail type the service sends (BEHAVIOR.md "Errors" and "auth"). */
const DETAIL_FIELDS: Record<string, string[]> = {
  "type.googleapis.com/google.rpc.ErrorInfo": ["reason", "domain", "metadata"],
  "type.googleapis.com/google.rpc.LocalizedMessage": ["locale", "message"],
  "type.googleapis.com/google.rpc.BadRequest": ["fieldViolations"],
  "type.googleapis.com/google.rpc.QuotaFailure": ["violations"],
  "type.googleapis.com/google.rpc.Help": ["links"],
  "type.googleapis.com/google.rpc.RetryInfo": ["retryDelay"],
};

/** Asserts the Gemini error envelope: code = HTTP status, canonical status, known details, pretty-printed. */
function assertErrorEnvelope(response: RawResponse, where: string): void {
  assert.equal(response.headers.get("content-type"), "application/json; charset=UTF-8", `${where}: Content-Type`);
  const body = JSON.parse(response.text) as { error?: Record<string, unknown> };
  assert.deepEqual(Object.keys(body), ["error"], `${where}: top level`);
  const error = body.error ?? {};
  for (const key of Object.keys(error)) {
    assert.ok(["code", "message", "status", "details"].includes(key), `${where}: error.${key}`);
  }
  assert.equal(error.code, response.status, `${where}: code`);
  assert.equal(typeof error.message, "string");
  assert.ok((CANONICAL_STATUS[response.status] ?? []).includes(String(error.status)), `${where}: status ${String(error.status)}`);
  if (error.details !== undefined) {
    assert.ok(Array.isArray(error.details) && error.details.length > 0, `${where}: details must be a non-empty array`);
    for (const detail of error.details as Record<string, unknown>[]) {
      const allowed = DETAIL_FIELDS[String(detail["@type"])];
      assert.ok(allowed, `${where}: unknown detail type ${String(detail["@type"])}`);
      for (const key of Object.keys(detail)) {
        assert.ok(key === "@type" || allowed.includes(key), `${where}: ${String(detail["@type"])} has ${key}`);
      }
    }
  }
  assert.equal(response.text, `${JSON.stringify(body, null, 2)}\n`, `${where}: not pretty-printed with a trailing newline`);
}

const PROMPT = { contents: [{ role: "user", parts: [{ text: "Why is the sky blue? Answer briefly." }] }] };
const GENERATE_CASES: [string, string, object][] = [
  ["gemini-2.5-flash", "v1beta", PROMPT],
  ["gemini-2.5-flash", "v1", PROMPT],
  ["gemini-2.5-flash-lite", "v1beta", PROMPT],
  ["gemini-2.5-pro", "v1beta", { ...PROMPT, generationConfig: { thinkingConfig: { includeThoughts: true } } }],
  ["gemini-2.0-flash", "v1beta", PROMPT],
  ["gemini-2.5-flash", "v1beta", { ...PROMPT, generationConfig: { maxOutputTokens: 3, thinkingConfig: { thinkingBudget: 0 } } }],
  ["gemini-2.5-flash", "v1beta", { ...PROMPT, generationConfig: { maxOutputTokens: 8 } }],
  [
    "gemini-2.5-flash",
    "v1beta",
    {
      ...PROMPT,
      generationConfig: {
        responseMimeType: "application/json",
        responseSchema: { type: "OBJECT", properties: { answer: { type: "STRING" }, score: { type: "NUMBER" } } },
      },
    },
  ],
  [
    "gemini-2.5-flash-lite",
    "v1beta",
    {
      contents: [{ role: "user", parts: [{ text: "Classify this message.\nText: you are a pathetic loser" }] }],
      generationConfig: {
        responseMimeType: "application/json",
        responseSchema: {
          type: "OBJECT",
          properties: { label: { type: "STRING", format: "enum", enum: ["clean", "harassment", "spam"] } },
        },
      },
    },
  ],
  // The default safety trigger terms of every profile: a blocked prompt, then a blocked answer.
  ["gemini-2.5-flash", "v1beta", { contents: [{ parts: [{ text: "please EMULATOR_BLOCK_PROMPT now" }] }] }],
  ["gemini-2.0-flash", "v1beta", { contents: [{ parts: [{ text: "please EMULATOR_BLOCK_RESPONSE now" }] }] }],
];

describe("emulator responses against the protos and the recordings", () => {
  before(async () => {
    emulator = await startEmulator({ profile: "zero-latency" });
  });
  after(async () => {
    await emulator?.close();
  });

  test("generateContent: fields, types, enums and headers as the real service", async () => {
    for (const [model, version, body] of GENERATE_CASES) {
      const where = `${version} ${model} ${JSON.stringify(body).slice(60, 160)}`;
      const response = await call("POST", `/${version}/models/${model}:generateContent`, body);
      assert.equal(response.status, 200, `${where}: ${response.text}`);
      assertRecordedHeaders(response, "application/json; charset=UTF-8", where);
      const parsed = JSON.parse(response.text) as { usageMetadata?: unknown; responseId?: unknown; modelVersion?: unknown };
      assertShape("GenerateContentResponse", parsed, where);
      assert.ok(parsed.usageMetadata, `${where}: usageMetadata missing`);
      if (JSON.stringify(body).includes("EMULATOR_BLOCK_PROMPT")) {
        const blocked = parsed as { promptFeedback?: { blockReason?: string }; candidates?: unknown };
        assert.equal(blocked.promptFeedback?.blockReason, "SAFETY", `${where}: blockReason`);
        assert.equal(blocked.candidates, undefined, `${where}: a blocked prompt has no candidates`);
      }
      if (JSON.stringify(body).includes("EMULATOR_BLOCK_RESPONSE")) {
        const blocked = parsed as { candidates?: { finishReason?: string }[] };
        assert.equal(blocked.candidates?.[0]?.finishReason, "SAFETY", `${where}: finishReason`);
      }
      assert.equal(typeof parsed.responseId, "string");
      assert.equal(typeof parsed.modelVersion, "string");
    }
  });

  test("streamGenerateContent?alt=sse: framing, headers and every chunk's shape", async () => {
    for (const [model, version, body] of GENERATE_CASES) {
      const where = `sse ${version} ${model}`;
      const response = await call("POST", `/${version}/models/${model}:streamGenerateContent?alt=sse`, body);
      assert.equal(response.status, 200, `${where}: ${response.text}`);
      assertRecordedHeaders(response, "text/event-stream", where);
      const events = sseEvents(response.text, where);
      assert.ok(events.length >= 1);
      events.forEach((event, i) => {
        assertShape("GenerateContentResponse", event, `${where} event ${i}`);
      });
      const ids = new Set(events.map((e) => (e as { responseId?: string }).responseId));
      assert.equal(ids.size, 1, `${where}: one responseId per stream`);
    }
  });

  test("streamGenerateContent without alt: a JSON array of responses", async () => {
    const response = await call("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", PROMPT);
    assert.equal(response.status, 200, response.text);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    const parsed = JSON.parse(response.text) as unknown;
    assert.ok(Array.isArray(parsed) && parsed.length >= 1, "not a non-empty JSON array");
    parsed.forEach((item, i) => {
      assertShape("GenerateContentResponse", item, `array item ${i}`);
    });
  });

  test("countTokens (both body forms), embedContent and batchEmbedContents", async () => {
    const forms = [PROMPT, { generateContentRequest: { model: "models/gemini-2.5-flash", ...PROMPT } }];
    for (const body of forms) {
      const response = await call("POST", "/v1beta/models/gemini-2.5-flash:countTokens", body);
      assert.equal(response.status, 200, response.text);
      assertRecordedHeaders(response, "application/json; charset=UTF-8", "countTokens");
      assertShape("CountTokensResponse", JSON.parse(response.text), "countTokens");
    }
    const content = { parts: [{ text: "embed me" }] };
    const single = await call("POST", "/v1beta/models/gemini-embedding-001:embedContent", { content });
    assert.equal(single.status, 200, single.text);
    assertShape("EmbedContentResponse", JSON.parse(single.text), "embedContent");
    const batch = await call("POST", "/v1/models/gemini-embedding-001:batchEmbedContents", {
      requests: [
        { model: "models/gemini-embedding-001", content },
        { model: "models/gemini-embedding-001", content },
      ],
    });
    assert.equal(batch.status, 200, batch.text);
    assertShape("BatchEmbedContentsResponse", JSON.parse(batch.text), "batchEmbedContents");
  });

  test("models.list (paged) and models.get return Model resources", async () => {
    let pageToken = "";
    let pages = 0;
    do {
      const response = await call("GET", `/v1beta/models?pageSize=2${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ""}`);
      assert.equal(response.status, 200, response.text);
      assertRecordedHeaders(response, "application/json; charset=UTF-8", "models.list");
      const parsed = JSON.parse(response.text) as { models: { name: string }[]; nextPageToken?: string };
      assertShape("ListModelsResponse", parsed, `models.list page ${pages}`);
      assert.ok(parsed.models.length <= 2);
      for (const model of parsed.models) {
        const one = await call("GET", `/v1beta/${model.name}`);
        assert.equal(one.status, 200, one.text);
        const resource = JSON.parse(one.text) as Record<string, unknown>;
        assertShape("Model", resource, model.name);
        // model.proto marks name, baseModelId and version REQUIRED; the embedding model once lacked baseModelId.
        for (const field of ["name", "baseModelId", "version"]) assert.ok(field in resource, `${model.name} lacks ${field}`);
        assert.equal(resource.baseModelId, model.name.slice("models/".length));
      }
      pageToken = parsed.nextPageToken ?? "";
      pages++;
    } while (pageToken && pages < 50);
    assert.ok(pages >= 3, `only ${pages} page(s) of 2 models`);
  });
});

describe("emulator errors against BEHAVIOR.md", () => {
  before(async () => {
    emulator = await startEmulator({ profile: "zero-latency" });
  });
  after(async () => {
    await emulator?.close();
  });

  const generate = "/v1beta/models/gemini-2.5-flash:generateContent";

  test("auth, not found, validation and path errors have the Gemini envelope", async () => {
    const cases: [string, number, () => Promise<RawResponse>][] = [
      ["no key", 403, () => call("POST", generate, PROMPT, { "x-goog-api-key": "" })],
      ["unknown model", 404, () => call("POST", "/v1beta/models/gemini-0.1-nonexistent:generateContent", PROMPT)],
      ["malformed JSON", 400, () => call("POST", generate, '{"contents": [')],
      ["unknown field", 400, () => call("POST", generate, { ...PROMPT, bogusField: 1 })],
      ["wrong type", 400, () => call("POST", generate, { contents: "not a list of contents" })],
      ["empty contents", 400, () => call("POST", generate, { contents: [] })],
      ["bad enum", 400, () => call("POST", generate, { ...PROMPT, safetySettings: [{ category: "NOPE", threshold: "BLOCK_NONE" }] })],
      ["temperature out of range", 400, () => call("POST", generate, { ...PROMPT, generationConfig: { temperature: 7 } })],
      ["unknown path", 404, () => call("GET", "/v1beta/nothing/here")],
      ["wrong method", 404, () => call("GET", generate)],
      ["stream on unknown model", 404, () => call("POST", "/v1beta/models/nope:streamGenerateContent?alt=sse", PROMPT)],
    ];
    for (const [name, status, send] of cases) {
      const response = await send();
      assert.ok(
        response.status === status || (name === "wrong method" && response.status === 405),
        `${name}: got ${response.status} ${response.text}`,
      );
      assertErrorEnvelope(response, name);
    }
  });

  test("a stream that fails after it started: status 200, then the raw pretty-printed error object", async () => {
    await emulator.admin.patchConfig({ faults: { midStreamError: { rate: 1, status: 503 } } });
    try {
      const sse = await call("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", PROMPT);
      assert.equal(sse.status, 200);
      assertRecordedHeaders(sse, "text/event-stream", "mid-stream error (sse)");
      const lastFrame = sse.text.lastIndexOf("\r\n\r\n");
      assert.ok(lastFrame > 0, "no data event before the error");
      sseEvents(sse.text.slice(0, lastFrame + 4), "mid-stream error (sse)").forEach((event, i) => {
        assertShape("GenerateContentResponse", event, `mid-stream error event ${i}`);
      });
      const rawError = sse.text.slice(lastFrame + 4);
      assert.ok(!rawError.startsWith("data:"), "the error must not be data-framed");
      assertErrorEnvelope(
        { status: 503, headers: new Headers({ "content-type": "application/json; charset=UTF-8" }), text: rawError },
        "mid-stream error body",
      );

      const array = await call("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", PROMPT);
      assert.equal(array.status, 200);
      const items = JSON.parse(array.text) as unknown[];
      assert.ok(items.length >= 2);
      const last = items.at(-1) as { error?: { code?: number; status?: string } };
      assert.equal(last.error?.code, 503);
      assert.equal(last.error?.status, "UNAVAILABLE");
      items.slice(0, -1).forEach((item, i) => {
        assertShape("GenerateContentResponse", item, `array item ${i} before the error`);
      });
    } finally {
      await emulator.admin.patchConfig({ faults: { midStreamError: { rate: 0 } } });
    }
  });

  test("error responses carry the same service headers as successful ones", async () => {
    const responses = [
      await call("POST", generate, PROMPT, { "x-goog-api-key": "" }),
      await call("POST", "/v1beta/models/gemini-0.1-nonexistent:generateContent", PROMPT),
      await call("POST", generate, { contents: [] }),
      await call("GET", "/v1beta/nothing/here"),
    ];
    for (const response of responses) assertRecordedHeaders(response, "application/json; charset=UTF-8", `error ${response.status}`);
  });

  test("unknown field message names the field as the service does", async () => {
    const response = await call("POST", generate, { ...PROMPT, bogusField: 1 });
    const body = JSON.parse(response.text) as { error: { message: string; details?: { "@type": string }[] } };
    assert.match(body.error.message, /^Invalid JSON payload received\. Unknown name "bogusField"/);
    assert.ok(body.error.details?.some((d) => d["@type"] === "type.googleapis.com/google.rpc.BadRequest"));
  });

  test("bad key, quota and injected faults have the Gemini envelope and their details", async () => {
    await emulator.admin.patchConfig(keysConfig(["only-this-key"]));
    const badKey = await call("POST", generate, PROMPT, { "x-goog-api-key": "other" });
    assert.equal(badKey.status, 400);
    assertErrorEnvelope(badKey, "bad key");
    await emulator.admin.patchConfig(keysConfig([]));

    await emulator.admin.reset();
    await emulator.admin.patchConfig(quotaConfig("gemini-2.5-flash", 1));
    assert.equal((await call("POST", generate, PROMPT)).status, 200);
    const quota = await call("POST", generate, PROMPT);
    assert.equal(quota.status, 429);
    assertErrorEnvelope(quota, "quota");
    await emulator.admin.patchConfig(quotaConfig("gemini-2.5-flash", null));

    for (const status of [429, 500, 503, 504] as const) {
      await emulator.admin.patchConfig(faultConfig(status, 1));
      const plain = await call("POST", generate, PROMPT);
      const streamed = await call("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", PROMPT);
      await emulator.admin.patchConfig(faultConfig(status, 0));
      assert.equal(plain.status, status, plain.text);
      assertErrorEnvelope(plain, `fault ${status}`);
      assert.equal(streamed.status, status, streamed.text);
      assertErrorEnvelope(streamed, `fault ${status} on a stream`);
    }
  });
});
