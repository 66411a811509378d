// The comparison retry policies of GEMINI_RETRY_POLICY (lib/retry.ts): none never retries, fixed waits
// the base delay, exponential a jittered capped step; both ignore RetryInfo and spend no budget.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decideRetry, RetryBudget, type FailedAttempt, type RetryPolicy, type RetryStrategy } from "../../lib/retry.ts";
import { ConfigError, parseConfig } from "../../lib/config.ts";

const base: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8000, budgetRatio: 0, budgetMinRetries: 0 };
const limited: FailedAttempt = { errorClass: "rate_limited", status: 429, retryInfoMs: 3000 };
const overloaded: FailedAttempt = { errorClass: "overloaded", status: 503 };
const as = (strategy: RetryStrategy): RetryPolicy => ({ ...base, strategy });

test("none retries nothing", () => {
  for (const failure of [limited, overloaded]) {
    assert.deepEqual(decideRetry(as("none"), new RetryBudget(1, 100), 1, failure), { retry: false, reason: "attempts_exhausted" });
  }
});

test("fixed waits the base delay whatever RetryInfo says, with an empty budget, until the attempts run out", () => {
  const empty = new RetryBudget(0, 0);
  assert.deepEqual(decideRetry(as("fixed"), empty, 1, limited), { retry: true, delayMs: 500, reason: "backoff" });
  assert.deepEqual(decideRetry(as("fixed"), empty, 3, overloaded), { retry: true, delayMs: 500, reason: "backoff" });
  assert.equal(decideRetry(as("fixed"), empty, 4, overloaded).retry, false);
  assert.equal(decideRetry(as("fixed"), empty, 1, { errorClass: "client", status: 400 }).retry, false);
});

test("exponential draws below the capped doubling step and ignores RetryInfo", () => {
  const empty = new RetryBudget(0, 0);
  const top = () => 0.999;
  assert.deepEqual(decideRetry(as("exponential"), empty, 1, limited, Number.POSITIVE_INFINITY, top), {
    retry: true,
    delayMs: 499,
    reason: "backoff",
  });
  const third = decideRetry(as("exponential"), empty, 3, limited, Number.POSITIVE_INFINITY, top);
  assert.ok(third.retry && third.delayMs === 1998);
});

test("ours still honours RetryInfo and its budget", () => {
  assert.deepEqual(decideRetry(as("ours"), new RetryBudget(1, 10), 1, limited), { retry: true, delayMs: 3000, reason: "retry_info" });
  assert.deepEqual(decideRetry(as("ours"), new RetryBudget(0, 0), 1, limited), { retry: false, reason: "budget_exhausted" });
});

test("GEMINI_RETRY_POLICY defaults to ours and refuses other values by name", () => {
  assert.equal(parseConfig({}).retry.strategy, "ours");
  assert.equal(parseConfig({ GEMINI_RETRY_POLICY: "fixed" }).retry.strategy, "fixed");
  assert.throws(
    () => parseConfig({ GEMINI_RETRY_POLICY: "aggressive" }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.problems.some((p) => p.startsWith("invalid GEMINI_RETRY_POLICY: expected one of ours, none, fixed, exponential")),
  );
});
