// Unit tests for lib/retry.ts and lib/errors.ts: RetryInfo honoured, jitter bounds, caps, attempts and the retry budget.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  backoffDelayMs,
  decideRetry,
  MIN_RETRY_WINDOW_MS,
  parseRetryDelay,
  RetryBudget,
  retryInfoDelayMs,
  type FailedAttempt,
  type RetryPolicy,
} from "../../lib/retry.ts";
import { classifyStatus, classifyStreamError, type ErrorClass } from "../../lib/errors.ts";

const policy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 8000, budgetRatio: 0.1, budgetMinRetries: 3 };
const ample = () => new RetryBudget(1, 1000);
const failed = (errorClass: ErrorClass, status: number): FailedAttempt => ({ errorClass, status });
const limited = (retryInfoMs: number | undefined): FailedAttempt => ({ errorClass: "rate_limited", status: 429, retryInfoMs });

test("protobuf Duration strings parse to milliseconds", () => {
  assert.equal(parseRetryDelay("26s"), 26_000);
  assert.equal(parseRetryDelay("11.968498755s"), 11_968);
  assert.equal(parseRetryDelay("0.5s"), 500);
  assert.equal(parseRetryDelay("26"), undefined);
  assert.equal(parseRetryDelay(26), undefined);
});

test("RetryInfo is found among the 429 details whatever their order", () => {
  const details = [
    { "@type": "type.googleapis.com/google.rpc.Help", links: [] },
    { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [] },
    { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "11.968498755s" },
  ];
  assert.equal(retryInfoDelayMs(details), 11_968);
  assert.equal(retryInfoDelayMs([]), undefined);
  assert.equal(retryInfoDelayMs(undefined), undefined);
});

test("a 429 waits exactly the server's RetryInfo delay; one beyond the backoff cap fails the request instead", () => {
  assert.deepEqual(
    decideRetry(policy, ample(), 1, limited(6_500), Infinity, () => 0.5),
    { retry: true, delayMs: 6_500, reason: "retry_info" },
  );
  assert.deepEqual(
    decideRetry(policy, ample(), 1, limited(8_000), Infinity, () => 0.5),
    { retry: true, delayMs: 8_000, reason: "retry_info" },
  );
  const budget = ample();
  assert.deepEqual(decideRetry(policy, budget, 1, limited(26_000)), { retry: false, reason: "retry_delay_too_long" });
  assert.equal(budget.used, 0, "a refused retry costs no budget");
  const noInfo = decideRetry(policy, ample(), 1, limited(undefined), Infinity, () => 0.5);
  assert.deepEqual(noInfo, { retry: true, delayMs: 250, reason: "backoff" });
});

test("no retry starts that the end of the scenario would cut off", () => {
  // The wait plus the time a retry needs must fit in what is left.
  assert.deepEqual(decideRetry(policy, ample(), 1, limited(2_000), 2_000 + MIN_RETRY_WINDOW_MS), {
    retry: true,
    delayMs: 2_000,
    reason: "retry_info",
  });
  assert.deepEqual(decideRetry(policy, ample(), 1, limited(2_000), 2_000 + MIN_RETRY_WINDOW_MS - 1), {
    retry: false,
    reason: "no_time_left",
  });
  assert.deepEqual(
    decideRetry(policy, ample(), 1, failed("overloaded", 503), 500, () => 0),
    { retry: false, reason: "no_time_left" },
  );
  assert.equal(decideRetry(policy, ample(), 1, failed("overloaded", 503), 10_000, () => 0.5).retry, true);
});

test("full jitter: delays lie in [0, min(cap, base·2^(n-1))) and cover that range", () => {
  for (let retry = 1; retry <= 8; retry++) {
    const ceiling = Math.min(8000, 500 * 2 ** (retry - 1));
    assert.equal(
      backoffDelayMs(policy, retry, () => 0),
      0,
    );
    assert.equal(
      backoffDelayMs(policy, retry, () => 0.999999),
      ceiling - 1,
    );
    const draws = Array.from({ length: 2000 }, () => backoffDelayMs(policy, retry));
    assert.ok(
      draws.every((d) => d >= 0 && d < ceiling),
      `retry ${retry} out of bounds`,
    );
    assert.ok(Math.max(...draws) > ceiling * 0.9 && Math.min(...draws) < ceiling * 0.1, `retry ${retry} not spread`);
  }
  assert.equal(
    backoffDelayMs(policy, 20, () => 0.999999),
    7999,
  );
});

test("500, 503, 504 and timeouts back off; other 5xx, client and network errors and invalid bodies are not retried", () => {
  for (const status of [500, 503, 504, 0]) {
    const failure = failed(classifyStatus(status, 1050) as ErrorClass, status);
    assert.equal(decideRetry(policy, ample(), 1, failure, Infinity, () => 0.5).retry, true, String(status));
  }
  for (const status of [501, 502, 505, 400, 403, 404]) {
    assert.deepEqual(
      decideRetry(policy, ample(), 1, failed(classifyStatus(status) as ErrorClass, status)),
      { retry: false, reason: "not_retryable" },
      String(status),
    );
  }
  for (const errorClass of ["network", "invalid_response"] as const) {
    assert.deepEqual(decideRetry(policy, ample(), 1, failed(errorClass, errorClass === "network" ? 0 : 200)), {
      retry: false,
      reason: "not_retryable",
    });
  }
});

test("attempts stop at maxAttempts", () => {
  assert.equal(decideRetry(policy, ample(), 2, failed("overloaded", 503)).retry, true);
  assert.deepEqual(decideRetry(policy, ample(), 3, failed("overloaded", 503)), { retry: false, reason: "attempts_exhausted" });
  assert.deepEqual(decideRetry({ ...policy, maxAttempts: 1 }, ample(), 1, failed("overloaded", 503)), {
    retry: false,
    reason: "attempts_exhausted",
  });
});

test("the retry budget keeps retries within ratio × requests + floor, however bad the service", () => {
  const budget = new RetryBudget(0.1, 3);
  let retries = 0;
  for (let request = 0; request < 1000; request++) {
    budget.recordRequest();
    // Every attempt fails: without a budget this would triple the load.
    for (let attempt = 1; decideRetry(policy, budget, attempt, failed("overloaded", 503)).retry; attempt++) retries++;
  }
  assert.ok(retries <= 0.1 * 1000 + 3, `retries ${retries}`);
  assert.ok(retries >= 0.1 * 1000, `retries ${retries}: the budget should be usable`);
  assert.equal(budget.used, retries);
  assert.deepEqual(decideRetry(policy, budget, 1, failed("overloaded", 503)), { retry: false, reason: "budget_exhausted" });
});

test("status and k6 error codes map to the error classes", () => {
  assert.equal(classifyStatus(200), undefined);
  assert.equal(classifyStatus(429), "rate_limited");
  assert.equal(classifyStatus(503), "overloaded");
  assert.equal(classifyStatus(500), "server");
  assert.equal(classifyStatus(502), "server");
  assert.equal(classifyStatus(504), "timeout");
  assert.equal(classifyStatus(400), "client");
  assert.equal(classifyStatus(403), "client");
  assert.equal(classifyStatus(0, 1050), "timeout");
  assert.equal(classifyStatus(0, 1211), "timeout");
  assert.equal(classifyStatus(0, 1212), "network");
  assert.equal(classifyStreamError(503), "overloaded");
  assert.equal(classifyStreamError(200), "invalid_response");
});
