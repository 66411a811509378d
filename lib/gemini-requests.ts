// Pure builders for Gemini REST requests: URL, body and k6 params, with no k6 import so Node tests can check them.
// The API key goes only into the x-goog-api-key header; URLs and tags never carry it.

import type { GenerateContentRequest, Content } from "./gemini-types.ts";

/** The Gemini methods this suite calls; each is also the request's `name` tag. */
export type GeminiMethod = "generateContent" | "streamGenerateContent" | "countTokens" | "embedContent" | "batchEmbedContents";

/** Where and how to reach the service. */
export interface Target {
  baseUrl: string;
  apiKey: string;
  apiVersion: "v1" | "v1beta";
  /** Per-attempt timeout, ms. */
  timeout?: number;
}

/** Everything `http.request` needs, plus the method name for metrics. */
export interface BuiltRequest {
  method: "POST";
  url: string;
  body: string;
  params: {
    headers: Record<string, string>;
    tags: { name: GeminiMethod };
    /** Always 0: a followed redirect would carry the key header to another host. */
    redirects: number;
    timeout?: number;
  };
  geminiMethod: GeminiMethod;
}

/** `{base}/{version}/models/{model}:{method}`; a `models/` prefix on the model is accepted and not doubled. */
function methodUrl(target: Target, model: string, method: GeminiMethod, query = ""): string {
  const base = target.baseUrl.replace(/\/+$/, "");
  const modelId = model.replace(/^models\//, "");
  return `${base}/${target.apiVersion}/models/${encodeURIComponent(modelId)}:${method}${query}`;
}

/** A request body already serialized to JSON (see moderationBodyBuilder), passed through as is. */
export interface JsonText {
  json: string;
}

/** True for a {@link JsonText} wrapper. */
function isJsonText(body: unknown): body is JsonText {
  return typeof body === "object" && body !== null && typeof (body as JsonText).json === "string" && !("contents" in body);
}

function build(target: Target, model: string, method: GeminiMethod, body: unknown, query = ""): BuiltRequest {
  const params: BuiltRequest["params"] = {
    headers: { "content-type": "application/json", "x-goog-api-key": target.apiKey },
    tags: { name: method },
    redirects: 0,
  };
  if (target.timeout !== undefined) params.timeout = target.timeout;
  return {
    method: "POST",
    url: methodUrl(target, model, method, query),
    body: isJsonText(body) ? body.json : JSON.stringify(body),
    params,
    geminiMethod: method,
  };
}

/** A non-streaming generateContent call. */
export function generateContentRequest(target: Target, model: string, request: GenerateContentRequest | JsonText): BuiltRequest {
  return build(target, model, "generateContent", request);
}

/** A streaming call framed as server-sent events (`?alt=sse`), as both official SDKs send it. */
export function streamGenerateContentRequest(target: Target, model: string, request: GenerateContentRequest | JsonText): BuiltRequest {
  return build(target, model, "streamGenerateContent", request, "?alt=sse");
}

/** countTokens in the `{"contents": …}` form that @google/genai sends. */
export function countTokensRequest(target: Target, model: string, contents: Content[]): BuiltRequest {
  return build(target, model, "countTokens", { contents });
}

/** embedContent for one piece of text. */
export function embedContentRequest(target: Target, model: string, text: string): BuiltRequest {
  return build(target, model, "embedContent", { content: { parts: [{ text }] } });
}

/** batchEmbedContents, the call @google/genai's embedContent makes. */
export function batchEmbedContentsRequest(target: Target, model: string, texts: string[]): BuiltRequest {
  const name = `models/${model.replace(/^models\//, "")}`;
  return build(target, model, "batchEmbedContents", {
    requests: texts.map((text) => ({ model: name, content: { parts: [{ text }] } })),
  });
}
