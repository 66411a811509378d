// `npm run bench:emulator`: throughput of the emulator against a bare node:http server (same run,
// same load, servers in their own processes), then chunk-timing accuracy of 500 concurrent SSE
// streams. Prints a table and writes the figures into docs/benchmarks.md.

import { spawnNodeServer, type NodeServerProcess } from "../run/node-server.ts";
import { createServer, request as httpRequest, Agent, type IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { cpus, loadavg, totalmem } from "node:os";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import path from "node:path";
import { REPO_ROOT } from "../paths.ts";

const DOC = path.join(REPO_ROOT, "docs", "benchmarks.md");
const SECTION_START = "<!-- emulator-bench:start -->";
const SECTION_END = "<!-- emulator-bench:end -->";

const MODEL = "gemini-2.5-flash";
const TARGET_RATIO = 0.6;
const TARGET_RPS = 5000;
const TARGET_CHUNK_P99_MS = 5;
const STREAMS = 500;
const STREAM_TOKENS_PER_SECOND = 50;
const STREAM_MAX_TOKENS = 150;
const STAGGER_MS = 1000;

interface Options {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Measurements are interleaved rounds (bare, emulator, …) so drifting background load hits all alike; medians are reported. */
  rounds: number;
  streams: number;
  writeDoc: boolean;
  /** One-minute load average when the run started. */
  loadBefore: number;
}

/** Result fields of autocannon 9 that we read. */
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  latency: { p50: number; p99: number; average: number };
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no types; the cast is the one place its shape is assumed.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

function parseArgs(argv: string[]): Options {
  const options: Options = {
    connections: 64,
    durationSeconds: 5,
    warmupSeconds: 3,
    rounds: 3,
    streams: STREAMS,
    writeDoc: true,
    loadBefore: loadavg()[0] ?? 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = Number(argv[i + 1]);
    const needNumber = (): number => {
      if (!Number.isFinite(value) || value <= 0) fail(`invalid ${flag}: expected a positive number, got "${argv[i + 1] ?? ""}"`);
      i++;
      return value;
    };
    if (flag === "--connections") options.connections = needNumber();
    else if (flag === "--duration") options.durationSeconds = needNumber();
    else if (flag === "--warmup") options.warmupSeconds = needNumber();
    else if (flag === "--streams") options.streams = needNumber();
    else if (flag === "--rounds") options.rounds = Math.round(needNumber());
    else if (flag === "--no-write") options.writeDoc = false;
    else fail(`unknown flag ${flag}: use --connections N, --duration S, --warmup S, --rounds N, --streams N, --no-write`);
  }
  return options;
}

function fail(message: string): never {
  process.stderr.write(`bench:emulator: ${message}\n`);
  process.exit(2);
}

/** A prompt of about 1 KB, as the issue asks; `serial` makes each body unique. */
function promptBody(serial?: number): string {
  const sentence = "Classify the following customer message as safe or unsafe and explain briefly why. ";
  const head = serial === undefined ? "" : `Message ${serial}. `;
  const text = (head + sentence.repeat(Math.ceil(1024 / sentence.length))).slice(0, 1024);
  return JSON.stringify({
    contents: [{ role: "user", parts: [{ text }] }],
    generationConfig: { maxOutputTokens: 64, thinkingConfig: { thinkingBudget: 0 } },
  });
}

/** The bare baseline: node:http answering every request with one fixed JSON body. */
function serveBare(): void {
  const body = Buffer.from(process.env.BENCH_BARE_BODY ?? '{"ok":true}');
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json; charset=UTF-8", "content-length": body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    process.stdout.write(`bare server listening on http://127.0.0.1:${port}\n`);
  });
  process.on("SIGTERM", () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-goog-api-key": "bench-key" },
    body,
  });
  return { status: response.status, text: await response.text() };
}

interface Throughput {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/**
 * Drives `url` with autocannon. With `uniqueBodies`, every request carries a different prompt, so
 * the emulator cannot answer from its cache of identical requests.
 */
async function load(url: string, body: string, options: Options, seconds: number, uniqueBodies = false): Promise<Throughput> {
  let serial = 0;
  const request = { method: "POST", headers: { "content-type": "application/json", "x-goog-api-key": "bench-key" }, body };
  const result = await autocannon({
    url,
    ...request,
    ...(uniqueBodies ? { requests: [{ ...request, setupRequest: (req: object) => ({ ...req, body: promptBody(serial++) }) }] } : {}),
    connections: options.connections,
    pipelining: 1,
    duration: seconds,
  });
  return {
    rps: result["2xx"] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

interface StreamTiming {
  /** Start times spread evenly over this many ms (0: all at once). */
  staggerMs: number;
  streams: number;
  completed: number;
  chunks: number;
  p50: number;
  p99: number;
  max: number;
  failures: string[];
}

/**
 * Opens `count` SSE streams at once and compares each chunk's arrival with when it should arrive:
 * first chunk + (tokens sent since the first chunk) / speed, from the cumulative candidatesTokenCount.
 */
async function streamTiming(url: string, count: number, staggerMs: number): Promise<StreamTiming> {
  const agent = new Agent({ keepAlive: true, maxSockets: count });
  const body = JSON.stringify({
    contents: [{ role: "user", parts: [{ text: "Write a short story about a lighthouse keeper." }] }],
    generationConfig: { maxOutputTokens: STREAM_MAX_TOKENS, thinkingConfig: { thinkingBudget: 0 } },
  });
  const errors: number[] = [];
  const failures: string[] = [];
  let completed = 0;
  let chunks = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const arrivals: { at: number; tokens: number }[] = [];
      const req = httpRequest(
        `${url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`,
        { method: "POST", agent, headers: { "content-type": "application/json", "x-goog-api-key": "bench-key" } },
        (res: IncomingMessage) => {
          if (res.statusCode !== 200) {
            failures.push(`status ${res.statusCode}`);
            res.resume();
            res.on("end", resolve);
            return;
          }
          let buffer = "";
          res.setEncoding("utf8");
          res.on("data", (data: string) => {
            const at = performance.now();
            buffer += data;
            for (let end = buffer.indexOf("\r\n\r\n"); end >= 0; end = buffer.indexOf("\r\n\r\n")) {
              const event = buffer.slice(0, end);
              buffer = buffer.slice(end + 4);
              const parsed = JSON.parse(event.replace(/^data: /, "")) as { usageMetadata?: { candidatesTokenCount?: number } };
              arrivals.push({ at, tokens: parsed.usageMetadata?.candidatesTokenCount ?? 0 });
            }
          });
          res.on("end", () => {
            const first = arrivals[0];
            if (first && arrivals.length > 1) {
              completed++;
              for (const chunk of arrivals.slice(1)) {
                const expected = first.at + ((chunk.tokens - first.tokens) * 1000) / STREAM_TOKENS_PER_SECOND;
                errors.push(Math.abs(chunk.at - expected));
                chunks++;
              }
            } else failures.push(`stream with ${arrivals.length} chunk(s)`);
            resolve();
          });
        },
      );
      req.on("error", (error) => {
        failures.push(error.message);
        resolve();
      });
      req.end(body);
    });
  const startAt = (i: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, (i * staggerMs) / count)).then(one);
  await Promise.all(Array.from({ length: count }, (_, i) => (staggerMs > 0 ? startAt(i) : one())));
  agent.destroy();
  errors.sort((a, b) => a - b);
  const rank = (p: number): number => errors[Math.max(0, Math.ceil((p / 100) * errors.length) - 1)] ?? Number.NaN;
  return { staggerMs, streams: count, completed, chunks, p50: rank(50), p99: rank(99), max: errors.at(-1) ?? Number.NaN, failures };
}

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "n/a";
}

interface Round {
  bare: Throughput;
  fixed: Throughput;
  unique: Throughput;
}

/** The element with the median value of `key` (the lower middle one for an even count). */
function medianBy<T>(items: T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (middle === undefined) throw new Error("median of nothing");
  return middle;
}

function report(options: Options, rounds: Round[], streamSets: StreamTiming[][]): string {
  const median = (pick: (r: Round) => Throughput): Throughput => medianBy(rounds.map(pick), (t) => t.rps);
  const all = (pick: (r: Round) => Throughput): string => rounds.map((r) => fmt(pick(r).rps)).join(", ");
  const ratio = medianBy(
    rounds.map((r) => r.fixed.rps / r.bare.rps),
    (v) => v,
  );
  const uniqueRatio = medianBy(
    rounds.map((r) => r.unique.rps / r.bare.rps),
    (v) => v,
  );
  const bare = median((r) => r.bare);
  const fixed = median((r) => r.fixed);
  const unique = median((r) => r.unique);
  const met = (ok: boolean): string => (ok ? "met" : "**missed**");
  const cpu = cpus();
  const row = (name: string, t: Throughput, pick: (r: Round) => Throughput): string =>
    `| ${name} | ${fmt(t.rps)} | ${all(pick)} | ${fmt(t.p50, 1)} | ${fmt(t.p99, 1)} | ${t.errors} | ${t.non2xx} |`;
  const lines = [
    `### Emulator (\`npm run bench:emulator\`), ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    "",
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
      `load average ${options.loadBefore.toFixed(2)} when the run started (other work on the machine skews every figure).`,
    `Load: autocannon in its own process, ${options.connections} keep-alive connections, non-streaming \`generateContent\` on`,
    `\`${MODEL}\` with a ~1 KB prompt, profile \`zero-latency\`. Baseline: bare \`node:http\` returning a fixed JSON body of the`,
    `same size as the emulator's answer. Each server runs in its own process. ${options.rounds} interleaved rounds of`,
    `${options.durationSeconds} s per server after ${options.warmupSeconds} s of warm-up each; the table shows the median round (p50/p99 from it).`,
    "",
    "| server | req/s (median) | req/s per round | p50 ms | p99 ms | errors | non-2xx |",
    "|---|---:|---:|---:|---:|---:|---:|",
    row("bare node:http", bare, (r) => r.bare),
    row("emulator, one fixed prompt", fixed, (r) => r.fixed),
    row("emulator, every prompt unique", unique, (r) => r.unique),
    "",
    `Ratio emulator / bare (median of the per-round ratios), fixed prompt as the issue sets it: **${fmt(ratio, 2)}** ` +
      `(target ≥ ${TARGET_RATIO}: ${met(ratio >= TARGET_RATIO)}); ${fmt(fixed.rps)} req/s (target ≥ ${fmt(TARGET_RPS)}: ${met(fixed.rps >= TARGET_RPS)}).`,
    `Every prompt unique, so no answer comes from the emulator's cache of identical requests: ratio **${fmt(uniqueRatio, 2)}** ` +
      `(${met(uniqueRatio >= TARGET_RATIO)}), ${fmt(unique.rps)} req/s (${met(unique.rps >= TARGET_RPS)}).`,
    "",
    `Streaming: ${options.streams} concurrent SSE streams at ${STREAM_TOKENS_PER_SECOND} tokens/s (TTFT 0, up to ${STREAM_MAX_TOKENS} tokens each),`,
    "read by one client process; error = |arrival − (first chunk + tokens since first chunk / speed)|, measured on the client.",
    `"staggered" spreads the stream starts evenly over ${STAGGER_MS} ms, as independent users would; "lockstep" starts all`,
    `at once, so every stream's chunks fall due at the same instant and both processes must handle ${options.streams} chunks in a burst.`,
    `${options.rounds} runs of each; the row is the run with the median p99.`,
    "",
    "| starts | streams completed | chunks timed | p50 ms | p99 ms | p99 per run | max ms | p99 < 5 ms |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
    ...streamSets.map((runs) => {
      const r = medianBy(runs, (run) => run.p99);
      const completedAll = runs.every((run) => run.completed === run.streams);
      return (
        `| ${r.staggerMs > 0 ? `staggered over ${r.staggerMs} ms` : "lockstep"} | ${r.completed} / ${r.streams} | ${r.chunks} | ` +
        `${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${runs.map((run) => fmt(run.p99, 2)).join(", ")} | ${fmt(r.max, 2)} | ` +
        `${met(r.p99 < TARGET_CHUNK_P99_MS && completedAll)} |`
      );
    }),
  ];
  const failures = [...new Set(streamSets.flat().flatMap((r) => r.failures))];
  if (failures.length) lines.push("", `Stream failures: ${failures.slice(0, 5).join("; ")}.`);
  return lines.join("\n");
}

function writeSection(section: string): void {
  const block = `${SECTION_START}\n${section}\n${SECTION_END}`;
  const current = existsSync(DOC)
    ? readFileSync(DOC, "utf8")
    : "# Benchmarks\n\nMeasured figures, with the date and machine they were taken on.\n";
  const start = current.indexOf(SECTION_START);
  const end = current.indexOf(SECTION_END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + block + current.slice(end + SECTION_END.length)
      : `${current.trimEnd()}\n\n## Emulator\n\n${block}\n`;
  writeFileSync(DOC, next);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const body = promptBody();
  const emulator = await spawnNodeServer(["emulator/cli.ts", "--port", "0", "--profile", "zero-latency", "--seed", "1"]);
  let bare: NodeServerProcess | undefined;
  try {
    const path = `/v1beta/models/${MODEL}:generateContent`;
    const sample = await post(`${emulator.url}${path}`, body);
    if (sample.status !== 200) throw new Error(`the emulator answered ${sample.status}: ${sample.text.slice(0, 300)}`);
    bare = await spawnNodeServer([fileURLToPath(import.meta.url), "--bare-server"], { env: { BENCH_BARE_BODY: sample.text } });

    process.stdout.write(`warming up (${options.warmupSeconds} s each)…\n`);
    await load(`${bare.url}${path}`, body, options, options.warmupSeconds);
    await load(`${emulator.url}${path}`, body, options, options.warmupSeconds);
    const rounds: Round[] = [];
    for (let r = 1; r <= options.rounds; r++) {
      process.stdout.write(`measuring, round ${r} of ${options.rounds} (${options.durationSeconds} s per server)…\n`);
      rounds.push({
        bare: await load(`${bare.url}${path}`, body, options, options.durationSeconds),
        fixed: await load(`${emulator.url}${path}`, body, options, options.durationSeconds),
        unique: await load(`${emulator.url}${path}`, body, options, options.durationSeconds, true),
      });
    }
    await bare.stop();
    bare = undefined;

    const patched = await fetch(`${emulator.url}/__emulator/config`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        models: {
          [MODEL]: { ttftMedianMs: 0, ttftP95Ms: 0, tokensPerSecond: STREAM_TOKENS_PER_SECOND, thoughtsTokens: 0, slots: 0, queue: 0 },
        },
      }),
    });
    if (!patched.ok) throw new Error(`PATCH /__emulator/config: ${patched.status} ${await patched.text()}`);
    // A fresh start for the streaming phase: no samples left from the throughput run, stream path compiled.
    const reset = await fetch(`${emulator.url}/__emulator/reset`, { method: "POST" });
    if (!reset.ok) throw new Error(`POST /__emulator/reset: ${reset.status}`);
    await streamTiming(emulator.url, Math.min(50, options.streams), 200);
    process.stdout.write(`streaming: ${options.streams} concurrent SSE streams, staggered then lockstep…\n`);
    const staggered: StreamTiming[] = [];
    const lockstep: StreamTiming[] = [];
    for (let r = 0; r < options.rounds; r++) {
      staggered.push(await streamTiming(emulator.url, options.streams, STAGGER_MS));
      lockstep.push(await streamTiming(emulator.url, options.streams, 0));
    }

    const section = report(options, rounds, [staggered, lockstep]);
    process.stdout.write(`\n${section}\n`);
    if (options.writeDoc) {
      writeSection(section);
      process.stdout.write(`\nwritten to docs/benchmarks.md\n`);
    }
  } finally {
    await bare?.stop();
    await emulator.stop();
  }
}

if (process.argv.includes("--bare-server")) serveBare();
else {
  main().catch((error: unknown) => {
    fail(error instanceof Error ? error.message : String(error));
  });
}
