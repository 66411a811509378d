// Sorts every failed attempt into one error class, from the HTTP status or k6's network error code.
// The classes are the `error_class` tag values of gemini_errors (docs/metrics.md).

/** The error classes of `gemini_errors`. */
export type ErrorClass = "rate_limited" | "overloaded" | "server" | "timeout" | "client" | "network" | "invalid_response";

/** Every class, in a stable order (for summaries and thresholds). */
export const ERROR_CLASSES: readonly ErrorClass[] = [
  "rate_limited",
  "overloaded",
  "server",
  "timeout",
  "client",
  "network",
  "invalid_response",
];

// k6 error codes: https://grafana.com/docs/k6/latest/javascript-api/error-codes/
const K6_REQUEST_TIMEOUT = 1050;
const K6_DIAL_TIMEOUT = 1211;

/**
 * Classifies an attempt. `status` 0 means no HTTP answer (k6 sets `error_code`); a 2xx is not an
 * error unless its body was unusable, which the caller reports as `invalid_response` itself.
 */
export function classifyStatus(status: number, k6ErrorCode = 0): ErrorClass | undefined {
  if (status === 0) {
    if (k6ErrorCode === K6_REQUEST_TIMEOUT || k6ErrorCode === K6_DIAL_TIMEOUT) return "timeout";
    return "network";
  }
  if (status >= 200 && status < 300) return undefined;
  if (status === 429) return "rate_limited";
  if (status === 503) return "overloaded";
  if (status === 504 || status === 408) return "timeout";
  if (status >= 500) return "server";
  return "client";
}

/** A stream that failed after its 200 status ends with an error object; classify by its code. */
export function classifyStreamError(code: number): ErrorClass {
  return classifyStatus(code) ?? "invalid_response";
}
