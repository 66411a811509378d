// Admin API: exact percentiles, samples, reset, request log with keys redacted, and an admin API that
// can be switched off and never answers on public paths.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, postJson, TEST_KEY, type TestEmulator } from "../helpers/emulator.ts";
import { percentiles } from "../../emulator/src/stats.ts";

let emu: TestEmulator;
let closed: TestEmulator;

before(async () => {
  emu = await startEmulator({ config: { requestLog: true } });
  closed = await startEmulator({ admin: false });
});
after(async () => {
  await emu.close();
  await closed.close();
});

test("nearest-rank percentiles are exact", () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.deepEqual(percentiles(values), { count: 100, min: 1, mean: 50.5, p50: 50, p90: 90, p95: 95, p99: 99, max: 100 });
  assert.deepEqual(percentiles([7]), { count: 1, min: 7, mean: 7, p50: 7, p90: 7, p95: 7, p99: 7, max: 7 });
});

test("stats agree with the samples, count by status, model and method, and tokens add up", async () => {
  await emu.admin.reset();
  const text = { contents: [{ parts: [{ text: "hello there" }] }] };
  await Promise.all(Array.from({ length: 30 }, () => postJson(emu.url, "/v1beta/models/gemini-2.5-flash:generateContent", text)));
  await Promise.all(
    Array.from({ length: 10 }, () => postJson(emu.url, "/v1/models/gemini-2.5-flash-lite:streamGenerateContent?alt=sse", text)),
  );
  await postJson(emu.url, "/v1beta/models/gemini-2.5-flash:countTokens", text);
  await postJson(emu.url, "/v1beta/models/nope:generateContent", text);
  await postJson(emu.url, "/v1beta/models/gemini-2.5-flash:generateContent", { contents: [] });

  const stats = await emu.admin.stats();
  assert.equal(stats.requests.total, 43);
  assert.deepEqual(stats.requests.byStatus, { "200": 41, "404": 1, "400": 1 });
  assert.deepEqual(stats.requests.byModel, { "gemini-2.5-flash": 32, "gemini-2.5-flash-lite": 10 });
  assert.deepEqual(stats.requests.byMethod, { generateContent: 32, streamGenerateContent: 10, countTokens: 1 });

  const samples = await emu.admin.samples();
  assert.equal(samples.length, 43);
  assert.deepEqual(stats.ttfbMs, percentiles(samples.map((s) => s.ttfbMs)));
  assert.deepEqual(stats.totalMs, percentiles(samples.map((s) => s.totalMs)));
  const sum = (k: "promptTokens" | "outputTokens" | "thoughtsTokens") => samples.reduce((a, s) => a + s[k], 0);
  assert.deepEqual(stats.tokens, { prompt: sum("promptTokens"), output: sum("outputTokens"), thoughts: sum("thoughtsTokens") });
  assert.ok(stats.tokens.output > 0 && stats.tokens.thoughts > 0);
  for (const s of samples) assert.ok(s.ttfbMs <= s.totalMs && s.ttfbMs > 0, JSON.stringify(s));
  assert.equal(samples.filter((s) => s.stream).length, 10);
  assert.ok(stats.concurrency.peak >= 2 && stats.concurrency.current === 0);

  const filtered = await emu.admin.stats({ model: "gemini-2.5-flash-lite", method: "streamGenerateContent" });
  assert.equal(filtered.requests.total, 10);
  assert.equal(filtered.ttfbMs.count, 10);
});

test("reset clears counts, samples and the request log", async () => {
  await postJson(emu.url, "/v1beta/models/gemini-2.5-flash:countTokens", { contents: [{ parts: [{ text: "x" }] }] });
  await emu.admin.reset();
  const stats = await emu.admin.stats();
  assert.equal(stats.requests.total, 0);
  assert.equal(stats.ttfbMs.count, 0);
  const log = (await (await fetch(`${emu.url}/__emulator/requests`)).json()) as { requests: unknown[] };
  assert.deepEqual(log.requests, []);
});

test("the request log keeps what clients sent, with API keys redacted in headers and query", async () => {
  await emu.admin.reset();
  await postJson(emu.url, "/v1beta/models/gemini-2.5-flash:countTokens", { contents: [{ parts: [{ text: "logged" }] }] });
  await fetch(`${emu.url}/v1beta/models?key=secret-in-query&pageSize=2`);
  const text = await (await fetch(`${emu.url}/__emulator/requests`)).text();
  assert.ok(!text.includes(TEST_KEY) && !text.includes("secret-in-query"), "no key in the log");
  const { requests } = JSON.parse(text) as {
    requests: Array<{ method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: unknown }>;
  };
  assert.equal(requests.length, 2);
  assert.equal(requests[0]?.method, "POST");
  assert.equal(requests[0]?.path, "/v1beta/models/gemini-2.5-flash:countTokens");
  assert.equal(requests[0]?.headers["x-goog-api-key"], "[redacted]");
  assert.deepEqual(requests[0]?.body, { contents: [{ parts: [{ text: "logged" }] }] });
  assert.deepEqual(requests[1]?.query, { key: "[redacted]", pageSize: "2" });
});

test("GET/PATCH config, health, and unknown admin calls", async () => {
  assert.deepEqual(await (await fetch(`${emu.url}/__emulator/health`)).json(), { status: "ok" });
  const patched = (await emu.admin.patchConfig({ faults: { latencyMultiplier: 2 } })) as {
    faults: { latencyMultiplier: number; resetRate: number };
    profile: string;
  };
  assert.equal(patched.faults.latencyMultiplier, 2);
  assert.equal(patched.faults.resetRate, 0);
  assert.equal(patched.profile, "fast");
  await emu.admin.patchConfig({ faults: { latencyMultiplier: 1 } });
  const unknown = await fetch(`${emu.url}/__emulator/nothing`);
  assert.equal(unknown.status, 404);
});

test("with the admin API off, /__emulator/* is an ordinary 404 and no public path reaches it", async () => {
  const off = await fetch(`${closed.url}/__emulator/stats`);
  assert.equal(off.status, 404);
  const body = (await off.json()) as { error: { code: number; status: string } };
  assert.equal(body.error.code, 404);
  assert.equal(body.error.status, "NOT_FOUND");
  for (const path of ["/v1beta/__emulator/stats", "/v1/models/__emulator:generateContent", "/v1beta/models/%2F__emulator%2Fstats"]) {
    const r = await fetch(`${emu.url}${path}`, { method: "POST", headers: { "x-goog-api-key": TEST_KEY }, body: "{}" });
    assert.equal(r.status, 404, path);
    assert.ok(!(await r.text()).includes("samplesKept"), path);
  }
});

test("the config answers name API keys by their labels, never the keys", async () => {
  const keyed = await startEmulator({ profile: "zero-latency", config: { apiKeys: ["secret-admin-key"] } });
  try {
    const patched = await keyed.admin.patchConfig({ faults: { latencyMultiplier: 1 } });
    for (const shown of [await (await fetch(`${keyed.url}/__emulator/config`)).text(), JSON.stringify(patched)]) {
      assert.ok(!shown.includes("secret-admin-key"), "a key in the config answer");
      assert.match(shown, /"apiKeys": ?\[\s*"sha256:[0-9a-f]{12}"\s*\]/);
    }
    // The key itself still works: only its display changed.
    const answer = await fetch(`${keyed.url}/v1beta/models`, { headers: { "x-goog-api-key": "secret-admin-key" } });
    assert.equal(answer.status, 200);
  } finally {
    await keyed.close();
  }
});
