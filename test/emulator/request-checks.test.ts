// Request checks answered as the service does: prompts over the input limit, unknown fields inside map
// values, lists for singular fields, int32 ranges, out-of-range number literals, bad page tokens.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator, postJson, TEST_KEY, type TestEmulator } from "../helpers/emulator.ts";

let emu: TestEmulator;
before(async () => {
  emu = await startEmulator({ profile: "zero-latency" });
});
after(() => emu.close());

interface ErrorBody {
  error: {
    code: number;
    message: string;
    status: string;
    details?: Array<{ fieldViolations?: Array<{ field?: string; description: string }> }>;
  };
}

const generatePath = "/v1beta/models/gemini-2.5-flash:generateContent";

function withConfig(generationConfig: Record<string, unknown>): Record<string, unknown> {
  return { contents: [{ parts: [{ text: "hi" }] }], generationConfig };
}

test("a prompt over inputTokenLimit is refused with 400, every time, while countTokens still counts it", async () => {
  // 1,100,000 words of one token each: over gemini-2.5-flash's 1,048,576.
  const text = "word ".repeat(1_100_000);
  const body = { contents: [{ parts: [{ text }] }] };
  for (let attempt = 0; attempt < 2; attempt++) {
    const response = await postJson(emu.url, generatePath, body);
    assert.equal(response.status, 400, `attempt ${attempt}`);
    assert.deepEqual(response.json, {
      error: {
        code: 400,
        message: "The input token count (1100000) exceeds the maximum number of tokens allowed (1048576).",
        status: "INVALID_ARGUMENT",
      },
    });
  }
  const counted = await postJson(emu.url, "/v1beta/models/gemini-2.5-flash:countTokens", body);
  assert.equal(counted.status, 200);
  assert.equal((counted.json as { totalTokens: number }).totalTokens, 1_100_000);
});

test("an unknown field inside a map value is located by the entry's position", async () => {
  const schema = {
    type: "OBJECT",
    properties: { a: { type: "STRING" }, b: { type: "STRING" }, c: { type: "STRING" }, d: { type: "STRING", bogus: 1 } },
  };
  const response = await postJson(emu.url, generatePath, withConfig({ responseMimeType: "application/json", responseSchema: schema }));
  assert.equal(response.status, 400);
  const body = response.json as ErrorBody;
  assert.equal(
    body.error.message,
    `Invalid JSON payload received. Unknown name "bogus" at 'generation_config.response_schema.properties[3].value': Cannot find field.`,
  );
});

test("a list for a singular field: Unknown name … Proto field is not repeating, cannot start list", async () => {
  const schema = { type: "OBJECT", properties: { a: { type: ["STRING", "NULL"] } } };
  const response = await postJson(emu.url, generatePath, withConfig({ responseMimeType: "application/json", responseSchema: schema }));
  assert.equal(response.status, 400);
  const body = response.json as ErrorBody;
  const where = "generation_config.response_schema.properties[0].value";
  assert.equal(
    body.error.message,
    `Invalid JSON payload received. Unknown name "type" at '${where}': Proto field is not repeating, cannot start list.`,
  );
  assert.deepEqual(body.error.details?.[0]?.fieldViolations, [{ field: where, description: body.error.message }]);
});

test("int32 settings outside [-2^31, 2^31-1] are refused as TYPE_INT32, as numbers and as strings", async () => {
  for (const [name, snake] of [
    ["topK", "top_k"],
    ["seed", "seed"],
    ["logprobs", "logprobs"],
    ["candidateCount", "candidate_count"],
  ]) {
    for (const value of [2 ** 31, -(2 ** 31) - 1, 2 ** 53, "2147483648"]) {
      const response = await postJson(emu.url, generatePath, withConfig({ [name as string]: value }));
      assert.equal(response.status, 400, `${name} = ${value}`);
      const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
      assert.equal((response.json as ErrorBody).error.message, `Invalid value at 'generation_config.${snake}' (TYPE_INT32), ${shown}`);
    }
  }
  // The bounds themselves pass the type check.
  const seed = await postJson(emu.url, generatePath, withConfig({ seed: 2 ** 31 - 1 }));
  assert.equal(seed.status, 200);
  const negative = await postJson(emu.url, generatePath, withConfig({ seed: "-2147483648" }));
  assert.equal(negative.status, 200);
});

test("an out-of-range number literal is shown as sent", async () => {
  const raw = `{"contents":[{"parts":[{"text":"1e400"}]}],"generationConfig":{"temperature":1e400}}`;
  const response = await postJson(emu.url, generatePath, raw);
  assert.equal(response.status, 400);
  assert.equal((response.json as ErrorBody).error.message, "Invalid value at 'generation_config.temperature' (TYPE_FLOAT), 1e400");
  const negative = await postJson(emu.url, generatePath, raw.replace(":1e400}", ":-2E+999}"));
  assert.equal((negative.json as ErrorBody).error.message, "Invalid value at 'generation_config.temperature' (TYPE_FLOAT), -2E+999");
});

test("models.list refuses a page token it did not issue, and follows the ones it did", async () => {
  const list = async (query: string) => {
    const response = await fetch(`${emu.url}/v1beta/models?${query}`, { headers: { "x-goog-api-key": TEST_KEY } });
    return {
      status: response.status,
      body: (await response.json()) as { models?: Array<{ name: string }>; nextPageToken?: string } & Partial<ErrorBody>,
    };
  };
  for (const token of [
    Buffer.from("-5").toString("base64url"),
    "not a token",
    Buffer.from("99999").toString("base64url"),
    Buffer.from("1x").toString("base64url"),
  ]) {
    const { status, body } = await list(`pageSize=2&pageToken=${encodeURIComponent(token)}`);
    assert.equal(status, 400, `token ${token}`);
    assert.equal(body.error?.status, "INVALID_ARGUMENT");
  }
  const first = await list("pageSize=2");
  assert.ok(first.body.nextPageToken);
  const second = await list(`pageSize=2&pageToken=${first.body.nextPageToken}`);
  assert.equal(second.status, 200);
  assert.notEqual(second.body.models?.[0]?.name, first.body.models?.[0]?.name);
});
