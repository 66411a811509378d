// One API call in flight: what the stats sample of it needs, recorded exactly once when it ends.

import type { IncomingMessage, ServerResponse } from "node:http";
import { now } from "./timing.ts";
import { NO_BODY_KEY } from "./answer-cache.ts";
import type { EmulatorState } from "./state.ts";
import type { ContentPlan } from "./content.ts";
import type { ModelInfo } from "./models.ts";
import type { ApiError } from "./errors.ts";

/** Answers and errors in another API dialect (the OpenAI-compatible surface, openai-format.ts). */
export interface AnswerFormat {
  /** The whole non-streamed answer. */
  whole(plan: ContentPlan, model: ModelInfo, responseId: string): string;
  /** One SSE frame per streamed chunk (as many as streamChunks gives); the last ends the stream. */
  frames(plan: ContentPlan, model: ModelInfo, responseId: string): string[];
  /** The frame of an error after the stream started. */
  streamError(error: ApiError): string;
  /** The body of an error answered before any byte. */
  error(error: ApiError): string;
}

/** Per-request bookkeeping for the stats sample. */
export interface Exchange {
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
  /** Set by the OpenAI-compatible surface; undefined for the native API. */
  format: AnswerFormat | undefined;
}

/** A new exchange for a request that just arrived; counted as in flight until recorded. */
export function newExchange(state: EmulatorState, req: IncomingMessage, res: ServerResponse, query: URLSearchParams | undefined): Exchange {
  const start = now();
  const x: Exchange = {
    req,
    res,
    state,
    start,
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
    serviceStart: start,
    sse: false,
    intEnums: false,
    bodyKey: NO_BODY_KEY,
    format: undefined,
  };
  state.stats.enter();
  res.on("close", () => {
    if (!res.writableEnded) x.aborted = true;
    record(x);
  });
  return x;
}

/** Records the exchange in the stats, once. */
export function record(x: Exchange): void {
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
