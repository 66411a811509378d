// Failure classes of the verification step: their exit codes, one-line hints, and how an
// error thrown by an SDK or by fetch maps onto one of them.
import { GoogleGenerativeAIAbortError, GoogleGenerativeAIFetchError } from "@google/generative-ai";

/** The outcome classes a verify run can end in; each has its own exit code. */
export type FailureClass =
  | "bad_key"
  | "unknown_model"
  | "quota_exhausted"
  | "overloaded"
  | "network_unreachable"
  | "wrong_base_url"
  | "invalid_response"
  | "contract_drift"
  | "bad_usage"
  | "unexpected";

interface FailureInfo {
  exitCode: number;
  title: string;
  hint: string;
}

/** Exit code, short title and fix hint per failure class (documented in docs/verify.md). */
export const FAILURES: Readonly<Record<FailureClass, FailureInfo>> = {
  unexpected: {
    exitCode: 1,
    title: "unexpected error",
    hint: "rerun with the same settings; if it persists, report it with the error message above",
  },
  bad_usage: {
    exitCode: 2,
    title: "bad usage",
    hint: "see `npm run verify -- --help` for the accepted options and variables",
  },
  bad_key: {
    exitCode: 10,
    title: "API key rejected",
    hint: "set GEMINI_API_KEY to a valid key for this endpoint (https://aistudio.google.com/apikey)",
  },
  unknown_model: {
    exitCode: 11,
    title: "model not found",
    hint: "set GEMINI_MODEL to a model the endpoint serves (e.g. gemini-2.5-flash); list them with GET /v1beta/models",
  },
  quota_exhausted: {
    exitCode: 12,
    title: "quota exhausted (429)",
    hint: "wait for the quota window to reset or raise the project's tier before spending more on load",
  },
  overloaded: {
    exitCode: 13,
    title: "model overloaded (503)",
    hint: "the service is shedding load right now; retry later or pick a less busy model before a load test",
  },
  network_unreachable: {
    exitCode: 14,
    title: "endpoint unreachable",
    hint: "check GEMINI_BASE_URL's host and port, that the server (or `npm run emulator`) is running, the network, and GEMINI_TIMEOUT",
  },
  wrong_base_url: {
    exitCode: 15,
    title: "not a Gemini API endpoint",
    hint: "GEMINI_BASE_URL answers, but not like the Gemini API; use the API root without a version, e.g. https://generativelanguage.googleapis.com",
  },
  invalid_response: {
    exitCode: 16,
    title: "invalid model response",
    hint: "the moderation verdict did not parse or validate against lib/moderation.ts's schema; check the model and prompt",
  },
  contract_drift: {
    exitCode: 17,
    title: "k6 requests drifted from the SDKs",
    hint: "align lib/gemini-requests.ts with the SDK request shown in the diff, or list the difference with its reason in verify/request-diff.ts",
  },
};

/** An error that already knows its failure class; its message is safe to print. */
export class VerifyFailure extends Error {
  readonly failure: FailureClass;
  constructor(failure: FailureClass, message: string) {
    super(message);
    this.name = "VerifyFailure";
    this.failure = failure;
  }
}

interface GoogleErrorBody {
  error?: { code?: unknown; status?: unknown; message?: unknown; details?: unknown };
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/** Parses the Google error envelope out of an SDK error message, or undefined when it is not one. */
function parseGoogleError(message: string): GoogleErrorBody["error"] | undefined {
  // @google/genai puts the whole body in the message; the legacy SDK prefixes it with text.
  const start = message.indexOf("{");
  if (start < 0) return undefined;
  try {
    const body = JSON.parse(message.slice(start)) as GoogleErrorBody;
    const error = body.error;
    if (error && typeof error === "object" && typeof error.status === "string" && error.status.length > 0) {
      // A non-JSON answer is wrapped by @google/genai as {error:{message:<text>,status:<statusText>}};
      // the real API's status is an UPPER_SNAKE code, which tells the two apart.
      if (/^[A-Z_]+$/.test(error.status)) return error;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The legacy SDK folds the error body into its message as "[status text] message details";
 * the message part is empty when the body was not the Google error envelope.
 */
function legacyGoogleError(error: GoogleGenerativeAIFetchError): GoogleErrorBody["error"] | undefined {
  const folded = /\[\d{3}[^\]]*\] ?(.*)$/s.exec(error.message)?.[1]?.trim() ?? "";
  if (folded === "") return undefined;
  const text = folded.replace(/ \[\{"@type".*$/s, "");
  return { code: error.status, status: error.statusText ?? "", message: text, details: error.errorDetails ?? [] };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/** Maps an error from either SDK, fetch or JSON parsing onto a failure class with a safe message. */
export function classifyError(error: unknown): VerifyFailure {
  if (error instanceof VerifyFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : "";
  const code = errorCode(error);
  if (name === "TimeoutError" || name === "AbortError" || error instanceof GoogleGenerativeAIAbortError) {
    return new VerifyFailure("network_unreachable", "no answer before the timeout (GEMINI_TIMEOUT)");
  }
  if (code && NETWORK_CODES.has(code)) {
    return new VerifyFailure("network_unreachable", `cannot reach the endpoint (${code})`);
  }
  if (name === "TypeError" && /fetch failed/i.test(message)) {
    const cause = (error as { cause?: unknown }).cause;
    const reason = cause instanceof Error && cause.message ? cause.message : message;
    return new VerifyFailure("network_unreachable", `cannot reach the endpoint (${reason})`);
  }
  if (error instanceof SyntaxError) {
    return new VerifyFailure("wrong_base_url", `the endpoint answered with something that is not JSON (${message})`);
  }
  const status = statusOf(error);
  if (status === undefined) {
    return new VerifyFailure("unexpected", message);
  }
  const google = error instanceof GoogleGenerativeAIFetchError ? legacyGoogleError(error) : parseGoogleError(message);
  if (!google) {
    return new VerifyFailure("wrong_base_url", `HTTP ${status} without a Gemini API error body`);
  }
  const text = typeof google.message === "string" ? (google.message.split("\n")[0] ?? "") : "";
  const summary = `HTTP ${status} ${String(google.status)}: ${text}`;
  const details = JSON.stringify(google.details ?? []);
  if (status === 403 || (status === 400 && (details.includes("API_KEY_INVALID") || /API key/i.test(text)))) {
    return new VerifyFailure("bad_key", summary);
  }
  if (status === 404) return new VerifyFailure("unknown_model", summary);
  if (status === 429) return new VerifyFailure("quota_exhausted", summary);
  if (status === 503) return new VerifyFailure("overloaded", summary);
  return new VerifyFailure("unexpected", summary);
}
