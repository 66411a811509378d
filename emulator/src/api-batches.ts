// Batch Mode: `models/{m}:batchGenerateContent` with inlined requests creates a long-running job;
// `batches/{id}` get, cancel and delete, and the `batches` list. Answers are the service's Operation
// shapes (BEHAVIOR-MORE.md), read by `@google/genai`'s batches module (metadata.state, metadata.output)
// and by the REST guide (response.inlinedResponses). Every request of a job is checked and planned at
// creation like a generateContent call; the turnaround (config `batch`) decides when the answers show.
// Batch calls use no live quota or capacity: the service gives Batch Mode its own limits.

import { invalidArgument, methodNotSupported, modelNotFound, pathNotFound } from "./errors.ts";
import { checkGenerateRequest, checkShape, parseJsonBody } from "./validate.ts";
import { planRequest } from "./plan-request.ts";
import { fullResponse, newResponseId } from "./response.ts";
import { drawInjectedError, faultsFor } from "./faults.ts";
import { controlDelay, refuse } from "./delays.ts";
import { apiKeyOf, sendJson, stringify } from "./http.ts";
import { keyedBody } from "./intake.ts";
import { type BatchItem, type BatchJob, batchStateAt, isDone, newBatchId, scheduleBatch } from "./batch-store.ts";
import type { ApiError } from "./errors.ts";
import type { ModelInfo } from "./models.ts";
import type { Exchange } from "./exchange.ts";
import type { EmulatorState } from "./state.ts";

/** A Batch Mode call recognised from the path. */
export type BatchRoute =
  | { kind: "create"; version: string; model: string }
  | { kind: "list"; version: string }
  | { kind: "job"; version: string; id: string }
  | { kind: "cancel"; version: string; id: string };

const BATCH_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch";
const OUTPUT_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput";
// No page size is documented for the list; like the models list, a default and a cap.
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const ID = /^[a-z0-9-]{1,64}$/;

/** `/v1beta/batches[/{id}[:cancel]]` or `/v1beta/models/{m}:batchGenerateContent` (also under `/v1/`); undefined otherwise. */
export function parseBatchRoute(path: string): BatchRoute | undefined {
  const version = path.startsWith("/v1beta/") ? "v1beta" : path.startsWith("/v1/") ? "v1" : undefined;
  if (!version) return undefined;
  const rest = path.slice(version.length + 2);
  if (rest.startsWith("models/") && rest.endsWith(":batchGenerateContent")) {
    let model: string;
    try {
      model = decodeURIComponent(rest.slice(7, -":batchGenerateContent".length));
    } catch {
      return undefined;
    }
    return model === "" || model.includes("/") ? undefined : { kind: "create", version, model };
  }
  if (rest === "batches" || rest === "batches/") return { kind: "list", version };
  if (!rest.startsWith("batches/")) return undefined;
  const tail = rest.slice(8);
  if (tail.endsWith(":cancel")) return { kind: "cancel", version, id: tail.slice(0, -7) };
  return { kind: "job", version, id: tail };
}

const HTTP_METHODS: Record<BatchRoute["kind"], readonly string[]> = {
  create: ["POST"],
  list: ["GET"],
  job: ["GET", "DELETE"],
  cancel: ["POST"],
};

/** Answers a Batch Mode call: key check, body, then the call. */
export async function serveBatches(x: Exchange, route: BatchRoute, query: URLSearchParams | undefined): Promise<void> {
  const { state, req } = x;
  const httpMethod = req.method ?? "";
  x.method =
    route.kind === "create"
      ? "batchGenerateContent"
      : route.kind === "job"
        ? httpMethod === "DELETE"
          ? "batches.delete"
          : "batches.get"
        : `batches.${route.kind}`;
  if (!HTTP_METHODS[route.kind].includes(httpMethod)) {
    req.resume();
    return refuse(x, pathNotFound());
  }
  const key = apiKeyOf(req, query);
  const url = req.url ?? "";
  const path = url.includes("?") ? url.slice(0, url.indexOf("?")) : url;
  const raw = await keyedBody(x, key, httpMethod === "POST", path, query);
  // `!key` only narrows: keyedBody answered every request without one.
  if (raw === undefined || !key) return;

  if (route.kind === "create") return create(x, route, raw, key);
  if (route.kind === "list") return list(x, query);
  // An unknown or malformed id gets the generic NOT_FOUND (the service's exact wording for a batch is unconfirmed).
  const job = ID.test(route.id) ? state.batches.get(route.id) : undefined;
  if (!job) return refuse(x, pathNotFound());
  x.model = job.model;
  await controlDelay(x);
  if (route.kind === "cancel") {
    const now = Date.now();
    if (!isDone(batchStateAt(job, now).state)) job.cancelledAtMs = now;
    return sendJson(x, 200, stringify(x, {}));
  }
  if (httpMethod === "DELETE") {
    state.batches.delete(job.id);
    return sendJson(x, 200, stringify(x, {}));
  }
  sendJson(x, 200, stringify(x, operation(job, Date.now())));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** camelCase or snake_case, as the service accepts both. */
function field(obj: Record<string, unknown>, camel: string, snake: string): unknown {
  return obj[camel] ?? obj[snake];
}

async function create(x: Exchange, route: Extract<BatchRoute, { kind: "create" }>, raw: string, key: string): Promise<void> {
  const { state } = x;
  const model = state.findModel(route.model);
  if (!model) return refuse(x, modelNotFound(route.model, route.version));
  x.model = model.id;
  if (model.kind !== "generate") return refuse(x, methodNotSupported(model.id, route.version, "batchGenerateContent"));
  const parsed = parseJsonBody(raw);
  if ("error" in parsed) return refuse(x, parsed.error);
  const requests = inlinedRequests(parsed.value);
  if (!Array.isArray(requests)) return refuse(x, requests);

  const items = requests.map((item) => runItem(state, model, item, key));
  const createdAtMs = Date.now();
  const batch = (parsed.value as { batch: Record<string, unknown> }).batch;
  const displayName = field(batch, "displayName", "display_name");
  const job: BatchJob = {
    id: newBatchId(),
    model: model.id,
    displayName: typeof displayName === "string" ? displayName : "",
    createdAtMs,
    ...scheduleBatch(state.config.batch, createdAtMs, items.length),
    items,
  };
  state.batches.add(job);
  for (const item of items) {
    x.promptTokens += item.promptTokens;
    x.outputTokens += item.outputTokens;
    x.thoughtsTokens += item.thoughtsTokens;
  }
  await controlDelay(x);
  sendJson(x, 200, stringify(x, operation(job, Date.now())));
}

/** The inlined requests of a create body, or the error that answers it. */
function inlinedRequests(body: unknown): { request?: unknown; metadata?: unknown }[] | ApiError {
  const prefix = "* GenerateContentBatch";
  if (!isObject(body) || !isObject(body.batch)) return invalidArgument(`${prefix}: batch is not specified\n`);
  const input = field(body.batch, "inputConfig", "input_config");
  if (!isObject(input)) return invalidArgument(`${prefix}.input_config: input_config is not specified\n`);
  if (field(input, "fileName", "file_name") !== undefined) {
    return invalidArgument(`${prefix}.input_config.file_name: the emulator serves inlined requests only (no Files API)\n`);
  }
  const wrapper = input.requests;
  const list = isObject(wrapper) ? wrapper.requests : undefined;
  if (!Array.isArray(list) || list.length === 0) {
    return invalidArgument(`${prefix}.input_config.requests.requests: requests is not specified\n`);
  }
  return list.map((item) => (isObject(item) ? item : {}));
}

/** Checks and plans one inlined request like a generateContent call; a rejected one becomes its error entry. */
function runItem(state: EmulatorState, model: ModelInfo, item: { request?: unknown; metadata?: unknown }, key: string): BatchItem {
  const out: BatchItem = { promptTokens: 0, outputTokens: 0, thoughtsTokens: 0 };
  if (item.metadata !== undefined) out.metadata = item.metadata;
  const request = item.request;
  const rawBody = JSON.stringify(request ?? null);
  const rejected =
    checkShape(request, "GenerateContentRequest", rawBody) ??
    checkGenerateRequest(request as Record<string, unknown>, model) ??
    batchFault(state, model, key);
  if (rejected) {
    out.error = { code: rejected.httpStatus, message: rejected.message, status: rejected.status };
    return out;
  }
  const plan = planRequest(state, request as Record<string, unknown>, rawBody, model);
  if ("httpStatus" in plan) {
    out.error = { code: plan.httpStatus, message: plan.message, status: plan.status };
    return out;
  }
  out.response = fullResponse(plan, model, newResponseId());
  out.promptTokens = plan.promptTokens;
  out.outputTokens = plan.outputTokens * plan.candidateCount;
  out.thoughtsTokens = plan.thoughtsTokens;
  return out;
}

/** An injected 500/503/504 (the configured fault rates) fails the one request; a batch request is never rate limited. */
function batchFault(state: EmulatorState, model: ModelInfo, key: string): ApiError | undefined {
  const injected = drawInjectedError(state, model, faultsFor(state, model.id, key));
  return injected && injected.httpStatus !== 429 ? injected : undefined;
}

/** Counts as proto3 JSON writes int64: strings, zero omitted. */
function counts(values: Record<string, number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) if (value > 0) out[name] = String(value);
  return out;
}

/** The long-running Operation of a job as seen at `t`. */
export function operation(job: BatchJob, t: number): Record<string, unknown> {
  const { state, finished, sinceMs } = batchStateAt(job, t);
  const done = isDone(state);
  const finishedItems = job.items.slice(0, finished);
  const failed = finishedItems.filter((i) => i.error).length;
  const name = `batches/${job.id}`;
  const metadata: Record<string, unknown> = {
    "@type": BATCH_TYPE,
    model: `models/${job.model}`,
    displayName: job.displayName,
    createTime: new Date(job.createdAtMs).toISOString(),
    updateTime: new Date(Math.max(job.createdAtMs, sinceMs)).toISOString(),
  };
  if (done) metadata.endTime = new Date(sinceMs).toISOString();
  metadata.batchStats = counts({
    requestCount: job.items.length,
    successfulRequestCount: finished - failed,
    failedRequestCount: failed,
    pendingRequestCount: job.items.length - finished,
  });
  metadata.state = state;
  metadata.name = name;
  const op: Record<string, unknown> = { name, metadata };
  if (!done) return op;
  op.done = true;
  if (state === "BATCH_STATE_SUCCEEDED" || state === "BATCH_STATE_FAILED") {
    const inlinedResponses = { inlinedResponses: job.items.map(outputItem) };
    metadata.output = { inlinedResponses };
    op.response = { "@type": OUTPUT_TYPE, inlinedResponses };
  }
  return op;
}

function outputItem(item: BatchItem): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (item.response) out.response = item.response;
  if (item.error) out.error = item.error;
  if (item.metadata !== undefined) out.metadata = item.metadata;
  return out;
}

async function list(x: Exchange, query: URLSearchParams | undefined): Promise<void> {
  const requested = Number.parseInt(query?.get("pageSize") ?? "0", 10) || 0;
  const size = requested <= 0 ? DEFAULT_PAGE_SIZE : Math.min(requested, MAX_PAGE_SIZE);
  const token = query?.get("pageToken") ?? "";
  const offset = token === "" ? 0 : pageOffset(token);
  if (offset === undefined) return refuse(x, invalidArgument("Invalid page token."));
  const jobs = x.state.batches.list();
  const t = Date.now();
  const operations = jobs.slice(offset, offset + size).map((job) => operation(job, t));
  // proto3 JSON leaves an empty list out.
  const page: Record<string, unknown> = operations.length > 0 ? { operations } : {};
  if (offset + size < jobs.length) page.nextPageToken = Buffer.from(`batches:${offset + size}`).toString("base64url");
  await controlDelay(x);
  sendJson(x, 200, stringify(x, page));
}

function pageOffset(token: string): number | undefined {
  const match = /^batches:(\d{1,9})$/.exec(Buffer.from(token, "base64url").toString("utf8"));
  return match ? Number(match[1]) : undefined;
}
