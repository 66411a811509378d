// Fuzz pass over the emulator CLI process: ≥5,000 seeded malformed requests (random bytes, truncated
// JSON, huge strings, deep nesting, wrong types, bad enums, wrong methods/paths, bad headers, broken
// framing, invalid UTF-8). Each must get a Gemini-shaped 4xx JSON error; the process must stay up and
// its memory must not grow.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { spawnEmulator, TEST_KEY, type EmulatorProcess } from "../helpers/emulator.ts";
import { rawExchange, type RawExchangeResult } from "../helpers/raw-http.ts";
import { Rng } from "../../emulator/src/random.ts";

const SEED = 20261126;
const TOTAL = 5200;
const WARMUP = 1500;
const CONCURRENCY = 16;
/** Resident memory after a full GC may settle a little higher after the warmup; beyond this it is a leak. */
const MAX_RSS_GROWTH_MB = 50;
const OVERSIZED_BYTES = 21 * 1024 * 1024;

let emulator: EmulatorProcess;
let port = 0;

before(async () => {
  // The preload runs a full GC on SIGUSR2, so memory is read without the garbage of the last bodies.
  const gcHook = fileURLToPath(new URL("../helpers/gc-on-signal.ts", import.meta.url));
  emulator = await spawnEmulator(["--profile", "zero-latency", "--seed", "3"], { nodeArgs: ["--expose-gc", "--import", gcHook] });
  port = Number(new URL(emulator.url).port);
});
after(async () => {
  await emulator?.stop();
});

interface FuzzCase {
  kind: string;
  request: Buffer;
  /** The request is deliberately incomplete: closing without an answer is acceptable. */
  cutShort?: boolean;
  /** The exact status the service answers (otherwise any 4xx). */
  expectStatus?: number[];
}

const GENERATE = "/v1beta/models/gemini-2.5-flash:generateContent";
const POST_PATHS = [
  GENERATE,
  "/v1/models/gemini-2.5-flash:generateContent",
  "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
  "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
  "/v1beta/models/gemini-2.5-pro:countTokens",
  "/v1beta/models/gemini-embedding-001:embedContent",
  "/v1/models/gemini-embedding-001:batchEmbedContents",
];
const VALID_BODY = {
  contents: [{ role: "user", parts: [{ text: "Classify this text: the weather is lovely today." }] }],
  generationConfig: { temperature: 0.5, maxOutputTokens: 64, topP: 0.9, topK: 20 },
};

function httpRequest(
  method: string,
  path: string,
  body: Buffer | string | undefined,
  headers: [string, string][] = [
    ["Content-Type", "application/json"],
    ["x-goog-api-key", TEST_KEY],
  ],
): Buffer {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const lines = [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close", ...headers.map(([k, v]) => `${k}: ${v}`)];
  if (payload !== undefined) lines.push(`Content-Length: ${payload.length}`);
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), payload ?? Buffer.alloc(0)]);
}

/** Field paths of a generate request with the JSON kind the proto expects there. */
const TYPED_PATHS: [string[], "string" | "number" | "object" | "array" | "bool"][] = [
  [["contents"], "array"],
  [["contents", "0"], "object"],
  [["contents", "0", "parts"], "array"],
  [["contents", "0", "parts", "0"], "object"],
  [["contents", "0", "parts", "0", "text"], "string"],
  [["contents", "0", "role"], "string"],
  [["generationConfig"], "object"],
  [["generationConfig", "temperature"], "number"],
  [["generationConfig", "maxOutputTokens"], "number"],
  [["generationConfig", "topP"], "number"],
  [["generationConfig", "topK"], "number"],
  [["generationConfig", "candidateCount"], "number"],
  [["generationConfig", "stopSequences"], "array"],
  [["generationConfig", "responseMimeType"], "string"],
  [["generationConfig", "thinkingConfig"], "object"],
  [["generationConfig", "thinkingConfig", "thinkingBudget"], "number"],
  [["generationConfig", "thinkingConfig", "includeThoughts"], "bool"],
  [["systemInstruction"], "object"],
  [["safetySettings"], "array"],
  [["tools"], "array"],
];

function wrongValue(kind: string, random: () => number): unknown {
  const byKind: Record<string, unknown[]> = {
    string: [42, true, { a: 1 }, ["x"], 3.5],
    number: ["abc", true, { a: 1 }, [1], "1e", "--5"],
    object: ["text", 7, false, ["x"]],
    array: ["text", 7, false],
    bool: ["yes", 1, { a: true }, ["true"]],
  };
  const choices = byKind[kind] ?? ["?"];
  return choices[Math.floor(random() * choices.length)];
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1) ?? ""] = value;
}

function randomBytes(random: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

function randomText(random: () => number, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCDEF0123456789éß漢🙂"\\{}[]:,';
  const letters = [...alphabet];
  let out = "";
  for (let i = 0; i < length; i++) out += letters[Math.floor(random() * letters.length)];
  return out;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

/** Builds fuzz case number `i`; every case is malformed so that only a 4xx is a right answer. */
function makeCase(i: number, random: () => number): FuzzCase {
  const kinds = [
    "randomBytes",
    "truncatedJson",
    "hugeString",
    "deepNesting",
    "wrongType",
    "badEnum",
    "outOfRange",
    "emptyContents",
    "wrongMethod",
    "wrongPath",
    "noKey",
    "badHeaders",
    "wrongContentType",
    "brokenHttp",
    "chunkedCutShort",
    "lengthCutShort",
    "invalidUtf8",
    "notAnObject",
  ] as const;
  const kind = i < 3 ? "oversized" : pick(random, kinds);
  const path = pick(random, POST_PATHS);
  const valid = JSON.stringify(VALID_BODY);
  switch (kind) {
    case "oversized":
      return { kind, request: httpRequest("POST", GENERATE, `{"contents":[{"parts":[{"text":"${"a".repeat(OVERSIZED_BYTES)}"}]}]}`) };
    case "randomBytes":
      return { kind, request: httpRequest("POST", path, randomBytes(random, 1 + Math.floor(random() * 4096))) };
    case "truncatedJson":
      return { kind, request: httpRequest("POST", path, valid.slice(0, 1 + Math.floor(random() * (valid.length - 2)))) };
    case "hugeString": {
      const size = random() < 0.1 ? 1_000_000 + Math.floor(random() * 3_000_000) : 10_000 + Math.floor(random() * 200_000);
      const huge = "x".repeat(size);
      const variants = [
        () => ({ ...VALID_BODY, [huge.slice(0, Math.min(size, 100_000))]: 1 }),
        () => ({ ...VALID_BODY, generationConfig: { temperature: huge } }),
        () => ({ ...VALID_BODY, safetySettings: [{ category: huge, threshold: "BLOCK_NONE" }] }),
        () => ({ contents: [{ role: "user", parts: [{ text: huge }] }], generationConfig: { topK: huge } }),
      ];
      return { kind, request: httpRequest("POST", GENERATE, JSON.stringify(pick(random, variants)())) };
    }
    case "deepNesting": {
      const depth = random() < 0.5 ? 10_000 : 100 + Math.floor(random() * 5000);
      const variants = [
        `${"[".repeat(depth)}${"]".repeat(depth)}`,
        `{"contents":${"[".repeat(depth)}1${"]".repeat(depth)}}`,
        `{"contents":[{"parts":[{"text":"hi"}]}],"nest":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`,
        `{"contents":[{"parts":[{"text":"hi"}]}],"generationConfig":{"responseSchema":${'{"type":"OBJECT","properties":{"a":'.repeat(depth)}{"type":"STRING"}${"}}".repeat(depth)}}}`,
        `${"[".repeat(depth)}`,
      ];
      return { kind, request: httpRequest("POST", path, pick(random, variants)) };
    }
    case "wrongType": {
      const body = structuredClone(VALID_BODY) as Record<string, unknown>;
      const [fieldPath, fieldKind] = pick(random, TYPED_PATHS);
      setPath(body, fieldPath, wrongValue(fieldKind, random));
      return { kind, request: httpRequest("POST", GENERATE, JSON.stringify(body)), expectStatus: [400] };
    }
    case "badEnum": {
      const variants = [
        { ...VALID_BODY, safetySettings: [{ category: "HARM_CATEGORY_NOPE", threshold: "BLOCK_NONE" }] },
        { ...VALID_BODY, safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_SOMETIMES" }] },
        { ...VALID_BODY, generationConfig: { responseModalities: ["SMELL"] } },
        { ...VALID_BODY, generationConfig: { thinkingConfig: { thinkingLevel: "EXTREME" } } },
        { ...VALID_BODY, generationConfig: { mediaResolution: "MEDIA_RESOLUTION_ULTRA" } },
        { ...VALID_BODY, toolConfig: { functionCallingConfig: { mode: "SOMETIMES" } } },
      ];
      return { kind, request: httpRequest("POST", GENERATE, JSON.stringify(pick(random, variants))), expectStatus: [400] };
    }
    case "outOfRange": {
      const variants = [
        { temperature: 2.5 + random() * 100 },
        { temperature: -0.5 - random() },
        { topP: 1.5 + random() },
        { thinkingConfig: { thinkingBudget: 100_000 + Math.floor(random() * 1e6) } },
        { thinkingConfig: { thinkingBudget: 1024, thinkingLevel: "LOW" } },
      ];
      return {
        kind,
        request: httpRequest("POST", GENERATE, JSON.stringify({ contents: VALID_BODY.contents, generationConfig: pick(random, variants) })),
        expectStatus: [400],
      };
    }
    case "emptyContents": {
      const variants = [{}, { contents: [] }, { contents: [{ role: "user", parts: [] }] }, { contents: [{ role: "user", parts: [{}] }] }];
      return { kind, request: httpRequest("POST", GENERATE, JSON.stringify(pick(random, variants))), expectStatus: [400] };
    }
    case "wrongMethod":
      return {
        kind,
        request: httpRequest(pick(random, ["GET", "PUT", "DELETE", "PATCH", "HEAD"]), path, undefined),
        expectStatus: [404, 405],
      };
    case "wrongPath": {
      const variants = [
        "/",
        "/v2/models",
        "/v1beta",
        "/v1beta/models/gemini-2.5-flash:fly",
        "/v1beta/modelz/gemini-2.5-flash:generateContent",
        "/v1beta/models/%zz:generateContent",
        "/v1beta/models/gemini-2.5-flash:generateContent/extra",
        "/favicon.ico",
        `/v1beta/models/${"m".repeat(4000)}:generateContent`,
        "/v1beta/models/../../etc/passwd",
        "/v1beta/tunedModels",
      ];
      const target = pick(random, variants);
      return { kind, request: httpRequest("POST", target, valid), expectStatus: [400, 404, 405] };
    }
    case "noKey": {
      const headers: [string, string][] =
        random() < 0.5
          ? [["Content-Type", "application/json"]]
          : [
              ["Content-Type", "application/json"],
              ["x-goog-api-key", ""],
            ];
      return { kind, request: httpRequest("POST", path, valid, headers), expectStatus: [403] };
    }
    case "badHeaders": {
      // Odd but parseable headers, with a malformed body so that only a 4xx is right however they are read.
      const variants: [string, string][][] = [
        [
          ["x-goog-api-key", "a"],
          ["x-goog-api-key", "b"],
          ["Content-Type", "application/json"],
        ],
        [
          ["Content-Type", "application/json"],
          ["Content-Type", "text/plain"],
          ["x-goog-api-key", TEST_KEY],
        ],
        [["x-goog-api-key", "k".repeat(8000)]],
        [
          ["x-goog-api-key", "\u00e9\u00ff\u00fe"],
          ["Accept", "*/*;q=bogus"],
        ],
        [
          ["x-goog-api-key", TEST_KEY],
          ["Content-Encoding", "gzip"],
        ],
        [
          ["x-goog-api-key", TEST_KEY],
          ["Accept-Encoding", "br;q=2, gzip;q=-1"],
          ["X-Server-Timeout", "-5"],
        ],
        [
          ["x-goog-api-key", TEST_KEY],
          ["Content-Type", "application/json; charset=latin-1"],
          ["X-Goog-User-Project", ""],
        ],
      ];
      return { kind, request: httpRequest("POST", path, valid.slice(0, -3), pick(random, variants)) };
    }
    case "wrongContentType": {
      const type = pick(random, [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "",
      ]);
      const body = type.startsWith("application/x-www") ? "contents=hello&key=1" : randomText(random, 200);
      return {
        kind,
        request: httpRequest("POST", path, body, [
          ["Content-Type", type],
          ["x-goog-api-key", TEST_KEY],
        ]),
      };
    }
    case "brokenHttp": {
      const variants = [
        Buffer.from(`POST ${GENERATE} HTTP/1.1\r\nHost: x\r\nBad Header Name: v\r\nConnection: close\r\n\r\n`, "latin1"),
        Buffer.from(`POST ${GENERATE} HTTP/1.1\r\nHost: x\r\nX-Ctl: a\u0001b\r\nConnection: close\r\n\r\n`, "latin1"),
        Buffer.from(
          `POST ${GENERATE} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 9\r\nConnection: close\r\n\r\nhello`,
          "latin1",
        ),
        Buffer.from(
          `POST ${GENERATE} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
          "latin1",
        ),
        Buffer.from(`POST ${GENERATE} HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20_000)}\r\nConnection: close\r\n\r\n`, "latin1"),
        Buffer.from(`GARBAGE ${GENERATE} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, "latin1"),
        Buffer.concat([randomBytes(random, 64), Buffer.from("\r\n\r\n")]),
      ];
      return { kind, request: pick(random, variants) };
    }
    case "chunkedCutShort": {
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-goog-api-key: ${TEST_KEY}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
      const part = valid.slice(0, Math.floor(random() * valid.length));
      return { kind, request: Buffer.from(`${head}${(valid.length + 10).toString(16)}\r\n${part}`, "utf8"), cutShort: true };
    }
    case "lengthCutShort": {
      const request = httpRequest("POST", path, valid);
      return { kind, request: request.subarray(0, request.length - 1 - Math.floor(random() * (valid.length - 1))), cutShort: true };
    }
    case "invalidUtf8": {
      const bad = Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x80]);
      const at = Math.floor(random() * 4);
      const body = Buffer.concat([
        Buffer.from('{"contents":[{"role":"user","parts":[{"text":"ab'),
        bad.subarray(at, at + 2 + Math.floor(random() * 6)),
        Buffer.from('cd"}]}]}'),
      ]);
      return { kind, request: httpRequest("POST", GENERATE, body), expectStatus: [400] };
    }
    case "notAnObject": {
      const body = pick(random, [
        "null",
        "true",
        "42",
        '"text"',
        "[]",
        '[{"contents":[]}]',
        "",
        " ",
        "{}garbage",
        '{"contents":[{"parts":[{"text":"a"}]}]}{}',
      ]);
      return { kind, request: httpRequest("POST", path, body), expectStatus: [400] };
    }
  }
}

/** Resident memory of the emulator after a full GC (asked through the preload, awaited on stderr). */
async function settledRssMb(): Promise<number> {
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer to SIGUSR2 from the GC preload")), 10_000);
    const onData = (chunk: Buffer | string): void => {
      if (String(chunk).includes("gc-on-signal: done")) {
        clearTimeout(timer);
        emulator.child.stderr?.off("data", onData);
        resolve();
      } else if (String(chunk).includes("gc-on-signal: unavailable")) reject(new Error("GC not exposed in the child"));
    };
    emulator.child.stderr?.on("data", onData);
  });
  emulator.child.kill("SIGUSR2");
  await done;
  return vmRssMb(emulator.pid);
}

function vmRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
  assert.ok(Number.isFinite(kb), "VmRSS not readable");
  return kb / 1024;
}

interface Failure {
  index: number;
  kind: string;
  why: string;
}

/** Judges one answer: a 4xx (or the expected status) with the Gemini JSON error envelope. */
function judge(fuzz: FuzzCase, result: RawExchangeResult): string | undefined {
  if (result.timedOut) return "no answer within the timeout";
  if (result.status === undefined) return fuzz.cutShort ? undefined : `closed without an answer`;
  if (result.status < 400 || result.status > 499) return `status ${result.status}: ${result.body.slice(0, 120)}`;
  if (fuzz.expectStatus && !fuzz.expectStatus.includes(result.status)) {
    return `status ${result.status}, expected ${fuzz.expectStatus.join(" or ")}: ${result.body.slice(0, 160)}`;
  }
  if (!/^application\/json/.test(result.headers["content-type"] ?? "")) return `Content-Type ${result.headers["content-type"]}`;
  // HEAD answers carry no body by definition; the status and Content-Type are all there is.
  if (fuzz.request.subarray(0, 5).toString() === "HEAD ") return undefined;
  let parsed: { error?: { code?: unknown; message?: unknown; status?: unknown } };
  try {
    parsed = JSON.parse(result.body) as typeof parsed;
  } catch {
    return `body is not JSON: ${result.body.slice(0, 120)}`;
  }
  const error = parsed.error;
  if (!error) return "no error object";
  if (error.code !== result.status) return `error.code ${String(error.code)} ≠ HTTP ${result.status}`;
  if (typeof error.message !== "string" || error.message.length === 0) return "error.message missing";
  if (typeof error.status !== "string" || !/^[A-Z_]+$/.test(error.status)) return `error.status ${String(error.status)}`;
  if (/\n\s+at .+:\d+:\d+/.test(result.body)) return "stack trace in the body";
  return undefined;
}

async function runCases(cases: FuzzCase[], offset: number, failures: Failure[], counts: Map<string, number>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const index = next++;
      const fuzz = cases[index];
      if (!fuzz) continue;
      const result = await rawExchange(port, fuzz.request, { halfClose: fuzz.cutShort ?? false });
      const key = `${fuzz.kind} → ${result.status ?? "closed"}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const why = judge(fuzz, result);
      if (why) failures.push({ index: offset + index, kind: fuzz.kind, why });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

test(`${TOTAL} malformed requests all get a Gemini 4xx error; the process stays up and does not grow`, { timeout: 170_000 }, async () => {
  const rng = new Rng(SEED);
  const random = (): number => rng.next();
  const cases = Array.from({ length: TOTAL }, (_, i) => makeCase(i, random));
  const failures: Failure[] = [];
  const counts = new Map<string, number>();

  await runCases(cases.slice(0, WARMUP), 0, failures, counts);
  assert.ok(emulator.alive(), `the emulator died during warmup: ${emulator.stderr()}`);
  const rssAfterWarmup = await settledRssMb();

  const started = Date.now();
  await runCases(cases.slice(WARMUP), WARMUP, failures, counts);
  const elapsed = Date.now() - started;
  assert.ok(emulator.alive(), `the emulator died: ${emulator.stderr()}`);
  const rssAfterRun = await settledRssMb();

  const health = await fetch(`${emulator.url}/__emulator/health`);
  assert.equal(health.status, 200);
  const still = await fetch(`${emulator.url}${GENERATE}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-goog-api-key": TEST_KEY },
    body: JSON.stringify(VALID_BODY),
  });
  assert.equal(still.status, 200, "a valid request fails after the fuzz pass");

  const summary = [...counts]
    .sort()
    .map(([k, n]) => `${k}: ${n}`)
    .join("\n");
  const shown = failures
    .slice(0, 25)
    .map((f) => `#${f.index} ${f.kind}: ${f.why}`)
    .join("\n");
  assert.equal(failures.length, 0, `${failures.length} of ${TOTAL} answers were wrong:\n${shown}\n\nby kind and status:\n${summary}`);
  const growth = rssAfterRun - rssAfterWarmup;
  assert.ok(
    growth < MAX_RSS_GROWTH_MB,
    `RSS grew ${growth.toFixed(1)} MB (${rssAfterWarmup.toFixed(1)} → ${rssAfterRun.toFixed(1)} MB) over ${TOTAL - WARMUP} requests`,
  );
  assert.equal(emulator.stderr().match(/^\s+at /m), null, `stack trace on stderr: ${emulator.stderr().slice(0, 500)}`);
  process.stdout.write(
    `# fuzz: ${TOTAL} requests, ${elapsed} ms after warmup, RSS ${rssAfterWarmup.toFixed(1)} → ${rssAfterRun.toFixed(1)} MB\n`,
  );
});
