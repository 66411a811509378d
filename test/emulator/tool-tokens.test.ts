// Prompt tokens of requests with tools and function calls, against the counts the real service
// reported in the recordings (test/fixtures/gemini-api/): words count, JSON punctuation does not.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { loadRecordings } from "../helpers/recordings.ts";
import { startEmulator, postJson, type TestEmulator } from "../helpers/emulator.ts";
import { countRequestTokens } from "../../emulator/src/tokens.ts";

interface RecordedToolRequest {
  name: string;
  model: string;
  body: Record<string, unknown>;
  recordedPromptTokens: number;
}

function recordedToolRequests(): RecordedToolRequest[] {
  const found: RecordedToolRequest[] = [];
  for (const interaction of loadRecordings()) {
    const body = interaction.requestBody;
    if (!body || !Array.isArray(body.tools)) continue;
    let recordedPromptTokens = 0;
    for (const segment of interaction.bodySegments) {
      const usage = (segment as { usageMetadata?: { promptTokenCount?: number } }).usageMetadata;
      if (usage?.promptTokenCount) recordedPromptTokens = usage.promptTokenCount;
    }
    const model = /models\/([^:]+)/.exec(interaction.url)?.[1] ?? "";
    found.push({ name: `${interaction.recording} #${interaction.index}`, model, body, recordedPromptTokens });
  }
  return found;
}

const recorded = recordedToolRequests();
// Calibration (see countToolTokens): every 2.0 request with tools lands 14–67% above the service's count.
const MAX_OVERCOUNT = 1.7;

let emu: TestEmulator;
before(async () => {
  emu = await startEmulator({ profile: "zero-latency" });
});
after(() => emu.close());

test("the recordings hold requests with tools on gemini-2.0-flash and gemini-2.5-flash", () => {
  assert.ok(recorded.filter((r) => r.model === "gemini-2.0-flash").length >= 10, String(recorded.length));
  assert.ok(recorded.some((r) => r.model === "gemini-2.5-flash"));
  assert.ok(recorded.every((r) => r.recordedPromptTokens > 0));
});

test("gemini-2.0-flash: promptTokenCount with tools is within 1.7× of the recorded count, never below it", async () => {
  for (const r of recorded.filter((x) => x.model === "gemini-2.0-flash")) {
    const response = await postJson(emu.url, `/v1beta/models/${r.model}:generateContent`, r.body);
    assert.equal(response.status, 200, `${r.name}: ${response.text}`);
    const emulated = (response.json as { usageMetadata: { promptTokenCount: number } }).usageMetadata.promptTokenCount;
    assert.ok(
      emulated >= r.recordedPromptTokens && emulated <= r.recordedPromptTokens * MAX_OVERCOUNT,
      `${r.name}: emulator ${emulated}, service ${r.recordedPromptTokens}`,
    );
  }
});

test("gemini-2.5-flash: tools are not overcounted (the service's tool preamble is not modelled)", async () => {
  for (const r of recorded.filter((x) => x.model === "gemini-2.5-flash")) {
    const response = await postJson(emu.url, `/v1beta/models/${r.model}:generateContent`, r.body);
    assert.equal(response.status, 200, `${r.name}: ${response.text}`);
    const emulated = (response.json as { usageMetadata: { promptTokenCount: number } }).usageMetadata.promptTokenCount;
    assert.ok(emulated <= r.recordedPromptTokens, `${r.name}: emulator ${emulated}, service ${r.recordedPromptTokens}`);
  }
});

test("countTokens agrees with generateContent's promptTokenCount for the same body with tools", async () => {
  for (const r of recorded) {
    const generated = await postJson(emu.url, `/v1beta/models/${r.model}:generateContent`, r.body);
    const prompt = (generated.json as { usageMetadata: { promptTokenCount: number } }).usageMetadata.promptTokenCount;
    const counted = await postJson(emu.url, `/v1beta/models/${r.model}:countTokens`, {
      generateContentRequest: { model: `models/${r.model}`, ...r.body },
    });
    assert.equal(counted.status, 200, `${r.name}: ${counted.text}`);
    assert.equal((counted.json as { totalTokens: number }).totalTokens, prompt, r.name);
  }
});

test("a declaration costs its words: name, description, parameter names and enum values, in either schema form", () => {
  const contents = [{ role: "user", parts: [{ text: "hi" }] }];
  const withTool = (tools: unknown[]): number => countRequestTokens({ contents, tools }) - countRequestTokens({ contents });
  const openApi = {
    functionDeclarations: [
      {
        name: "setMode", // set, Mode → "setMode" is 2 tokens
        description: "Set the mode", // 1 + 1 + 1
        parameters: {
          type: "OBJECT",
          properties: { mode: { type: "STRING", enum: ["fast", "slow"], description: "How" } },
          required: ["mode"],
        },
      },
    ],
  };
  // setMode 2, description 3, "mode" 1, enum 1 + 1, "How" 1.
  assert.equal(withTool([openApi]), 9);
  const jsonSchema = {
    function_declarations: [
      {
        name: "setMode",
        description: "Set the mode",
        parameters_json_schema: { type: "object", properties: { mode: { type: "string", enum: ["fast", "slow"], description: "How" } } },
      },
    ],
  };
  assert.equal(withTool([jsonSchema]), 9);
  // Built-in tools carry no text.
  assert.equal(withTool([{ googleSearch: {} }, { codeExecution: {} }]), 0);
});

test("function calls and responses in the history cost their words, not their JSON", () => {
  const call = { functionCall: { name: "customDivide", args: { numerator: 10, denominator: 2 } } };
  const reply = { functionResponse: { name: "customDivide", response: { output: 42 } } };
  // customDivide 3, numerator 3, 10 1, denominator 3, 2 1 → 11; customDivide 3, output 2, 42 1 → 6.
  assert.equal(countRequestTokens({ contents: [{ role: "model", parts: [call] }] }), 11);
  assert.equal(countRequestTokens({ contents: [{ role: "user", parts: [reply] }] }), 6);
});
