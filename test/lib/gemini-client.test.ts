// Unit tests for lib/gemini-client.ts under Node. It imports k6, which only exists inside k6, so a module hook
// swaps in tiny recording stand-ins for `k6`, `k6/http` and `k6/metrics`; everything else is the real code.
import { test, before, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { register } from "node:module";

interface Sample {
  metric: string;
  value: number;
  tags: Record<string, string>;
}
interface FakeResponse {
  status: number;
  body: string;
  error?: string;
  error_code?: number;
  timings?: { duration: number; waiting: number; blocked?: number; connecting?: number; tls_handshaking?: number; sending?: number };
}
interface K6Fake {
  samples: Sample[];
  sleeps: number[];
  requests: Array<{
    url: string;
    body: string;
    params: { headers: Record<string, string>; tags: Record<string, string>; timeout?: number; redirects?: number };
  }>;
  replies: FakeResponse[];
  now: number;
}
declare global {
  var __k6fake: K6Fake;
}

const FAKES: Record<string, string> = {
  k6: "export function sleep(seconds) { globalThis.__k6fake.sleeps.push(seconds); globalThis.__k6fake.now += seconds * 1000; }",
  "k6/http": `export default { post(url, body, params) {
      globalThis.__k6fake.requests.push({ url, body, params });
      const reply = globalThis.__k6fake.replies.shift();
      if (!reply) throw new Error("no reply queued");
      const timings = { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, duration: 100, waiting: 40, ...reply.timings };
      globalThis.__k6fake.now += timings.duration;
      return { status: reply.status, body: reply.body, error: reply.error ?? "", error_code: reply.error_code ?? 0, timings };
    } };`,
  "k6/metrics": ["Trend", "Counter", "Rate"]
    .map(
      (kind) =>
        `export class ${kind} { constructor(name) { this.name = name; } add(value, tags) { globalThis.__k6fake.samples.push({ metric: this.name, value: Number(value), tags: { ...(tags ?? {}) } }); } }`,
    )
    .join("\n"),
};

const HOOKS = `
const FAKES = ${JSON.stringify(FAKES)};
export async function resolve(specifier, context, next) {
  if (specifier in FAKES) return { url: "k6fake:" + specifier, shortCircuit: true };
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.startsWith("k6fake:")) return { format: "module", source: FAKES[url.slice(7)], shortCircuit: true };
  return next(url, context);
}`;

type ClientModule = typeof import("../../lib/gemini-client.ts");
let GeminiClient: ClientModule["GeminiClient"];
const KEY = "canary-key-c1i3";
const target = { baseUrl: "http://127.0.0.1:8080", apiKey: KEY, apiVersion: "v1beta" as const };
const policy = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 8000, budgetRatio: 1, budgetMinRetries: 10 };
const body = { contents: [{ role: "user" as const, parts: [{ text: "hi" }] }] };

const sse = (...chunks: unknown[]) => chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join("");
const okStream = sse(
  {
    candidates: [{ content: { parts: [{ text: '{"verdict":' }] } }],
    usageMetadata: { promptTokenCount: 50, candidatesTokenCount: 4, thoughtsTokenCount: 30 },
  },
  {
    candidates: [{ content: { parts: [{ text: '"spam"}' }] }, finishReason: "STOP" }],
    usageMetadata: { promptTokenCount: 50, candidatesTokenCount: 10, thoughtsTokenCount: 30 },
  },
);
const errorBody = (code: number, status: string, details: unknown[] = []) =>
  JSON.stringify({ error: { code, message: "m", status, details } }, null, 2) + "\n";

const samplesOf = (metric: string) => globalThis.__k6fake.samples.filter((s) => s.metric === metric);

before(async () => {
  register("data:text/javascript," + encodeURIComponent(HOOKS));
  ({ GeminiClient } = await import("../../lib/gemini-client.ts"));
});

beforeEach(() => {
  globalThis.__k6fake = { samples: [], sleeps: [], requests: [], replies: [], now: 1_000_000 };
  Date.now = () => globalThis.__k6fake.now;
});

test("a streamed success records ttft, tokens apart from thinking, and one attempt", () => {
  globalThis.__k6fake.replies.push({ status: 200, body: okStream, timings: { duration: 120, waiting: 45 } });
  const outcome = new GeminiClient(target, "gemini-2.5-flash", policy).generate(body, true);
  assert.equal(outcome.ok, true);
  assert.equal(outcome.result?.text, '{"verdict":"spam"}');
  assert.equal(outcome.ttftMs, 45);
  assert.equal(outcome.durationMs, 120);
  const request = globalThis.__k6fake.requests[0];
  assert.equal(request?.url, "http://127.0.0.1:8080/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  assert.equal(request?.params.headers["x-goog-api-key"], KEY);
  assert.deepEqual(
    samplesOf("gemini_ttft").map((s) => s.value),
    [45],
  );
  assert.deepEqual(
    samplesOf("gemini_output_tokens").map((s) => s.value),
    [10],
  );
  assert.deepEqual(
    samplesOf("gemini_thinking_tokens").map((s) => s.value),
    [30],
  );
  assert.deepEqual(
    samplesOf("gemini_prompt_tokens").map((s) => s.value),
    [50],
  );
  // The first chunk's 4 tokens came with the first byte: 6 tokens were generated in the 75 ms after it.
  assert.deepEqual(
    samplesOf("gemini_time_per_output_token").map((s) => s.value),
    [(120 - 45) / 6],
  );
  assert.deepEqual(
    samplesOf("gemini_tokens_per_second").map((s) => s.value),
    [6 / 0.075],
  );
  assert.deepEqual(
    samplesOf("gemini_errors").map((s) => s.value),
    [0],
  );
  assert.equal(request?.params.tags.name, "streamGenerateContent");
  for (const sample of globalThis.__k6fake.samples) assert.ok(!JSON.stringify(sample.tags).includes(KEY));
});

test("a stream whose first chunk has no count (2.0 models): the first chunk's tokens are its share of the text", () => {
  // The usage comes only with the last chunk; the first chunk holds 2 of the answer's 200 characters.
  const growing = sse(
    { candidates: [{ content: { parts: [{ text: "Hi" }] } }], usageMetadata: { promptTokenCount: 7 } },
    { candidates: [{ content: { parts: [{ text: "x".repeat(98) }] } }], usageMetadata: { promptTokenCount: 7 } },
    {
      candidates: [{ content: { parts: [{ text: "y".repeat(100) }] }, finishReason: "STOP" }],
      usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 50 },
    },
  );
  globalThis.__k6fake.replies.push({ status: 200, body: growing, timings: { duration: 149.5, waiting: 50 } });
  new GeminiClient(target, "gemini-2.0-flash", policy).generate(body, true);
  // 50 tokens, 2/200 of them in the first chunk: 49.5 generated in the 99.5 ms after the first byte.
  const [tokensPerSecond] = samplesOf("gemini_tokens_per_second").map((s) => s.value);
  assert.ok(Math.abs((tokensPerSecond ?? 0) - 49.5 / 0.0995) < 1e-9, `tokens/s ${tokensPerSecond}`);
  assert.deepEqual(
    samplesOf("gemini_output_tokens").map((s) => s.value),
    [50],
  );
});

test("503 then 200: backoff with jitter, a retry counted, attempt and user-felt durations kept apart", () => {
  globalThis.__k6fake.replies.push(
    { status: 503, body: errorBody(503, "UNAVAILABLE"), timings: { duration: 30, waiting: 30 } },
    { status: 200, body: okStream, timings: { duration: 100, waiting: 40 } },
  );
  const outcome = new GeminiClient(target, "gemini-2.5-flash", policy).generate(body, true);
  assert.equal(outcome.ok, true);
  assert.equal(outcome.attempts, 2);
  const [slept] = globalThis.__k6fake.sleeps;
  assert.ok(slept !== undefined && slept >= 0 && slept < 0.5, `slept ${slept}s`);
  assert.deepEqual(
    samplesOf("gemini_attempt_duration").map((s) => s.value),
    [30, 100],
  );
  assert.deepEqual(
    samplesOf("gemini_request_duration").map((s) => s.value),
    [30 + 100 + (slept ?? 0) * 1000],
  );
  assert.equal(samplesOf("gemini_overloaded").length, 1);
  assert.equal(samplesOf("gemini_retries").length, 1);
  assert.deepEqual(
    samplesOf("gemini_errors").map((s) => s.value),
    [0],
  );
});

const retryInfo = (delay: string) => [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: delay }];

test("429 waits exactly RetryInfo.retryDelay", () => {
  globalThis.__k6fake.replies.push(
    { status: 429, body: errorBody(429, "RESOURCE_EXHAUSTED", retryInfo("6.968498755s")) },
    { status: 200, body: okStream },
  );
  const outcome = new GeminiClient(target, "gemini-2.5-flash", policy).generate(body, true);
  assert.equal(outcome.ok, true);
  assert.deepEqual(globalThis.__k6fake.sleeps, [6.968]);
  assert.equal(samplesOf("gemini_rate_limited").length, 1);
  assert.equal(samplesOf("gemini_retries").length, 1);
});

test("a 429 asking for longer than the backoff cap fails at once as rate_limited, recorded, with no retry counted", () => {
  globalThis.__k6fake.replies.push({ status: 429, body: errorBody(429, "RESOURCE_EXHAUSTED", retryInfo("30s")) });
  const outcome = new GeminiClient(target, "gemini-2.5-flash", policy).generate(body, true);
  assert.equal(outcome.ok, false);
  assert.equal(outcome.errorClass, "rate_limited");
  assert.deepEqual(globalThis.__k6fake.sleeps, []);
  assert.equal(samplesOf("gemini_retries").length, 0);
  assert.deepEqual(
    samplesOf("gemini_errors").map((s) => [s.value, s.tags.error_class]),
    [[1, "rate_limited"]],
  );
  assert.equal(samplesOf("gemini_request_duration").length, 1);
});

test("near the scenario's hard stop an attempt's timeout ends before it, and no retry starts that would be cut off", () => {
  const now = globalThis.__k6fake.now;
  globalThis.__k6fake.replies.push({ status: 503, body: errorBody(503, "UNAVAILABLE") });
  const outcome = new GeminiClient({ ...target, timeout: 60_000 }, "gemini-2.5-flash", policy).generate(body, true, now + 1_200);
  assert.equal(globalThis.__k6fake.requests[0]?.params.timeout, 1_200 - 250, "under a second left: to the millisecond");
  // After the 100 ms reply, 850 ms are left before the margin: less than a retry needs, whatever the backoff.
  assert.equal(outcome.ok, false);
  assert.equal(outcome.attempts, 1);
  assert.deepEqual(
    samplesOf("gemini_errors").map((s) => [s.value, s.tags.error_class]),
    [[1, "overloaded"]],
  );

  globalThis.__k6fake.requests.length = 0;
  globalThis.__k6fake.replies.push({ status: 200, body: okStream }, { status: 200, body: okStream });
  const client = new GeminiClient({ ...target, timeout: 60_000 }, "gemini-2.5-flash", policy);
  client.generate(body, true, globalThis.__k6fake.now + 10_700);
  client.generate(body, true, globalThis.__k6fake.now + 120_000);
  // Whole seconds, rounded down, while more than a second is left; far from the stop, the configured timeout.
  assert.deepEqual(
    globalThis.__k6fake.requests.map((r) => r.params.timeout),
    [10_000, 60_000],
  );
});

test("a redirect is not followed (the key header would go with it) and fails as a client error", () => {
  globalThis.__k6fake.replies.push({ status: 307, body: "" });
  const outcome = new GeminiClient(target, "gemini-2.5-flash", policy).generate(body, true);
  assert.equal(globalThis.__k6fake.requests[0]?.params.redirects, 0);
  assert.equal(outcome.ok, false);
  assert.equal(outcome.attempts, 1);
  assert.equal(outcome.errorClass, "client");
  assert.equal(outcome.errorMessage, "HTTP 307");
});

test("a one-chunk stream gives a time to first token but no per-token time or token rate", () => {
  const single = sse({
    candidates: [{ content: { parts: [{ text: '{"verdict":"spam"}' }] }, finishReason: "STOP" }],
    usageMetadata: { promptTokenCount: 50, candidatesTokenCount: 10 },
  });
  globalThis.__k6fake.replies.push({ status: 200, body: single, timings: { duration: 60, waiting: 55 } });
  const outcome = new GeminiClient(target, "gemini-2.5-flash", policy).generate(body, true);
  assert.equal(outcome.ok, true);
  assert.deepEqual(
    samplesOf("gemini_ttft").map((s) => s.value),
    [55],
  );
  assert.equal(samplesOf("gemini_time_per_output_token").length, 0);
  assert.equal(samplesOf("gemini_tokens_per_second").length, 0);
});

test("connection set-up counts in what the caller waited: attempt duration and time to first token", () => {
  globalThis.__k6fake.replies.push({
    status: 200,
    body: okStream,
    timings: { blocked: 1, connecting: 2, tls_handshaking: 30, sending: 1, waiting: 45, duration: 120 },
  });
  const outcome = new GeminiClient(target, "gemini-2.5-flash", policy).generate(body, true);
  assert.equal(outcome.durationMs, 153);
  assert.equal(outcome.ttftMs, 1 + 2 + 30 + 1 + 45);
});

test("a request that keeps failing stops at maxAttempts and is one error of its class", () => {
  for (let i = 0; i < 3; i++) globalThis.__k6fake.replies.push({ status: 500, body: errorBody(500, "INTERNAL") });
  const outcome = new GeminiClient(target, "gemini-2.5-flash", policy).generate(body, true);
  assert.equal(outcome.ok, false);
  assert.equal(outcome.attempts, 3);
  assert.equal(outcome.errorClass, "server");
  assert.equal(outcome.errorMessage, "HTTP 500 INTERNAL: m");
  assert.deepEqual(
    samplesOf("gemini_errors").map((s) => [s.value, s.tags.error_class]),
    [[1, "server"]],
  );
  assert.equal(samplesOf("gemini_retries").length, 2);
  assert.equal(samplesOf("gemini_ttft").length, 0);
});

test("a 400 is not retried; a broken stream is invalid_response; an error after the stream started is classed by its code", () => {
  globalThis.__k6fake.replies.push({ status: 400, body: errorBody(400, "INVALID_ARGUMENT") });
  assert.equal(new GeminiClient(target, "gemini-2.5-flash", policy).generate(body, true).errorClass, "client");
  assert.equal(globalThis.__k6fake.requests.length, 1);

  globalThis.__k6fake.replies.push({ status: 200, body: "data: {oops\r\n\r\n" });
  assert.equal(
    new GeminiClient(target, "gemini-2.5-flash", { ...policy, maxAttempts: 1 }).generate(body, true).errorClass,
    "invalid_response",
  );

  globalThis.__k6fake.replies.push({ status: 200, body: sse({ candidates: [] }) + errorBody(503, "UNAVAILABLE") });
  assert.equal(new GeminiClient(target, "gemini-2.5-flash", { ...policy, maxAttempts: 1 }).generate(body, true).errorClass, "overloaded");

  globalThis.__k6fake.replies.push({ status: 0, body: "", error_code: 1212 });
  assert.equal(new GeminiClient(target, "gemini-2.5-flash", policy).generate(body, true).errorClass, "network");
});

test("non-streaming calls generateContent and records no ttft", () => {
  const single = JSON.stringify({
    candidates: [{ content: { parts: [{ text: "{}" }] }, finishReason: "STOP" }],
    usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2 },
  });
  globalThis.__k6fake.replies.push({ status: 200, body: single, timings: { duration: 200, waiting: 190 } });
  const outcome = new GeminiClient({ ...target, apiVersion: "v1" }, "gemini-2.0-flash", policy).generate('{"contents":[]}', false);
  assert.equal(outcome.ok, true);
  assert.equal(globalThis.__k6fake.requests[0]?.url, "http://127.0.0.1:8080/v1/models/gemini-2.0-flash:generateContent");
  assert.equal(globalThis.__k6fake.requests[0]?.body, '{"contents":[]}');
  assert.equal(outcome.ttftMs, undefined);
  assert.equal(samplesOf("gemini_ttft").length, 0);
  assert.deepEqual(
    samplesOf("gemini_tokens_per_second").map((s) => s.value),
    [10],
  );
});

test("the retry budget is per client: a storm of 503s cannot multiply the requests", () => {
  const client = new GeminiClient(target, "gemini-2.5-flash", { ...policy, budgetRatio: 0.1, budgetMinRetries: 1 });
  for (let i = 0; i < 400; i++) globalThis.__k6fake.replies.push({ status: 503, body: errorBody(503, "UNAVAILABLE") });
  for (let i = 0; i < 100; i++) client.generate(body, true);
  const sent = globalThis.__k6fake.requests.length;
  assert.ok(sent <= 100 + 0.1 * 100 + 1, `${sent} requests for 100 logical ones`);
  assert.ok(sent >= 110, `${sent}: the budget should allow some retries`);
});

test("send (the preflight) takes the same attempts and retries, records no gemini_ sample and reads no successful body", async () => {
  const { countTokensRequest } = await import("../../lib/gemini-requests.ts");
  const { RetryBudget } = await import("../../lib/retry.ts");
  const request = countTokensRequest(target, "gemini-2.5-flash", [{ role: "user", parts: [{ text: "preflight" }] }]);
  globalThis.__k6fake.replies.push({ status: 503, body: errorBody(503, "UNAVAILABLE") }, { status: 200, body: "not json at all" });
  const outcome = new GeminiClient(target, "gemini-2.5-flash", policy).send(request, new RetryBudget(0, 3));
  assert.equal(outcome.ok, true);
  assert.equal(outcome.attempts, 2);
  assert.equal(outcome.result, undefined);
  assert.equal(globalThis.__k6fake.requests[1]?.url, "http://127.0.0.1:8080/v1beta/models/gemini-2.5-flash:countTokens");
  assert.deepEqual(globalThis.__k6fake.samples, []);

  // Without retries in its budget (a request budget reserves the preflight alone), the first failure is final.
  globalThis.__k6fake.replies.push({ status: 503, body: errorBody(503, "UNAVAILABLE") });
  const once = new GeminiClient(target, "gemini-2.5-flash", policy).send(request, new RetryBudget(0, 0));
  assert.deepEqual([once.ok, once.status, once.attempts, once.errorMessage], [false, 503, 1, "HTTP 503 UNAVAILABLE: m"]);
});

test("a request nothing answered is described with k6's own error text", () => {
  globalThis.__k6fake.replies.push({ status: 0, body: "", error: "dial tcp 127.0.0.1:9: connect: connection refused", error_code: 1212 });
  const outcome = new GeminiClient(target, "gemini-2.5-flash", { ...policy, maxAttempts: 1 }).generate(body, true);
  assert.equal(outcome.errorMessage, "no answer (dial tcp 127.0.0.1:9: connect: connection refused)");
});
