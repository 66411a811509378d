// Translates OpenAI-style request bodies into the native requests the emulator already models, as the
// compatibility layer does: messages → contents and systemInstruction, max_tokens → maxOutputTokens,
// n → candidateCount, stop → stopSequences, response_format → a JSON mime type and schema,
// reasoning_effort → a thinking budget. What it cannot translate is a 400 naming the field.

import { compatBadRequest, unknownField } from "./openai-errors.ts";
import { countTextTokens } from "./tokens.ts";
import type { ApiError } from "./errors.ts";
import type { ContentPlan } from "./content.ts";

/** Budgets of reasoning_effort on 2.5 models, from Google's OpenAI compatibility page ("none" turns thinking off). */
const REASONING_BUDGETS: Readonly<Record<string, number>> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24576 };

// Chat fields the layer accepts; those without an effect here are accepted and ignored.
const CHAT_FIELDS = new Set([
  "model",
  "messages",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "n",
  "stop",
  "stream",
  "stream_options",
  "response_format",
  "reasoning_effort",
  "seed",
  "presence_penalty",
  "frequency_penalty",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "logprobs",
  "top_logprobs",
  "user",
  "extra_body",
  "modalities",
  "audio",
  "store",
  "metadata",
  "service_tier",
]);

/** A chat request in native form, with what the answer needs of the original. */
export interface ChatRequest {
  model: string;
  native: Record<string, unknown>;
  stream: boolean;
  includeUsage: boolean;
  stops: string[];
}

/** An embeddings request: the model and one native content per input. */
export interface EmbeddingsRequest {
  model: string;
  contents: Record<string, unknown>[];
  dimensions?: number;
  base64: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function modelOf(body: Record<string, unknown>): string | ApiError {
  const model = body.model;
  if (typeof model !== "string" || model === "") return compatBadRequest("model: expected a model id such as gemini-2.5-flash, got none.");
  return model;
}

function partsOf(content: unknown, at: string): unknown[] | ApiError {
  if (typeof content === "string") return [{ text: content }];
  if (!Array.isArray(content)) return compatBadRequest(`${at}.content: expected a string or an array of content parts.`);
  const parts: unknown[] = [];
  for (let j = 0; j < content.length; j++) {
    const part = content[j];
    if (!isObject(part)) return compatBadRequest(`${at}.content[${j}]: expected an object with a type.`);
    if (part.type === "text" && typeof part.text === "string") parts.push({ text: part.text });
    else if (part.type === "image_url" && isObject(part.image_url) && typeof part.image_url.url === "string") {
      const url = part.image_url.url;
      const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
      parts.push(data ? { inlineData: { mimeType: data[1], data: data[2] } } : { fileData: { fileUri: url } });
    } else return compatBadRequest(`${at}.content[${j}]: unsupported part type ${JSON.stringify(part.type)}; use text or image_url.`);
  }
  return parts;
}

function messagesToContents(messages: unknown): { contents: unknown[]; system: unknown[] } | ApiError {
  if (!Array.isArray(messages) || messages.length === 0)
    return compatBadRequest("messages: expected a non-empty array of {role, content}.");
  const contents: unknown[] = [];
  const system: unknown[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const at = `messages[${i}]`;
    if (!isObject(m)) return compatBadRequest(`${at}: expected an object with role and content.`);
    const parts = partsOf(m.content ?? "", at);
    if (!Array.isArray(parts)) return parts;
    if (m.role === "system" || m.role === "developer") system.push(...parts);
    else if (m.role === "user" || m.role === "tool") contents.push({ role: "user", parts });
    else if (m.role === "assistant") contents.push({ role: "model", parts });
    else return compatBadRequest(`${at}.role: expected system, developer, user, assistant or tool, got ${JSON.stringify(m.role)}.`);
  }
  return { contents, system };
}

function intField(body: Record<string, unknown>, name: string, min: number): number | undefined | ApiError {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min)
    return compatBadRequest(`${name}: expected an integer of at least ${min}, got ${JSON.stringify(v)}.`);
  return v;
}

function responseFormat(format: unknown, config: Record<string, unknown>): ApiError | undefined {
  if (format === undefined || format === null) return undefined;
  if (!isObject(format)) return compatBadRequest("response_format: expected an object with a type.");
  if (format.type === "text") return undefined;
  if (format.type === "json_object") {
    config.responseMimeType = "application/json";
    return undefined;
  }
  if (format.type === "json_schema") {
    const spec = format.json_schema;
    if (!isObject(spec) || !isObject(spec.schema))
      return compatBadRequest("response_format.json_schema.schema: expected a JSON schema object.");
    config.responseMimeType = "application/json";
    config.responseJsonSchema = spec.schema;
    return undefined;
  }
  return compatBadRequest(`response_format.type: expected text, json_object or json_schema, got ${JSON.stringify(format.type)}.`);
}

/** The native GenerateContentRequest of a chat completions body, or the 400 to answer. */
export function translateChat(body: unknown): ChatRequest | ApiError {
  if (!isObject(body)) return compatBadRequest("Invalid JSON payload received. Expected a JSON object.");
  for (const name of Object.keys(body)) if (!CHAT_FIELDS.has(name)) return unknownField(name);
  const model = modelOf(body);
  if (typeof model !== "string") return model;
  const messages = messagesToContents(body.messages);
  if ("httpStatus" in messages) return messages;
  const config: Record<string, unknown> = {};
  const maxTokens = intField(body, "max_completion_tokens", 1) ?? intField(body, "max_tokens", 1);
  if (typeof maxTokens === "object") return maxTokens;
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  const n = intField(body, "n", 1);
  if (typeof n === "object") return n;
  if (n !== undefined) config.candidateCount = n;
  for (const [name, native] of [
    ["temperature", "temperature"],
    ["top_p", "topP"],
    ["presence_penalty", "presencePenalty"],
    ["frequency_penalty", "frequencyPenalty"],
    ["seed", "seed"],
  ] as const) {
    const v = body[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== "number") return compatBadRequest(`${name}: expected a number, got ${JSON.stringify(v)}.`);
    config[native] = v;
  }
  const stop = body.stop;
  const stops = stop === undefined || stop === null ? [] : typeof stop === "string" ? [stop] : stop;
  if (!Array.isArray(stops) || !stops.every((s) => typeof s === "string"))
    return compatBadRequest("stop: expected a string or an array of strings.");
  if (stops.length > 0) config.stopSequences = stops;
  const formatError = responseFormat(body.response_format, config);
  if (formatError) return formatError;
  const effort = body.reasoning_effort;
  if (effort !== undefined && effort !== null) {
    const budget = typeof effort === "string" ? REASONING_BUDGETS[effort] : undefined;
    if (budget === undefined)
      return compatBadRequest(`reasoning_effort: expected none, minimal, low, medium or high, got ${JSON.stringify(effort)}.`);
    config.thinkingConfig = { thinkingBudget: budget };
  }
  const streamOptions = body.stream_options;
  const native: Record<string, unknown> = { contents: messages.contents };
  if (messages.system.length > 0) native.systemInstruction = { parts: messages.system };
  if (Object.keys(config).length > 0) native.generationConfig = config;
  return {
    model,
    native,
    stream: body.stream === true,
    includeUsage: isObject(streamOptions) && streamOptions.include_usage === true,
    stops: stops as string[],
  };
}

/** The native contents of an embeddings body, or the 400 to answer. */
export function translateEmbeddings(body: unknown): EmbeddingsRequest | ApiError {
  if (!isObject(body)) return compatBadRequest("Invalid JSON payload received. Expected a JSON object.");
  const model = modelOf(body);
  if (typeof model !== "string") return model;
  const input = body.input;
  const texts = typeof input === "string" ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === "string")) {
    return compatBadRequest("input: expected a string or a non-empty array of strings (token arrays are not supported).");
  }
  if (texts.length > 100) return compatBadRequest("input: at most 100 texts can be embedded in one request.");
  const dimensions = intField(body, "dimensions", 1);
  if (typeof dimensions === "object") return dimensions;
  const encoding = body.encoding_format;
  if (encoding !== undefined && encoding !== null && encoding !== "float" && encoding !== "base64") {
    return compatBadRequest(`encoding_format: expected float or base64, got ${JSON.stringify(encoding)}.`);
  }
  return { model, contents: texts.map((text) => ({ parts: [{ text }] })), dimensions, base64: encoding === "base64" };
}

/** The plan cut at the first stop sequence in its text (finish reason STOP), or the plan itself. */
export function cutAtStop(plan: ContentPlan, stops: string[]): ContentPlan {
  if (stops.length === 0 || plan.chunks.length === 0) return plan;
  const text = plan.chunks.join("");
  let at = -1;
  for (const s of stops) {
    const i = s === "" ? -1 : text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  if (at < 0) return plan;
  const chunks: string[] = [];
  const chunkTokens: number[] = [];
  let pos = 0;
  for (let k = 0; k < plan.chunks.length && pos < at; k++) {
    const chunk = plan.chunks[k] as string;
    if (pos + chunk.length <= at) {
      chunks.push(chunk);
      chunkTokens.push(plan.chunkTokens[k] ?? 0);
    } else {
      const part = chunk.slice(0, at - pos);
      chunks.push(part);
      chunkTokens.push(countTextTokens(part));
    }
    pos += chunk.length;
  }
  let outputTokens = 0;
  for (const t of chunkTokens) outputTokens += t;
  return { ...plan, chunks, chunkTokens, outputTokens, finishReason: "STOP" };
}
