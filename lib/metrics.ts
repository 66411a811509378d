// The custom k6 metrics every scenario records, all prefixed gemini_ (names and meanings in docs/metrics.md);
// a scenario's own metrics live with it (lib/moderation-checks.ts).
// Created once per VU at init, as k6 requires.

import { Counter, Rate, Trend } from "k6/metrics";

/** Time to first token: first-byte time of a streaming call. */
export const ttft = new Trend("gemini_ttft", true);
/** (duration − ttft) / output tokens. */
export const timePerOutputToken = new Trend("gemini_time_per_output_token", true);
/** One HTTP attempt. */
export const attemptDuration = new Trend("gemini_attempt_duration", true);
/** What the user feels: all attempts and the waits between them. */
export const requestDuration = new Trend("gemini_request_duration", true);
/** Visible output tokens per second of generation. */
export const tokensPerSecond = new Trend("gemini_tokens_per_second");
/** Prompt tokens from usageMetadata. */
export const promptTokens = new Counter("gemini_prompt_tokens");
/** Visible output tokens (candidatesTokenCount). */
export const outputTokens = new Counter("gemini_output_tokens");
/** Thinking tokens, counted apart from visible output. */
export const thinkingTokens = new Counter("gemini_thinking_tokens");
/** Attempts answered 429. */
export const rateLimited = new Counter("gemini_rate_limited");
/** Attempts answered 503 (or streams that failed with 503 after starting). */
export const overloaded = new Counter("gemini_overloaded");
/** Answers blocked for safety. */
export const blocked = new Counter("gemini_blocked");
/** Retry attempts sent. */
export const retries = new Counter("gemini_retries");
/** Share of requests that failed after all retries, tagged `error_class` when they did. */
export const errors = new Rate("gemini_errors");
/** Share of requests within the latency objective with a valid answer (for moderation: a valid verdict). */
export const goodput = new Rate("gemini_goodput");
/** Estimated spend, from usage and data/prices.json. */
export const costUsd = new Counter("gemini_cost_usd");
