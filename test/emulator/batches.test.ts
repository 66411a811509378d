// Batch Mode against the emulator with the official @google/genai batches module: create with inlined
// requests, get through PENDING → RUNNING → SUCCEEDED, per-request errors, list with paging, cancel,
// delete, FAILED and EXPIRED jobs, and an unknown id answered 404 NOT_FOUND; plus the raw REST shape.

import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ApiError, type BatchJob, GoogleGenAI, type InlinedRequest, JobState } from "@google/genai";
import { startEmulator, TEST_KEY, type TestEmulator } from "../helpers/emulator.ts";
import { rejectionOf, type ErrorBody } from "../helpers/conformance.ts";

const MODEL = "gemini-2.5-flash";
const FAST_BATCH = { pendingMs: 150, runMs: 300, runMsPerRequest: 5, expireMs: 48 * 3600_000 };

let emulator: TestEmulator;
let ai: GoogleGenAI;

function post(text: string, key: string): InlinedRequest {
  return { contents: text, metadata: { key } };
}

/** The answer's text: inlined responses are plain objects, without the SDK's `text` getter. */
function textOf(response: { candidates?: { content?: { parts?: { text?: string }[] } }[] } | undefined): string {
  return (response?.candidates?.[0]?.content?.parts ?? []).map((p) => p.text ?? "").join("");
}

/** Polls `get` until the job is final, returning every state seen in order (repeats collapsed). */
async function statesUntilDone(name: string, timeoutMs = 10_000): Promise<{ states: string[]; job: BatchJob }> {
  const states: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await ai.batches.get({ name });
    const state = job.state ?? "";
    if (states.at(-1) !== state) states.push(state);
    if (!["JOB_STATE_PENDING", "JOB_STATE_RUNNING"].includes(state)) return { states, job };
    assert.ok(Date.now() < deadline, `job still ${state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(async () => {
  emulator = await startEmulator({ profile: "fast" });
  // vertexai: false, so a GOOGLE_GENAI_USE_VERTEXAI in the environment cannot switch the SDK's endpoint.
  ai = new GoogleGenAI({ vertexai: false, apiKey: TEST_KEY, httpOptions: { baseUrl: emulator.url, apiVersion: "v1beta" } });
});
after(async () => {
  await emulator?.close();
});
beforeEach(async () => {
  await emulator.admin.patchConfig({ batch: FAST_BATCH, faults: { errorRates: { "500": 0, "503": 0 } } });
  await emulator.admin.reset();
});

describe("Batch Mode through @google/genai", () => {
  test("a job goes PENDING → RUNNING → SUCCEEDED and returns each request's answer, a bad request as its error", async () => {
    await emulator.admin.patchConfig({ batch: { pendingMs: 300, runMs: 600 } });
    const created = await ai.batches.create({
      model: MODEL,
      src: [
        post("Is this post allowed? 'Great game last night!'", "p1"),
        { contents: "Say hello", config: { temperature: 5 }, metadata: { key: "bad" } },
        post("Summarise the rules of chess in one line.", "p3"),
      ],
      config: { displayName: "three posts" },
    });
    assert.match(created.name ?? "", /^batches\/[a-z0-9-]+$/);
    assert.equal(created.state, JobState.JOB_STATE_PENDING);
    assert.equal(created.displayName, "three posts");
    assert.equal(created.model, `models/${MODEL}`);
    assert.ok(created.createTime && !Number.isNaN(Date.parse(created.createTime)));
    assert.equal(created.dest, undefined, "no output before the job is done");

    const { states, job } = await statesUntilDone(created.name as string);
    assert.deepEqual(states, ["JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED"]);
    assert.ok(job.endTime && Date.parse(job.endTime) >= Date.parse(job.createTime as string) + 900 - 5);
    const out = job.dest?.inlinedResponses ?? [];
    assert.equal(out.length, 3);
    assert.deepEqual(
      out.map((r) => (r.metadata as { key: string }).key),
      ["p1", "bad", "p3"],
    );
    for (const i of [0, 2]) {
      const response = out[i]?.response;
      assert.ok(textOf(response).length > 0, `answer ${i} has no text`);
      assert.ok((response?.usageMetadata?.promptTokenCount ?? 0) > 0);
      assert.equal(out[i]?.error, undefined);
    }
    assert.equal(out[1]?.response, undefined);
    assert.equal(out[1]?.error?.code, 400);
    assert.match(out[1]?.error?.message ?? "", /temperature/);
  });

  test("a request in a batch counts the same prompt tokens as the live generateContent call", async () => {
    const contents = "Explain in two sentences why the sky is blue.";
    const live = await ai.models.generateContent({ model: MODEL, contents });
    const created = await ai.batches.create({ model: MODEL, src: [{ contents }] });
    const { job } = await statesUntilDone(created.name as string);
    const answer = job.dest?.inlinedResponses?.[0]?.response;
    assert.ok(textOf(answer).length > 0);
    assert.equal(answer?.usageMetadata?.promptTokenCount, live.usageMetadata?.promptTokenCount);
  });

  test("list pages through every job, newest first", async () => {
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const job = await ai.batches.create({ model: MODEL, src: [post(`post ${i}`, `k${i}`)], config: { displayName: `job ${i}` } });
      names.push(job.name as string);
    }
    const pager = await ai.batches.list({ config: { pageSize: 2 } });
    assert.equal(pager.page.length, 2);
    const seen: string[] = [];
    for await (const job of pager) seen.push(job.name as string);
    assert.deepEqual(seen, [...names].reverse());
  });

  test("cancel ends a pending job as CANCELLED without output", async () => {
    await emulator.admin.patchConfig({ batch: { pendingMs: 60_000 } });
    const created = await ai.batches.create({ model: MODEL, src: [post("a post", "k")] });
    await ai.batches.cancel({ name: created.name as string });
    const job = await ai.batches.get({ name: created.name as string });
    assert.equal(job.state, JobState.JOB_STATE_CANCELLED);
    assert.equal(job.dest, undefined);
    assert.ok(job.endTime);
  });

  test("delete removes a job: get then answers 404 NOT_FOUND", async () => {
    const created = await ai.batches.create({ model: MODEL, src: [post("a post", "k")] });
    await ai.batches.delete({ name: created.name as string });
    const error = await rejectionOf(() => ai.batches.get({ name: created.name as string }), ApiError);
    assert.equal(error.status, 404);
    assert.equal((JSON.parse(error.message) as ErrorBody).error.status, "NOT_FOUND");
  });

  test("an unknown batch id is answered 404 NOT_FOUND in the service's error shape", async () => {
    const error = await rejectionOf(() => ai.batches.get({ name: "batches/doesnotexist123" }), ApiError);
    assert.equal(error.status, 404);
    const body = JSON.parse(error.message) as ErrorBody;
    assert.equal(body.error.code, 404);
    assert.equal(body.error.status, "NOT_FOUND");
    const cancel = await rejectionOf(() => ai.batches.cancel({ name: "batches/doesnotexist123" }), ApiError);
    assert.equal(cancel.status, 404);
  });

  test("a job whose every request fails ends FAILED, each error listed", async () => {
    await emulator.admin.patchConfig({ faults: { errorRates: { "503": 1 } } });
    const created = await ai.batches.create({ model: MODEL, src: [post("one", "a"), post("two", "b")] });
    const { job } = await statesUntilDone(created.name as string);
    assert.equal(job.state, JobState.JOB_STATE_FAILED);
    assert.deepEqual(
      job.dest?.inlinedResponses?.map((r) => r.error?.code),
      [503, 503],
    );
  });

  test("a job that cannot finish before its expiry ends EXPIRED", async () => {
    await emulator.admin.patchConfig({ batch: { pendingMs: 5000, expireMs: 200 } });
    const created = await ai.batches.create({ model: MODEL, src: [post("one", "a")] });
    const { states, job } = await statesUntilDone(created.name as string);
    assert.deepEqual(states, ["JOB_STATE_PENDING", "JOB_STATE_EXPIRED"]);
    assert.equal(job.dest, undefined);
  });

  test("the fast profile's defaults finish a small batch within seconds", async () => {
    const src = Array.from({ length: 20 }, (_, i) => post(`post number ${i}`, `k${i}`));
    const started = Date.now();
    const created = await ai.batches.create({ model: MODEL, src });
    const { job } = await statesUntilDone(created.name as string, 5000);
    assert.equal(job.state, JobState.JOB_STATE_SUCCEEDED);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  });
});

describe("Batch Mode over REST", () => {
  const headers = { "x-goog-api-key": TEST_KEY, "content-type": "application/json" };

  test("the Operation carries batchStats as strings, state in metadata, and response.inlinedResponses when done", async () => {
    await emulator.admin.patchConfig({ batch: { pendingMs: 0, runMs: 0, runMsPerRequest: 0 } });
    const body = {
      batch: {
        display_name: "rest",
        input_config: { requests: { requests: [{ request: { contents: [{ parts: [{ text: "hi" }] }] }, metadata: { key: "r1" } }] } },
      },
    };
    const created = await fetch(`${emulator.url}/v1beta/models/${MODEL}:batchGenerateContent`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    assert.equal(created.status, 200);
    const op = (await created.json()) as { name: string };
    const got = await fetch(`${emulator.url}/v1beta/${op.name}`, { headers });
    const job = (await got.json()) as {
      done?: boolean;
      metadata: { state: string; displayName: string; batchStats: Record<string, string> };
      response: { inlinedResponses: { inlinedResponses: { metadata: unknown; response: unknown }[] } };
    };
    assert.equal(job.done, true);
    assert.equal(job.metadata.state, "BATCH_STATE_SUCCEEDED");
    assert.equal(job.metadata.displayName, "rest");
    assert.deepEqual(job.metadata.batchStats, { requestCount: "1", successfulRequestCount: "1" });
    assert.deepEqual(job.response.inlinedResponses.inlinedResponses[0]?.metadata, { key: "r1" });
    const stats = await emulator.admin.stats();
    assert.equal(stats.requests.byMethod.batchGenerateContent, 1);
    assert.equal(stats.requests.byMethod["batches.get"], 1);
  });

  test("a create without requests, on an embedding model, or without a key is refused as the service does", async () => {
    const url = `${emulator.url}/v1beta/models/${MODEL}:batchGenerateContent`;
    const empty = await fetch(url, { method: "POST", headers, body: JSON.stringify({ batch: { input_config: { requests: {} } } }) });
    assert.equal(empty.status, 400);
    assert.equal(((await empty.json()) as ErrorBody).error.status, "INVALID_ARGUMENT");
    const embed = await fetch(`${emulator.url}/v1beta/models/gemini-embedding-001:batchGenerateContent`, {
      method: "POST",
      headers,
      body: "{}",
    });
    assert.equal(embed.status, 404);
    const noKey = await fetch(`${emulator.url}/v1beta/batches`);
    assert.equal(noKey.status, 403);
    const wrongVerb = await fetch(`${emulator.url}/v1beta/batches`, { method: "DELETE", headers });
    assert.equal(wrongVerb.status, 404);
  });

  test("a bad batch setting is refused with the field's name", async () => {
    await assert.rejects(emulator.admin.patchConfig({ batch: { pendingMs: -1 } }), /batch\.pendingMs/);
  });
});
