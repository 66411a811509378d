// The contract check: what lib/ builds for a moderation request equals what both official SDKs
// send, as captured by the emulator's request log; a planted drift fails with a readable diff.
import { GoogleGenerativeAI } from "@google/generative-ai";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { generateContentRequest, streamGenerateContentRequest, type BuiltRequest } from "../../lib/gemini-requests.ts";
import { formatContract, runContractCheck, type ContractResult } from "../../verify/contract.ts";
import { classifyError } from "../../verify/failures.ts";
import { compareRequests, EXPECTED_DIFFERENCES, type CapturedRequest } from "../../verify/request-diff.ts";
import { sampleModerationBody } from "../../verify/sdk-request.ts";
import { startEmulator, type TestEmulator } from "../helpers/emulator.ts";

const KEY = "contract-test-key-1234";
const MODEL = "gemini-2.5-flash";
let emulator: TestEmulator;

before(async () => {
  emulator = await startEmulator({ profile: "zero-latency" });
});

after(async () => {
  await emulator.close();
});

function options(k6Requests?: Partial<Record<"generateContent" | "streamGenerateContent" | "countTokens", BuiltRequest>>) {
  return { baseUrl: emulator.url, apiKey: KEY, model: MODEL, apiVersion: "v1beta" as const, ...(k6Requests ? { k6Requests } : {}) };
}

/** Rebuilds lib's request with its body changed by `mutate`, as a drifted k6 would send it. */
function drifted(request: BuiltRequest, mutate: (body: Record<string, any>) => void): BuiltRequest {
  const body = JSON.parse(request.body) as Record<string, any>;
  mutate(body);
  return { ...request, body: JSON.stringify(body) };
}

describe("the contract check against the emulator", () => {
  let result: ContractResult;

  test("passes: every method matches both SDKs after the listed normalisations", async () => {
    result = await runContractCheck(options());
    const pairs = result.comparisons.map((c) => `${c.method} ${c.sdk}`).sort();
    assert.deepEqual(pairs, [
      "countTokens @google/genai",
      "generateContent @google/genai",
      "generateContent @google/generative-ai",
      "streamGenerateContent @google/genai",
      "streamGenerateContent @google/generative-ai",
    ]);
    for (const c of result.comparisons) assert.deepEqual(c.differences, [], `${c.method} vs ${c.sdk}`);
    assert.equal(result.ok, true);
    assert.match(formatContract(result), /✓ generateContent vs @google\/genai: same/);
  });

  test("compares what really went over the wire: the log holds lib's body and the SDKs' own", () => {
    const k6 = result.comparisons.find((c) => c.method === "generateContent" && c.sdk === "@google/generative-ai");
    assert.ok(k6);
    assert.deepEqual(k6.k6.body, sampleModerationBody());
    assert.equal(k6.k6.path, `/v1beta/models/${MODEL}:generateContent`);
    assert.equal(k6.k6.headers["x-goog-api-key"], "[redacted]");
    // The legacy SDK's raw request differs from k6's (safetySettings: [], systemInstruction role,
    // its client header) and only the listed normalisations make them equal.
    assert.notDeepEqual(k6.sdkRequest.body, k6.k6.body);
    assert.ok(String(k6.sdkRequest.headers["x-goog-api-client"]).startsWith("genai-js/"));
    assert.deepEqual(k6.tolerated, ["transport-headers", "sdk-client-header", "empty-values", "system-instruction-role"]);
    assert.match(
      formatContract(result),
      /generateContent vs @google\/generative-ai: same \(tolerated: transport-headers, sdk-client-header, empty-values, system-instruction-role\)/,
    );
    const stream = result.comparisons.find((c) => c.method === "streamGenerateContent" && c.sdk === "@google/genai");
    assert.deepEqual(stream?.sdkRequest.query, { alt: "sse" });
  });

  test("fails with a diff naming the field when the k6 body drifts", async () => {
    const target = { baseUrl: emulator.url, apiKey: KEY, apiVersion: "v1beta" as const };
    const body = sampleModerationBody();
    const planted = await runContractCheck(
      options({
        generateContent: drifted(generateContentRequest(target, MODEL, body), (b) => {
          b.generationConfig.responseMimeType = "text/plain";
        }),
      }),
    );
    assert.equal(planted.ok, false);
    const drift = planted.comparisons.filter((c) => c.differences.length > 0);
    assert.deepEqual(drift.map((c) => `${c.method} ${c.sdk}`).sort(), [
      "generateContent @google/genai",
      "generateContent @google/generative-ai",
    ]);
    for (const c of drift) {
      assert.deepEqual(c.differences, [
        { path: "body.generationConfig.responseMimeType", expected: "text/plain", actual: "application/json" },
      ]);
    }
    // The service itself rejects that body; the check still shows the field, and the rejection.
    assert.match(drift[0]?.k6Rejected ?? "", /HTTP 400 INVALID_ARGUMENT: .*response_mime_type/);
    const report = formatContract(planted);
    assert.match(report, /✗ generateContent vs @google\/genai: 1 field\(s\) differ/);
    assert.ok(report.includes('body.generationConfig.responseMimeType: k6 "text/plain" ≠ @google/genai "application/json"'), report);
  });

  test("fails when k6 drops a field, moves the key to the query, or changes the path", async () => {
    const target = { baseUrl: emulator.url, apiKey: KEY, apiVersion: "v1beta" as const };
    const body = sampleModerationBody();
    const stream = streamGenerateContentRequest(target, MODEL, body);
    const { "x-goog-api-key": _key, ...headers } = stream.params.headers;
    const planted = await runContractCheck(
      options({
        streamGenerateContent: {
          ...drifted(stream, (b) => {
            delete b.generationConfig.temperature;
          }),
          url: stream.url.replace("?alt=sse", `?alt=sse&key=${KEY}`),
          params: { ...stream.params, headers },
        },
      }),
    );
    const c = planted.comparisons.find((x) => x.method === "streamGenerateContent" && x.sdk === "@google/genai");
    assert.ok(c);
    assert.deepEqual(
      c.differences.map((d) => d.path),
      ["body.generationConfig.temperature", "headers.x-goog-api-key", "query.key"],
    );
    assert.equal(planted.ok, false);
  });
});

describe("normalisation", () => {
  const base: CapturedRequest = {
    method: "POST",
    path: "/v1beta/models/m:generateContent",
    query: {},
    headers: { "content-type": "application/json", "x-goog-api-key": "[redacted]" },
    body: { contents: [{ role: "user", parts: [{ text: "hi" }] }], generationConfig: { temperature: 0 } },
  };

  test("each listed difference is tolerated", () => {
    const sdk: CapturedRequest = {
      method: "POST",
      path: "/v1/models/m:generateContent",
      query: {},
      headers: { "Content-Type": "application/json", "x-goog-api-key": "[redacted]", "x-goog-api-client": "sdk/1", "user-agent": "x" },
      body: { contents: [{ parts: [{ text: "hi" }] }], generation_config: { temperature: 0 }, safetySettings: [], tools: {} },
    };
    assert.deepEqual(compareRequests(base, sdk), []);
    assert.equal(EXPECTED_DIFFERENCES.length, new Set(EXPECTED_DIFFERENCES.map((d) => d.id)).size);
    for (const d of EXPECTED_DIFFERENCES) assert.ok(d.reason.length > 20, `${d.id} has a reason`);
  });

  test("a value that differs is never normalised away, nor is a missing content type", () => {
    const sdk = structuredClone(base) as CapturedRequest & { body: any };
    sdk.body.generationConfig.temperature = 1;
    sdk.body.contents[0].role = "model";
    delete sdk.headers["content-type"];
    assert.deepEqual(
      compareRequests(base, sdk).map((d) => d.path),
      ["body.contents[0].role", "body.generationConfig.temperature", "headers.content-type"],
    );
  });
});

describe("errors of the legacy SDK are classified like those of @google/genai", () => {
  async function legacyError(baseUrl: string, key: string, model = MODEL): Promise<unknown> {
    const legacy = new GoogleGenerativeAI(key).getGenerativeModel({ model }, { baseUrl, apiVersion: "v1beta" });
    try {
      await legacy.generateContent("hello");
    } catch (error) {
      return error;
    }
    assert.fail("the call should have failed");
  }

  test("bad key, unknown model, quota, overload", async () => {
    const strict = await startEmulator({
      profile: "zero-latency",
      config: { apiKeys: ["only-this-key"], models: { "gemini-2.5-flash-lite": { rpm: 1 } }, faults: { errorRates: { "503": 0 } } },
    });
    try {
      assert.equal(classifyError(await legacyError(strict.url, "wrong-key")).failure, "bad_key");
      const unknown = classifyError(await legacyError(strict.url, "only-this-key", "gemini-0-none"));
      assert.equal(unknown.failure, "unknown_model");
      assert.match(unknown.message, /^HTTP 404 Not Found: models\/gemini-0-none is not found/);
      const lite = new GoogleGenerativeAI("only-this-key").getGenerativeModel({ model: "gemini-2.5-flash-lite" }, { baseUrl: strict.url });
      await lite.generateContent("hello");
      assert.equal(classifyError(await legacyError(strict.url, "only-this-key", "gemini-2.5-flash-lite")).failure, "quota_exhausted");
      await strict.admin.patchConfig({ faults: { errorRates: { "503": 1 } } });
      assert.equal(classifyError(await legacyError(strict.url, "only-this-key")).failure, "overloaded");
    } finally {
      await strict.close();
    }
  });
});
