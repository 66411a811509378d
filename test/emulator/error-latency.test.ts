// Errors answered before a stream starts take the profile's error delay, as the service's do (BEHAVIOR.md:
// an error ≈ 48 ms), apart from the control delay of countTokens; the zero-latency profile still answers
// them at once.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { startEmulator, postJson, type TestEmulator } from "../helpers/emulator.ts";

// Median = p95 makes the lognormal a constant, so every error must take exactly this long.
const ERROR_MS = 60;
// Timers fire late, never early; libuv may round a deadline down by up to a millisecond or so.
const EARLY_TOLERANCE_MS = 2;

const started: TestEmulator[] = [];
after(() => Promise.all(started.map((e) => e.close())));

async function emulator(profile: string, config: Record<string, unknown> = {}): Promise<TestEmulator> {
  const emu = await startEmulator({ profile, config });
  started.push(emu);
  return emu;
}

interface Timed {
  status: number;
  ms: number;
  serverTimingMs: number;
}

async function timedPost(url: string, path: string, body: unknown, headers?: Record<string, string>): Promise<Timed> {
  const t0 = performance.now();
  const r = await postJson(url, path, body, headers);
  const ms = performance.now() - t0;
  const dur = /dur=(\d+)/.exec(r.headers.get("server-timing") ?? "")?.[1];
  return { status: r.status, ms, serverTimingMs: Number(dur) };
}

const ok = { contents: [{ parts: [{ text: "hi" }] }] };
const cases: Array<{ name: string; status: number; path: string; body: unknown; headers?: Record<string, string> }> = [
  { name: "unknown model", status: 404, path: "/v1beta/models/no-such-model:generateContent", body: ok },
  { name: "unknown path", status: 404, path: "/v1beta/nothing-here", body: ok },
  { name: "method the model lacks", status: 404, path: "/v1beta/models/gemini-embedding-001:generateContent", body: ok },
  { name: "malformed JSON", status: 400, path: "/v1beta/models/gemini-2.5-flash:generateContent", body: "{" },
  { name: "empty contents", status: 400, path: "/v1beta/models/gemini-2.5-flash:generateContent", body: { contents: [] } },
  {
    name: "unknown field on countTokens",
    status: 400,
    path: "/v1beta/models/gemini-2.5-flash:countTokens",
    body: { contents: [], bogus: 1 },
  },
  { name: "bad embed request", status: 400, path: "/v1beta/models/gemini-embedding-001:batchEmbedContents", body: { requests: [] } },
  {
    name: "stream with a bad temperature",
    status: 400,
    path: "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
    body: { ...ok, generationConfig: { temperature: 5 } },
  },
  { name: "no key", status: 403, path: "/v1beta/models/gemini-2.5-flash:generateContent", body: ok, headers: {} },
];

test("pre-stream errors take at least the profile's error delay", async () => {
  const emu = await emulator("fast", { errorDelay: { medianMs: ERROR_MS, p95Ms: ERROR_MS } });
  for (const c of cases) {
    const r = await timedPost(emu.url, c.path, c.body, c.headers);
    assert.equal(r.status, c.status, c.name);
    assert.ok(r.ms >= ERROR_MS - EARLY_TOLERANCE_MS, `${c.name}: answered after ${r.ms.toFixed(1)} ms, expected ≥ ${ERROR_MS}`);
    // Server-Timing reports the time until headers, which now includes the delay.
    assert.ok(r.serverTimingMs >= ERROR_MS - EARLY_TOLERANCE_MS, `${c.name}: Server-Timing dur=${r.serverTimingMs}`);
  }
});

test("a bad key (configured key list) is refused after the error delay too", async () => {
  const emu = await emulator("fast", { apiKeys: ["good"], errorDelay: { medianMs: ERROR_MS, p95Ms: ERROR_MS } });
  const r = await timedPost(emu.url, "/v1beta/models/gemini-2.5-flash:generateContent", ok, { "x-goog-api-key": "bad" });
  assert.equal(r.status, 400);
  assert.ok(r.ms >= ERROR_MS - EARLY_TOLERANCE_MS, `answered after ${r.ms.toFixed(1)} ms`);
});

test("on the zero-latency profile the same errors are answered at once", async () => {
  const emu = await emulator("zero-latency");
  for (const c of cases) {
    const r = await timedPost(emu.url, c.path, c.body, c.headers);
    assert.equal(r.status, c.status, c.name);
    // Well under the 48 ms an error delay would add, with room for a busy machine.
    assert.ok(r.serverTimingMs < 25, `${c.name}: Server-Timing dur=${r.serverTimingMs}`);
  }
  const samples = await emu.admin.samples();
  assert.equal(samples.length, cases.length);
  // Server-side time, so a busy test client cannot make it look slow; a 48 ms delay would stand out.
  for (const s of samples) assert.ok(s.totalMs < 20, `${s.method} ${s.status}: ${s.totalMs} ms`);
});

test("errors and countTokens keep their own delays: errorDelay does not slow countTokens, control does not slow errors", async () => {
  const emu = await emulator("fast", { control: { medianMs: 1, p95Ms: 1 }, errorDelay: { medianMs: ERROR_MS, p95Ms: ERROR_MS } });
  const counted = await timedPost(emu.url, "/v1beta/models/gemini-2.5-flash:countTokens", ok);
  assert.equal(counted.status, 200);
  assert.ok(counted.serverTimingMs < ERROR_MS / 2, `countTokens took Server-Timing dur=${counted.serverTimingMs}`);
  const refused = await timedPost(emu.url, "/v1beta/models/no-such-model:countTokens", ok);
  assert.equal(refused.status, 404);
  assert.ok(refused.serverTimingMs >= ERROR_MS - EARLY_TOLERANCE_MS, `the 404 took Server-Timing dur=${refused.serverTimingMs}`);
});

test("the realistic profile answers errors in about 48 ms at the median, as the service does", async () => {
  const emu = await emulator("realistic");
  for (let i = 0; i < 41; i++) await timedPost(emu.url, "/v1beta/models/no-such-model:generateContent", ok);
  const times = (await emu.admin.samples()).map((s) => s.totalMs).sort((a, b) => a - b);
  assert.equal(times.length, 41);
  const median = times[20] as number;
  assert.ok(median >= 46 && median <= 70, `median error time ${median.toFixed(1)} ms`);
});
