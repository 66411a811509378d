// Gemini error envelopes ({"error": {code, message, status, details}}) with the real service's messages.
// Bodies are pretty-printed with a two-space indent and a trailing newline, as the service sends them.

/** One entry of `error.details`; `@type` names the google.rpc message. */
type ErrorDetail = Record<string, unknown> & { "@type": string };

/** An API error ready to send: HTTP status plus the JSON body. */
export interface ApiError {
  httpStatus: number;
  body: string;
  status: string;
  message: string;
}

/** Builds the envelope for any status; `details` is omitted when empty, as the service does. */
function apiError(httpStatus: number, status: string, message: string, details?: ErrorDetail[]): ApiError {
  const error: Record<string, unknown> = { code: httpStatus, message, status };
  if (details && details.length > 0) error.details = details;
  return { httpStatus, status, message, body: `${JSON.stringify({ error }, null, 2)}\n` };
}

const MSG_NO_KEY =
  "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";
const MSG_BAD_KEY = "API key not valid. Please pass a valid API key.";
const MSG_INTERNAL =
  "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting";
/** The 503 message by year: the service changed its wording in 2026. */
export const MSG_OVERLOADED = {
  "2025": "The model is overloaded. Please try again later.",
  "2026": "This model is currently experiencing high demand. Spikes in demand are usually temporary. Please try again later.",
} as const;
const MSG_DEADLINE = "Deadline expired before operation could complete.";
const MSG_QUOTA =
  "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.";
export const MSG_INVALID_ARGUMENT = "Request contains an invalid argument.";
const RATE_LIMITS_URL = "https://ai.google.dev/gemini-api/docs/rate-limits";

/** 403 for a request without any API key (the service sends no details). */
export function noKeyError(): ApiError {
  return apiError(403, "PERMISSION_DENIED", MSG_NO_KEY);
}

/** 400 for a key that is not in the configured list. */
export function badKeyError(): ApiError {
  return apiError(400, "INVALID_ARGUMENT", MSG_BAD_KEY, [
    {
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "API_KEY_INVALID",
      domain: "googleapis.com",
      metadata: { service: "generativelanguage.googleapis.com" },
    },
    { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message: MSG_BAD_KEY },
  ]);
}

/** 400 INVALID_ARGUMENT with an optional BadRequest detail listing field violations. */
export function invalidArgument(message: string, violations?: { field?: string; description: string }[]): ApiError {
  const details: ErrorDetail[] = [];
  if (violations && violations.length > 0) {
    details.push({ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: violations });
  }
  return apiError(400, "INVALID_ARGUMENT", message, details);
}

/** 404 for a model that is not served; the service names generateContent even for other methods. */
export function modelNotFound(model: string, apiVersion: string): ApiError {
  return apiError(
    404,
    "NOT_FOUND",
    `models/${model} is not found for API version ${apiVersion}, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
  );
}

/** 404 for a model that exists but does not support the method (e.g. generateContent on an embedding model). */
export function methodNotSupported(model: string, apiVersion: string, method: string): ApiError {
  return apiError(
    404,
    "NOT_FOUND",
    `models/${model} is not found for API version ${apiVersion}, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
  );
}

/** The fault/overload errors by HTTP status; `wording` picks the year of the 503 message. */
export function statusError(httpStatus: 500 | 503 | 504, wording: keyof typeof MSG_OVERLOADED = "2026"): ApiError {
  if (httpStatus === 500) return apiError(500, "INTERNAL", MSG_INTERNAL);
  if (httpStatus === 503) return apiError(503, "UNAVAILABLE", MSG_OVERLOADED[wording]);
  return apiError(504, "DEADLINE_EXCEEDED", MSG_DEADLINE);
}

/** Which quota ran out, for the 429 body. */
export interface QuotaViolation {
  quotaMetric: string;
  quotaId: string;
  model: string;
  quotaValue: number;
  retryDelaySeconds: number;
}

/** 429 RESOURCE_EXHAUSTED in the late-2025 form: message with the violated metric, then Help, QuotaFailure, RetryInfo. */
export function quotaError(v: QuotaViolation): ApiError {
  const retry = Math.max(0, v.retryDelaySeconds);
  const message =
    `${MSG_QUOTA}\n* Quota exceeded for metric: ${v.quotaMetric}, limit: ${v.quotaValue}, model: ${v.model}\n` +
    `Please retry in ${formatSeconds(retry)}s.`;
  return apiError(429, "RESOURCE_EXHAUSTED", message, [
    {
      "@type": "type.googleapis.com/google.rpc.Help",
      links: [{ description: "Learn more about Gemini API quotas", url: RATE_LIMITS_URL }],
    },
    {
      "@type": "type.googleapis.com/google.rpc.QuotaFailure",
      violations: [
        {
          quotaMetric: v.quotaMetric,
          quotaId: v.quotaId,
          quotaDimensions: { location: "global", model: v.model },
          quotaValue: String(v.quotaValue),
        },
      ],
    },
    { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${Math.ceil(retry)}s` },
  ]);
}

/** Seconds with up to nanosecond precision and no trailing zeros, as the service writes them ("11.968498755"). */
export function formatSeconds(s: number): string {
  return s.toFixed(9).replace(/\.?0+$/, "");
}

/**
 * 404 for a path the service does not know, or a known path with the wrong HTTP method (the real front end
 * answers both with 404; it sends an HTML page, we keep the JSON error shape so clients parse one form).
 */
export function pathNotFound(): ApiError {
  return apiError(404, "NOT_FOUND", "Requested entity was not found.");
}

/** A body over the size limit; the service answers 400 with this message (20 MB limit for inline requests). */
export function payloadTooLarge(limit: number): ApiError {
  return apiError(400, "INVALID_ARGUMENT", `Request payload size exceeds the limit: ${limit} bytes.`);
}
