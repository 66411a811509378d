// Unit tests of request validation messages and of configuration validation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkGenerateRequest, checkShape, parseJsonBody } from "../../emulator/src/validate.ts";
import { BUILTIN_MODELS } from "../../emulator/src/models.ts";
import { applyPatch, ConfigError, profileConfig, resolveConfig } from "../../emulator/src/config.ts";

const flash = BUILTIN_MODELS.find((m) => m.id === "gemini-2.5-flash")!;
const pro = BUILTIN_MODELS.find((m) => m.id === "gemini-2.5-pro")!;

function errorOf(body: unknown, model = flash): { code: number; message: string; status: string; details?: unknown[] } | undefined {
  const shape = checkShape(body, "GenerateContentRequest");
  const error = shape ?? checkGenerateRequest(body as Record<string, unknown>, model);
  return error
    ? (JSON.parse(error.body) as { error: { code: number; message: string; status: string; details?: unknown[] } }).error
    : undefined;
}

test("a valid request passes, in camelCase or snake_case", () => {
  assert.equal(
    errorOf({ contents: [{ role: "user", parts: [{ text: "hi" }] }], generationConfig: { temperature: 0.2, maxOutputTokens: 100 } }),
    undefined,
  );
  assert.equal(errorOf({ contents: [{ parts: [{ text: "hi" }] }], generation_config: { max_output_tokens: 5 } }), undefined);
});

test("unknown fields are named with their location and listed as field violations", () => {
  const top = errorOf({ contents: [{ parts: [{ text: "x" }] }], foo: 1 });
  assert.equal(top?.code, 400);
  assert.equal(top?.status, "INVALID_ARGUMENT");
  assert.equal(top?.message, 'Invalid JSON payload received. Unknown name "foo": Cannot find field.');
  assert.deepEqual(top?.details, [
    { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ description: top?.message }] },
  ]);
  const nested = errorOf({ contents: [{ parts: [{ text: "x" }] }], generationConfig: { temprature: 1 } });
  assert.equal(nested?.message, `Invalid JSON payload received. Unknown name "temprature" at 'generation_config': Cannot find field.`);
  assert.deepEqual((nested?.details?.[0] as { fieldViolations: unknown[] } | undefined)?.fieldViolations, [
    { field: "generation_config", description: nested?.message },
  ]);
});

test("wrong types and bad enum values are answered in the proto-JSON form", () => {
  assert.equal(errorOf({ contents: [{ parts: [{ text: 5 }] }] })?.message, "Invalid value at 'contents[0].parts[0].text' (TYPE_STRING), 5");
  assert.equal(
    errorOf({ contents: "hi" })?.message,
    `Invalid value at 'contents' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content), "hi"`,
  );
  assert.equal(
    errorOf({
      contents: [{ parts: [{ text: "x" }] }],
      generationConfig: { responseMimeType: "application/json", responseSchema: { type: "strng" } },
    })?.message,
    `Invalid value at 'generation_config.response_schema.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), "strng"`,
  );
  assert.equal(
    errorOf({ contents: [{ parts: [{ text: "x" }] }], generationConfig: { temperature: "hot" } })?.message,
    `Invalid value at 'generation_config.temperature' (TYPE_FLOAT), "hot"`,
  );
});

test("empty contents, empty parts and empty part use the service's messages", () => {
  assert.equal(errorOf({})?.message, "* GenerateContentRequest.contents: contents is not specified\n");
  assert.equal(errorOf({ contents: [] })?.message, "* GenerateContentRequest.contents: contents is not specified\n");
  assert.equal(
    errorOf({ contents: [{ parts: [{ text: "a" }] }, { parts: [] }] })?.message,
    "* GenerateContentRequest.contents[1].parts: contents.parts must not be empty.\n",
  );
  assert.equal(
    errorOf({ contents: [{ parts: [{ text: "a" }] }, { parts: [{}] }] })?.message,
    "* GenerateContentRequest.contents[1].parts[0].data: required oneof field 'data' must have one initialized field\n",
  );
});

test("generation settings out of range and thinking budgets per model are rejected", () => {
  const withConfig = (generationConfig: object, model = flash) =>
    errorOf({ contents: [{ parts: [{ text: "x" }] }], generationConfig }, model)?.message;
  assert.match(
    withConfig({ temperature: 2.5 }) ?? "",
    /temperature value of 2.5 but the supported range is from 0 \(inclusive\) to 2.0001 \(exclusive\)/,
  );
  assert.match(withConfig({ topP: 1.5 }) ?? "", /top_p value of 1.5/);
  assert.match(
    withConfig({ maxOutputTokens: 70000 }) ?? "",
    /max_output_tokens value of 70000 but the supported range is from 1 \(inclusive\) to 65537/,
  );
  assert.match(withConfig({ candidateCount: 9 }) ?? "", /candidate_count value of 9/);
  assert.equal(withConfig({ thinkingConfig: { thinkingBudget: 0 } }, pro), "Budget 0 is invalid. This model only works in thinking mode.");
  assert.equal(withConfig({ thinkingConfig: { thinkingBudget: 52428 } }), "The thinking budget (52428) is invalid.");
  assert.equal(
    withConfig({ thinkingConfig: { thinkingBudget: 100, thinkingLevel: "LOW" } }),
    "You can only set only one of thinking budget and thinking level.",
  );
  assert.equal(withConfig({ thinkingConfig: { thinkingBudget: 0 } }), undefined);
  assert.equal(withConfig({ thinkingConfig: { thinkingBudget: -1 } }, pro), undefined);
});

test("malformed JSON, non-object roots and deep nesting are 400s", () => {
  const parsed = parseJsonBody('{"contents": [');
  assert.ok("error" in parsed && parsed.error.httpStatus === 400 && /Invalid JSON payload received/.test(parsed.error.message));
  assert.equal(
    checkShape([1], "GenerateContentRequest")?.message,
    'Invalid JSON payload received. Unknown name "": Root element must be a message.',
  );
  const deep = parseJsonBody("[".repeat(5000) + "]".repeat(5000));
  assert.ok("error" in deep && deep.error.httpStatus === 400);
});

test("config validation names the bad field", () => {
  const base = profileConfig("fast");
  assert.throws(
    () => applyPatch(base, { faults: { errorRates: { "503": 2 } } }),
    (e: Error) => e instanceof ConfigError && e.message.includes('"faults.errorRates.503"'),
  );
  assert.throws(() => applyPatch(base, { fautls: {} }), /unknown config field "fautls"/);
  assert.throws(
    () => applyPatch(base, { models: { "gemini-2.5-flash": { slotz: 1 } } }),
    /unknown config field "models.gemini-2.5-flash.slotz"/,
  );
  assert.throws(() => applyPatch(base, { quotaTier: "gold" }), /"quotaTier": expected one of unlimited, free, tier1, tier2, tier3/);
  assert.throws(() => profileConfig("turbo"), /unknown profile "turbo": expected one of realistic, fast, zero-latency, degraded/);
  assert.throws(() => resolveConfig({ configFile: "/nonexistent/emu.json" }), /cannot read config file "\/nonexistent\/emu.json"/);
  const custom = applyPatch(base, { models: { "my-model": { slots: 2 } } });
  assert.equal(custom.models["my-model"]?.slots, 2);
  assert.equal(custom.models["my-model"]?.ttftMedianMs, base.models["gemini-2.5-flash"]?.ttftMedianMs);
});

test("profiles: degraded injects 503s and slows down; zero-latency has no delays or limits", () => {
  const degraded = profileConfig("degraded");
  assert.equal(degraded.faults.errorRates["503"], 0.3);
  assert.equal(degraded.faults.latencyMultiplier, 5);
  const zero = profileConfig("zero-latency");
  for (const s of Object.values(zero.models)) {
    assert.equal(s.ttftMedianMs, 0);
    assert.equal(s.slots, 0);
  }
  assert.equal(zero.quotaTier, "unlimited");
  assert.equal(profileConfig("realistic").quotaTier, "tier2");
});
