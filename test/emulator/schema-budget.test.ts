// Structured output stays within the output budget: no responseSchema, however large its bounds, makes
// one request build an unbounded value, freeze the event loop or crash the emulator.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, postJson, type TestEmulator } from "../helpers/emulator.ts";

let emu: TestEmulator;
before(async () => {
  // No simulated latency: the time measured is the emulator's own work.
  emu = await startEmulator({ profile: "zero-latency" });
});
after(() => emu.close());

interface Answer {
  status: number;
  ms: number;
  finishReason?: string;
  text: string;
  outputTokens: number;
}

async function generate(model: string, generationConfig: Record<string, unknown>, prompt = "list things"): Promise<Answer> {
  const started = performance.now();
  const response = await postJson(emu.url, `/v1beta/models/${model}:generateContent`, {
    contents: [{ parts: [{ text: prompt }] }],
    generationConfig: { responseMimeType: "application/json", ...generationConfig },
  });
  const ms = performance.now() - started;
  const body = response.json as {
    candidates?: Array<{ finishReason?: string; content?: { parts?: Array<{ text?: string }> } }>;
    usageMetadata?: { candidatesTokenCount?: number };
  };
  const candidate = body.candidates?.[0];
  return {
    status: response.status,
    ms,
    finishReason: candidate?.finishReason,
    text: candidate?.content?.parts?.map((p) => p.text ?? "").join("") ?? "",
    outputTokens: body.usageMetadata?.candidatesTokenCount ?? 0,
  };
}

/** Time for a models.get issued while `work` runs: the event loop must stay free for it. */
async function healthDuringMs(work: Promise<unknown>): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${emu.url}/v1beta/models/gemini-2.5-flash?key=k`);
  await response.text();
  const ms = performance.now() - started;
  await work;
  assert.equal(response.status, 200);
  return ms;
}

const HUGE_SCHEMAS: Array<[string, Record<string, unknown>]> = [
  [
    "nested arrays with minItems 100000",
    { responseSchema: { type: "ARRAY", minItems: "100000", items: { type: "ARRAY", minItems: "100000", items: { type: "STRING" } } } },
  ],
  [
    "nested arrays with minItems 4000",
    { responseSchema: { type: "ARRAY", minItems: "4000", items: { type: "ARRAY", minItems: "4000", items: { type: "INTEGER" } } } },
  ],
  [
    "12 properties that each refer back to the root",
    {
      responseJsonSchema: {
        type: "object",
        properties: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`p${i}`, { $ref: "#" }])),
      },
    },
  ],
  [
    "uniqueItems with minItems 100000",
    {
      responseJsonSchema: {
        type: "array",
        uniqueItems: true,
        minItems: 100000,
        items: { type: "integer", minimum: 0, maximum: 1_000_000_000 },
      },
    },
  ],
  ["a string with minLength 50000000", { responseSchema: { type: "STRING", minLength: "50000000" } }],
];

for (const [name, config] of HUGE_SCHEMAS) {
  test(`${name}: a prompt, bounded answer cut at maxOutputTokens`, async () => {
    for (const maxOutputTokens of [undefined, 500]) {
      const answer = await generate("gemini-2.0-flash", maxOutputTokens ? { ...config, maxOutputTokens } : config);
      assert.equal(answer.status, 200);
      assert.ok(answer.ms < 2000, `answered in ${Math.round(answer.ms)} ms`);
      assert.equal(answer.finishReason, "MAX_TOKENS");
      assert.ok(answer.outputTokens > 0 && answer.outputTokens <= (maxOutputTokens ?? 8192), `${answer.outputTokens} output tokens`);
    }
  });
}

test("the event loop stays responsive while the largest schema is filled", async () => {
  const [, config] = HUGE_SCHEMAS[0] as [string, Record<string, unknown>];
  const ms = await healthDuringMs(generate("gemini-2.5-flash", config, "a fresh prompt for the health check"));
  assert.ok(ms < 1000, `models.get took ${Math.round(ms)} ms`);
});

test("uniqueItems within the budget: every item present and distinct, finishReason STOP", async () => {
  const answer = await generate("gemini-2.0-flash", {
    responseJsonSchema: {
      type: "array",
      uniqueItems: true,
      minItems: 1500,
      maxItems: 1500,
      items: { type: "integer", minimum: 0, maximum: 1_000_000 },
    },
  });
  assert.equal(answer.finishReason, "STOP");
  const items = JSON.parse(answer.text) as number[];
  assert.equal(items.length, 1500);
  assert.equal(new Set(items).size, 1500);
});

test("an INTEGER with only a negative maximum stays at or below it", async () => {
  for (const [bound, check] of [
    [{ maximum: -5 }, (v: number) => v <= -5],
    [{ exclusiveMaximum: -5 }, (v: number) => v < -5],
    [{ maximum: 0 }, (v: number) => v <= 0],
  ] as const) {
    for (let i = 0; i < 10; i++) {
      const answer = await generate("gemini-2.0-flash", { responseJsonSchema: { type: "integer", ...bound } }, `number ${i}`);
      const value = JSON.parse(answer.text) as number;
      assert.ok(Number.isInteger(value) && check(value), `${JSON.stringify(bound)} gave ${value}`);
    }
  }
});
