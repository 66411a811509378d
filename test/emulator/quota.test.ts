// Quotas: with 60 RPM exactly 60 requests pass in the window, then 429 RESOURCE_EXHAUSTED with the real
// details (Help, QuotaFailure naming the quota, RetryInfo); TPM and RPD likewise; keys count separately.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, postJson, type TestEmulator } from "../helpers/emulator.ts";
import { QuotaTracker, limitsFor } from "../../emulator/src/quota.ts";

const MODEL = "gemini-2.5-flash";
const PATH = `/v1beta/models/${MODEL}:generateContent`;
let emu: TestEmulator;

interface ErrorBody {
  error: { code: number; message: string; status: string; details: Array<Record<string, unknown>> };
}

before(async () => {
  emu = await startEmulator({ config: { models: { [MODEL]: { rpm: 60 } } } });
});
after(() => emu.close());

const ask = (key: string, text = "hello") => postJson(emu.url, PATH, { contents: [{ parts: [{ text }] }] }, { "x-goog-api-key": key });

test("with 60 RPM exactly 60 requests pass in the window; the rest get the real 429 body", async () => {
  const results = await Promise.all(Array.from({ length: 75 }, () => ask("key-a")));
  const ok = results.filter((r) => r.status === 200).length;
  const limited = results.filter((r) => r.status === 429);
  assert.equal(ok, 60);
  assert.equal(limited.length, 15);
  const body = limited[0]?.json as ErrorBody;
  assert.equal(body.error.code, 429);
  assert.equal(body.error.status, "RESOURCE_EXHAUSTED");
  assert.match(
    body.error.message,
    /^You exceeded your current quota, please check your plan and billing details\. For more information on this error, head to: https:\/\/ai\.google\.dev\/gemini-api\/docs\/rate-limits\.\n\* Quota exceeded for metric: generativelanguage\.googleapis\.com\/generate_content_paid_tier_requests, limit: 60, model: gemini-2\.5-flash\nPlease retry in [\d.]+s\.$/,
  );
  assert.deepEqual(
    body.error.details.map((d) => d["@type"]),
    ["type.googleapis.com/google.rpc.Help", "type.googleapis.com/google.rpc.QuotaFailure", "type.googleapis.com/google.rpc.RetryInfo"],
  );
  const violation = (body.error.details[1]?.violations as Array<Record<string, unknown>> | undefined)?.[0];
  assert.deepEqual(violation, {
    quotaMetric: "generativelanguage.googleapis.com/generate_content_paid_tier_requests",
    quotaId: "GenerateRequestsPerMinutePerProjectPerModel",
    quotaDimensions: { location: "global", model: MODEL },
    quotaValue: "60",
  });
  const delay = String(body.error.details[2]?.retryDelay);
  assert.match(delay, /^\d+s$/);
  assert.ok(Number.parseInt(delay, 10) > 50 && Number.parseInt(delay, 10) <= 60, delay);
  // Another key stands for another project, with its own window.
  assert.equal((await ask("key-b")).status, 200);
  const stats = await emu.admin.stats();
  assert.equal(stats.requests.byStatus["429"], 15);
});

test("input tokens per minute and requests per day are enforced with their own quota ids", async () => {
  await emu.admin.patchConfig({ quotaTier: "free", models: { [MODEL]: { rpm: 0, tpm: 100, rpd: 0 } } });
  await emu.admin.reset();
  assert.equal((await ask("key-c", "word ".repeat(60))).status, 200);
  const over = await ask("key-c", "word ".repeat(60));
  assert.equal(over.status, 429);
  const tpm = (over.json as ErrorBody).error.details[1]?.violations as Array<Record<string, unknown>>;
  assert.equal(tpm[0]?.quotaId, "GenerateContentInputTokensPerModelPerMinute-FreeTier");
  assert.equal(tpm[0]?.quotaMetric, "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count");

  await emu.admin.patchConfig({ models: { [MODEL]: { tpm: 0, rpd: 3 } } });
  const day = [];
  for (let i = 0; i < 4; i++) day.push(await ask("key-d"));
  assert.deepEqual(
    day.map((r) => r.status),
    [200, 200, 200, 429],
  );
  const rpd = (day[3]?.json as ErrorBody | undefined)?.error.details[1]?.violations as Array<Record<string, unknown>> | undefined;
  assert.equal(rpd?.[0]?.quotaId, "GenerateRequestsPerDayPerProjectPerModel-FreeTier");
  await emu.admin.patchConfig({ quotaTier: "unlimited", models: { [MODEL]: { rpd: 0 } } });
});

test("the RPM window slides: a slot frees exactly 60 s after the request that took it", () => {
  const tracker = new QuotaTracker("tier1");
  const limits = { rpm: 60, tpm: 0, rpd: 0 };
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < 60; i++) assert.equal(tracker.admit("k", MODEL, 1, limits, t0 + i * 100), undefined);
  const refused = tracker.admit("k", MODEL, 1, limits, t0 + 30_000);
  assert.equal(refused?.quotaId, "GenerateRequestsPerMinutePerProjectPerModel");
  assert.equal(refused?.retryDelaySeconds, 30);
  assert.ok(tracker.admit("k", MODEL, 1, limits, t0 + 59_999));
  assert.equal(tracker.admit("k", MODEL, 1, limits, t0 + 60_000), undefined);
  assert.ok(tracker.admit("k", MODEL, 1, limits, t0 + 60_050));
});

test("tier presets carry the published figures", () => {
  assert.deepEqual(limitsFor("free", "gemini-2.5-flash", {}), { rpm: 10, tpm: 250_000, rpd: 250 });
  assert.deepEqual(limitsFor("tier1", "gemini-2.5-pro", {}), { rpm: 150, tpm: 2_000_000, rpd: 10_000 });
  assert.deepEqual(limitsFor("tier2", "gemini-2.5-flash-lite", { rpm: 7 }), { rpm: 7, tpm: 10_000_000, rpd: 0 });
  assert.deepEqual(limitsFor("unlimited", "gemini-2.5-flash", {}), { rpm: 0, tpm: 0, rpd: 0 });
});
