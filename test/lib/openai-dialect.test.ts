// The pure parts of the openai dialect's k6 client: the chat body built from a native request, and the
// parsers of whole answers, SSE streams and the layer's array error bodies into GenerationResult.

import assert from "node:assert/strict";
import { test } from "node:test";
import { moderationRequest } from "../../lib/moderation.ts";
import { chatBody, chatCompletionsRequest, jsonSchemaOf, reasoningEffort } from "../../lib/openai-requests.ts";
import { parseChatCompletion, parseChatSse, parseCompatError } from "../../lib/openai-parse.ts";
import { InvalidResponseError } from "../../lib/gemini-parse.ts";

test("the chat body carries the system instruction, the post, the schema and the thinking level", () => {
  const body = chatBody("models/gemini-2.5-flash", moderationRequest("hello", { maxOutputTokens: 300, thinkingBudget: 0 }), true) as {
    model: string;
    messages: { role: string; content: string }[];
    max_completion_tokens: number;
    reasoning_effort: string;
    response_format: { type: string; json_schema: { schema: { type: string; properties: Record<string, { type: string }> } } };
    stream_options: { include_usage: boolean };
  };
  assert.equal(body.model, "gemini-2.5-flash");
  assert.deepEqual(
    body.messages.map((m) => m.role),
    ["system", "user"],
  );
  assert.match(body.messages[1]?.content ?? "", /hello$/);
  assert.equal(body.max_completion_tokens, 300);
  assert.equal(body.reasoning_effort, "none");
  assert.equal(body.response_format.type, "json_schema");
  assert.equal(body.response_format.json_schema.schema.type, "object");
  assert.equal(body.response_format.json_schema.schema.properties.verdict?.type, "string");
  assert.equal(body.stream_options.include_usage, true);
  assert.equal("propertyOrdering" in jsonSchemaOf({ type: "OBJECT", propertyOrdering: ["a"] }), false);
});

test("thinking budgets map onto reasoning_effort levels", () => {
  assert.deepEqual([0, 1, 1024, 1025, 8192, 24576, -1].map(reasoningEffort), ["none", "low", "low", "medium", "medium", "high", "high"]);
});

test("the request goes to /v1beta/openai/ with the key only in a Bearer header", () => {
  const request = chatCompletionsRequest(
    { baseUrl: "http://h:1/", apiKey: "k-123", apiVersion: "v1" },
    "gemini-2.5-flash",
    moderationRequest("x"),
    false,
  );
  assert.equal(request.url, "http://h:1/v1beta/openai/chat/completions");
  assert.equal(request.params.headers.authorization, "Bearer k-123");
  assert.equal(request.params.redirects, 0);
  assert.ok(!request.url.includes("k-123") && !request.body.includes("k-123"));
});

test("a whole answer: text, usage with thinking from total_tokens, finish reason in Gemini's terms", () => {
  const result = parseChatCompletion(
    JSON.stringify({
      choices: [{ index: 0, finish_reason: "length", message: { role: "assistant", content: "abc" } }],
      usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 20 },
    }),
  );
  assert.deepEqual(result, {
    text: "abc",
    chunks: 1,
    usage: { promptTokenCount: 10, candidatesTokenCount: 3, thoughtsTokenCount: 7 },
    finishReason: "MAX_TOKENS",
  });
  assert.throws(() => parseChatCompletion("<html>"), InvalidResponseError);
});

test("a stream: chunks joined, usage from the final chunk, [DONE] required", () => {
  const chunk = (content: string, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta: { content }, ...extra }] })}\n\n`;
  const last = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "c" }, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } })}\n\n`;
  const body = `${chunk("a")}${chunk("b")}${last}data: [DONE]\n\n`;
  const result = parseChatSse(body);
  assert.equal(result.text, "abc");
  assert.equal(result.chunks, 3);
  assert.equal(result.firstChunkTextLength, 1);
  assert.equal(result.finishReason, "STOP");
  assert.deepEqual(result.usage, { promptTokenCount: 5, candidatesTokenCount: 3, thoughtsTokenCount: 0 });
  assert.throws(() => parseChatSse(`${chunk("a")}`), /without \[DONE\]/);
  const failed = parseChatSse(`${chunk("a")}data: {"error":{"code":503,"message":"busy","status":"UNAVAILABLE"}}\n\n`);
  assert.equal(failed.streamError?.code, 503);
});

test("error bodies in the layer's array form and the native object form", () => {
  const inner = {
    error: {
      code: 429,
      message: "quota",
      status: "RESOURCE_EXHAUSTED",
      details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "7s" }],
    },
  };
  assert.equal(parseCompatError(JSON.stringify([inner]))?.status, "RESOURCE_EXHAUSTED");
  assert.equal(parseCompatError(JSON.stringify(inner))?.code, 429);
  assert.equal(parseCompatError("not json"), undefined);
});
