// Faults: each injected fault is observable from a client, and faults change at run time via PATCH.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, postJson, TEST_KEY, type TestEmulator } from "../helpers/emulator.ts";
import { NO_FAULTS } from "../../emulator/src/profiles.ts";
import { formatSeconds } from "../../emulator/src/errors.ts";
import { OVERLOADED_MESSAGES } from "../helpers/conformance.ts";

const [OVERLOADED_2025, OVERLOADED_2026] = OVERLOADED_MESSAGES;

const MODEL = "gemini-2.0-flash";
let emu: TestEmulator;

before(async () => {
  emu = await startEmulator({
    config: { models: { [MODEL]: { ttftMedianMs: 20, ttftP95Ms: 20, tokensPerSecond: 1000, outputTokensMedian: 200, slots: 0 } } },
  });
});
after(() => emu.close());
beforeEach(async () => {
  await emu.admin.patchConfig({ faults: NO_FAULTS });
  await emu.admin.reset();
});

const body = { contents: [{ parts: [{ text: "tell me a story" }] }], generationConfig: { maxOutputTokens: 200 } };
const generate = () => postJson(emu.url, `/v1beta/models/${MODEL}:generateContent`, body);

/** Reads a streamed response, noting when each piece arrived (ms after the request was sent). */
async function streamTimed(alt = "?alt=sse"): Promise<{ status: number; pieces: Array<{ at: number; text: string }>; error?: Error }> {
  const sent = performance.now();
  const response = await fetch(`${emu.url}/v1beta/models/${MODEL}:streamGenerateContent${alt}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-goog-api-key": TEST_KEY },
    body: JSON.stringify(body),
  });
  const pieces: Array<{ at: number; text: string }> = [];
  const decoder = new TextDecoder();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pieces.push({ at: performance.now() - sent, text: decoder.decode(value, { stream: true }) });
    }
  } catch (error) {
    return { status: response.status, pieces, error: error as Error };
  }
  return { status: response.status, pieces };
}

test("error rates answer with each status and the service's body, and a PATCH turns them off at run time", async () => {
  const cases: Array<[string, number, string, string]> = [
    [
      "500",
      500,
      "INTERNAL",
      "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
    ],
    ["503", 503, "UNAVAILABLE", OVERLOADED_2026],
    ["504", 504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete."],
  ];
  for (const [key, status, name, message] of cases) {
    await emu.admin.patchConfig({ faults: { errorRates: { ...NO_FAULTS.errorRates, [key]: 1 } } });
    const r = await generate();
    assert.equal(r.status, status);
    assert.deepEqual(r.json, { error: { code: status, message, status: name } });
  }
  await emu.admin.patchConfig({ faults: { errorRates: { ...NO_FAULTS.errorRates, "429": 1 } } });
  const limited = await generate();
  assert.equal(limited.status, 429);
  assert.equal((limited.json as { error: { status: string } }).error.status, "RESOURCE_EXHAUSTED");
  await emu.admin.patchConfig({ faults: { errorRates: NO_FAULTS.errorRates } });
  assert.equal((await generate()).status, 200);
});

interface QuotaErrorBody {
  error: { message: string; details: Array<{ "@type": string; violations?: Array<Record<string, unknown>>; retryDelay?: string }> };
}

function quotaFailure(body: QuotaErrorBody): Record<string, unknown> | undefined {
  return body.error.details.find((d) => d["@type"].endsWith("QuotaFailure"))?.violations?.[0];
}

test("an injected 429 on the free tier names the free-tier quota and its real limit", async () => {
  await emu.admin.patchConfig({ quotaTier: "free", faults: { errorRates: { ...NO_FAULTS.errorRates, "429": 1 } } });
  try {
    const r = await generate();
    assert.equal(r.status, 429);
    const body = r.json as QuotaErrorBody;
    // gemini-2.0-flash is in the flash family: 10 RPM on the free tier.
    assert.deepEqual(quotaFailure(body), {
      quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests",
      quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
      quotaDimensions: { location: "global", model: MODEL },
      quotaValue: "10",
    });
    assert.match(
      body.error.message,
      /\n\* Quota exceeded for metric: generativelanguage\.googleapis\.com\/generate_content_free_tier_requests, limit: 10, model: gemini-2\.0-flash\n/,
    );
  } finally {
    await emu.admin.patchConfig({ quotaTier: "unlimited" });
  }
});

test("an injected 429 on an unlimited tier claims no invented limit, and its delay has up to nanosecond precision", async () => {
  await emu.admin.patchConfig({ faults: { errorRates: { ...NO_FAULTS.errorRates, "429": 1 } } });
  const r = await generate();
  assert.equal(r.status, 429);
  const body = r.json as QuotaErrorBody;
  const violation = quotaFailure(body);
  assert.equal(violation?.quotaMetric, "generativelanguage.googleapis.com/generate_content_paid_tier_requests");
  assert.equal(violation?.quotaId, "GenerateRequestsPerMinutePerProjectPerModel");
  assert.equal(violation?.quotaValue, "0");
  assert.doesNotMatch(body.error.message, /limit: 1000/);
  // "Please retry in 11.968498755s." (BEHAVIOR.md): seconds, at most nine decimals, no trailing zeros.
  const delay = /\nPlease retry in (\d+(?:\.\d{0,8}[1-9])?)s\.$/.exec(body.error.message)?.[1];
  assert.ok(delay !== undefined, body.error.message);
  assert.ok(Number(delay) > 0 && Number(delay) <= 60, delay);
  const retryInfo = body.error.details.find((d) => d["@type"].endsWith("RetryInfo"));
  assert.equal(retryInfo?.retryDelay, `${Math.ceil(Number(delay))}s`);
});

test("retry delays are written with up to nine decimals and no trailing zeros", () => {
  assert.equal(formatSeconds(11.968498755), "11.968498755");
  assert.equal(formatSeconds(30), "30");
  assert.equal(formatSeconds(0.5), "0.5");
  assert.equal(formatSeconds(1.0000000004), "1");
});

test("the 2025 wording of the 503 stays selectable through overloadWording, and a bad value is refused", async () => {
  await emu.admin.patchConfig({ overloadWording: "2025", faults: { errorRates: { ...NO_FAULTS.errorRates, "503": 1 } } });
  try {
    const r = await generate();
    assert.equal(r.status, 503);
    assert.deepEqual(r.json, { error: { code: 503, message: OVERLOADED_2025, status: "UNAVAILABLE" } });
  } finally {
    await emu.admin.patchConfig({ overloadWording: "2026" });
  }
  await assert.rejects(
    emu.admin.patchConfig({ overloadWording: "2024" }),
    /overloadWording\\": expected one of \\"2026\\", \\"2025\\", got \\"2024\\"/,
  );
});

test("a partial error rate hits about that share of requests", async () => {
  await emu.admin.patchConfig({ faults: { errorRates: { ...NO_FAULTS.errorRates, "503": 0.3 } } });
  const results = await Promise.all(Array.from({ length: 400 }, generate));
  const share = results.filter((r) => r.status === 503).length / results.length;
  assert.ok(share > 0.22 && share < 0.38, `503 share ${share}`);
});

test("the latency multiplier stretches time to first byte", async () => {
  await generate();
  const normal = (await emu.admin.stats()).ttfbMs.p50;
  await emu.admin.reset();
  await emu.admin.patchConfig({ faults: { latencyMultiplier: 5 } });
  await generate();
  const slow = (await emu.admin.stats()).ttfbMs.p50;
  assert.ok(slow > normal * 3.5 && slow >= 95, `normal ${normal} ms, with ×5 ${slow} ms`);
});

test("a stall sends no bytes for the configured time after the first chunk", async () => {
  await emu.admin.patchConfig({ faults: { stall: { rate: 1, seconds: 0.5 } } });
  const { status, pieces } = await streamTimed();
  assert.equal(status, 200);
  assert.ok(pieces.length >= 2);
  const gaps = pieces.slice(1).map((p, i) => p.at - (pieces[i] as { at: number }).at);
  assert.ok(Math.max(...gaps) >= 450, `largest gap ${Math.max(...gaps)} ms`);
});

test("a connection reset cuts a stream after its first chunk", async () => {
  await emu.admin.patchConfig({ faults: { resetRate: 1 } });
  const { status, pieces, error } = await streamTimed();
  assert.equal(status, 200);
  assert.ok(error, "the body read fails");
  assert.match(pieces.map((p) => p.text).join(""), /^data: \{"candidates"/);
});

test("a slow stream takes about `factor` times longer", async () => {
  const fast = await streamTimed();
  await emu.admin.patchConfig({ faults: { slowStream: { rate: 1, factor: 10 } } });
  const slow = await streamTimed();
  const duration = (r: typeof fast) => (r.pieces.at(-1)?.at ?? 0) - (r.pieces[0]?.at ?? 0);
  assert.ok(duration(slow) > duration(fast) * 5 && duration(slow) > 50, `normal ${duration(fast)} ms, slow ${duration(slow)} ms`);
});

test("an error after the stream started keeps status 200 and ends with the raw JSON error", async () => {
  await emu.admin.patchConfig({ faults: { midStreamError: { rate: 1, status: 503 } } });
  const { status, pieces } = await streamTimed();
  assert.equal(status, 200);
  const text = pieces.map((p) => p.text).join("");
  const [first, rest] = [text.slice(0, text.indexOf("\r\n\r\n") + 4), text.slice(text.indexOf("\r\n\r\n") + 4)];
  assert.match(first, /^data: \{.*\}\r\n\r\n$/s);
  assert.equal(rest, `${JSON.stringify({ error: { code: 503, message: OVERLOADED_2026, status: "UNAVAILABLE" } }, null, 2)}\n`);
  // The non-SSE form stays a JSON array, its last element the error.
  const array = await streamTimed("");
  const parsed = JSON.parse(array.pieces.map((p) => p.text).join("")) as unknown[];
  assert.deepEqual(parsed.at(-1), { error: { code: 503, message: OVERLOADED_2026, status: "UNAVAILABLE" } });
});

test("a bad fault value is refused by PATCH with the field named, and the old config stays", async () => {
  const response = await fetch(`${emu.url}/__emulator/config`, { method: "PATCH", body: JSON.stringify({ faults: { resetRate: 3 } }) });
  assert.equal(response.status, 400);
  assert.match(await response.text(), /faults\.resetRate/);
  const config = (await emu.admin.config()) as { faults: { resetRate: number } };
  assert.equal(config.faults.resetRate, 0);
});
