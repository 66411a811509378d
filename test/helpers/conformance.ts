// What the real service says (messages, error detail types, as observed on the service) and
// the emulator config fragments the SDK tests patch in, and the assertion helpers kept in one place for both SDK test files.

import assert from "node:assert/strict";

/** The error envelope of the real service. */
export interface ErrorBody {
  error: {
    code: number;
    message: string;
    status: string;
    details?: (Record<string, unknown> & { "@type": string })[];
  };
}

export const BAD_KEY_MESSAGE = "API key not valid. Please pass a valid API key.";
export const NO_KEY_MESSAGE =
  "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.";
export const INTERNAL_MESSAGE =
  "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting";
/** The 2025 and the 2026 wording of the overload message. */
export const OVERLOADED_MESSAGES = [
  "The model is overloaded. Please try again later.",
  "This model is currently experiencing high demand. Spikes in demand are usually temporary. Please try again later.",
] as const;
export const QUOTA_DETAIL_TYPES = [
  "type.googleapis.com/google.rpc.QuotaFailure",
  "type.googleapis.com/google.rpc.Help",
  "type.googleapis.com/google.rpc.RetryInfo",
] as const;

/** The 404 message for a model the service does not serve (it names generateContent for every method). */
export function notFoundMessage(model: string, apiVersion: string): string {
  return (
    `models/${model} is not found for API version ${apiVersion}, or is not supported for generateContent. ` +
    "Call ListModels to see the list of available models and their supported methods."
  );
}

/** A JSON Schema the JSON-mode tests ask for and validate the answer against. */
export const RECIPE_JSON_SCHEMA = {
  type: "object",
  properties: {
    name: { type: "string" },
    servings: { type: "integer" },
    vegan: { type: "boolean" },
    ingredients: { type: "array", items: { type: "string" }, minItems: 1 },
    difficulty: { type: "string", enum: ["easy", "medium", "hard"] },
  },
  required: ["name", "servings", "vegan", "ingredients", "difficulty"],
} as const;

/** Config fragment: accept only these keys (an empty list accepts any non-empty key). */
export function keysConfig(keys: string[]): object {
  return { apiKeys: keys };
}

/** Config fragment: turn the received-request log on or off. */
export function requestLogConfig(on: boolean): object {
  return { requestLog: on };
}

/** Config fragment: requests per minute of one model (`null` lifts the limit). */
export function quotaConfig(model: string, rpm: number | null): object {
  return { models: { [model]: { rpm: rpm ?? 0 } } };
}

/** Config fragment: fraction of requests answered with an injected error of this status. */
export function faultConfig(status: 429 | 500 | 503 | 504, rate: number): object {
  return { faults: { errorRates: { [String(status)]: rate } } };
}

/** Awaits a call that must fail with an error of class `kind`, and returns that error. */
export async function rejectionOf<E extends Error>(call: () => Promise<unknown>, kind: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof kind, `expected ${kind.name}, got ${String(error)}`);
    return error;
  }
  assert.fail("the call succeeded but an error was expected");
}
