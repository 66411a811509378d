// Parses Gemini response bodies once, at the boundary: SSE streams, JSON-array streams, single answers, error envelopes.
// k6 receives a streamed body whole, so a stream is split into its events after the fact.

import type { ApiErrorBody, GenerateContentResponse, Part, UsageMetadata } from "./gemini-types.ts";

/** What one generate call produced, folded over all its chunks. */
export interface GenerationResult {
  /** Visible output text; thought parts are left out. */
  text: string;
  chunks: number;
  usage: Required<Pick<UsageMetadata, "promptTokenCount" | "candidatesTokenCount" | "thoughtsTokenCount">>;
  /** candidatesTokenCount of the first chunk, when that chunk carries usage. */
  firstChunkTokens?: number;
  /**
   * Length of the first chunk's visible text, when that chunk carries no output count (2.0 models
   * count output only in the last chunk): what its share of the tokens is estimated from.
   */
  firstChunkTextLength?: number;
  finishReason?: string;
  blockReason?: string;
  /** Set when the stream ended with an error object after a 200 status. */
  streamError?: ApiErrorBody["error"];
}

/**
 * Visible tokens of a stream's first chunk, out of `total`: the chunk's own count where it has one (2.5
 * models count cumulatively in every chunk), else the total's share by visible text length (2.0 models
 * count only in the last chunk, and their first chunk is a word or two: an even share per chunk would make
 * tokens/s read low); an even share only when there is no text to go by.
 */
export function firstChunkTokenEstimate(
  total: number,
  chunks: number,
  firstChunkCount: number | undefined,
  firstChunkTextLength: number | undefined,
  textLength: number,
): number {
  if (firstChunkCount !== undefined) return firstChunkCount;
  if (firstChunkTextLength === undefined || textLength === 0) return total / chunks;
  return (total * firstChunkTextLength) / textLength;
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
 * Reads an `alt=sse` generation into its result: the same as `foldChunks(parseSseBody(body).chunks,
 * streamError)`, but cheaper for the streams the service sends. In k6's JavaScript runtime a
 * JSON.parse of every chunk, and the objects it leaves for the garbage collector, cost more than
 * the rest of a request's script; {@link readPlainSse} reads plain streams without them, and
 * anything else takes the exact path.
 */
export function parseSseGeneration(body: string): GenerationResult {
  const plain = readPlainSse(body);
  if (plain !== undefined) return plain;
  const exact = parseSseBody(body);
  return foldChunks(exact.chunks, exact.streamError);
}

// A plain event is one `data: ` line whose chunk starts with the only candidate's first part, a text
// part: compact JSON as the emulator writes it, or with a space after each colon.
const PLAIN_EVENT = 'data: {"candidates":[{"content":{"parts":[{"text":"';
const PLAIN_EVENT_SPACED = 'data: {"candidates": [{"content": {"parts": [{"text": "';

// The reader calls string methods through these, as `indexOf.call(body, …)`: called on a string
// primitive (`body.indexOf(…)`), a method makes k6's runtime (sobek) load the string into its wrapper
// object first, which allocates and costs about a quarter of each call; the reader makes ~40 per stream.
const { indexOf, lastIndexOf, startsWith, charCodeAt, slice } = String.prototype;

/**
 * Reads a stream of plain chunks — every event one `data: ` line whose JSON starts with a single
 * candidate holding a single text part — without decoding the chunks; undefined for any other
 * stream (thought parts, several parts or candidates, prompt feedback, errors, other framing), which
 * the caller then parses in full. The text literals are joined still escaped and decoded with one
 * JSON.parse; a literal cut at the wrong place would leave an unescaped quote inside, which that
 * parse rejects. `finishReason` and the usage counts are found by their keys: JSON escapes every
 * quote inside a string, so a `"key":` found anywhere can only be a key. The last `finishReason`
 * and the last `usageMetadata` of the body are those of the last chunk that carries them, which is
 * what foldChunks reads. Each chunk's frame is checked (the start above, a closing brace); the
 * metadata between is not validated byte by byte.
 */
export function readPlainSse(body: string): GenerationResult | undefined {
  // An error, framed as an event or appended raw, cannot start like a plain event and fails the frame
  // check below; prompt feedback may follow a chunk's candidates, so only it needs a scan of the body.
  if (indexOf.call(body, '"promptFeedback"') !== -1) return undefined;
  const firstSeparator = indexOf.call(body, "\r\n\r\n");
  const separator = firstSeparator !== -1 ? "\r\n\r\n" : "\n\n";
  const length = body.length;
  let escapedText = "";
  let chunks = 0;
  let pos = 0;
  let firstEventEnd = 0;
  let firstLiteralEnd = 0;
  while (pos < length) {
    // The first event's end is already known with CRLF framing: every call into a string method costs.
    let end = pos === 0 && firstSeparator !== -1 ? firstSeparator : indexOf.call(body, separator, pos);
    if (end === -1) end = length;
    if (end === pos) {
      pos += separator.length;
      continue;
    }
    let start: number;
    if (startsWith.call(body, PLAIN_EVENT, pos)) start = pos + PLAIN_EVENT.length;
    else if (startsWith.call(body, PLAIN_EVENT_SPACED, pos)) start = pos + PLAIN_EVENT_SPACED.length;
    else return undefined;
    const newline = indexOf.call(body, "\n", pos);
    if ((newline !== -1 && newline < end) || charCodeAt.call(body, end - 1) !== 125 /* } */) return undefined;
    // `"}]` right after the literal: the part has no other field (no thought flag) and is the only one.
    let close = indexOf.call(body, '"}]', start);
    if (close === -1 || close >= end) return undefined;
    // The last backslash before the quote serves both checks below: an escaped quote, and a \u escape cut.
    let backslash = lastIndexOf.call(body, "\\", close - 1);
    while (backslash === close - 1 && isEscapedAt(body, close)) {
      close = indexOf.call(body, '"}]', close + 1);
      if (close === -1 || close >= end) return undefined;
      backslash = lastIndexOf.call(body, "\\", close - 1);
    }
    // A \u escape cut at the chunk's end would be made whole by the next chunk's text once joined, where
    // the exact parser rejects the chunk: such a stream takes that path.
    if (
      backslash > close - 6 &&
      backslash >= start &&
      charCodeAt.call(body, backslash + 1) === 117 /* u */ &&
      !isEscapedAt(body, backslash)
    )
      return undefined;
    // What follows belongs to the candidate and the response; another candidate would carry content.
    const content = indexOf.call(body, '"content"', close);
    if (content !== -1 && content < end) return undefined;
    escapedText += slice.call(body, start, close);
    if (chunks === 0) {
      firstEventEnd = end;
      firstLiteralEnd = escapedText.length;
    }
    chunks++;
    pos = end + separator.length;
  }
  if (chunks === 0) return undefined;
  const text = decodeStringContent(escapedText);
  if (text === undefined) return undefined;
  let finishReason: string | undefined;
  const reasonKey = lastIndexOf.call(body, '"finishReason":');
  if (reasonKey !== -1) {
    finishReason = enumValue(body, reasonKey + 15);
    // An empty value would leave an earlier chunk's reason in force: the exact path knows.
    if (finishReason === undefined || finishReason === "") return undefined;
  }
  let promptTokenCount = 0;
  let candidatesTokenCount = 0;
  let thoughtsTokenCount = 0;
  const usageKey = lastIndexOf.call(body, '"usageMetadata":');
  if (usageKey !== -1) {
    let open = usageKey + 16;
    if (charCodeAt.call(body, open) === 32) open++;
    if (charCodeAt.call(body, open) !== 123 /* { */) return undefined;
    // These keys exist only in usageMetadata, and no later chunk carries one.
    promptTokenCount = countAfter(body, '"promptTokenCount":', open);
    candidatesTokenCount = countAfter(body, '"candidatesTokenCount":', open);
    thoughtsTokenCount = countAfter(body, '"thoughtsTokenCount":', open);
    if (promptTokenCount < 0 || candidatesTokenCount < 0 || thoughtsTokenCount < 0) return undefined;
  }
  const result: GenerationResult = { text, chunks, usage: { promptTokenCount, candidatesTokenCount, thoughtsTokenCount } };
  if (finishReason !== undefined) result.finishReason = finishReason;
  // Searched back from the first chunk's end, so only that chunk is read (2.0 streams count in the last one only).
  const firstCountKey = lastIndexOf.call(body, '"candidatesTokenCount":', firstEventEnd);
  if (firstCountKey !== -1) {
    const first = countAt(body, firstCountKey + 23);
    if (first < 0) return undefined;
    result.firstChunkTokens = first;
  } else {
    // Only streams without a count in their first chunk pay for decoding that chunk's text apart.
    const firstText = decodeStringContent(slice.call(escapedText, 0, firstLiteralEnd));
    if (firstText === undefined) return undefined;
    result.firstChunkTextLength = firstText.length;
  }
  return result;
}

/** The string whose JSON literal has `escaped` between its quotes, or undefined when that is not valid JSON. */
function decodeStringContent(escaped: string): string | undefined {
  try {
    const value: unknown = JSON.parse(`"${escaped}"`);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** True when the character at `at` is preceded by an odd number of backslashes. */
function isEscapedAt(text: string, at: number): boolean {
  let backslashes = 0;
  for (let k = at - 1; charCodeAt.call(text, k) === 92 /* \ */; k--) backslashes++;
  return backslashes % 2 === 1;
}

/** The string value right after a key ending at `at` (one optional space) when it needs no unescaping. */
function enumValue(text: string, at: number): string | undefined {
  let open = at;
  if (charCodeAt.call(text, open) === 32) open++;
  if (charCodeAt.call(text, open) !== 34 /* " */) return undefined;
  const close = indexOf.call(text, '"', open + 1);
  if (close === -1) return undefined;
  const value = slice.call(text, open + 1, close);
  return indexOf.call(value, "\\") === -1 ? value : undefined;
}

/**
 * The count after `key` (searched from `from`): 0 when the key is absent, -1 when no count follows.
 * parseInt skips the optional space and stops at the delimiter; usage counts are int32 in the API's
 * protos, so their JSON is plain digits.
 */
function countAfter(text: string, key: string, from: number): number {
  const at = indexOf.call(text, key, from);
  return at === -1 ? 0 : countAt(text, at + key.length);
}

/** The count that starts at `at` (after one optional space), or -1 when none does. */
function countAt(text: string, at: number): number {
  const value = parseInt(slice.call(text, at, at + 16), 10);
  return value >= 0 ? value : -1;
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
  let firstChunkTextLength = 0;
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
    if (c === 0) firstChunkTextLength = text.length;
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
  const firstCount = chunks[0]?.usageMetadata?.candidatesTokenCount;
  if (firstCount !== undefined) result.firstChunkTokens = firstCount;
  else if (chunks.length > 0) result.firstChunkTextLength = firstChunkTextLength;
  if (streamError !== undefined) result.streamError = streamError;
  return result;
}

// Built once: an array literal in isBlocked would be allocated for every request.
const SAFETY_FINISH_REASONS: readonly string[] = ["SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"];

/** Safety outcomes: a blocked prompt, or a candidate stopped for a safety reason. */
export function isBlocked(result: GenerationResult): boolean {
  if (result.blockReason) return true;
  const reason = result.finishReason;
  // STOP, the usual reason, is decided without the call into the list.
  return reason !== undefined && reason !== "STOP" && SAFETY_FINISH_REASONS.indexOf(reason) !== -1;
}

/** `text` parsed, or an InvalidResponseError saying `what` is not valid JSON. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidResponseError(`${what} is not valid JSON`);
  }
}
