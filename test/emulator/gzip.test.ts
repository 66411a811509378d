// Non-streamed generateContent answers come gzipped to clients that ask, as in every such recording;
// streams and everything else stay plain.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { acceptsGzip } from "../../emulator/src/compression.ts";
import { startEmulator, TEST_KEY, type TestEmulator } from "../helpers/emulator.ts";

let emu: TestEmulator;
before(async () => {
  emu = await startEmulator({ profile: "zero-latency" });
});
after(() => emu.close());

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
}

/** A POST through node:http, which (unlike fetch) neither adds Accept-Encoding nor decompresses. */
function post(path: string, body: unknown, acceptEncoding?: string): Promise<RawAnswer> {
  const headers: Record<string, string> = { "content-type": "application/json", "x-goog-api-key": TEST_KEY };
  if (acceptEncoding !== undefined) headers["accept-encoding"] = acceptEncoding;
  const url = new URL(path, emu.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

const GENERATE = "/v1beta/models/gemini-2.5-flash:generateContent";
const ask = { contents: [{ role: "user", parts: [{ text: "Write a few sentences about load testing." }] }] };

test("Accept-Encoding is read as HTTP defines it", () => {
  assert.equal(acceptsGzip(undefined), false);
  assert.equal(acceptsGzip("gzip, deflate"), true);
  assert.equal(acceptsGzip("deflate, br"), false);
  assert.equal(acceptsGzip("GZIP;q=0.5"), true);
  assert.equal(acceptsGzip("gzip;q=0"), false);
  assert.equal(acceptsGzip("*"), true);
  assert.equal(acceptsGzip("*;q=0"), false);
  assert.equal(acceptsGzip("*, gzip;q=0"), false, "an explicit gzip entry wins over *");
  assert.equal(acceptsGzip(["br", "gzip"]), true);
});

test("a non-streamed answer is gzipped when the client accepts it, with the compressed length", async () => {
  const zipped = await post(GENERATE, ask, "gzip, deflate");
  assert.equal(zipped.status, 200);
  assert.equal(zipped.headers["content-encoding"], "gzip");
  assert.equal(Number(zipped.headers["content-length"]), zipped.bytes.length);
  assert.equal(zipped.headers["content-type"], "application/json; charset=UTF-8");
  const answer = JSON.parse(gunzipSync(zipped.bytes).toString("utf8")) as {
    candidates: unknown[];
    usageMetadata: { totalTokenCount: number };
  };
  assert.ok(answer.candidates.length > 0 && answer.usageMetadata.totalTokenCount > 0);

  const plain = await post(GENERATE, ask);
  assert.equal(plain.headers["content-encoding"], undefined);
  const plainAnswer = JSON.parse(plain.bytes.toString("utf8")) as { candidates: unknown[]; responseId: string };
  // The same request gets the same answer either way, apart from its id.
  assert.deepEqual({ ...answer, responseId: "" }, { ...plainAnswer, responseId: "" });
  assert.ok(zipped.bytes.length < plain.bytes.length, "compressed is smaller");
});

test("refused gzip, streams and other answers are sent plain", async () => {
  assert.equal((await post(GENERATE, ask, "gzip;q=0")).headers["content-encoding"], undefined);
  const sse = await post("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", ask, "gzip, deflate");
  assert.equal(sse.status, 200);
  assert.equal(sse.headers["content-encoding"], undefined);
  assert.match(sse.bytes.toString("utf8"), /^data: \{/);
  const array = await post("/v1beta/models/gemini-2.5-flash:streamGenerateContent", ask, "gzip, deflate");
  assert.equal(array.headers["content-encoding"], undefined);
  const counted = await post("/v1beta/models/gemini-2.5-flash:countTokens", ask, "gzip, deflate");
  assert.equal(counted.headers["content-encoding"], undefined);
  const refused = await post(GENERATE, { contents: [] }, "gzip, deflate");
  assert.equal(refused.status, 400);
  assert.equal(refused.headers["content-encoding"], undefined);
});
