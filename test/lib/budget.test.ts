// Unit tests for lib/budget.ts and the budget part of lib/thresholds.ts: cost, run plans, and the abort thresholds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  budgetProblem,
  describePlan,
  estimateUsage,
  planRun,
  priceFor,
  requestCaps,
  requestCostUsd,
  tokenCostUsd,
  type PriceTable,
} from "../../lib/budget.ts";
import { parseConfig } from "../../lib/config.ts";
import { thresholdsFor } from "../../lib/thresholds.ts";

const prices = JSON.parse(readFileSync(new URL("../../data/prices.json", import.meta.url), "utf8")) as PriceTable;

test("the price table is dated, sourced, and has the served models", () => {
  assert.match(prices.date, /^\d{4}-\d{2}/);
  assert.ok(prices.source.length > 10);
  for (const model of ["gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro", "gemini-2.0-flash"]) {
    const price = priceFor(prices, model);
    assert.ok(price && price.input > 0 && price.output > price.input, model);
  }
  assert.deepEqual(priceFor(prices, "models/gemini-2.5-flash"), { input: 0.3, output: 2.5 });
});

test("cost bills thinking as output and uses the long-prompt tier above 200k", () => {
  const flash = { input: 0.3, output: 2.5 };
  assert.equal(requestCostUsd(flash, { promptTokens: 1_000_000, outputTokens: 0, thinkingTokens: 0 }), 0.3);
  assert.equal(requestCostUsd(flash, { promptTokens: 0, outputTokens: 400_000, thinkingTokens: 600_000 }), 2.5);
  const pro = { input: 1.25, output: 10, inputAbove200k: 2.5, outputAbove200k: 15 };
  assert.equal(requestCostUsd(pro, { promptTokens: 100_000, outputTokens: 0, thinkingTokens: 0 }), 0.125);
  assert.equal(requestCostUsd(pro, { promptTokens: 400_000, outputTokens: 100_000, thinkingTokens: 0 }), 1 + 1.5);
  // The per-request form takes the counts directly and agrees.
  assert.equal(tokenCostUsd(pro, 400_000, 100_000, 0), 1 + 1.5);
  assert.equal(tokenCostUsd(flash, 182, 37, 196), requestCostUsd(flash, { promptTokens: 182, outputTokens: 37, thinkingTokens: 196 }));
});

test("an open run plans the iterations k6 starts, every retry the budget allows, and the preflight", () => {
  const config = parseConfig({ GEMINI_SCENARIO: "open", GEMINI_RATE: "10", GEMINI_DURATION: "1m" });
  const usage = { promptTokens: 300, outputTokens: 40, thinkingTokens: 0 };
  const plan = planRun(config, usage, { input: 0.3, output: 2.5 });
  // 601 iterations (one at the start, then one per 100 ms), retries: 10% of them plus one free retry
  // for each of the 100 VUs the open model may use, and the preflight.
  assert.equal(plan.requests, 601 + 61 + 100 + 1);
  assert.ok(Math.abs((plan.costUsd ?? 0) - (763 * (300 * 0.3 + 40 * 2.5)) / 1e6) < 1e-12);
  const noRetries = planRun(
    parseConfig({ GEMINI_SCENARIO: "open", GEMINI_RATE: "10", GEMINI_DURATION: "1m", GEMINI_MAX_ATTEMPTS: "1" }),
    usage,
    undefined,
  );
  assert.equal(noRetries.requests, 602);
  assert.equal(noRetries.costUsd, undefined);
});

test("a closed run is estimated from VU-seconds; both adds the two", () => {
  const usage = { promptTokens: 1, outputTokens: 1, thinkingTokens: 0 };
  const closed = planRun(
    parseConfig({ GEMINI_SCENARIO: "closed", GEMINI_VUS: "4", GEMINI_DURATION: "20s", GEMINI_MAX_ATTEMPTS: "1" }),
    usage,
    undefined,
  );
  assert.equal(closed.requests, 60 + 1);
  const both = planRun(
    parseConfig({ GEMINI_SCENARIO: "both", GEMINI_VUS: "4", GEMINI_RATE: "2", GEMINI_DURATION: "20s", GEMINI_MAX_ATTEMPTS: "1" }),
    usage,
    undefined,
  );
  assert.equal(both.requests, 60 + 41 + 1);
});

test("usage estimates count thinking for thinking models unless a budget says otherwise", () => {
  assert.ok(estimateUsage(400, "gemini-2.5-flash", undefined).thinkingTokens > 0);
  assert.equal(estimateUsage(400, "gemini-2.5-flash", 0).thinkingTokens, 0);
  assert.equal(estimateUsage(400, "gemini-2.0-flash", undefined).thinkingTokens, 0);
  assert.equal(estimateUsage(400, "gemini-2.0-flash", undefined).promptTokens, 100);
});

test("the printed plan names the count, the cost with the price date and source, and the budget", () => {
  const config = parseConfig({
    GEMINI_BASE_URL: "https://generativelanguage.googleapis.com",
    GEMINI_API_KEY: "k",
    GEMINI_MAX_REQUESTS: "500",
    GEMINI_MAX_COST_USD: "1.5",
    GEMINI_SCENARIO: "open",
    GEMINI_RATE: "1",
    GEMINI_DURATION: "30s",
  });
  const plan = planRun(config, estimateUsage(400, config.model, undefined), priceFor(prices, config.model));
  const text = describePlan(plan, config, prices);
  // With a request budget no VU retries for free: retries stay within 10% of the 31 requests.
  assert.match(text, /^planned requests: 36 \(open: 1\/s × 30s \+ 1 = 31, \+4 retries at most, \+1 preflight\)$/m);
  assert.match(text, /^estimated cost: \$\d+\.\d{4} at about /m);
  assert.ok(text.includes(prices.date) && text.includes(prices.source));
  assert.match(text, /^budget: 500 requests and \$1\.5; the test aborts when it is spent$/m);
  assert.ok(!text.includes("warning"));
  const tight = parseConfig({
    GEMINI_BASE_URL: "https://example.com",
    GEMINI_API_KEY: "k",
    GEMINI_MAX_REQUESTS: "10",
    GEMINI_SCENARIO: "open",
    GEMINI_RATE: "1",
    GEMINI_DURATION: "30s",
  });
  assert.match(
    describePlan(planRun(tight, estimateUsage(400, tight.model, undefined), undefined), tight, prices),
    /^warning: the plan exceeds the budget/m,
  );
});

test("a request budget caps each scenario so that requests, retries and the preflight never exceed it", () => {
  const remote = { GEMINI_BASE_URL: "https://example.com", GEMINI_API_KEY: "k" };
  // 100 − 1 preflight = 99; with a 10% retry share, 90 requests (+ at most 9 retries).
  const open = parseConfig({ ...remote, GEMINI_MAX_REQUESTS: "100", GEMINI_SCENARIO: "open", GEMINI_RATE: "10", GEMINI_DURATION: "1m" });
  assert.deepEqual(requestCaps(open), { closed: undefined, open: 90 });
  assert.equal(open.retry.budgetMinRetries, 0, "no free retries per VU under a request budget");
  const noRetries = parseConfig({ ...remote, GEMINI_MAX_REQUESTS: "100", GEMINI_SCENARIO: "closed", GEMINI_MAX_ATTEMPTS: "1" });
  assert.deepEqual(requestCaps(noRetries), { closed: 99, open: undefined });
  // Both: the open model keeps what its plan needs (2/s × 20 s + 1 = 41); the closed model gets the rest.
  const both = parseConfig({ ...remote, GEMINI_MAX_REQUESTS: "100", GEMINI_SCENARIO: "both", GEMINI_RATE: "2", GEMINI_DURATION: "20s" });
  assert.deepEqual(requestCaps(both), { closed: 90 - 41, open: 41 });
  const caps = requestCaps(both);
  const worst = (caps.closed ?? 0) + (caps.open ?? 0);
  assert.ok(worst + Math.floor(worst * 0.1) + 1 <= 100, "requests + retries + preflight within the budget");
  // Loopback: nothing is capped, and VUs keep their free retry.
  assert.deepEqual(requestCaps(parseConfig({})), { closed: undefined, open: undefined });
  assert.equal(parseConfig({}).retry.budgetMinRetries, 1);
});

test("a request budget too small for a single request per scenario is refused, naming the fix", () => {
  const config = parseConfig({
    GEMINI_BASE_URL: "https://example.com",
    GEMINI_API_KEY: "k",
    GEMINI_MAX_REQUESTS: "1",
    GEMINI_SCENARIO: "open",
  });
  assert.match(
    budgetProblem(config, prices) ?? "",
    /^invalid GEMINI_MAX_REQUESTS: 1 leaves the scenario no request after the preflight .*raise it/,
  );
  const both = parseConfig({
    GEMINI_BASE_URL: "https://example.com",
    GEMINI_API_KEY: "k",
    GEMINI_MAX_REQUESTS: "20",
    GEMINI_SCENARIO: "both",
    GEMINI_RATE: "5",
  });
  assert.match(budgetProblem(both, prices) ?? "", /leaves each scenario no request/);
});

test("the budget becomes abort-on-fail thresholds on http_reqs and gemini_cost_usd", () => {
  const config = parseConfig({
    GEMINI_BASE_URL: "https://example.com",
    GEMINI_API_KEY: "k",
    GEMINI_MAX_REQUESTS: "500",
    GEMINI_MAX_COST_USD: "1.5",
  });
  const thresholds = thresholdsFor(config);
  assert.deepEqual(thresholds.http_reqs, [{ threshold: "count<=500", abortOnFail: true }]);
  assert.deepEqual(thresholds.gemini_cost_usd, [{ threshold: "count<=1.5", abortOnFail: true }]);
  const local = thresholdsFor(parseConfig({}));
  assert.equal(local.http_reqs, undefined);
  assert.equal(local.gemini_cost_usd, undefined);
});

test("a cost budget for a model without a price is refused, naming the variable", () => {
  const config = parseConfig({
    GEMINI_BASE_URL: "https://example.com",
    GEMINI_API_KEY: "k",
    GEMINI_MAX_COST_USD: "1",
    GEMINI_MODEL: "gemini-9-ultra",
  });
  assert.match(budgetProblem(config, prices) ?? "", /^invalid GEMINI_MAX_COST_USD: data\/prices.json has no price for gemini-9-ultra/);
  assert.equal(budgetProblem(parseConfig({ GEMINI_MAX_COST_USD: "1" }), prices), undefined);
});
