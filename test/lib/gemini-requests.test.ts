// Unit tests for lib/gemini-requests.ts: paths for v1 and v1beta, headers, name tags, and the key only in its header.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  batchEmbedContentsRequest,
  countTokensRequest,
  embedContentRequest,
  generateContentRequest,
  streamGenerateContentRequest,
  type Target,
} from "../../lib/gemini-requests.ts";

const KEY = "canary-key-7f3a";
const target = (apiVersion: "v1" | "v1beta"): Target => ({ baseUrl: "http://127.0.0.1:8080/", apiKey: KEY, apiVersion });
const body = { contents: [{ role: "user" as const, parts: [{ text: "hello" }] }] };

test("generate paths follow /{version}/models/{model}:{method} for both versions", () => {
  assert.equal(
    generateContentRequest(target("v1beta"), "gemini-2.5-flash", body).url,
    "http://127.0.0.1:8080/v1beta/models/gemini-2.5-flash:generateContent",
  );
  assert.equal(
    generateContentRequest(target("v1"), "models/gemini-2.5-flash", body).url,
    "http://127.0.0.1:8080/v1/models/gemini-2.5-flash:generateContent",
  );
});

test("streaming asks for server-sent events", () => {
  const request = streamGenerateContentRequest(target("v1beta"), "gemini-2.5-flash", body);
  assert.equal(request.url, "http://127.0.0.1:8080/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  assert.equal(request.params.tags.name, "streamGenerateContent");
});

test("every builder sends JSON with the key only in x-goog-api-key and one name tag per endpoint", () => {
  const requests = [
    generateContentRequest(target("v1"), "gemini-2.5-flash", body),
    streamGenerateContentRequest(target("v1"), "gemini-2.5-flash", body),
    countTokensRequest(target("v1"), "gemini-2.5-flash", body.contents),
    embedContentRequest(target("v1"), "gemini-embedding-001", "hi"),
    batchEmbedContentsRequest(target("v1"), "gemini-embedding-001", ["a", "b"]),
  ];
  assert.deepEqual(
    requests.map((r) => r.params.tags.name),
    ["generateContent", "streamGenerateContent", "countTokens", "embedContent", "batchEmbedContents"],
  );
  for (const request of requests) {
    assert.equal(request.method, "POST");
    assert.deepEqual(request.params.headers, { "content-type": "application/json", "x-goog-api-key": KEY });
    assert.ok(!request.url.includes(KEY) && !request.url.includes("key="), request.url);
    assert.ok(!JSON.stringify(request.params.tags).includes(KEY));
    assert.ok(!request.body.includes(KEY));
    assert.equal(request.url.endsWith(`:${request.geminiMethod}`) || request.url.endsWith(`:${request.geminiMethod}?alt=sse`), true);
  }
});

test("bodies follow the wire shapes of the official SDK", () => {
  assert.deepEqual(JSON.parse(countTokensRequest(target("v1"), "gemini-2.5-flash", body.contents).body), { contents: body.contents });
  assert.deepEqual(JSON.parse(embedContentRequest(target("v1"), "gemini-embedding-001", "hi").body), {
    content: { parts: [{ text: "hi" }] },
  });
  assert.deepEqual(JSON.parse(batchEmbedContentsRequest(target("v1"), "gemini-embedding-001", ["a"]).body), {
    requests: [{ model: "models/gemini-embedding-001", content: { parts: [{ text: "a" }] } }],
  });
  assert.deepEqual(JSON.parse(generateContentRequest(target("v1"), "gemini-2.5-flash", body).body), body);
});

test("a timeout is passed on to k6 when set", () => {
  const request = generateContentRequest({ ...target("v1"), timeout: 1500 }, "gemini-2.5-flash", body);
  assert.equal(request.params.timeout, 1500);
  assert.equal("timeout" in generateContentRequest(target("v1"), "gemini-2.5-flash", body).params, false);
});

test("pre-serialized JSON bodies are sent as they are", () => {
  const json = '{"contents":[{"parts":[{"text":"x"}]}]}';
  assert.equal(streamGenerateContentRequest(target("v1"), "gemini-2.5-flash", { json }).body, json);
});
