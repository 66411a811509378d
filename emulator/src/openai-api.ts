// The OpenAI-compatible surface under /v1beta/openai/: chat/completions, embeddings, models and
// models/{id}. Requests are translated to native ones and served by the same plan, admission, timing,
// fault and stats code as the native API (stats methods openai.chat.completions, openai.embeddings,
// openai.models); answers and errors leave in the OpenAI forms (openai-format.ts, openai-errors.ts).

import { pathNotFound } from "./errors.ts";
import { parseJsonBody, checkGenerateRequest } from "./validate.ts";
import { planRequest } from "./plan-request.ts";
import { answerGenerate } from "./api-generate.ts";
import { admitEmbedding } from "./api-embed.ts";
import { countContentTokens } from "./tokens.ts";
import { embeddingValues } from "./response.ts";
import { controlDelay, refuse } from "./delays.ts";
import { apiKeyOf, sendJson } from "./http.ts";
import { keyedBody } from "./intake.ts";
import { compatModelNotFound } from "./openai-errors.ts";
import { COMPAT_ERRORS, ChatFormat } from "./openai-format.ts";
import { cutAtStop, translateChat, translateEmbeddings, type EmbeddingsRequest } from "./openai-translate.ts";
import type { CachedAnswer } from "./answer-cache.ts";
import type { ModelInfo } from "./models.ts";
import type { Exchange } from "./exchange.ts";

/** Path prefix of the surface. */
export const OPENAI_PREFIX = "/v1beta/openai/";

/** The key from `Authorization: Bearer <key>` (the OpenAI SDKs' form), else the native header or `?key=`. */
function bearerKey(x: Exchange, query: URLSearchParams | undefined): string | undefined {
  const auth = x.req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim() || undefined;
  return apiKeyOf(x.req, query);
}

function modelObject(model: ModelInfo): Record<string, unknown> {
  return { id: `models/${model.id}`, object: "model", created: 0, owned_by: "google" };
}

/** Serves a request whose path starts with {@link OPENAI_PREFIX}. */
export async function serveOpenAi(x: Exchange, path: string, query: URLSearchParams | undefined): Promise<void> {
  const { req, state } = x;
  x.format = COMPAT_ERRORS;
  const rest = path.slice(OPENAI_PREFIX.length);
  let modelId: string | undefined;
  if (rest === "chat/completions" || rest === "embeddings") {
    x.method = rest === "embeddings" ? "openai.embeddings" : "openai.chat.completions";
    if (req.method !== "POST") {
      req.resume();
      return refuse(x, pathNotFound());
    }
  } else if (rest === "models" || rest.startsWith("models/")) {
    x.method = "openai.models";
    if (rest !== "models") {
      try {
        modelId = decodeURIComponent(rest.slice(7));
      } catch {
        modelId = "";
      }
      if (modelId === "") {
        req.resume();
        return refuse(x, pathNotFound());
      }
    }
    if (req.method !== "GET") {
      req.resume();
      return refuse(x, pathNotFound());
    }
  } else {
    req.resume();
    return refuse(x, pathNotFound());
  }

  const key = bearerKey(x, query);
  const raw = await keyedBody(x, key, req.method === "POST", path, query);
  // `!key` only narrows: keyedBody answered every request without one.
  if (raw === undefined || !key) return;

  if (x.method === "openai.models") {
    if (modelId === undefined) {
      await controlDelay(x);
      return sendJson(x, 200, JSON.stringify({ object: "list", data: state.modelList.map(modelObject) }));
    }
    const model = x.state.findModel(modelId);
    if (!model) return refuse(x, compatModelNotFound(modelId, "generateContent"));
    x.model = model.id;
    await controlDelay(x);
    return sendJson(x, 200, JSON.stringify(modelObject(model)));
  }
  if (x.method === "openai.chat.completions") {
    // A repeated body (a load test replaying its data) is served from its cached plan, unparsed.
    const cached = state.answers.get(CHAT_FORM, x.bodyKey, raw) as ChatAnswer | undefined;
    if (cached) return serveCachedChat(x, cached, key);
  }
  const parsed = parseJsonBody(raw);
  if ("error" in parsed) return refuse(x, parsed.error);
  if (x.method === "openai.embeddings") return serveEmbeddings(x, parsed.value, key);
  return serveChat(x, parsed.value, raw, key);
}

/** A planned chat answer with what serving it again needs: cached by raw body like native answers. */
interface ChatAnswer extends CachedAnswer {
  model: ModelInfo;
  stream: boolean;
  includeUsage: boolean;
}

// The model and stream flag are in the body, so one cache form serves every chat request.
const CHAT_FORM = "openai:chat";

function serveCachedChat(x: Exchange, answer: ChatAnswer, key: string): void | Promise<void> {
  x.model = answer.model.id;
  x.stream = answer.stream;
  x.sse = true;
  x.format = new ChatFormat(answer.includeUsage);
  return answerGenerate(x, answer, answer.model, key);
}

function serveChat(x: Exchange, body: unknown, raw: string, key: string): void | Promise<void> {
  const { state } = x;
  const chat = translateChat(body);
  if ("httpStatus" in chat) return refuse(x, chat);
  const model = x.state.findModel(chat.model);
  if (model?.kind !== "generate") return refuse(x, compatModelNotFound(chat.model, "generateContent"));
  x.model = model.id;
  x.stream = chat.stream;
  x.sse = true;
  const semantic = checkGenerateRequest(chat.native, model);
  if (semantic) return refuse(x, semantic);
  const plan = planRequest(state, chat.native, raw, model, chat.stream);
  if ("httpStatus" in plan) return refuse(x, plan);
  const answer: ChatAnswer = { plan: cutAtStop(plan, chat.stops), model, stream: chat.stream, includeUsage: chat.includeUsage };
  // Checked before it is cached: a cached answer is served without validation, as natively.
  state.answers.set(CHAT_FORM, x.bodyKey, raw, answer);
  return serveCachedChat(x, answer, key);
}

/** Float32 little-endian bytes in base64, the SDKs' compact encoding of a vector. */
function base64Vector(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString("base64");
}

async function serveEmbeddings(x: Exchange, body: unknown, key: string): Promise<void> {
  const request = translateEmbeddings(body);
  if ("httpStatus" in request) return refuse(x, request);
  const model = x.state.findModel(request.model);
  if (model?.kind !== "embed") return refuse(x, compatModelNotFound(request.model, "embedContent"));
  x.model = model.id;
  let tokens = 0;
  for (const content of request.contents) tokens += countContentTokens(content);
  const slot = await admitEmbedding(x, model, key, tokens);
  if (!slot) return;
  try {
    sendJson(x, 200, embeddingsBody(x, request, model, tokens));
  } finally {
    slot.release();
  }
}

function embeddingsBody(x: Exchange, request: EmbeddingsRequest, model: ModelInfo, tokens: number): string {
  const dims = request.dimensions ?? 3072;
  const data = request.contents.map((content, index) => {
    // The same vector as embedContent gives for the same content.
    const values = embeddingValues(JSON.stringify(content), dims, x.state.config.seed);
    return { object: "embedding", embedding: request.base64 ? base64Vector(values) : values, index };
  });
  return JSON.stringify({ object: "list", data, model: model.id, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}
