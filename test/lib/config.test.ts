// Unit tests for lib/config.ts: defaults, every bad variable reported at once, loopback rules, redaction.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ConfigError,
  displayUrl,
  isLoopbackHost,
  KNOWN_VARIABLES,
  LOCAL_PLACEHOLDER_KEY,
  parseConfig,
  parseDurationMs,
  redactedConfig,
} from "../../lib/config.ts";

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("parseConfig accepted a bad environment");
}

test("defaults target the local emulator with the contract's values", () => {
  const config = parseConfig({});
  assert.equal(config.baseUrl, "http://127.0.0.1:8080");
  assert.equal(config.isLoopback, true);
  assert.equal(config.model, "gemini-2.5-flash");
  assert.equal(config.apiVersion, "v1beta");
  assert.equal(config.scenario, "both");
  assert.equal(config.stream, true);
  assert.equal(config.durationMs, 30_000);
  assert.equal(config.apiKey, LOCAL_PLACEHOLDER_KEY);
  assert.equal(config.runId, undefined);
  assert.equal(config.resultsDir, "results");
});

test("set variables win over defaults and are typed", () => {
  const config = parseConfig({
    GEMINI_BASE_URL: "http://localhost:9000/",
    GEMINI_MODEL: "models/gemini-2.5-pro",
    GEMINI_API_VERSION: "v1",
    GEMINI_SCENARIO: "open",
    GEMINI_STREAM: "false",
    GEMINI_RATE: "2.5",
    GEMINI_DURATION: "1m30s",
    GEMINI_VUS: "7",
    GEMINI_MIN_ACCURACY: "0.6",
    GEMINI_RUN_ID: "20261126-010203-a1b2",
    GEMINI_DASHBOARD: "1",
  });
  assert.equal(config.baseUrl, "http://localhost:9000");
  assert.equal(config.model, "gemini-2.5-pro");
  assert.equal(config.apiVersion, "v1");
  assert.equal(config.scenario, "open");
  assert.equal(config.stream, false);
  assert.equal(config.rate, 2.5);
  assert.equal(config.durationMs, 90_000);
  assert.equal(config.vus, 7);
  assert.equal(config.thresholds.minAccuracy, 0.6);
  assert.equal(config.runId, "20261126-010203-a1b2");
  assert.equal(config.dashboard, true);
});

test("every bad variable is reported at once, by name, with what is accepted", () => {
  const problems = problemsOf({
    GEMINI_RATE: "abc",
    GEMINI_SCENARIO: "spike",
    GEMINI_DURATION: "ten minutes",
    GEMINI_API_VERSION: "v2",
    GEMINI_STREAM: "maybe",
    GEMINI_MIN_ACCURACY: "1.5",
    GEMINI_VUS: "2.5",
  });
  assert.equal(problems.length, 7);
  assert.ok(problems.includes("invalid GEMINI_RATE: expected a positive number of requests per second, got 'abc'"));
  assert.ok(problems.includes("invalid GEMINI_SCENARIO: expected one of closed, open, both, got 'spike'"));
  for (const name of ["GEMINI_DURATION", "GEMINI_API_VERSION", "GEMINI_STREAM", "GEMINI_MIN_ACCURACY", "GEMINI_VUS"]) {
    assert.ok(
      problems.some((p) => p.startsWith(`invalid ${name}: expected `)),
      `no problem reported for ${name}`,
    );
  }
});

test("a remote URL needs a key and a budget, and both are named when missing", () => {
  const problems = problemsOf({ GEMINI_BASE_URL: "https://generativelanguage.googleapis.com" });
  assert.equal(problems.length, 2);
  assert.match(problems[0] ?? "", /GEMINI_API_KEY/);
  assert.match(problems[1] ?? "", /GEMINI_MAX_REQUESTS or GEMINI_MAX_COST_USD/);
  const withKeyOnly = problemsOf({ GEMINI_BASE_URL: "https://generativelanguage.googleapis.com", GEMINI_API_KEY: "k" });
  assert.deepEqual(withKeyOnly.length, 1);
  const ok = parseConfig({ GEMINI_BASE_URL: "https://generativelanguage.googleapis.com", GEMINI_API_KEY: "k", GEMINI_MAX_COST_USD: "2" });
  assert.equal(ok.isLoopback, false);
  assert.equal(ok.budget.maxCostUsd, 2);
});

test("a key in the problems list never leaks: messages name variables, not values of the key", () => {
  const problems = problemsOf({ GEMINI_API_KEY: "secret-canary-123", GEMINI_RATE: "-1" });
  assert.ok(problems.every((p) => !p.includes("secret-canary-123")));
});

test("a URL with a query string or no scheme is refused, so a ?key= cannot ride in it", () => {
  assert.match(problemsOf({ GEMINI_BASE_URL: "http://127.0.0.1:8080/?key=abc" })[0] ?? "", /^invalid GEMINI_BASE_URL/);
  assert.match(problemsOf({ GEMINI_BASE_URL: "127.0.0.1:8080" })[0] ?? "", /^invalid GEMINI_BASE_URL/);
});

test("loopback detection covers localhost, 127/8 and ::1 only", () => {
  for (const host of [
    "localhost",
    "LOCALHOST",
    "127.0.0.1",
    "127.5.6.7",
    "127.255.255.255",
    "127.0.0.0",
    "[::1]",
    "::1",
    "0:0:0:0:0:0:0:1",
    "[0:0:0:0:0:0:0:1]",
    "0::1",
  ]) {
    assert.equal(isLoopbackHost(host), true, host);
  }
  for (const host of ["10.0.0.1", "example.com", "128.0.0.1", "localhost.example.com", "0.0.0.0"])
    assert.equal(isLoopbackHost(host), false, host);
  assert.equal(parseConfig({ GEMINI_BASE_URL: "http://[::1]:8080" }).isLoopback, true);
});

test("names under .localhost and malformed 127.x addresses are not loopback: k6 would resolve them", () => {
  for (const host of [
    "api.localhost",
    "evil.localhost",
    "localhost.",
    "127.0.0.999",
    "127.0.0.256",
    "127.0.0.01",
    "127.00.0.1",
    "127.1",
    "127.0.0.1.nip.io",
    "127.0.0.1.",
    "::2",
    "1::1",
    "::ffff:127.0.0.1",
    "0:0:0:0:0:0:0:0:1",
    "::1::",
    "[::1",
  ]) {
    assert.equal(isLoopbackHost(host), false, host);
  }
  // Such a target is treated as the real API: it needs a key and a budget.
  const problems = problemsOf({ GEMINI_BASE_URL: "http://api.localhost:8080" });
  assert.ok(
    problems.some((p) => p.startsWith("missing GEMINI_API_KEY")),
    problems.join("\n"),
  );
  assert.ok(
    problems.some((p) => p.startsWith("missing GEMINI_MAX_REQUESTS or GEMINI_MAX_COST_USD")),
    problems.join("\n"),
  );
  assert.ok(problemsOf({ GEMINI_BASE_URL: "http://127.0.0.999:8080" }).some((p) => p.startsWith("missing GEMINI_API_KEY")));
});

test("credentials, query strings and fragments in GEMINI_BASE_URL are refused without echoing them", () => {
  const cases = [
    ["http://secret-canary-123@127.0.0.1:8080", /credentials/],
    ["http://user:secret-canary-123@127.0.0.1:8080", /credentials/],
    ["https://secret-canary-123@generativelanguage.googleapis.com/v1", /credentials/],
    ["http://127.0.0.1:8080/?key=secret-canary-123", /query string/],
    ["http://127.0.0.1:8080#secret-canary-123", /query string or fragment/],
  ] as const;
  for (const [url, problem] of cases) {
    const problems = problemsOf({ GEMINI_BASE_URL: url, GEMINI_API_KEY: "k", GEMINI_MAX_REQUESTS: "5" });
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0] ?? "", /^invalid GEMINI_BASE_URL: /);
    assert.match(problems[0] ?? "", problem);
    assert.match(problems[0] ?? "", /GEMINI_API_KEY/, "the message says where the key belongs");
    assert.ok(!(problems[0] ?? "").includes("secret-canary-123"), problems[0]);
  }
  assert.match(problemsOf({ GEMINI_BASE_URL: "http://user:pw@127.0.0.1:8080/api" })[0] ?? "", /got 'http:\/\/127\.0\.0\.1:8080\/api'/);
});

test("displayUrl keeps scheme, host, port and path only", () => {
  assert.equal(displayUrl("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  assert.equal(displayUrl("https://KEY@generativelanguage.googleapis.com/v1"), "https://generativelanguage.googleapis.com/v1");
  assert.equal(displayUrl("http://user:p@ss@host:1/p?key=KEY#frag"), "http://host:1/p");
  assert.equal(displayUrl("KEY@host:8080/x?key=KEY"), "host:8080/x");
  const redacted = redactedConfig(parseConfig({ GEMINI_BASE_URL: "http://127.0.0.1:9/v" }));
  assert.equal(redacted.baseUrl, "http://127.0.0.1:9/v");
});

test("values that would run something else than asked are refused, naming the fix", () => {
  const backoff = problemsOf({ GEMINI_BACKOFF_BASE_MS: "10000", GEMINI_BACKOFF_MAX_MS: "2000" });
  assert.equal(backoff.length, 1);
  assert.match(backoff[0] ?? "", /^invalid GEMINI_BACKOFF_BASE_MS: expected at most GEMINI_BACKOFF_MAX_MS \(2000\), got '10000'/);
  assert.equal(parseConfig({ GEMINI_BACKOFF_BASE_MS: "2000", GEMINI_BACKOFF_MAX_MS: "2000" }).retry.baseDelayMs, 2000);

  // 0.001/s is 3.6 per hour: no whole rate per second, minute or hour is within 1% of it.
  const rate = problemsOf({ GEMINI_RATE: "0.001" });
  assert.equal(rate.length, 1);
  assert.match(rate[0] ?? "", /^invalid GEMINI_RATE: expected .*1 per hour, 0\.000278.*got '0\.001'/);
  for (const ok of ["0.5", "2.5", "0.1", "1000", "0.000278", "0.0025"]) assert.equal(parseConfig({ GEMINI_RATE: ok }).rate, Number(ok), ok);
  assert.equal(problemsOf({ GEMINI_RATE: "0.0001" }).length, 1, "below 1 per hour");

  assert.match(problemsOf({ GEMINI_DURATION: "1ms" })[0] ?? "", /^invalid GEMINI_DURATION: expected a duration of at least 1s/);
  assert.match(problemsOf({ GEMINI_DURATION: "999ms" })[0] ?? "", /^invalid GEMINI_DURATION/);
  assert.equal(parseConfig({ GEMINI_DURATION: "1s" }).durationMs, 1000);
  assert.match(problemsOf({ GEMINI_TIMEOUT: "0.4ms" })[0] ?? "", /^invalid GEMINI_TIMEOUT: expected a duration of at least 10ms/);
  assert.equal(parseConfig({ GEMINI_TIMEOUT: "10ms" }).timeoutMs, 10);
});

test("durations follow k6's forms", () => {
  assert.equal(parseDurationMs("500ms"), 500);
  assert.equal(parseDurationMs("30s"), 30_000);
  assert.equal(parseDurationMs("2m"), 120_000);
  assert.equal(parseDurationMs("1h30m"), 5_400_000);
  assert.equal(parseDurationMs("45"), 45_000);
  assert.equal(parseDurationMs("2 minutes"), undefined);
  assert.equal(parseDurationMs("s"), undefined);
});

test("the config is frozen and its redacted view hides the key", () => {
  const config = parseConfig({ GEMINI_API_KEY: "secret-canary-123" });
  assert.throws(() => {
    (config as { rate: number }).rate = 99;
  }, TypeError);
  assert.throws(() => {
    (config.thresholds as { p95Ms: number }).p95Ms = 1;
  }, TypeError);
  const redacted = redactedConfig(config);
  assert.equal(redacted.apiKey, "[redacted]");
  assert.ok(!JSON.stringify(redacted).includes("secret-canary-123"));
});

test("GEMINI_MAX_VUS below the pre-allocated VUs is refused", () => {
  const problems = problemsOf({ GEMINI_PREALLOCATED_VUS: "20", GEMINI_MAX_VUS: "5" });
  assert.match(problems[0] ?? "", /^invalid GEMINI_MAX_VUS: expected a number ≥ GEMINI_PREALLOCATED_VUS \(20\)/);
});

test("KNOWN_VARIABLES is exactly the GEMINI_* variables the code reads, so only real typos are warned about", () => {
  const root = path.resolve(import.meta.dirname, "../..");
  const read = new Set<string>();
  const scan = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) scan(full);
      else if (/\.(ts|mjs)$/.test(entry.name))
        for (const match of readFileSync(full, "utf8").matchAll(/\bGEMINI_[A-Z0-9_]*[A-Z0-9]\b/g)) read.add(match[0]);
    }
  };
  for (const dir of ["lib", "scenarios", "tools", "verify"]) scan(path.join(root, dir));
  assert.deepEqual([...read].sort(), [...KNOWN_VARIABLES].sort());
});
