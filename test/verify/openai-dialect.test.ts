// verify over the OpenAI-compatible dialect (GEMINI_DIALECT=openai) with the official openai SDK: the
// preflight passes against the emulator and reports the same result shape, failures map onto verify's
// exit codes, and the contract check finds lib/openai-requests.ts equal to the SDK's requests and a
// planted drift; --after on a run over the dialect takes its fresh baseline over the dialect too.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chatCompletionsRequest } from "../../lib/openai-requests.ts";
import { runOpenAiContractCheck } from "../../verify/openai-contract.ts";
import { runOpenAiPreflight } from "../../verify/openai-preflight.ts";
import { sampleModerationBody } from "../../verify/sdk-request.ts";
import { keysConfig } from "../helpers/conformance.ts";
import { startEmulator, type TestEmulator } from "../helpers/emulator.ts";
import { runVerifyCli } from "../helpers/verify.ts";
import { buildScenarios, runScenario } from "../helpers/k6.ts";

const KEY = "openai-dialect-key-5678";
const MODEL = "gemini-2.5-flash";
let emulator: TestEmulator;
let resultsDir: string;

before(async () => {
  emulator = await startEmulator({ profile: "fast" });
  resultsDir = await mkdtemp(path.join(tmpdir(), "verify-openai-"));
});
after(async () => {
  await emulator.close();
  await rm(resultsDir, { recursive: true, force: true });
});

function preflightOptions(overrides: Partial<Parameters<typeof runOpenAiPreflight>[0]> = {}) {
  return {
    baseUrl: emulator.url,
    apiKey: KEY,
    model: MODEL,
    apiVersion: "v1beta" as const,
    timeoutMs: 10_000,
    baselineCalls: 5,
    stream: true,
    ...overrides,
  };
}

describe("the openai-dialect preflight", () => {
  test("passes: model, chat completion with a valid verdict, stream with TTFT, baseline", async () => {
    await emulator.admin.reset();
    const result = await runOpenAiPreflight(preflightOptions());
    assert.equal(result.ok, true, JSON.stringify(result.failure));
    assert.deepEqual(
      result.steps.map((s) => s.name),
      ["model", "generateContent", "stream", "baseline"],
    );
    assert.ok((result.stream?.ttftMs ?? 0) > 0);
    assert.equal(result.baseline?.calls, 5);
    assert.ok(result.baseline?.ttftMs, "streamed baseline has TTFT");
    const stats = await emulator.admin.stats();
    // models.retrieve, the check, the stream and 5 baseline streams, all over the dialect.
    assert.equal(stats.requests.byMethod["openai.models"], 1);
    assert.equal(stats.requests.byMethod["openai.chat.completions"], 7);
    assert.equal(stats.requests.byMethod.generateContent, undefined);
  });

  test("a bad key is bad_key (exit 10) although the SDK cannot read the array body", async () => {
    await emulator.admin.patchConfig(keysConfig([KEY]));
    try {
      const result = await runOpenAiPreflight(preflightOptions({ apiKey: "wrong-key-0000" }));
      assert.equal(result.failure?.class, "bad_key");
      assert.equal(result.failure?.exitCode, 10);
    } finally {
      await emulator.admin.patchConfig(keysConfig([]));
    }
  });

  test("an unknown model is unknown_model (exit 11)", async () => {
    const result = await runOpenAiPreflight(preflightOptions({ model: "gemini-0-none" }));
    assert.equal(result.failure?.class, "unknown_model");
  });

  test("npm run verify with GEMINI_DIALECT=openai writes the preflight to verify.json", async () => {
    const runId = "20261203-010203-0a0b";
    const outcome = await runVerifyCli(["--baseline-calls", "5"], {
      GEMINI_BASE_URL: emulator.url,
      GEMINI_API_KEY: KEY,
      GEMINI_DIALECT: "openai",
      GEMINI_RESULTS_DIR: resultsDir,
      GEMINI_RUN_ID: runId,
    });
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    assert.match(outcome.stdout, /v1beta\/openai/);
    assert.ok(!outcome.stdout.includes(KEY) && !outcome.stderr.includes(KEY), "the key is never printed");
    const file = JSON.parse(await readFile(path.join(resultsDir, runId, "verify.json"), "utf8")) as {
      preflight: { ok: boolean; apiVersion: string };
    };
    assert.equal(file.preflight.ok, true);
    assert.equal(file.preflight.apiVersion, "v1beta/openai");
  });

  test("a bad GEMINI_DIALECT is one line naming the variable, exit 2", async () => {
    const outcome = await runVerifyCli([], { GEMINI_BASE_URL: emulator.url, GEMINI_DIALECT: "anthropic" });
    assert.equal(outcome.code, 2);
    assert.match(outcome.stderr + outcome.stdout, /GEMINI_DIALECT.*native.*openai/);
  });
});

describe("the openai-dialect contract check", () => {
  test("k6's chat completions requests equal the openai SDK's, whole and streamed", async () => {
    const result = await runOpenAiContractCheck({ baseUrl: emulator.url, apiKey: KEY, model: MODEL });
    assert.deepEqual(
      result.comparisons.map((c) => c.method),
      ["chat.completions", "chat.completions (stream)"],
    );
    for (const c of result.comparisons) assert.deepEqual(c.differences, [], c.method);
    assert.equal(result.ok, true);
  });

  test("a planted drift is found and named", async () => {
    const target = { baseUrl: emulator.url, apiKey: KEY, apiVersion: "v1beta" as const };
    const request = chatCompletionsRequest(target, MODEL, sampleModerationBody(), false);
    const body = JSON.parse(request.body) as Record<string, unknown>;
    body.temperature = 0.5;
    const result = await runOpenAiContractCheck({
      baseUrl: emulator.url,
      apiKey: KEY,
      model: MODEL,
      k6Requests: { "chat.completions": { ...request, body: JSON.stringify(body) } },
    });
    assert.equal(result.ok, false);
    const paths = result.comparisons.flatMap((c) => c.differences.map((d) => d.path));
    assert.deepEqual(paths, ["body.temperature"]);
  });
});

describe("--after on a run over the dialect", () => {
  test("a fresh baseline is taken over the dialect the run measured, without GEMINI_DIALECT", async () => {
    await buildScenarios();
    // A folder of its own: an earlier preflight in the same folder would serve as the baseline.
    const runsDir = path.join(resultsDir, "after");
    const run = await runScenario({
      baseUrl: emulator.url,
      resultsRoot: runsDir,
      env: { GEMINI_DIALECT: "openai", GEMINI_SHAPE: "smoke", GEMINI_SMOKE_ITERATIONS: "5", GEMINI_API_KEY: KEY },
    });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    await emulator.admin.reset();
    const outcome = await runVerifyCli(["--after", run.runId, "--baseline-calls", "5"], {
      GEMINI_BASE_URL: emulator.url,
      GEMINI_API_KEY: KEY,
      GEMINI_RESULTS_DIR: runsDir,
    });
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    assert.match(outcome.stdout, /baseline from a fresh preflight/);
    const stats = await emulator.admin.stats();
    assert.equal(stats.requests.byMethod["openai.chat.completions"], 7, "the check, the stream and 5 baseline calls over the dialect");
    assert.equal(stats.requests.byMethod.streamGenerateContent, undefined);
  });
});
