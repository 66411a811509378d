// The HTTP front: routing, auth, body limits, validation, quotas, capacity, faults and timing around
// each API call, with every request recorded in the ground-truth stats. Plain node:http for speed.

import type { IncomingMessage, ServerResponse } from "node:http";
import { isUtf8 } from "node:buffer";
import { gzip } from "node:zlib";
import { parseRoute, type ApiMethod, type Route } from "./routes.ts";
import { acceptsGzip } from "./compression.ts";
import {
  badKeyError,
  invalidArgument,
  methodNotSupported,
  modelNotFound,
  noKeyError,
  pathNotFound,
  payloadTooLarge,
  quotaError,
  statusError,
  type ApiError,
} from "./errors.ts";
import { checkEmbedRequest, checkGenerateRequest, checkShape, parseJsonBody } from "./validate.ts";
import { countContentsTokens, countRequestTokens, countContentTokens } from "./tokens.ts";
import { planContent, type ContentPlan } from "./content.ts";
import { countTokensResponse, embeddingValues, fullResponse, newResponseId, streamChunks } from "./response.ts";
import { listModelsPage, type ModelInfo } from "./models.ts";
import { injectedQuotaViolation, limitsFor } from "./quota.ts";
import { lognormalQuantile, now, waitUntil } from "./timing.ts";
import { redact } from "./request-log.ts";
import { answerEncoding, withIntEnums } from "./alt.ts";
import { handleAdmin } from "./admin.ts";
import { NO_BODY_KEY, RESPONSE_ID_SLOT, bodyKey, splitAtResponseId, type CachedAnswer } from "./answer-cache.ts";
import type { EmulatorState } from "./state.ts";
import type { Capacity } from "./capacity.ts";

const COMMON_HEADERS = [
  "Server",
  "scaffolding on HTTPServer2",
  "Vary",
  "Origin, X-Origin, Referer",
  "X-Content-Type-Options",
  "nosniff",
  "X-Frame-Options",
  "SAMEORIGIN",
  "X-Xss-Protection",
  "0",
];
const JSON_TYPE = "application/json; charset=UTF-8";

/** Per-request bookkeeping for the stats sample. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  state: EmulatorState;
  start: number;
  startedAtMs: number;
  model: string;
  method: string;
  stream: boolean;
  status: number;
  ttfb: number;
  promptTokens: number;
  outputTokens: number;
  thoughtsTokens: number;
  recorded: boolean;
  aborted: boolean;
  pretty: boolean;
  /** When the model started on the request: arrival, or the moment a queued request got its slot. */
  serviceStart: number;
  /** `alt=sse`: stream as server-sent events rather than a JSON array. */
  sse: boolean;
  /** `;enum-encoding=int` in `alt`: enums in the answer as numbers. */
  intEnums: boolean;
  /** The answer cache's key of the request body (bodyKey). */
  bodyKey: number;
}

function headers(contentType: string, serverTimingMs: number, extraName: string, extraValue: string): string[] {
  // Built as one literal: spreading COMMON_HEADERS per response was a visible cost of the hot path.
  const c = COMMON_HEADERS;
  return [
    c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9],
    "Content-Type", contentType, "Server-Timing", `gfet4t7; dur=${Math.round(serverTimingMs)}`, extraName, extraValue,
  ] as string[];
}

function record(x: Exchange): void {
  if (x.recorded) return;
  x.recorded = true;
  if (x.aborted && !x.req.complete) {
    // The request never arrived in full, so the API never answered it: not a sample of the service.
    x.state.stats.leave();
    x.state.stats.abortedUploads++;
    return;
  }
  const end = now();
  const ttfb = x.ttfb > 0 ? x.ttfb : end - x.start;
  x.state.stats.leave();
  x.state.stats.record({
    model: x.model,
    method: x.method,
    status: x.status,
    stream: x.stream,
    ttfbMs: ttfb,
    totalMs: end - x.start,
    promptTokens: x.promptTokens,
    outputTokens: x.outputTokens,
    thoughtsTokens: x.thoughtsTokens,
    startedAtMs: x.startedAtMs,
  });
}

/** Sends a complete JSON answer (success or error) and records the exchange. */
/** Sends a whole JSON answer; a Buffer body is already encoded as `contentEncoding` says (gzip). */
function sendJson(x: Exchange, status: number, body: string | Buffer, contentEncoding?: "gzip"): void {
  if (x.aborted || x.res.headersSent) return record(x);
  x.status = status;
  const elapsed = now() - x.start;
  const head = headers(JSON_TYPE, elapsed, "Content-Length", String(Buffer.byteLength(body)));
  if (contentEncoding) head.push("Content-Encoding", contentEncoding);
  x.res.writeHead(status, head);
  x.ttfb = now() - x.start;
  x.res.end(body);
  record(x);
}

/**
 * A JSON answer gzipped, as the service sends non-streamed answers to clients that accept it. Compressed
 * off the event loop (a long answer would otherwise hold up every stream's timing); an internal failure
 * falls back to the plain body.
 */
function sendJsonGzipped(x: Exchange, body: string): Promise<void> {
  return new Promise((resolve) => {
    gzip(body, (error, compressed) => {
      resolve();
      if (error) sendJson(x, 200, body);
      else sendJson(x, 200, compressed, "gzip");
    });
  });
}

function sendError(x: Exchange, error: ApiError): void {
  sendJson(x, error.httpStatus, error.body);
}

/**
 * Answers an error after the profile's error delay (BEHAVIOR.md: an error ≈ 48 ms). Synchronous when
 * there is no delay (zero-latency).
 */
function refuse(x: Exchange, error: ApiError): void | Promise<void> {
  const delay = shortDelay(x, x.state.config.errorDelay, "error");
  if (!delay) return sendError(x, error);
  return delay.then(() => sendError(x, error));
}

/** {@link refuse} where nothing awaits it: a failure drops the connection instead of going unhandled. */
function refuseInBackground(x: Exchange, error: ApiError): void {
  Promise.resolve(refuse(x, error)).catch(() => x.res.destroy());
}

function stringify(x: Exchange, value: unknown): string {
  return x.pretty ? JSON.stringify(value, null, 2) + "\n" : JSON.stringify(value);
}

/** Reads the body up to the size limit; resolves undefined after answering an oversized body. */
function readBody(x: Exchange, limit: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    x.req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        x.res.shouldKeepAlive = false;
        refuseInBackground(x, payloadTooLarge(limit));
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    x.req.on("end", () => {
      if (over) return;
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      // Proto strings must be valid UTF-8; decoding would silently turn bad bytes into U+FFFD.
      if (!isUtf8(bytes)) {
        const message = "Invalid JSON payload received. Invalid UTF-8 in the request body.";
        refuseInBackground(x, invalidArgument(message, [{ description: message }]));
        resolve(undefined);
        return;
      }
      x.bodyKey = bodyKey(bytes);
      resolve(bytes.toString("utf8"));
    });
    x.req.on("error", () => {
      if (!over) resolve(undefined);
    });
  });
}

function apiKeyOf(req: IncomingMessage, query: URLSearchParams | undefined): string | undefined {
  const header = req.headers["x-goog-api-key"];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader) return fromHeader;
  return query?.get("key") ?? undefined;
}

/** The node:http request listener of the emulator. */
export function createHandler(state: EmulatorState): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? undefined : new URLSearchParams(url.slice(q + 1));
    if (path.startsWith("/__emulator/") || path === "/__emulator") {
      if (state.config.admin) {
        handleAdmin(state, req, res, path, query).catch(() => {
          if (!res.headersSent) res.writeHead(500, { "Content-Type": JSON_TYPE });
          res.end();
        });
        return;
      }
    }
    const x: Exchange = {
      req,
      res,
      state,
      start: now(),
      startedAtMs: Date.now(),
      model: "",
      method: "",
      stream: false,
      status: 0,
      ttfb: 0,
      promptTokens: 0,
      outputTokens: 0,
      thoughtsTokens: 0,
      recorded: false,
      aborted: false,
      pretty: query?.get("prettyPrint") !== "false",
      serviceStart: 0,
      sse: false,
      intEnums: false,
      bodyKey: NO_BODY_KEY,
    };
    x.serviceStart = x.start;
    state.stats.enter();
    res.on("close", () => {
      if (!res.writableEnded) x.aborted = true;
      record(x);
    });
    serve(x, path, query).catch(() => {
      // Never a stack trace or a dropped connection: any bug becomes the service's 500.
      if (!res.headersSent) sendError(x, statusError(500));
      else if (!res.writableEnded) res.end();
    });
  };
}

async function serve(x: Exchange, path: string, query: URLSearchParams | undefined): Promise<void> {
  const { state, req } = x;
  const route = parseRoute(path);
  const wantsPost = route?.kind === "method";
  if (!route || (wantsPost ? req.method !== "POST" : req.method !== "GET")) {
    req.resume();
    return refuse(x, pathNotFound());
  }
  if (route.kind !== "list") {
    x.method = route.kind === "get" ? "models.get" : route.method;
    x.stream = route.kind === "method" && route.method === "streamGenerateContent";
  } else x.method = "models.list";

  const encoding = answerEncoding(query);
  if ("httpStatus" in encoding) {
    req.resume();
    return refuse(x, encoding);
  }
  x.sse = encoding.sse;
  x.intEnums = encoding.intEnums;

  const key = apiKeyOf(req, query);
  const config = state.config;
  if (!key) {
    req.resume();
    return refuse(x, noKeyError());
  }
  if (config.apiKeys.length > 0 && !config.apiKeys.includes(key)) {
    req.resume();
    return refuse(x, badKeyError());
  }

  let raw = "";
  if (route.kind === "method") {
    const body = await readBody(x, config.maxBodyBytes);
    if (body === undefined) return;
    raw = body;
  } else req.resume();

  if (config.requestLog) logRequest(x, path, query, raw);

  if (route.kind === "list") {
    const pageSize = Number.parseInt(query?.get("pageSize") ?? "0", 10) || 0;
    const page = listModelsPage(state.modelList, pageSize, query?.get("pageToken") ?? "");
    if (!page) return refuse(x, invalidArgument("Invalid page token."));
    await controlDelay(x);
    return sendJson(x, 200, stringify(x, page));
  }
  const model = state.models.get(route.model.startsWith("models/") ? route.model.slice(7) : route.model);
  if (!model) return refuse(x, modelNotFound(route.model, route.version));
  x.model = model.id;
  if (route.kind === "get") {
    await controlDelay(x);
    return sendJson(x, 200, stringify(x, model.resource));
  }
  return serveMethod(x, route, model, raw, key);
}

function logRequest(x: Exchange, path: string, query: URLSearchParams | undefined, raw: string): void {
  let body: unknown = raw;
  try {
    body = raw === "" ? null : JSON.parse(raw);
  } catch {
    // Malformed bodies are logged as received.
  }
  const redacted = redact(x.req.headers, query ?? new URLSearchParams());
  x.state.log.add({ method: x.req.method ?? "", path, query: redacted.query, headers: redacted.headers, body });
}

function multiplier(x: Exchange): number {
  return x.state.config.faults.latencyMultiplier;
}

/** The short delay of countTokens and models.get/list. */
function controlDelay(x: Exchange): Promise<void> | void {
  return shortDelay(x, x.state.config.control, "control");
}

/** Waits until `delay` (a lognormal draw from its own sequence) has passed since the request arrived. */
function shortDelay(x: Exchange, delay: { medianMs: number; p95Ms: number }, sequence: "control" | "error"): Promise<void> | void {
  if (delay.medianMs <= 0) return;
  const ms = lognormalQuantile(delay.medianMs, delay.p95Ms, x.state.nextQuantile(sequence)) * multiplier(x);
  return waitUntil(x.start + ms);
}

const METHOD_SUPPORT: Record<ApiMethod, "generate" | "embed" | "both"> = {
  generateContent: "generate",
  streamGenerateContent: "generate",
  countTokens: "both",
  embedContent: "embed",
  batchEmbedContents: "embed",
};

// The generate path stays synchronous until something must wait, so a zero-latency answer costs no promise hops.
function serveMethod(x: Exchange, route: Extract<Route, { kind: "method" }>, model: ModelInfo, raw: string, key: string): void | Promise<void> {
  const { state } = x;
  const support = METHOD_SUPPORT[route.method];
  if (support !== "both" && support !== model.kind) {
    return refuse(x, methodNotSupported(model.id, route.version, route.method === "streamGenerateContent" ? "generateContent" : route.method));
  }
  if (route.method === "generateContent" || route.method === "streamGenerateContent") {
    const cached = state.answers.get(cacheForm(x, model), x.bodyKey, raw);
    if (cached) return answerGenerate(x, cached, model, key);
  }
  const parsed = parseJsonBody(raw);
  if ("error" in parsed) return refuse(x, parsed.error);
  const body = parsed.value;

  switch (route.method) {
    case "countTokens":
      return serveCountTokens(x, body, model, raw);
    case "embedContent":
    case "batchEmbedContents":
      return serveEmbed(x, route.method, body, model, raw, key);
    default:
      return serveGenerate(x, body, model, raw, key);
  }
}

async function serveCountTokens(x: Exchange, body: unknown, model: ModelInfo, raw: string): Promise<void> {
  const shapeError = checkShape(body, "CountTokensRequest", raw);
  if (shapeError) return refuse(x, shapeError);
  const request = body as Record<string, unknown>;
  const nested = (request.generateContentRequest ?? request.generate_content_request) as Record<string, unknown> | undefined;
  let tokens: number;
  if (nested && typeof nested === "object") {
    const error = checkGenerateRequest(nested, model, "CountTokensRequest.generate_content_request");
    if (error) return refuse(x, error);
    tokens = countRequestTokens(nested);
  } else {
    const contents = request.contents;
    if (!Array.isArray(contents) || contents.length === 0) return refuse(x, invalidArgument("* CountTokensRequest.contents: contents is not specified\n"));
    const error = checkGenerateRequest({ contents }, model, "CountTokensRequest");
    if (error) return refuse(x, error);
    tokens = countContentsTokens(contents);
  }
  x.promptTokens = tokens;
  await controlDelay(x);
  const answer = countTokensResponse(tokens);
  sendJson(x, 200, stringify(x, x.intEnums ? withIntEnums(answer) : answer));
}

/**
 * Quota, injected errors and capacity, in the order the service applies them; returns the held slot, or
 * undefined once it has answered with the refusal. Synchronous unless it must wait (a delay or the queue).
 */
function admit(x: Exchange, model: ModelInfo, key: string, promptTokens: number): Capacity | undefined | Promise<Capacity | undefined> {
  const { state } = x;
  const config = state.config;
  const settings = state.settings(model.id);
  const violation = state.quota.admit(key, model.id, promptTokens, limitsFor(config.quotaTier, model.id, settings));
  if (violation) return refuseAfterDelay(x, quotaError(violation));
  const rates = config.faults.errorRates;
  const total = rates["429"] + rates["500"] + rates["503"] + rates["504"];
  if (total > 0) {
    const draw = state.faultRng.next();
    if (draw < total) {
      if (draw < rates["429"]) {
        const rpm = limitsFor(config.quotaTier, model.id, settings).rpm;
        return refuseAfterDelay(x, quotaError(injectedQuotaViolation(config.quotaTier, model.id, rpm)));
      }
      if (draw < rates["429"] + rates["500"]) return refuseAfterDelay(x, statusError(500));
      if (draw < rates["429"] + rates["500"] + rates["503"]) return refuseAfterDelay(x, statusError(503, config.overloadWording));
      return refuseAfterDelay(x, statusError(504));
    }
  }
  const capacity = state.capacity.get(model.id) as Capacity;
  const held = capacity.acquire();
  if (held === true) return capacity;
  if (held === false) return refuseAfterDelay(x, statusError(503, config.overloadWording));
  return waitForSlot(x, capacity, held);
}

async function refuseAfterDelay(x: Exchange, error: ApiError): Promise<undefined> {
  await refuse(x, error);
  return undefined;
}

async function waitForSlot(x: Exchange, capacity: Capacity, pending: Promise<boolean>): Promise<Capacity | undefined> {
  x.state.stats.queued(1);
  try {
    await pending;
  } finally {
    x.state.stats.queued(-1);
  }
  // Service time starts when a slot frees up; without a wait it starts at arrival.
  x.serviceStart = now();
  if (x.aborted) {
    capacity.release();
    return undefined;
  }
  return capacity;
}

async function serveEmbed(x: Exchange, method: "embedContent" | "batchEmbedContents", body: unknown, model: ModelInfo, raw: string, key: string): Promise<void> {
  const { state } = x;
  const shapeError = checkShape(body, method === "embedContent" ? "EmbedContentRequest" : "BatchEmbedContentsRequest", raw);
  if (shapeError) return refuse(x, shapeError);
  const request = body as Record<string, unknown>;
  const items = method === "embedContent" ? [request] : Array.isArray(request.requests) ? (request.requests as Record<string, unknown>[]) : [];
  if (method === "batchEmbedContents" && items.length === 0) return refuse(x, invalidArgument("* BatchEmbedContentsRequest.requests: requests is not specified\n"));
  if (items.length > 100) return refuse(x, invalidArgument("* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\n"));
  let tokens = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Record<string, unknown>;
    const error = checkEmbedRequest(item, method === "embedContent" ? "EmbedContentRequest" : `BatchEmbedContentsRequest.requests[${i}]`);
    if (error) return refuse(x, error);
    tokens += countContentTokens(item.content);
  }
  x.promptTokens = tokens;
  const slot = await admit(x, model, key, tokens);
  if (!slot) return;
  try {
    const settings = state.settings(model.id);
    const ttft = lognormalQuantile(settings.ttftMedianMs, settings.ttftP95Ms, state.nextQuantile(model.ttftKey)) * multiplier(x);
    if (ttft > 0) await waitUntil(x.serviceStart + ttft);
    const embeddings = items.map((item) => {
      const text = JSON.stringify(item.content ?? "");
      const dims = Number(item.outputDimensionality ?? item.output_dimensionality ?? 3072) || 3072;
      return { values: embeddingValues(text, dims, state.config.seed) };
    });
    sendJson(x, 200, stringify(x, method === "embedContent" ? { embedding: embeddings[0] } : { embeddings }));
  } finally {
    slot.release();
  }
}

/** Per-request fault draws for a served generate call. */
interface Faults {
  stallMs: number;
  reset: boolean;
  slowFactor: number;
  midStreamError: boolean;
}

const NO_FAULTS: Readonly<Faults> = { stallMs: 0, reset: false, slowFactor: 1, midStreamError: false };

function hit(rng: EmulatorState["faultRng"], rate: number): boolean {
  return rate > 0 && rng.next() < rate;
}

function drawFaults(x: Exchange): Faults {
  const f = x.state.config.faults;
  // Nothing is drawn for a zero rate, so with no faults configured the sequence is untouched either way.
  if (f.stall.rate <= 0 && f.resetRate <= 0 && f.slowStream.rate <= 0 && f.midStreamError.rate <= 0) return NO_FAULTS;
  const rng = x.state.faultRng;
  return {
    stallMs: hit(rng, f.stall.rate) ? f.stall.seconds * 1000 : 0,
    reset: hit(rng, f.resetRate),
    slowFactor: hit(rng, f.slowStream.rate) ? f.slowStream.factor : 1,
    midStreamError: hit(rng, f.midStreamError.rate),
  };
}

function cacheForm(x: Exchange, model: ModelInfo): string {
  return x.stream ? `${model.id}:stream` : model.id;
}

function serveGenerate(x: Exchange, body: unknown, model: ModelInfo, raw: string, key: string): void | Promise<void> {
  const { state } = x;
  const shapeError = checkShape(body, "GenerateContentRequest", raw);
  if (shapeError) return refuse(x, shapeError);
  const request = body as Record<string, unknown>;
  const semantic = checkGenerateRequest(request, model);
  if (semantic) return refuse(x, semantic);
  const config = state.config;
  const plan = planContent({
    request,
    rawBody: raw,
    model,
    settings: state.settings(model.id),
    seed: config.seed,
    promptBlockTerms: config.safety.promptBlockTerms,
    responseBlockTerms: config.safety.responseBlockTerms,
    stream: x.stream,
  });
  // Checked before the answer is cached: a cached answer is served without validation.
  const inputLimit = model.resource.inputTokenLimit;
  if (typeof inputLimit === "number" && plan.promptTokens > inputLimit) {
    return refuse(x, invalidArgument(`The input token count (${plan.promptTokens}) exceeds the maximum number of tokens allowed (${inputLimit}).`));
  }
  const answer: CachedAnswer = { plan };
  state.answers.set(cacheForm(x, model), x.bodyKey, raw, answer);
  return answerGenerate(x, answer, model, key);
}

/** Admits, times and sends a planned answer. */
function answerGenerate(x: Exchange, answer: CachedAnswer, model: ModelInfo, key: string): void | Promise<void> {
  x.promptTokens = answer.plan.promptTokens;
  const slot = admit(x, model, key, answer.plan.promptTokens);
  if (slot instanceof Promise) return slot.then((held) => (held ? serveAnswer(x, answer, model, held) : undefined));
  if (!slot) return;
  return serveAnswer(x, answer, model, slot);
}

/** Times the answer and sends it, releasing the slot when done (at once, or after the waits). */
function serveAnswer(x: Exchange, answer: CachedAnswer, model: ModelInfo, slot: Capacity): void | Promise<void> {
  const { state } = x;
  const plan = answer.plan;
  let releaseNow = true;
  try {
    const settings = state.settings(model.id);
    const faults = drawFaults(x);
    const m = multiplier(x);
    const base = x.serviceStart;
    const ttft = lognormalQuantile(settings.ttftMedianMs, settings.ttftP95Ms, state.nextQuantile(model.ttftKey)) * m;
    const thinking = settings.thinkingTokensPerSecond > 0 ? (plan.thoughtsTokens / settings.thinkingTokensPerSecond) * 1000 * m : 0;
    const msPerToken = settings.tokensPerSecond > 0 ? (1000 / settings.tokensPerSecond) * m * faults.slowFactor : 0;
    x.thoughtsTokens = plan.thoughtsTokens;
    const responseId = newResponseId();
    if (x.stream) {
      releaseNow = false;
      return streamAnswer(x, plan, model, responseId, base + ttft + thinking, msPerToken, faults).finally(() => slot.release());
    }
    const due = base + ttft + thinking + plan.outputTokens * msPerToken + faults.stallMs;
    if (due > now()) {
      releaseNow = false;
      return waitUntil(due)
        .then(() => sendWhole(x, answer, model, responseId, faults))
        .finally(() => slot.release());
    }
    // A gzipped answer is written once compressed: the slot is held until then.
    const sending = sendWhole(x, answer, model, responseId, faults);
    if (sending) {
      releaseNow = false;
      return sending.finally(() => slot.release());
    }
  } finally {
    if (releaseNow) slot.release();
  }
}

function sendWhole(x: Exchange, answer: CachedAnswer, model: ModelInfo, responseId: string, faults: Faults): void | Promise<void> {
  if (x.aborted) return;
  if (faults.reset) {
    x.status = 0;
    x.req.socket.destroy();
    return;
  }
  const plan = answer.plan;
  x.outputTokens = plan.outputTokens * plan.candidateCount;
  // Int enums are rare (one legacy client): built each time rather than cached in a third form.
  if (x.intEnums) return sendBody(x, stringify(x, withIntEnums(fullResponse(plan, model, responseId))));
  let parts = x.pretty ? answer.pretty : answer.compact;
  if (!parts) {
    parts = splitAtResponseId(stringify(x, fullResponse(plan, model, RESPONSE_ID_SLOT)));
    if (x.pretty) answer.pretty = parts;
    else answer.compact = parts;
  }
  return sendBody(x, parts[0] + responseId + parts[1]);
}

function sendBody(x: Exchange, body: string): void | Promise<void> {
  if (acceptsGzip(x.req.headers["accept-encoding"])) return sendJsonGzipped(x, body);
  sendJson(x, 200, body);
}

async function streamAnswer(x: Exchange, plan: ContentPlan, model: ModelInfo, responseId: string, firstDue: number, msPerToken: number, faults: Faults): Promise<void> {
  const { res } = x;
  const sse = x.sse;
  const chunks = streamChunks(plan, model, responseId);
  if (x.intEnums) withIntEnums(chunks);
  const frame = (chunk: unknown, index: number): string => {
    if (sse) return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
    const json = JSON.stringify(chunk, null, 2);
    return index === 0 ? `[${json}` : `\n,\r\n${json}`;
  };
  // Serialised up front: when hundreds of streams fall due at the same instant, each send is then just a write.
  const frames = chunks.map(frame);
  // A stall with a single chunk happens before the first byte; otherwise after the first chunk.
  const stallBeforeFirst = chunks.length === 1 ? faults.stallMs : 0;
  const stallAfterFirst = chunks.length > 1 ? faults.stallMs : 0;
  let due = firstDue + stallBeforeFirst;
  for (let k = 0; k < chunks.length; k++) {
    // Later chunks are paced from when the first actually went out, against absolute deadlines.
    if (k === 1) due = now();
    if (k > 0) due += (plan.chunkTokens[k] ?? 0) * msPerToken + (k === 1 ? stallAfterFirst : 0);
    if (due > now()) await waitUntil(due);
    if (x.aborted) return;
    const data = frames[k] as string;
    if (k === 0) {
      x.status = 200;
      // Headers go out with the first chunk, as the service sends them; dur is the time until then.
      res.writeHead(200, headers(sse ? "text/event-stream" : JSON_TYPE, now() - x.start, "Content-Disposition", "attachment"));
      if (faults.reset) {
        // Reset once the first chunk has reached the client, as a dropped connection mid-stream does.
        x.outputTokens = plan.chunkTokens[0] ?? 0;
        res.write(data, () => setTimeout(() => x.req.socket.destroy(), 5));
        x.ttfb = now() - x.start;
        return;
      }
      if (faults.midStreamError && chunks.length === 1) {
        // The only chunk is also the final one (it carries finishReason): the error takes its place.
        const error = statusError(x.state.config.faults.midStreamError.status, x.state.config.overloadWording);
        res.end(sse ? error.body : `[${error.body}]`);
        x.ttfb = now() - x.start;
        record(x);
        return;
      }
      res.write(data);
      x.ttfb = now() - x.start;
      // Pace the rest from when the first chunk really left: a first chunk delayed by a busy event
      // loop must not make the following chunks bunch up behind it.
      due = Math.max(due, now());
      if (faults.midStreamError) {
        x.outputTokens = plan.chunkTokens[0] ?? 0;
        const error = statusError(x.state.config.faults.midStreamError.status, x.state.config.overloadWording);
        res.end(sse ? error.body : `\n,\r\n${error.body}]`);
        record(x);
        return;
      }
    } else if (k < chunks.length - 1) res.write(data);
    x.outputTokens += (plan.chunkTokens[k] ?? 0) * plan.candidateCount;
  }
  // The last chunk and the end of the response leave in one write.
  const last = chunks.length > 1 ? (frames[chunks.length - 1] as string) : "";
  res.end(sse ? last : `${last}\n]`);
  record(x);
}

