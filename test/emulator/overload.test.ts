// Capacity: with 4 slots and a queue of 8, 13 concurrent requests → 4 served at once, 8 wait their turn
// (latency grows with load), and exactly one gets 503 UNAVAILABLE "This model is currently experiencing high demand…".
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { OVERLOADED_MESSAGES } from "../helpers/conformance.ts";
import { startEmulator, postJson, type TestEmulator } from "../helpers/emulator.ts";

const OVERLOADED_2026 = OVERLOADED_MESSAGES[1];

const MODEL = "gemini-2.0-flash";
// Long enough that the spread of the burst's arrivals on a busy machine stays well inside a quarter of it.
const SERVICE_MS = 400;
let emu: TestEmulator;

before(async () => {
  emu = await startEmulator({
    config: { models: { [MODEL]: { ttftMedianMs: SERVICE_MS, ttftP95Ms: SERVICE_MS, tokensPerSecond: 0, slots: 4, queue: 8 } } },
  });
});
after(() => emu.close());

test("the 13th concurrent request is refused with the service's 503 body; the queue serves the rest in order", async () => {
  const results = await Promise.all(
    Array.from({ length: 13 }, (_, i) =>
      postJson(emu.url, `/v1beta/models/${MODEL}:generateContent`, { contents: [{ parts: [{ text: `r${i}` }] }] }),
    ),
  );
  const refused = results.filter((r) => r.status === 503);
  assert.equal(refused.length, 1);
  assert.equal(results.filter((r) => r.status === 200).length, 12);
  assert.equal(refused[0]?.text, `${JSON.stringify({ error: { code: 503, message: OVERLOADED_2026, status: "UNAVAILABLE" } }, null, 2)}\n`);
  assert.equal(refused[0]?.headers.get("content-type"), "application/json; charset=UTF-8");

  const stats = await emu.admin.stats({ model: MODEL, method: "generateContent" });
  assert.equal(stats.queue.peak, 8);
  assert.equal(stats.queue.current, 0);
  assert.ok(stats.concurrency.peak >= 12, JSON.stringify(stats.concurrency));
  // Three waves of four: the queued requests wait one or two service times longer.
  const samples = (await (await fetch(`${emu.url}/__emulator/samples?model=${MODEL}`)).json()) as {
    samples: Array<{ status: number; totalMs: number }>;
  };
  const served = samples.samples
    .filter((s) => s.status === 200)
    .map((s) => s.totalMs)
    .sort((a, b) => a - b);
  // Each total counts from its own arrival; later arrivals in the burst shave a few ms off their wait.
  const wave = (ms: number) => served.filter((t) => t >= ms - SERVICE_MS * 0.25 && t < ms + SERVICE_MS * 0.25).length;
  assert.deepEqual([wave(SERVICE_MS), wave(2 * SERVICE_MS), wave(3 * SERVICE_MS)], [4, 4, 4], JSON.stringify(served));
});

test("a freed queue accepts new work: after the burst everything succeeds again", async () => {
  const again = await Promise.all(
    Array.from({ length: 12 }, () =>
      postJson(emu.url, `/v1beta/models/${MODEL}:generateContent`, { contents: [{ parts: [{ text: "x" }] }] }),
    ),
  );
  assert.deepEqual([...new Set(again.map((r) => r.status))], [200]);
});
