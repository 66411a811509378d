// quotaWindowMs compresses the per-minute quota window for short experiments: the limit applies per
// window, RetryInfo points within it, and the window frees up after it.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { postJson, startEmulator, type TestEmulator } from "../helpers/emulator.ts";

let emulator: TestEmulator;
before(async () => {
  emulator = await startEmulator({
    profile: "zero-latency",
    config: { quotaTier: "free", quotaWindowMs: 1000, models: { "gemini-2.5-flash": { rpm: 2, rpd: 0 } } },
  });
});
after(async () => {
  await emulator?.close();
});

const body = { contents: [{ parts: [{ text: "hello" }] }] };
const path = "/v1beta/models/gemini-2.5-flash:generateContent";

test("a compressed window refuses the request over its limit with a RetryInfo inside the window, then frees up", async () => {
  const started = Date.now();
  assert.equal((await postJson(emulator.url, path, body)).status, 200);
  assert.equal((await postJson(emulator.url, path, body)).status, 200);
  const refused = await postJson(emulator.url, path, body);
  assert.equal(refused.status, 429);
  const details = (refused.json as { error: { details: { "@type": string; retryDelay?: string }[] } }).error.details;
  const retry = details.find((d) => d["@type"].endsWith("RetryInfo"))?.retryDelay;
  assert.equal(retry, "1s");
  await new Promise((r) => setTimeout(r, Math.max(0, started + 1100 - Date.now())));
  assert.equal((await postJson(emulator.url, path, body)).status, 200);
});

test("quotaWindowMs outside 1 s to a minute is refused with its name", async () => {
  await assert.rejects(emulator.admin.patchConfig({ quotaWindowMs: 120_000 }), /quotaWindowMs/);
});
