// Faults scoped to one model or one API key: that model or key is slowed or failed while the others
// stay healthy; set in the config or by PATCH, named by key label (never the key), validated by field.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, postJson, TEST_KEY, type TestEmulator } from "../helpers/emulator.ts";
import { keyLabel, resolveConfig, ConfigError } from "../../emulator/src/config.ts";

const SLOW = "gemini-2.0-flash";
const HEALTHY = "gemini-2.5-flash-lite";
const OTHER_KEY = "other-test-key-1111";
const timing = { ttftMedianMs: 30, ttftP95Ms: 30, tokensPerSecond: 0, thoughtsTokens: 0, slots: 0 };
let emu: TestEmulator;

before(async () => {
  emu = await startEmulator({ config: { models: { [SLOW]: timing, [HEALTHY]: timing } } });
});
after(() => emu.close());
beforeEach(async () => {
  const config = await emu.admin.config();
  const clear = (entries: Record<string, unknown>) => Object.fromEntries(Object.keys(entries).map((name) => [name, null]));
  await emu.admin.patchConfig({ faults: { byModel: clear(config.faults.byModel), byKey: clear(config.faults.byKey) } });
  await emu.admin.reset();
});

const body = { contents: [{ parts: [{ text: "is this spam?" }] }], generationConfig: { maxOutputTokens: 20 } };

async function call(model: string, key = TEST_KEY): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const r = await postJson(emu.url, `/v1beta/models/${model}:generateContent`, body, { "x-goog-api-key": key });
  return { status: r.status, ms: performance.now() - started };
}

async function statuses(model: string, n: number, key = TEST_KEY): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call(model, key)).status);
  return out;
}

async function patchError(patch: unknown): Promise<string> {
  const response = await fetch(`${emu.url}/__emulator/config`, { method: "PATCH", body: JSON.stringify(patch) });
  assert.equal(response.status, 400);
  const { error } = (await response.json()) as { error: { message: string } };
  return error.message;
}

test("a model's error rate fails that model only; null removes it", async () => {
  await emu.admin.patchConfig({ faults: { byModel: { [SLOW]: { errorRates: { "503": 1 } } } } });
  assert.deepEqual(await statuses(SLOW, 5), [503, 503, 503, 503, 503]);
  assert.deepEqual(await statuses(HEALTHY, 5), [200, 200, 200, 200, 200]);
  const config = await emu.admin.patchConfig({ faults: { byModel: { [SLOW]: null } } });
  assert.deepEqual(config.faults.byModel, {});
  assert.deepEqual(await statuses(SLOW, 3), [200, 200, 200]);
});

test("a partial error rate fails about that share of the model's calls", async () => {
  await emu.admin.patchConfig({ faults: { byModel: { [SLOW]: { errorRates: { "503": 0.3 } } } } });
  const got = await statuses(SLOW, 200);
  const failed = got.filter((s) => s === 503).length;
  assert.ok(failed >= 40 && failed <= 80, `expected about 60 of 200 to fail, got ${failed}`);
  assert.ok(
    got.every((s) => s === 200 || s === 503),
    "only 503 is injected",
  );
});

test("a model's latency multiplier slows that model only", async () => {
  await emu.admin.patchConfig({ faults: { byModel: { [SLOW]: { latencyMultiplier: 8 } } } });
  const slow = await call(SLOW);
  const healthy = await call(HEALTHY);
  assert.equal(slow.status, 200);
  assert.equal(healthy.status, 200);
  assert.ok(slow.ms >= 230, `8 × 30 ms TTFT should take ≥ 230 ms, took ${slow.ms.toFixed(0)}`);
  assert.ok(healthy.ms < 200, `the healthy model should stay near 30 ms, took ${healthy.ms.toFixed(0)}`);
});

test("a key's faults, named by its label, apply to that key only and win over the model's", async () => {
  const label = keyLabel(TEST_KEY);
  assert.match(label, /^sha256:[0-9a-f]{12}$/);
  const config = await emu.admin.patchConfig({
    faults: { byKey: { [label]: { errorRates: { "500": 1 } } }, byModel: { [SLOW]: { errorRates: { "503": 1 } } } },
  });
  assert.ok(!JSON.stringify(config).includes(TEST_KEY), "the config answer never holds the key");
  assert.deepEqual(await statuses(HEALTHY, 3), [500, 500, 500]);
  assert.deepEqual(await statuses(SLOW, 3), [500, 500, 500], "the key's scope wins over the model's");
  assert.deepEqual(await statuses(HEALTHY, 3, OTHER_KEY), [200, 200, 200]);
  assert.deepEqual(await statuses(SLOW, 3, OTHER_KEY), [503, 503, 503]);
});

test("bad scoped faults are refused naming the field, and a key is never echoed", async () => {
  assert.match(
    await patchError({ faults: { byModel: { [SLOW]: { errorRates: { "503": 1.5 } } } } }),
    /faults\.byModel\.gemini-2\.0-flash\.errorRates\.503.*between 0 and 1/,
  );
  assert.match(await patchError({ faults: { byModel: { [SLOW]: { errorRates: { "500": 0.6, "503": 0.6 } } } } }), /add up to 1\.2/);
  assert.match(await patchError({ faults: { byModel: { [SLOW]: { latencyMultiplier: -1 } } } }), /latencyMultiplier.*≥ 0/);
  assert.match(
    await patchError({ faults: { byModel: { [SLOW]: { stall: 1 } } } }),
    /unknown config field "faults\.byModel\.gemini-2\.0-flash\.stall"/,
  );
  assert.match(
    await patchError({ faults: { byModel: { "gemini-9-nope": { latencyMultiplier: 2 } } } }),
    /"faults\.byModel\.gemini-9-nope": no such model; expected one of .*gemini-2\.5-flash/,
  );
  const secret = "AIzaSyTHIS-IS-A-PASTED-KEY-000000000";
  const message = await patchError({ faults: { byKey: { [secret]: { latencyMultiplier: 2 } } } });
  assert.match(message, /faults\.byKey.*sha256:/);
  assert.ok(!message.includes(secret), "the refused key is not echoed");
});

test("scoped faults in the start config take effect and are validated the same way", () => {
  const config = resolveConfig({ profile: "fast", config: { faults: { byModel: { [SLOW]: { latencyMultiplier: 5 } } } } });
  assert.equal(config.faults.byModel[SLOW]?.latencyMultiplier, 5);
  assert.throws(
    () => resolveConfig({ profile: "fast", config: { faults: { byKey: { "my-real-key": {} } } } }),
    (e: unknown) => e instanceof ConfigError && !e.message.includes("my-real-key"),
  );
});
