// Maps errors of the openai SDK onto verify's failure classes. The compatibility layer answers errors as
// a JSON array ([{"error": {…}}]), which this SDK cannot read (its message is "<status> status code (no
// body)"), so the client is given a fetch that keeps the last error body for classification.
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { classifyError, VerifyFailure } from "./failures.ts";

/** A fetch for the SDK that remembers the body of the last non-2xx answer. */
export interface CapturingFetch {
  fetch: typeof fetch;
  lastErrorBody(): string | undefined;
}

/** Wraps the global fetch so error bodies can be classified after the SDK has thrown. */
export function capturingFetch(): CapturingFetch {
  let last: string | undefined;
  return {
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      if (!response.ok) last = await response.clone().text();
      return response;
    },
    lastErrorBody: () => last,
  };
}

/** The Google envelope of an error body in either form (array or object), or undefined. */
function envelopeOf(body: string | undefined): unknown {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    return typeof first === "object" && first !== null && "error" in first ? first : undefined;
  } catch {
    return undefined;
  }
}

/** Classifies an openai SDK error with the same rules as the Gemini SDKs' errors. */
export function classifyOpenAiError(error: unknown, lastErrorBody: string | undefined): VerifyFailure {
  if (error instanceof VerifyFailure) return error;
  if (error instanceof APIConnectionTimeoutError)
    return new VerifyFailure("network_unreachable", "no answer before the timeout (GEMINI_TIMEOUT)");
  if (error instanceof APIConnectionError) return classifyError(error.cause ?? error);
  if (error instanceof APIError && typeof error.status === "number") {
    const envelope = envelopeOf(lastErrorBody);
    // Shaped like @google/genai's errors (status plus the envelope as message) so one classifier serves both.
    const message = envelope ? JSON.stringify(envelope) : error.message;
    return classifyError(Object.assign(new Error(message), { status: error.status }));
  }
  if (error instanceof APIError) {
    // An error event inside a stream: the SDK keeps the envelope's inner object.
    const inner = error.error as { code?: unknown } | undefined;
    const status = typeof inner?.code === "number" ? inner.code : undefined;
    if (status !== undefined) return classifyError(Object.assign(new Error(JSON.stringify({ error: inner })), { status }));
  }
  return classifyError(error);
}
