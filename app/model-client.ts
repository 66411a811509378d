// One model attempt through @google/genai: the moderation prompt with its JSON schema, and the answer
// or the failure classified for the router (status, RetryInfo's delay). One SDK client per key; the
// SDK's own retries are off, because the app retries across upstreams itself.

import { ApiError, GoogleGenAI } from "@google/genai";
import { CATEGORIES, SYSTEM_INSTRUCTION, VERDICT_SCHEMA, type Category } from "../lib/moderation.ts";
import { parseRetryDelay } from "../lib/retry.ts";
import type { KeySlot } from "./config.ts";

/** What a successful attempt returns: the model's raw JSON text (parsed separately, so its time is its own). */
export interface ModelAnswer {
  text: string;
}

/** A failed attempt: status when the API answered, the RetryInfo delay of a 429, whether a retry may help. */
export class ModelCallError extends Error {
  override name = "ModelCallError";
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The verdict the model gave, checked against the schema. */
export interface ModelVerdict {
  category: Category;
  confidence: number;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

/** Calls models with one SDK client per key slot. */
export class ModelClient {
  private readonly clients = new Map<string, GoogleGenAI>();

  constructor(keys: readonly KeySlot[], baseUrl: string | undefined) {
    for (const slot of keys) {
      const httpOptions = baseUrl === undefined ? {} : { baseUrl };
      this.clients.set(slot.name, new GoogleGenAI({ vertexai: false, apiKey: slot.key, httpOptions }));
    }
  }

  /** One generateContent call asking `model`, with key `keyName`, for a verdict on `text`. */
  async classify(model: string, keyName: string, text: string, signal: AbortSignal): Promise<ModelAnswer> {
    const ai = this.clients.get(keyName);
    if (!ai) throw new Error(`no client for key ${keyName}`);
    try {
      const response = await ai.models.generateContent({
        model,
        contents: [{ role: "user", parts: [{ text: `Classify this post:\n\n${text}` }] }],
        config: {
          systemInstruction: SYSTEM_INSTRUCTION,
          temperature: 0,
          responseMimeType: "application/json",
          responseSchema: VERDICT_SCHEMA as never,
          abortSignal: signal,
        },
      });
      const answer = response.text;
      if (answer === undefined || answer === "") {
        throw new ModelCallError(`the model gave no text (finish reason ${response.candidates?.[0]?.finishReason ?? "none"})`, 200, false);
      }
      return { text: answer };
    } catch (error) {
      throw classify(error, signal);
    }
  }
}

function classify(error: unknown, signal: AbortSignal): ModelCallError {
  if (error instanceof ModelCallError) return error;
  if (signal.aborted) return new ModelCallError("the attempt was cancelled", undefined, false);
  if (error instanceof ApiError) {
    return new ModelCallError(`the model answered ${error.status}`, error.status, RETRYABLE.has(error.status), retryDelayMs(error.message));
  }
  // A network failure: another attempt (likely on another upstream) may well succeed.
  return new ModelCallError(`the model could not be reached: ${(error as Error).message}`, undefined, true);
}

/** RetryInfo's retryDelay ("12.3s") from the error body the SDK put in the message, in ms. */
function retryDelayMs(message: string): number | undefined {
  return parseRetryDelay(/"retryDelay"\s*:\s*"([^"]*)"/.exec(message)?.[1]);
}

/** Parses and checks the model's JSON verdict; a malformed one is an error of the model's answer. */
export function parseVerdict(text: string): ModelVerdict {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ModelCallError("the model's answer is not JSON", 200, true);
  }
  const v = value as { verdict?: unknown; confidence?: unknown };
  if (!CATEGORIES.includes(v.verdict as Category) || typeof v.confidence !== "number" || v.confidence < 0 || v.confidence > 1) {
    throw new ModelCallError("the model's answer does not match the verdict schema", 200, true);
  }
  return { category: v.verdict as Category, confidence: v.confidence };
}
