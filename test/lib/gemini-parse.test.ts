// Unit tests for lib/gemini-parse.ts against real recorded chunks (/work/shared/gemini-api/recordings/).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  foldChunks,
  InvalidResponseError,
  isBlocked,
  parseErrorBody,
  parseGenerateContentBody,
  parseJsonArrayBody,
  parseSseBody,
  parseSseGeneration,
  plainChunkText,
} from "../../lib/gemini-parse.ts";
import type { GenerateContentResponse } from "../../lib/gemini-types.ts";

const RECORDINGS = "/work/shared/gemini-api/recordings";

interface Recording {
  interactions: Array<{ request: { url: string }; response: { statusCode: number; bodySegments: GenerateContentResponse[] } }>;
}

function recordedStreams(): Array<{ file: string; segments: GenerateContentResponse[] }> {
  const streams: Array<{ file: string; segments: GenerateContentResponse[] }> = [];
  for (const file of readdirSync(RECORDINGS).filter((f) => f.endsWith(".json"))) {
    const recording = JSON.parse(readFileSync(join(RECORDINGS, file), "utf8")) as Recording;
    for (const interaction of recording.interactions) {
      if (interaction.request.url.includes(":streamGenerateContent") && interaction.response.statusCode === 200) {
        streams.push({ file, segments: interaction.response.bodySegments });
      }
    }
  }
  return streams;
}

/** Frames segments exactly as the service does: `data: <one-line JSON>` and CRLF CRLF. */
const sse = (segments: unknown[]) => segments.map((s) => `data: ${JSON.stringify(s)}\r\n\r\n`).join("");

const visibleText = (segments: GenerateContentResponse[]) =>
  segments.map((s) => (s.candidates?.[0]?.content?.parts ?? []).filter((p) => !p.thought).map((p) => p.text ?? "").join("")).join("");

test("every recorded SSE stream parses back into its chunks and folds into its text and final usage", () => {
  const streams = recordedStreams();
  assert.ok(streams.length >= 5, `expected recorded streams, found ${streams.length}`);
  for (const { file, segments } of streams) {
    const { chunks, streamError } = parseSseBody(sse(segments));
    assert.equal(streamError, undefined, file);
    assert.deepEqual(chunks, segments, file);
    const result = foldChunks(chunks);
    assert.equal(result.text, visibleText(segments), file);
    assert.equal(result.chunks, segments.length);
    const lastUsage = [...segments].reverse().find((s) => s.usageMetadata)?.usageMetadata;
    assert.equal(result.usage.promptTokenCount, lastUsage?.promptTokenCount ?? 0, file);
    assert.equal(result.usage.candidatesTokenCount, lastUsage?.candidatesTokenCount ?? 0, file);
  }
});

test("the 11-chunk 2.0 stream: prompt counts in middle chunks, candidates only in the last, finishReason STOP", () => {
  const recording = JSON.parse(readFileSync(join(RECORDINGS, "Chats_Tests_sendMessage_Google_AI_with_text_stream.json"), "utf8")) as Recording;
  const segments = recording.interactions[0]?.response.bodySegments ?? [];
  const result = foldChunks(parseSseBody(sse(segments)).chunks);
  assert.equal(result.chunks, 11);
  assert.equal(result.finishReason, "STOP");
  assert.ok(result.text.startsWith("The sky is blue"), result.text.slice(0, 40));
  assert.ok(result.usage.candidatesTokenCount > 0);
});

test("LF-only framing and data: without a space are read too", () => {
  const body = `data:{"candidates":[{"content":{"parts":[{"text":"a"}]}}]}\n\ndata: {"candidates":[{"content":{"parts":[{"text":"b"}]},"finishReason":"STOP"}]}\n\n`;
  assert.equal(foldChunks(parseSseBody(body).chunks).text, "ab");
  // One event may spread its JSON over several data: lines, with other fields around them.
  const multiLine = 'event: message\r\ndata: {"candidates":[{"content":\r\ndata: {"parts":[{"text":"c"}]}}]}\r\n\r\n';
  assert.equal(foldChunks(parseSseBody(multiLine).chunks).text, "c");
});

test("an error appended after the stream started is returned, not thrown", () => {
  const error = { error: { code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" } };
  const body = sse([{ candidates: [{ content: { parts: [{ text: "par" }] } }] }]) + JSON.stringify(error, null, 2) + "\n";
  const { chunks, streamError } = parseSseBody(body);
  assert.equal(chunks.length, 1);
  assert.equal(streamError?.code, 503);
  assert.equal(streamError?.status, "UNAVAILABLE");
});

test("garbage is an InvalidResponseError, never a silent empty result", () => {
  assert.throws(() => parseSseBody("data: {not json}\r\n\r\n"), InvalidResponseError);
  assert.throws(() => parseSseBody("hello there"), InvalidResponseError);
  assert.throws(() => parseSseBody("data: [1,2]\r\n\r\n"), InvalidResponseError);
  assert.throws(() => parseGenerateContentBody("<html>"), InvalidResponseError);
  assert.throws(() => parseJsonArrayBody('{"candidates":[]}'), InvalidResponseError);
});

test("a JSON-array stream (no alt=sse) folds like SSE", () => {
  const segments = recordedStreams()[0]?.segments ?? [];
  assert.deepEqual(parseJsonArrayBody(JSON.stringify(segments)), segments);
});

test("thought parts are counted apart: kept out of the text, their tokens read from thoughtsTokenCount", () => {
  const result = foldChunks([
    { candidates: [{ content: { parts: [{ text: "pondering", thought: true }] } }], usageMetadata: { promptTokenCount: 9, thoughtsTokenCount: 40 } },
    { candidates: [{ content: { parts: [{ text: '{"verdict":"clean"}' }] }, finishReason: "STOP" }], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 6, thoughtsTokenCount: 40 } },
  ]);
  assert.equal(result.text, '{"verdict":"clean"}');
  assert.deepEqual(result.usage, { promptTokenCount: 9, candidatesTokenCount: 6, thoughtsTokenCount: 40 });
});

test("a blocked prompt (no candidates, blockReason) and a SAFETY finish both count as blocked", () => {
  const prompt = foldChunks([parseGenerateContentBody('{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":5}}')]);
  assert.equal(isBlocked(prompt), true);
  assert.equal(prompt.text, "");
  assert.equal(isBlocked(foldChunks([{ candidates: [{ finishReason: "SAFETY" }] }])), true);
  assert.equal(isBlocked(foldChunks([{ candidates: [{ finishReason: "STOP" }] }])), false);
});

test("error envelopes are read; anything else is undefined", () => {
  const body = JSON.stringify({ error: { code: 429, message: "You exceeded your current quota", status: "RESOURCE_EXHAUSTED", details: [] } }, null, 2);
  assert.equal(parseErrorBody(body)?.code, 429);
  assert.equal(parseErrorBody("oops"), undefined);
  assert.equal(parseErrorBody(""), undefined);
  assert.equal(parseErrorBody('{"error":"x"}'), undefined);
});

test("the fast generation reader agrees with the exact fold on every recording and on awkward streams", () => {
  const error = { error: { code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" } };
  const awkward: string[] = [
    // escapes, unicode and a quote-heavy JSON verdict split over chunks
    sse([
      { candidates: [{ content: { parts: [{ text: '{"verdict":"sp' }] } }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, thoughtsTokenCount: 9 } },
      { candidates: [{ content: { parts: [{ text: 'am","reason":"says \\"free\\" 🔥 \\\\ ünï"}' }] } }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 5 } },
      { candidates: [{ content: { parts: [{ text: "" }] }, finishReason: "STOP" }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 9, thoughtsTokenCount: 9 } },
    ]),
    // a thought part and a two-part chunk take the full path
    sse([
      { candidates: [{ content: { parts: [{ text: "hmm", thought: true }] } }] },
      { candidates: [{ content: { parts: [{ text: "a" }, { text: "b" }] } }] },
      { candidates: [{ content: { parts: [{ text: "c" }] }, finishReason: "STOP" }] },
    ]),
    // a text that itself contains "text":" escaped, and a chunk with a text key in odd places
    sse([{ candidates: [{ content: { parts: [{ text: 'x "text":"y' }] } }] }, { candidates: [{ content: { parts: [{ text: "z" }] } }] }]),
    // blocked prompt as the only chunk
    sse([{ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 4 } }]),
    // an error after the stream started, unframed, and one framed as data
    sse([{ candidates: [{ content: { parts: [{ text: "par" }] } }] }]) + JSON.stringify(error, null, 2) + "\n",
    sse([{ candidates: [{ content: { parts: [{ text: "par" }] } }] }, error]),
    // LF framing, and an empty body
    `data: {"candidates":[{"content":{"parts":[{"text":"l"}]}}]}\n\ndata: {"candidates":[{"content":{"parts":[{"text":"f"}]},"finishReason":"STOP"}]}\n\n`,
    "",
  ];
  const bodies = [...recordedStreams().map(({ segments }) => sse(segments)), ...awkward];
  for (const body of bodies) {
    const exact = parseSseBody(body);
    assert.deepEqual(parseSseGeneration(body), foldChunks(exact.chunks, exact.streamError), body.slice(0, 120));
  }
  assert.equal(parseSseGeneration(awkward[0] ?? "").text, '{"verdict":"spam","reason":"says \\"free\\" 🔥 \\\\ ünï"}');
  assert.equal(parseSseGeneration(awkward[1] ?? "").text, "abc");
});

test("plainChunkText reads only the plain shape and declines everything else", () => {
  assert.equal(plainChunkText('{"candidates":[{"content":{"parts":[{"text":"a \\"q\\" \\\\"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":1}}'), 'a "q" \\');
  assert.equal(plainChunkText('{"candidates":[{"content":{"parts":[{"text":"x","thought":true}]}}]}'), undefined);
  assert.equal(plainChunkText('{"candidates":[{"content":{"parts":[{"text":"x"},{"text":"y"}]}}]}'), undefined);
  assert.equal(plainChunkText('{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}]}'), undefined);
  assert.equal(plainChunkText('{"promptFeedback":{"blockReason":"SAFETY"}}'), undefined);
  assert.equal(plainChunkText('{"error":{"code":500}}'), undefined);
  assert.equal(plainChunkText('{"candidates":[{"content":{"parts":[{"text": "spaced"}]}}]}'), undefined);
  assert.equal(plainChunkText('{"candidates":[{"content":{"parts":[{"text":"unterminated'), undefined);
});
