// Unit tests for lib/gemini-parse.ts against real recorded chunks (test/fixtures/gemini-api/recordings.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  foldChunks,
  InvalidResponseError,
  isBlocked,
  parseErrorBody,
  parseGenerateContentBody,
  parseJsonArrayBody,
  parseSseBody,
  parseSseGeneration,
  readPlainSse,
} from "../../lib/gemini-parse.ts";
import type { GenerateContentResponse } from "../../lib/gemini-types.ts";
import { loadRecordings } from "../helpers/recordings.ts";

/** Every successful recorded stream, named by its recording and position. */
function recordedStreams(): Array<{ file: string; segments: GenerateContentResponse[] }> {
  return loadRecordings()
    .filter((interaction) => interaction.url.includes(":streamGenerateContent") && interaction.status === 200)
    .map((interaction) => ({
      file: `${interaction.recording} #${interaction.index}`,
      segments: interaction.bodySegments as GenerateContentResponse[],
    }));
}

/** Frames segments exactly as the service does: `data: <one-line JSON>` and CRLF CRLF. */
const sse = (segments: unknown[]) => segments.map((s) => `data: ${JSON.stringify(s)}\r\n\r\n`).join("");

const visibleText = (segments: GenerateContentResponse[]) =>
  segments
    .map((s) =>
      (s.candidates?.[0]?.content?.parts ?? [])
        .filter((p) => !p.thought)
        .map((p) => p.text ?? "")
        .join(""),
    )
    .join("");

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
  const recorded = loadRecordings().find((i) => i.recording === "Chats_Tests_sendMessage_Google_AI_with_text_stream" && i.index === 0);
  assert.ok(recorded, "the recording Chats_Tests_sendMessage_Google_AI_with_text_stream is in the fixture");
  const segments = recorded.bodySegments as GenerateContentResponse[];
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
    {
      candidates: [{ content: { parts: [{ text: "pondering", thought: true }] } }],
      usageMetadata: { promptTokenCount: 9, thoughtsTokenCount: 40 },
    },
    {
      candidates: [{ content: { parts: [{ text: '{"verdict":"clean"}' }] }, finishReason: "STOP" }],
      usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 6, thoughtsTokenCount: 40 },
    },
  ]);
  assert.equal(result.text, '{"verdict":"clean"}');
  assert.deepEqual(result.usage, { promptTokenCount: 9, candidatesTokenCount: 6, thoughtsTokenCount: 40 });
});

test("a blocked prompt (no candidates, blockReason) and a SAFETY finish both count as blocked", () => {
  const prompt = foldChunks([
    parseGenerateContentBody('{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":5}}'),
  ]);
  assert.equal(isBlocked(prompt), true);
  assert.equal(prompt.text, "");
  assert.equal(isBlocked(foldChunks([{ candidates: [{ finishReason: "SAFETY" }] }])), true);
  assert.equal(isBlocked(foldChunks([{ candidates: [{ finishReason: "STOP" }] }])), false);
});

test("error envelopes are read; anything else is undefined", () => {
  const body = JSON.stringify(
    { error: { code: 429, message: "You exceeded your current quota", status: "RESOURCE_EXHAUSTED", details: [] } },
    null,
    2,
  );
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
      {
        candidates: [{ content: { parts: [{ text: '{"verdict":"sp' }] } }],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, thoughtsTokenCount: 9 },
      },
      {
        candidates: [{ content: { parts: [{ text: 'am","reason":"says \\"free\\" 🔥 \\\\ ünï"}' }] } }],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 5 },
      },
      {
        candidates: [{ content: { parts: [{ text: "" }] }, finishReason: "STOP" }],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 9, thoughtsTokenCount: 9 },
      },
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

/** Serializes like the real service's SSE chunks: a space after each colon, none after commas. */
function spacedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(spacedJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.entries(value)
      .map(([key, field]) => `${JSON.stringify(key)}: ${spacedJson(field)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}
const spacedSse = (segments: unknown[]) => segments.map((s) => `data: ${spacedJson(s)}\r\n\r\n`).join("");

// A moderation answer exactly as the emulator streams it (zero-latency profile).
const EMULATOR_STREAM =
  'data: {"candidates":[{"content":{"parts":[{"text":"{\\"verdict"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":182,"candidatesTokenCount":4,"totalTokenCount":382,"promptTokensDetails":[{"modality":"TEXT","tokenCount":182}],"thoughtsTokenCount":196},"modelVersion":"gemini-2.5-flash","responseId":"ejDwh1LImFjEoeSVagxMmqG"}\r\n\r\n' +
  'data: {"candidates":[{"content":{"parts":[{"text":"\\":\\"clean\\",\\"confidence\\":0.9,\\"reason\\":\\"No"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":182,"candidatesTokenCount":28,"totalTokenCount":406,"promptTokensDetails":[{"modality":"TEXT","tokenCount":182}],"thoughtsTokenCount":196},"modelVersion":"gemini-2.5-flash","responseId":"ejDwh1LImFjEoeSVagxMmqG"}\r\n\r\n' +
  'data: {"candidates":[{"content":{"parts":[{"text":" lexicon terms matched.\\"}"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":182,"candidatesTokenCount":37,"totalTokenCount":415,"promptTokensDetails":[{"modality":"TEXT","tokenCount":182}],"thoughtsTokenCount":196},"modelVersion":"gemini-2.5-flash","responseId":"ejDwh1LImFjEoeSVagxMmqG"}\r\n\r\n';

test("the plain-stream reader reads an emulator moderation stream without the full parse", () => {
  const expected = {
    text: '{"verdict":"clean","confidence":0.9,"reason":"No lexicon terms matched."}',
    chunks: 3,
    usage: { promptTokenCount: 182, candidatesTokenCount: 37, thoughtsTokenCount: 196 },
    finishReason: "STOP",
    firstChunkTokens: 4,
  };
  assert.deepEqual(readPlainSse(EMULATOR_STREAM), expected);
  const exact = parseSseBody(EMULATOR_STREAM);
  assert.deepEqual(foldChunks(exact.chunks, exact.streamError), expected);
});

test("the plain-stream reader agrees with the exact fold on every recording, compact or spaced, and takes the plain ones", () => {
  let plain = 0;
  for (const { file, segments } of recordedStreams()) {
    for (const body of [sse(segments), spacedSse(segments)]) {
      const exact = parseSseBody(body);
      const folded = foldChunks(exact.chunks, exact.streamError);
      const fast = readPlainSse(body);
      if (fast !== undefined) {
        plain++;
        assert.deepEqual(fast, folded, file);
      }
      assert.deepEqual(parseSseGeneration(body), folded, file);
    }
  }
  assert.ok(plain >= 10, `expected the plain reader to take most recorded streams, took ${plain}`);
});

test("the first chunk's token count is its own, never a later chunk's: absent when the first chunk has no usage", () => {
  const text = (t: string) => ({ candidates: [{ content: { parts: [{ text: t }] } }] });
  const laterOnly = sse([text("a"), { ...text("b"), usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 9 } }]);
  assert.equal(readPlainSse(laterOnly)?.firstChunkTokens, undefined);
  assert.equal(readPlainSse(laterOnly)?.usage.candidatesTokenCount, 9);
  const exact = parseSseBody(laterOnly);
  assert.equal(foldChunks(exact.chunks).firstChunkTokens, undefined);
  const both = sse([
    { ...text("a"), usageMetadata: { candidatesTokenCount: 2 } },
    { ...text("b"), usageMetadata: { candidatesTokenCount: 9 } },
  ]);
  assert.equal(readPlainSse(both)?.firstChunkTokens, 2);
  assert.equal(parseSseGeneration(both).firstChunkTokens, 2);
  assert.equal(readPlainSse(both)?.firstChunkTextLength, undefined, "with a count, no estimate is needed");
});

test("without a count in the first chunk, its visible text length is kept, escapes decoded and thoughts left out", () => {
  const last = {
    candidates: [{ content: { parts: [{ text: " and the rest of the answer" }] } }],
    usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 9 },
  };
  const plain = sse([{ candidates: [{ content: { parts: [{ text: 'say "hi"' }] } }], usageMetadata: { promptTokenCount: 3 } }, last]);
  assert.equal(readPlainSse(plain)?.firstChunkTextLength, 8);
  assert.deepEqual(readPlainSse(plain), foldChunks(parseSseBody(plain).chunks));
  const withThought = sse([{ candidates: [{ content: { parts: [{ text: "thinking…", thought: true }, { text: "Yes" }] } }] }, last]);
  assert.equal(readPlainSse(withThought), undefined, "thought parts take the exact path");
  assert.equal(parseSseGeneration(withThought).firstChunkTextLength, 3);
});

test("usage comes from the last chunk that carries it, also when the final chunk has none", () => {
  const body = sse([
    {
      candidates: [{ content: { parts: [{ text: "a" }] } }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, thoughtsTokenCount: 7 },
    },
    { candidates: [{ content: { parts: [{ text: "b" }] }, finishReason: "STOP" }] },
  ]);
  const exact = parseSseBody(body);
  const folded = foldChunks(exact.chunks);
  assert.deepEqual(folded.usage, { promptTokenCount: 5, candidatesTokenCount: 1, thoughtsTokenCount: 7 });
  assert.deepEqual(readPlainSse(body), folded);
  assert.deepEqual(parseSseGeneration(body), folded);
});

test("the plain-stream reader declines every other shape, and garbage still fails as an InvalidResponseError", () => {
  const chunk = (value: unknown) => `data: ${JSON.stringify(value)}\r\n\r\n`;
  const declined = [
    chunk({ candidates: [{ content: { parts: [{ text: "x", thought: true }] } }] }),
    chunk({ candidates: [{ content: { parts: [{ thought: true, text: "x" }] } }] }),
    chunk({ candidates: [{ content: { parts: [{ text: "x" }, { text: "y" }] } }] }),
    chunk({ candidates: [{ content: { parts: [{ text: "x" }] } }, { content: { parts: [{ text: "y" }] }, finishReason: "STOP" }] }),
    chunk({ candidates: [{ content: { parts: [{ text: "x" }] } }], promptFeedback: { blockReason: "SAFETY" } }),
    chunk({ promptFeedback: { blockReason: "SAFETY" } }),
    chunk({ candidates: [{ content: { role: "model" }, finishReason: "MAX_TOKENS", index: 0 }] }),
    chunk({ candidates: [{ content: { parts: [{ text: "x" }] } }], usageMetadata: null }),
    chunk({ candidates: [{ content: { parts: [{ text: "x" }] } }], usageMetadata: { promptTokenCount: "many" } }),
    chunk({ error: { code: 500, message: "m", status: "INTERNAL" } }),
    chunk({ candidates: [{ content: { parts: [{ text: "par" }] } }] }) + '{\n  "error": {\n    "code": 503\n  }\n}\n',
    'data:{"candidates":[{"content":{"parts":[{"text":"no space"}]}}]}\r\n\r\n',
    'event: message\r\ndata: {"candidates":[{"content":{"parts":[{"text":"c"}]}}]}\r\n\r\n',
    'data: {"candidates":[{"content":{"parts":[{"text":"unterminated',
    'data: {"candidates":[{"content":{"parts":[{"text":"x"}]}}]}garbage\r\n\r\n',
    'data: {"candidates":[{"content":{"parts":[{"text":"raw "quote"}]}}]}\r\n\r\n',
    "hello there",
    "",
  ];
  for (const body of declined) assert.equal(readPlainSse(body), undefined, body);
  assert.throws(() => parseSseGeneration('data: {"candidates":[{"content":{"parts":[{"text":"unterminated'), InvalidResponseError);
  assert.throws(
    () => parseSseGeneration('data: {"candidates":[{"content":{"parts":[{"text":"raw "quote"}]}}]}\r\n\r\n'),
    InvalidResponseError,
  );
  assert.throws(() => parseSseGeneration("hello there"), InvalidResponseError);
  assert.throws(() => parseSseGeneration("data: {not json}\r\n\r\n"), InvalidResponseError);
});

test("escapes, unicode and empty parts survive the plain-stream reader", () => {
  const segments = [
    { candidates: [{ content: { parts: [{ text: 'a \\"q\\" \\\\' }] } }] },
    { candidates: [{ content: { parts: [{ text: "" }] } }] },
    { candidates: [{ content: { parts: [{ text: "ends with a backslash \\" }] } }] },
    { candidates: [{ content: { parts: [{ text: '"}] looks like the end "}]' }] } }] },
    {
      candidates: [{ content: { parts: [{ text: "🔥 ünï \u2028 \n\t" }] }, finishReason: "STOP" }],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 9 },
    },
  ];
  const body = sse(segments);
  const fast = readPlainSse(body);
  assert.notEqual(fast, undefined);
  assert.equal(fast?.text, visibleText(segments));
  const exact = parseSseBody(body);
  assert.deepEqual(fast, foldChunks(exact.chunks));
  // A surrogate pair split over two chunks' escapes is joined, as the exact fold joins it.
  const split = sse([
    { candidates: [{ content: { parts: [{ text: "\ud83d" }] } }] },
    { candidates: [{ content: { parts: [{ text: "\ude00" }] } }] },
  ]);
  assert.equal(readPlainSse(split)?.text, "😀");
});

test("a \\u escape cut between two chunks is not made whole by the plain reader: the stream is invalid, as the exact parser says", () => {
  const chunk = (literal: string, extra = "") =>
    `data: {"candidates":[{"content":{"parts":[{"text":"${literal}"}],"role":"model"}${extra}}]}\r\n\r\n`;
  const cut = chunk("Hi") + chunk("ab\\u00") + chunk("e9cd", ',"finishReason":"STOP"');
  assert.equal(readPlainSse(cut), undefined);
  assert.throws(() => parseSseGeneration(cut), InvalidResponseError);
  // Whole escapes, and an escaped backslash before a "u", stay on the plain path.
  const whole = chunk("Hi") + chunk("ab\\u00e9") + chunk("\\\\u00", ',"finishReason":"STOP"');
  assert.equal(readPlainSse(whole)?.text, "Hiabé\\u00");
  assert.deepEqual(readPlainSse(whole), foldChunks(parseSseBody(whole).chunks));
});
