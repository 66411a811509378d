// Parses Gemini response bodies once, at the boundary: SSE streams, JSON-array streams, single answers, error envelopes.
// k6 receives a streamed body whole, so a stream is split into its events after the fact.

import type { ApiErrorBody, GenerateContentResponse, Part, UsageMetadata } from "./gemini-types.ts";

/** What one generate call produced, folded over all its chunks. */
export interface GenerationResult {
  /** Visible output text; thought parts are left out. */
  text: string;
  chunks: number;
  usage: Required<Pick<UsageMetadata, "promptTokenCount" | "candidatesTokenCount" | "thoughtsTokenCount">>;
  finishReason?: string;
  blockReason?: string;
  /** Set when the stream ended with an error object after a 200 status. */
  streamError?: ApiErrorBody["error"];
}

/** Thrown when a body is not the shape the service sends. */
export class InvalidResponseError extends Error {
  override name = "InvalidResponseError";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asError(value: unknown): ApiErrorBody["error"] | undefined {
  if (isObject(value) && isObject(value.error) && typeof value.error.code === "number") {
    return value.error as unknown as ApiErrorBody["error"];
  }
  return undefined;
}

/**
 * Splits an `alt=sse` body into chunk objects. Events are separated by a blank line (CRLF or LF);
 * only `data:` lines count. Text left after the last event that is not `data:`-framed is the raw
 * JSON error the service appends when a stream fails after it started. Splits on a plain string, not
 * a regex: in k6's JavaScript runtime that is several times cheaper, and it runs for every request.
 */
export function parseSseBody(body: string): { chunks: GenerateContentResponse[]; streamError?: ApiErrorBody["error"] } {
  const chunks: GenerateContentResponse[] = [];
  const unframed: string[] = [];
  // The service frames every event with CRLF; LF-only framing is accepted when no CRLF pair is present.
  const events = body.split(body.indexOf("\r\n\r\n") !== -1 ? "\r\n\r\n" : "\n\n");
  // Indexed loops: for-of allocates an iterator per loop in k6's runtime, and these run per request.
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as string;
    const data = eventData(event);
    if (data === undefined) {
      if (/\S/.test(event)) unframed.push(event);
      continue;
    }
    const parsed = parseJson(data, "SSE event");
    if (!isObject(parsed)) throw new InvalidResponseError("SSE event is not a JSON object");
    if (parsed.error !== undefined) {
      const error = asError(parsed);
      if (error) return { chunks, streamError: error };
    }
    chunks.push(parsed as GenerateContentResponse);
  }
  if (unframed.length > 0) {
    const text = unframed.join("\n").trim();
    let error: ApiErrorBody["error"] | undefined;
    try {
      error = asError(JSON.parse(text));
    } catch {
      error = undefined;
    }
    if (!error) throw new InvalidResponseError("stream holds text that is neither an SSE event nor an error object");
    return { chunks, streamError: error };
  }
  return { chunks };
}

/**
 * The text of a chunk in the plain shape — exactly one text part, no thought, finishReason, prompt
 * feedback or error — read without decoding the whole chunk; undefined when the chunk needs a full
 * parse. Keys can only match here as keys: inside a JSON string every quote is escaped.
 */
export function plainChunkText(data: string): string | undefined {
  const marker = '"text":"';
  const at = data.indexOf(marker);
  if (at === -1 || data.indexOf(marker, at + 1) !== -1) return undefined;
  if (data.indexOf('"thought"') !== -1 || data.indexOf('"finishReason"') !== -1) return undefined;
  if (data.indexOf('"promptFeedback"') !== -1 || data.indexOf('"error"') !== -1) return undefined;
  const open = at + marker.length - 1;
  let close = open + 1;
  for (;;) {
    close = data.indexOf('"', close);
    if (close === -1) return undefined;
    let backslashes = 0;
    for (let k = close - 1; data.charCodeAt(k) === 92; k--) backslashes++;
    if (backslashes % 2 === 0) break;
    close++;
  }
  try {
    const text: unknown = JSON.parse(data.slice(open, close + 1));
    return typeof text === "string" ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads an `alt=sse` generation into its result, like `foldChunks(parseSseBody(body).chunks)` but
 * cheaper: every chunk but the last only contributes its text, so plain ones skip the full decode
 * (in k6's runtime JSON.parse and the garbage it leaves are most of a request's script cost). The last
 * chunk, which carries the final usage and finishReason, and any chunk of another shape, are parsed
 * in full; a stream with unframed text (an error after it started) takes the exact path.
 */
export function parseSseGeneration(body: string): GenerationResult {
  const events = body.split(body.indexOf("\r\n\r\n") !== -1 ? "\r\n\r\n" : "\n\n");
  let last = events.length - 1;
  while (last >= 0 && !/\S/.test(events[last] as string)) last--;
  const chunks: GenerateContentResponse[] = [];
  for (let i = 0; i <= last; i++) {
    const event = events[i] as string;
    const data = eventData(event);
    if (data === undefined) {
      if (!/\S/.test(event)) continue;
      const exact = parseSseBody(body);
      return foldChunks(exact.chunks, exact.streamError);
    }
    const text = i < last ? plainChunkText(data) : undefined;
    if (text !== undefined) {
      chunks.push({ candidates: [{ content: { parts: [{ text }] } }] });
      continue;
    }
    const parsed = parseJson(data, "SSE event");
    if (!isObject(parsed)) throw new InvalidResponseError("SSE event is not a JSON object");
    if (parsed.error !== undefined) {
      const error = asError(parsed);
      if (error) return foldChunks(chunks, error);
    }
    chunks.push(parsed as GenerateContentResponse);
  }
  return foldChunks(chunks);
}

/** The joined `data:` lines of one event, or undefined when it has none. */
function eventData(event: string): string | undefined {
  // The service sends one `data: <json>` line per event; take that path without splitting.
  if (event.startsWith("data:") && event.indexOf("\n") === -1) return event.slice(event.startsWith("data: ") ? 6 : 5);
  const data: string[] = [];
  for (const rawLine of event.split("\n")) {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
  }
  return data.length > 0 ? data.join("\n") : undefined;
}

/** Parses a stream sent without `alt=sse`: one JSON array of chunks. */
export function parseJsonArrayBody(body: string): GenerateContentResponse[] {
  const parsed = parseJson(body, "stream body");
  if (!Array.isArray(parsed) || !parsed.every(isObject)) throw new InvalidResponseError("stream body is not a JSON array of objects");
  return parsed as GenerateContentResponse[];
}

/** Parses a non-streaming generateContent answer. */
export function parseGenerateContentBody(body: string): GenerateContentResponse {
  const parsed = parseJson(body, "response body");
  if (!isObject(parsed)) throw new InvalidResponseError("response body is not a JSON object");
  return parsed as GenerateContentResponse;
}

/** Reads the error envelope of a non-2xx answer; undefined when the body is not one. */
export function parseErrorBody(body: string | null | undefined): ApiErrorBody["error"] | undefined {
  if (!body) return undefined;
  try {
    return asError(JSON.parse(body));
  } catch {
    return undefined;
  }
}

/**
 * Folds chunks into one result. Usage comes from the last chunk that carries it: 2.5 models send
 * cumulative counts in every chunk, 2.0 models only complete them in the last one.
 */
export function foldChunks(chunks: GenerateContentResponse[], streamError?: ApiErrorBody["error"]): GenerationResult {
  let text = "";
  let finishReason: string | undefined;
  let blockReason: string | undefined;
  let usage: UsageMetadata = {};
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c] as GenerateContentResponse;
    const candidate = chunk.candidates?.[0];
    const parts = candidate?.content?.parts;
    if (parts) {
      for (let p = 0; p < parts.length; p++) {
        const part = parts[p] as Part;
        if (!part.thought && typeof part.text === "string") text += part.text;
      }
    }
    if (candidate?.finishReason) finishReason = candidate.finishReason;
    if (chunk.promptFeedback?.blockReason) blockReason = chunk.promptFeedback.blockReason;
    if (chunk.usageMetadata) usage = chunk.usageMetadata;
  }
  const result: GenerationResult = {
    text,
    chunks: chunks.length,
    usage: {
      promptTokenCount: usage.promptTokenCount ?? 0,
      candidatesTokenCount: usage.candidatesTokenCount ?? 0,
      thoughtsTokenCount: usage.thoughtsTokenCount ?? 0,
    },
  };
  if (finishReason !== undefined) result.finishReason = finishReason;
  if (blockReason !== undefined) result.blockReason = blockReason;
  if (streamError !== undefined) result.streamError = streamError;
  return result;
}

/** Safety outcomes: a blocked prompt, or a candidate stopped for a safety reason. */
export function isBlocked(result: GenerationResult): boolean {
  if (result.blockReason) return true;
  return ["SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"].includes(result.finishReason ?? "");
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidResponseError(`${what} is not valid JSON`);
  }
}
