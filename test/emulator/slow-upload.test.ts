// Slow or abandoned uploads: the request timeout closes them, and they never count as API samples.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { startEmulator, postJson, TEST_KEY, type EmulatorStats, type TestEmulator } from "../helpers/emulator.ts";
import { rawExchange } from "../helpers/raw-http.ts";

const MODEL = "gemini-2.5-flash";
let emu: TestEmulator;
let port: number;

before(async () => {
  emu = await startEmulator({
    requestTimeoutMs: 1000,
    // The answer itself takes longer than the request timeout: the timeout must not cut it.
    config: { models: { [MODEL]: { ttftMedianMs: 1300, ttftP95Ms: 1300, tokensPerSecond: 0, slots: 0 } } },
  });
  port = Number(new URL(emu.url).port);
});
after(() => emu.close());

/** Headers announcing 1,000 bytes of body, then only the first few. */
function stalledUpload(): Buffer {
  return Buffer.from(
    `POST /v1beta/models/${MODEL}:generateContent HTTP/1.1\r\nHost: x\r\nx-goog-api-key: ${TEST_KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"con`,
  );
}

/** Stats once no request is in flight any more (the server sees a close a moment after the client). */
async function settledStats(): Promise<EmulatorStats> {
  for (let i = 0; i < 50; i++) {
    const stats = await emu.admin.stats();
    if (stats.concurrency.current === 0) return stats;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return emu.admin.stats();
}

test("stalled uploads are closed with 408 after the request timeout, and are not recorded as samples", async () => {
  await emu.admin.reset();
  const started = performance.now();
  const uploads = Array.from({ length: 5 }, () => rawExchange(port, stalledUpload(), { timeoutMs: 5000 }));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal((await emu.admin.stats()).concurrency.current, 5, "the uploads are in flight");
  const results = await Promise.all(uploads);
  const elapsed = performance.now() - started;
  for (const r of results) {
    assert.equal(r.timedOut, false, "the server must close the connection");
    assert.equal(r.status, 408);
  }
  assert.ok(elapsed < 3000, `closed after ${Math.round(elapsed)} ms`);
  const stats = await settledStats();
  assert.equal(stats.concurrency.current, 0);
  assert.equal(stats.abortedUploads, 5);
  assert.equal(stats.requests.total, 0);
  assert.deepEqual(await emu.admin.samples(), []);
});

test("a client that leaves mid-upload is counted apart too", async () => {
  await emu.admin.reset();
  const socket: Socket = connect({ port, host: "127.0.0.1" });
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.write(stalledUpload());
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.destroy();
  const stats = await settledStats();
  assert.equal(stats.abortedUploads, 1);
  assert.equal(stats.requests.total, 0);
  assert.equal(stats.concurrency.current, 0);
});

test("answers that take longer than the request timeout still complete, streamed or not", async () => {
  await emu.admin.reset();
  const body = { contents: [{ parts: [{ text: "hello" }] }], generationConfig: { maxOutputTokens: 50 } };
  const [whole, streamed] = await Promise.all([
    postJson(emu.url, `/v1beta/models/${MODEL}:generateContent`, body),
    postJson(emu.url, `/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, body),
  ]);
  assert.equal(whole.status, 200);
  assert.equal(streamed.status, 200);
  assert.match(streamed.text, /finishReason/);
  const stats = await emu.admin.stats();
  assert.deepEqual(stats.requests.byStatus, { "200": 2 });
  assert.ok(stats.totalMs.min >= 1000, `fastest answer ${stats.totalMs.min} ms`);
});
