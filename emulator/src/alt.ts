// The answer's encoding chosen by the `alt` system parameter (`$alt` is the same parameter, as the
// Google API clients spell it): `json` (the default), `sse` for streams, and `;enum-encoding=int`, which
// the legacy Python SDK's REST transport sends (`$alt=json;enum-encoding=int`) to get enums as numbers.

import { RESPONSE_ENUMS } from "./proto-schema.ts";
import { invalidArgument, type ApiError } from "./errors.ts";

/** How to encode the answer. */
export interface AnswerEncoding {
  /** Stream as server-sent events rather than a JSON array. */
  sse: boolean;
  /** Enums as their numbers (proto3 JSON with int enums). */
  intEnums: boolean;
}

const DEFAULT_ENCODING: Readonly<AnswerEncoding> = { sse: false, intEnums: false };

/**
 * Reads `alt` or `$alt`. A value the emulator cannot answer in gets a 400 naming the parameter (the
 * service refuses an unknown alt too; its exact wording is not recorded). `proto` is a real form the
 * emulator does not serve.
 */
export function answerEncoding(query: URLSearchParams | undefined): AnswerEncoding | ApiError {
  const value = query?.get("$alt") ?? query?.get("alt");
  if (value === null || value === undefined) return DEFAULT_ENCODING;
  const [format, ...options] = value.split(";");
  let intEnums = false;
  for (const option of options) {
    if (option === "enum-encoding=int") intEnums = true;
    else if (option !== "enum-encoding=string" && option !== "") return badAlt(value);
  }
  if (format === "json") return intEnums ? { sse: false, intEnums } : DEFAULT_ENCODING;
  if (format === "sse") return { sse: true, intEnums };
  if (format === "proto") return invalidArgument(`The emulator does not serve alt=proto; use alt=json (the default) or alt=sse.`);
  return badAlt(value);
}

function badAlt(value: string): ApiError {
  return invalidArgument(`Invalid value for the alt parameter: "${value}". Use json, sse or proto, optionally with ";enum-encoding=int".`);
}

// Answer fields holding an enum, by JSON name (the emulator's answers use each name for one enum only).
const ENUM_OF_FIELD = new Map(
  Object.entries({
    finishReason: "Candidate.FinishReason",
    blockReason: "GenerateContentResponse.PromptFeedback.BlockReason",
    category: "HarmCategory",
    probability: "SafetyRating.HarmProbability",
    modality: "Modality",
  }).map(([field, enumType]) => [field, new Map(Object.entries(RESPONSE_ENUMS[enumType] ?? {}))]),
);

/** Rewrites the enum names of an answer (a fresh object) to their numbers, in place; returns it. */
export function withIntEnums<T>(answer: T): T {
  if (Array.isArray(answer)) {
    for (const item of answer) withIntEnums(item);
  } else if (typeof answer === "object" && answer !== null) {
    const o = answer as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      const v = o[key];
      if (typeof v === "string") {
        const n = ENUM_OF_FIELD.get(key)?.get(v);
        if (n !== undefined) o[key] = n;
      } else if (typeof v === "object" && v !== null) withIntEnums(v);
    }
  }
  return answer;
}
