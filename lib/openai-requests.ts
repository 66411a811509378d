// Pure builders for Gemini's OpenAI-compatible surface (`/v1beta/openai/`): the chat completions body
// of a native GenerateContentRequest, its URL and k6 params. No k6 import, so Node tests and verify use
// them. The key goes only into the Authorization header, as the OpenAI SDKs send it.

import type { GenerateContentRequest, Schema } from "./gemini-types.ts";
import type { Target } from "./gemini-requests.ts";

/** The dialect's calls; each is also the request's `name` tag. */
export type OpenAiMethod = "openai.chat.completions" | "openai.embeddings";

/** Everything `http.request` needs for one call of the dialect. */
export interface OpenAiRequest {
  method: "POST";
  url: string;
  body: string;
  params: {
    headers: Record<string, string>;
    tags: { name: OpenAiMethod };
    /** Always 0: a followed redirect would carry the key header to another host. */
    redirects: number;
    timeout?: number;
  };
  openaiMethod: OpenAiMethod;
  stream: boolean;
}

/** The compatibility layer's root: it exists under v1beta only, whatever GEMINI_API_VERSION says. */
export function openAiBaseUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/v1beta/openai/`;
}

/** reasoning_effort for a thinking budget: 0 turns thinking off, others take the nearest level at or above. */
export function reasoningEffort(thinkingBudget: number): "none" | "low" | "medium" | "high" {
  if (thinkingBudget === 0) return "none";
  if (thinkingBudget > 0 && thinkingBudget <= 1024) return "low";
  if (thinkingBudget > 0 && thinkingBudget <= 8192) return "medium";
  return "high";
}

/** A Gemini Schema as JSON Schema: lower-case types, propertyOrdering dropped (JSON Schema has none). */
export function jsonSchemaOf(schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "propertyOrdering") continue;
    if (key === "type") out.type = String(value).toLowerCase();
    else if (key === "items") out.items = jsonSchemaOf(value as Schema);
    else if (key === "properties") {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([name, inner]) => [name, jsonSchemaOf(inner)]),
      );
    } else out[key] = value;
  }
  return out;
}

function textOf(parts: { text?: string }[] | undefined): string {
  return (parts ?? []).map((p) => p.text ?? "").join("");
}

/** The chat completions body asking what `request` asks natively. */
export function chatBody(model: string, request: GenerateContentRequest, stream: boolean): Record<string, unknown> {
  const messages: { role: string; content: string }[] = [];
  if (request.systemInstruction) messages.push({ role: "system", content: textOf(request.systemInstruction.parts) });
  for (const content of request.contents)
    messages.push({ role: content.role === "model" ? "assistant" : "user", content: textOf(content.parts) });
  const body: Record<string, unknown> = { model: model.replace(/^models\//, ""), messages };
  const config = request.generationConfig;
  if (config?.temperature !== undefined) body.temperature = config.temperature;
  if (config?.maxOutputTokens !== undefined) body.max_completion_tokens = config.maxOutputTokens;
  if (config?.thinkingConfig?.thinkingBudget !== undefined) body.reasoning_effort = reasoningEffort(config.thinkingConfig.thinkingBudget);
  if (config?.responseSchema) {
    body.response_format = { type: "json_schema", json_schema: { name: "response", schema: jsonSchemaOf(config.responseSchema) } };
  } else if (config?.responseMimeType === "application/json") body.response_format = { type: "json_object" };
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

function build(target: Target, path: string, method: OpenAiMethod, body: string, stream: boolean): OpenAiRequest {
  const params: OpenAiRequest["params"] = {
    headers: { "content-type": "application/json", authorization: `Bearer ${target.apiKey}` },
    tags: { name: method },
    redirects: 0,
  };
  if (target.timeout !== undefined) params.timeout = target.timeout;
  return { method: "POST", url: `${openAiBaseUrl(target.baseUrl)}${path}`, body, params, openaiMethod: method, stream };
}

/** A chat completion, streamed with usage on the final chunk when `stream`. */
export function chatCompletionsRequest(target: Target, model: string, request: GenerateContentRequest, stream: boolean): OpenAiRequest {
  return build(target, "chat/completions", "openai.chat.completions", JSON.stringify(chatBody(model, request, stream)), stream);
}
