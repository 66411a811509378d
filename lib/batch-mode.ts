// Batch Mode: the create body of a job of inlined moderation requests, the reading of its long-running
// Operation (state, per-request answers and errors), the poll backoff, and Batch Mode prices. Pure, so
// it is unit-tested under Node; scenarios/batch-mode.ts sends the requests.

import type { GenerateContentResponse } from "./gemini-types.ts";
import { priceFor, type ModelPrice, type PriceTable } from "./budget.ts";
import { moderationRequest, type ModerationRequestOptions } from "./moderation.ts";
import { parseJsonOrUndefined } from "./json.ts";

/** A job's state without its prefix: the REST API says BATCH_STATE_*, its guide and the SDKs JOB_STATE_*. */
export type JobState = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED" | "EXPIRED" | "UNSPECIFIED";

/** One request's outcome in a finished job. */
export interface BatchItemOutcome {
  /** The `metadata.key` sent with the request. */
  key: string;
  response?: GenerateContentResponse;
  error?: { code?: number; message?: string; status?: string };
}

/** What a poll tells. */
export interface BatchJobView {
  name: string;
  state: JobState;
  done: boolean;
  items: BatchItemOutcome[];
}

/** The `batchGenerateContent` body: one moderation request per post, keyed by the post's index. */
export function batchCreateBody(
  displayName: string,
  posts: readonly { key: string; text: string }[],
  options: ModerationRequestOptions = {},
): string {
  const requests = posts.map((p) => ({ request: moderationRequest(p.text, options), metadata: { key: p.key } }));
  return JSON.stringify({ batch: { display_name: displayName, input_config: { requests: { requests } } } });
}

/** The state named by a `metadata.state`, whichever prefix it carries. */
export function jobState(value: unknown): JobState {
  const text = typeof value === "string" ? value.replace(/^(BATCH|JOB)_STATE_/, "") : "";
  return (["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"] as const).find((s) => s === text) ?? "UNSPECIFIED";
}

/** Reads an Operation answer of create or get; undefined when it is not one. */
export function readBatchJob(body: string): BatchJobView | undefined {
  const value = parseJsonOrUndefined(body);
  if (typeof value !== "object" || value === null) return undefined;
  const op = value as {
    name?: unknown;
    done?: unknown;
    metadata?: { state?: unknown; output?: { inlinedResponses?: { inlinedResponses?: unknown } } };
    response?: { inlinedResponses?: { inlinedResponses?: unknown } };
  };
  if (typeof op.name !== "string" || !op.name.startsWith("batches/")) return undefined;
  // The SDKs read metadata.output, the REST guide response: either will do.
  const list = op.metadata?.output?.inlinedResponses?.inlinedResponses ?? op.response?.inlinedResponses?.inlinedResponses;
  const items: BatchItemOutcome[] = [];
  if (Array.isArray(list)) {
    for (const entry of list as { metadata?: { key?: unknown }; response?: GenerateContentResponse; error?: BatchItemOutcome["error"] }[]) {
      const item: BatchItemOutcome = { key: String(entry?.metadata?.key ?? "") };
      if (entry?.response) item.response = entry.response;
      if (entry?.error) item.error = entry.error;
      items.push(item);
    }
  }
  const state = jobState(op.metadata?.state);
  return { name: op.name, state, done: op.done === true || !["PENDING", "RUNNING", "UNSPECIFIED"].includes(state), items };
}

/** The wait before poll number `poll` (0-based): doubling from `firstMs`, capped at `capMs`. */
export function pollDelayMs(poll: number, firstMs: number, capMs: number): number {
  return Math.min(capMs, firstMs * 2 ** Math.min(poll, 30));
}

/** A model's Batch Mode price (data/prices.json's `batch` column), or undefined when the table has none. */
export function batchPriceFor(
  table: PriceTable & { batch?: { models: Record<string, ModelPrice> } },
  model: string,
): ModelPrice | undefined {
  return table.batch ? priceFor({ ...table, models: table.batch.models }, model) : undefined;
}
