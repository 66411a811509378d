// Unit tests of answer content: schema filling (checked with ajv), the moderation lexicon, and planning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Ajv } from "ajv";
import { fillSchemaWithin } from "../../emulator/src/schema-fill.ts";
import { classifyText, textToClassify, LEXICON, mapLabel } from "../../emulator/src/moderation.ts";
import { planContent } from "../../emulator/src/content.ts";
import { BUILTIN_MODELS } from "../../emulator/src/models.ts";
import { PROFILES } from "../../emulator/src/profiles.ts";
import { Rng } from "../../emulator/src/random.ts";
import { CHARS_PER_TOKEN, countTextTokens } from "../../emulator/src/tokens.ts";

/** A fill within the largest output of a served model (65,536 tokens), its value only. */
function fillSchema(schema: unknown, rng: Rng): unknown {
  return fillSchemaWithin(schema, rng, 65_536 * CHARS_PER_TOKEN).value;
}

const ajv = new Ajv({ strict: false });

/** The JSON Schema equivalent of a Gemini responseSchema (upper-case types, nullable). */
function toJsonSchema(s: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "type") out.type = s.nullable ? [String(v).toLowerCase(), "null"] : String(v).toLowerCase();
    else if (k === "properties")
      out.properties = Object.fromEntries(Object.entries(v as object).map(([n, p]) => [n, toJsonSchema(p as Record<string, unknown>)]));
    else if (k === "items") out.items = toJsonSchema(v as Record<string, unknown>);
    else if (k === "anyOf") out.anyOf = (v as Record<string, unknown>[]).map(toJsonSchema);
    else if (k !== "nullable" && k !== "propertyOrdering") out[k] = v;
  }
  return out;
}

const GEMINI_SCHEMAS: Record<string, unknown>[] = [
  {
    type: "OBJECT",
    properties: { verdict: { type: "STRING", enum: ["clean", "hate", "spam"] }, confidence: { type: "NUMBER", minimum: 0, maximum: 1 } },
    required: ["verdict", "confidence"],
  },
  {
    type: "ARRAY",
    items: {
      type: "OBJECT",
      properties: {
        name: { type: "STRING", minLength: 3, maxLength: 8 },
        age: { type: "INTEGER", minimum: 18, maximum: 20 },
        tags: { type: "ARRAY", items: { type: "STRING" }, minItems: 2, maxItems: 4 },
      },
      required: ["name"],
    },
    minItems: 1,
    maxItems: 2,
  },
  {
    type: "OBJECT",
    properties: { when: { type: "STRING", format: "date-time" }, maybe: { type: "STRING", nullable: true }, ok: { type: "BOOLEAN" } },
    propertyOrdering: ["ok", "when", "maybe"],
  },
  { type: "OBJECT", properties: { choice: { anyOf: [{ type: "INTEGER" }, { type: "STRING" }] } }, required: ["choice"] },
];

const JSON_SCHEMAS: Record<string, unknown>[] = [
  {
    type: "object",
    properties: { id: { type: "string", format: "uuid" }, n: { type: "integer", exclusiveMinimum: 5, exclusiveMaximum: 8 } },
    required: ["id", "n"],
    additionalProperties: false,
  },
  {
    $defs: { item: { type: "object", properties: { v: { const: 3 } }, required: ["v"] } },
    type: "array",
    items: { $ref: "#/$defs/item" },
    minItems: 3,
  },
  { type: ["string", "null"], enum: ["a", "b"] },
  {
    allOf: [
      { type: "object", properties: { a: { type: "number" } }, required: ["a"] },
      { properties: { b: { type: "boolean" } }, required: ["b"] },
    ],
  },
  {
    type: "object",
    properties: {
      email: { type: "string", format: "email" },
      list: { type: "array", prefixItems: [{ type: "integer" }, { type: "string" }], minItems: 2 },
    },
    required: ["email", "list"],
    minProperties: 3,
  },
];

test("responseSchema fills validate against their JSON Schema equivalents", () => {
  for (const schema of GEMINI_SCHEMAS) {
    const validate = ajv.compile(toJsonSchema(schema));
    for (let seed = 0; seed < 50; seed++) {
      const value = fillSchema(schema, new Rng(seed));
      assert.ok(validate(value), `${JSON.stringify(value)} vs ${JSON.stringify(schema)}: ${ajv.errorsText(validate.errors)}`);
    }
  }
});

test("responseJsonSchema fills validate with ajv", () => {
  for (const schema of JSON_SCHEMAS) {
    const validate = ajv.compile(schema);
    for (let seed = 0; seed < 50; seed++) {
      const value = fillSchema(schema, new Rng(seed));
      assert.ok(validate(value), `${JSON.stringify(value)} vs ${JSON.stringify(schema)}: ${ajv.errorsText(validate.errors)}`);
    }
  }
});

test("propertyOrdering decides key order", () => {
  const value = fillSchema(GEMINI_SCHEMAS[2], new Rng(1)) as object;
  assert.deepEqual(Object.keys(value), ["ok", "when", "maybe"]);
});

test("the lexicon classifier picks the category with most whole-word matches, ties by priority", () => {
  assert.deepEqual(classifyText("What a lovely day at the park"), { label: "clean", matches: [] });
  assert.equal(classifyText("I will KILL you").label, "violence");
  assert.equal(classifyText("Such skill, such a killer app").label, "clean");
  assert.equal(classifyText("I want to kill myself").label, "self_harm");
  assert.equal(classifyText("you idiot, you pathetic loser").label, "harassment");
  assert.equal(classifyText("Click here to BUY NOW!").label, "spam");
  assert.equal(classifyText("They don't belong here, vermin").label, "hate");
  for (const [label, terms] of Object.entries(LEXICON)) {
    for (const term of terms) {
      const got = classifyText(`Well, ${term}.`).label;
      // A term may also contain a higher-priority term (e.g. "kill myself"); it must never be clean.
      assert.notEqual(got, "clean", term);
      if (label === "self_harm") assert.equal(got, "self_harm", term);
    }
  }
});

test("the text to classify follows the last Text:-style marker", () => {
  assert.equal(textToClassify("Classify the text.\nText: you idiot"), "you idiot");
  assert.equal(textToClassify("no marker here"), "no marker here");
  assert.equal(textToClassify("Rules: be fair\nMessage: a\nComment: b"), "b");
});

test("labels map onto a schema's own enum values", () => {
  assert.equal(mapLabel("clean", ["SAFE", "UNSAFE"]), "SAFE");
  assert.equal(mapLabel("violence", ["SAFE", "UNSAFE"]), "UNSAFE");
  assert.equal(mapLabel("self_harm", ["ok", "self-harm", "hate"]), "self-harm");
});

const model = BUILTIN_MODELS.find((m) => m.id === "gemini-2.5-flash")!;
const settings = PROFILES.fast!().models["gemini-2.5-flash"]!;
function plan(request: Record<string, unknown>, seed = 1) {
  return planContent({
    request,
    rawBody: JSON.stringify(request),
    model,
    settings,
    seed,
    promptBlockTerms: ["BLOCKME"],
    responseBlockTerms: ["CUTME"],
  });
}

test("answers are deterministic per seed and request, and respect maxOutputTokens", () => {
  const request = {
    contents: [{ role: "user", parts: [{ text: "Tell me about load tests" }] }],
    generationConfig: { maxOutputTokens: 30, thinkingConfig: { thinkingBudget: 0 } },
  };
  const a = plan(request);
  assert.deepEqual(plan(request), a);
  assert.notDeepEqual(plan(request, 2).chunks, a.chunks);
  assert.equal(a.thoughtsTokens, 0);
  assert.ok(a.outputTokens <= 30);
  assert.equal(countTextTokens(a.chunks.join("")), a.outputTokens);
  assert.equal(a.finishReason, "MAX_TOKENS");
});

test("thinking that uses up maxOutputTokens leaves no parts; safety terms block", () => {
  const starved = plan({ contents: [{ parts: [{ text: "hi" }] }], generationConfig: { maxOutputTokens: 1 } });
  assert.equal(starved.finishReason, "MAX_TOKENS");
  assert.equal(starved.chunks.length, 0);
  assert.equal(starved.thoughtsTokens, 1);
  assert.equal(plan({ contents: [{ parts: [{ text: "please blockme now" }] }] }).blockedPrompt, true);
  const cut = plan({ contents: [{ parts: [{ text: "CUTME" }] }] });
  assert.equal(cut.finishReason, "SAFETY");
  assert.equal(cut.outputTokens, 0);
});

test("a moderation request with a schema gets the lexicon verdict in schema-conforming JSON", () => {
  const schema = {
    type: "OBJECT",
    properties: {
      verdict: { type: "STRING", enum: ["clean", "hate", "harassment", "violence", "spam", "self_harm"] },
      flagged: { type: "BOOLEAN" },
      reason: { type: "STRING" },
    },
    required: ["verdict", "flagged"],
  };
  const answer = (text: string) =>
    JSON.parse(
      plan({
        contents: [{ parts: [{ text: `Moderate this.\nText: ${text}` }] }],
        generationConfig: { responseMimeType: "application/json", responseSchema: schema },
      }).chunks.join(""),
    );
  assert.deepEqual(answer("I will stab you"), { verdict: "violence", flagged: true, reason: "Matched lexicon terms: stab." });
  assert.equal(answer("see you at lunch").verdict, "clean");
  assert.equal(answer("see you at lunch").flagged, false);
  const plain = plan({
    systemInstruction: { parts: [{ text: "You classify messages." }] },
    contents: [{ parts: [{ text: "free money, click here" }] }],
  });
  assert.equal(plain.chunks.join(""), "spam");
});

test("text/x.enum answers one of the schema's values; the legacy SDK's lower-case types fill too", () => {
  const enumPlan = plan({
    contents: [{ parts: [{ text: "pick a colour" }] }],
    generationConfig: { responseMimeType: "text/x.enum", responseSchema: { type: "STRING", enum: ["red", "green", "blue"] } },
  });
  assert.ok(["red", "green", "blue"].includes(enumPlan.chunks.join("")), enumPlan.chunks.join(""));
  const value = fillSchema(
    { type: "object", properties: { n: { type: "integer" }, s: { type: "string" } }, required: ["n", "s"] },
    new Rng(3),
  ) as Record<string, unknown>;
  assert.equal(typeof value.n, "number");
  assert.ok(Number.isInteger(value.n));
  assert.equal(typeof value.s, "string");
});
