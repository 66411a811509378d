// The SDK preflight against the emulator: a passing run (report, verify.json, exit 0) and every
// failure class produced by emulator configuration, mapped to its exit code and hint.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { countTokensRequest } from "../../lib/gemini-requests.ts";
import { parseVerdict } from "../../lib/moderation.ts";
import { freePort } from "../../tools/setup/influxdb.ts";
import { FAILURES, type FailureClass } from "../../verify/failures.ts";
import { sampleModerationBody } from "../../verify/sdk-request.ts";
import { tokensPerSecond } from "../../verify/preflight.ts";
import { startEmulator, type StartOptions, type TestEmulator } from "../helpers/emulator.ts";
import { startRemoteEmulator } from "../helpers/network.ts";
import { runVerifyCli, type CliOutcome } from "../helpers/verify.ts";

const KEY = "verify-test-key-7f3a9c";
const RUN_ID = "20261126-010203-beef";

const emulators: TestEmulator[] = [];
const servers: http.Server[] = [];
let resultsDir = "";

async function emulatorWith(options: StartOptions): Promise<TestEmulator> {
  const emulator = await startEmulator(options);
  emulators.push(emulator);
  return emulator;
}

async function plainServer(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  assert.ok(address && typeof address === "object");
  return `http://127.0.0.1:${address.port}`;
}

before(async () => {
  resultsDir = await mkdtemp(path.join(tmpdir(), "gemini-verify-preflight-"));
});

after(async () => {
  await Promise.all(emulators.map((e) => e.close()));
  await Promise.all(
    servers.map((s) => {
      s.closeAllConnections();
      return new Promise<void>((done) => s.close(() => done()));
    }),
  );
  await rm(resultsDir, { recursive: true, force: true });
});

function env(baseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { GEMINI_BASE_URL: baseUrl, GEMINI_API_KEY: KEY, GEMINI_RESULTS_DIR: resultsDir, ...extra };
}

async function readVerify(runId: string): Promise<Record<string, any>> {
  return JSON.parse(await readFile(path.join(resultsDir, runId, "verify.json"), "utf8")) as Record<string, any>;
}

test("the baseline's tokens/s is measured as k6 measures it: the tokens after the first chunk over the time after it", () => {
  // 37 tokens, the first chunk's 4 with the first byte at 100 ms: 33 tokens in the 41.25 ms after it.
  assert.equal(
    tokensPerSecond({
      outputTokens: 37,
      firstChunkTokens: 4,
      firstChunkTextLength: 11,
      textLength: 90,
      chunks: 3,
      ttftMs: 100,
      totalMs: 141.25,
    }),
    800,
  );
  // Without usage on the first chunk (2.0 models), its share of the text stands for its share of the tokens:
  // 3 of 300 characters is 1 of 100 tokens, so 99 tokens in the 99 ms after it.
  assert.equal(
    tokensPerSecond({
      outputTokens: 100,
      firstChunkTokens: undefined,
      firstChunkTextLength: 3,
      textLength: 300,
      chunks: 5,
      ttftMs: 100,
      totalMs: 199,
    }),
    1000,
  );
  // One chunk: no time after it, so the whole call.
  assert.equal(
    tokensPerSecond({
      outputTokens: 10,
      firstChunkTokens: 10,
      firstChunkTextLength: 40,
      textLength: 40,
      chunks: 1,
      ttftMs: 50,
      totalMs: 50,
    }),
    200,
  );
});

describe("a passing preflight", () => {
  test("reports every step, writes verify.json with the baseline, exits 0, never shows the key", async () => {
    const emulator = await emulatorWith({ profile: "fast", config: { apiKeys: [KEY] } });
    const outcome = await runVerifyCli(["--baseline-calls", "6"], env(emulator.url, { GEMINI_RUN_ID: RUN_ID }));
    assert.equal(outcome.code, 0, `stdout: ${outcome.stdout}\nstderr: ${outcome.stderr}`);
    for (const step of ["model", "countTokens", "generateContent", "stream", "baseline"]) {
      assert.match(outcome.stdout, new RegExp(`✓ ${step}\\b`), `step ${step} in ${outcome.stdout}`);
    }
    assert.match(
      outcome.stdout,
      /baseline \(unloaded, 6 calls\): p50 \d+ ms p95 \d+ ms per call, TTFT p50 \d+ ms p95 \d+ ms, \d+ tokens\/s/,
    );
    assert.doesNotMatch(outcome.stdout, /plan:/, "no plan on loopback");
    assert.ok(!outcome.stdout.includes(KEY) && !outcome.stderr.includes(KEY), "the key must never be printed");

    const text = await readFile(path.join(resultsDir, RUN_ID, "verify.json"), "utf8");
    assert.ok(!text.includes(KEY), "the key must never be written");
    const verify = JSON.parse(text) as Record<string, any>;
    const p = verify.preflight;
    assert.equal(verify.runId, RUN_ID);
    assert.equal(p.ok, true);
    assert.equal(p.failure, undefined);

    // The model's limits are what the emulator itself serves for models.get.
    const model = (await (
      await fetch(`${emulator.url}/v1beta/models/gemini-2.5-flash`, { headers: { "x-goog-api-key": KEY } })
    ).json()) as {
      inputTokenLimit: number;
      outputTokenLimit: number;
    };
    assert.equal(p.modelInfo.inputTokenLimit, model.inputTokenLimit);
    assert.equal(p.modelInfo.outputTokenLimit, model.outputTokenLimit);

    // countTokens equals what the emulator answers for k6's own countTokens body.
    const built = countTokensRequest(
      { baseUrl: emulator.url, apiKey: KEY, apiVersion: "v1beta" },
      "gemini-2.5-flash",
      sampleModerationBody().contents,
    );
    const counted = (await (await fetch(built.url, { method: "POST", headers: built.params.headers, body: built.body })).json()) as {
      totalTokens: number;
    };
    assert.equal(p.countTokens.totalTokens, counted.totalTokens);

    assert.equal(parseVerdict(JSON.stringify(p.generate.verdict)).valid, true);
    assert.ok(p.generate.latencyMs > 0);
    assert.ok(p.stream.ttftMs > 0 && p.stream.ttftMs <= p.stream.totalMs, `ttft ${p.stream.ttftMs} within total ${p.stream.totalMs}`);
    assert.ok(p.stream.outputTokens > 0);
    // The baseline: six streams after the checks, each one's figures kept, the percentiles from them.
    const b = p.baseline;
    assert.equal(b.kind, "stream");
    assert.equal(b.calls, 6);
    assert.equal(b.totalMs.samplesMs.length, 6);
    assert.equal(b.ttftMs.samplesMs.length, 6);
    for (const [i, ttft] of (b.ttftMs.samplesMs as number[]).entries())
      assert.ok(ttft > 0 && ttft <= b.totalMs.samplesMs[i], `call ${i}: ttft ${ttft} within its total`);
    const sorted = [...(b.totalMs.samplesMs as number[])].sort((x, y) => x - y);
    assert.equal(b.totalMs.p50.value, ((sorted[2] as number) + (sorted[3] as number)) / 2);
    // Six calls: the median's distribution-free interval is the extremes (P = 1 − 2/64).
    assert.deepEqual([b.totalMs.p50.low, b.totalMs.p50.high, b.totalMs.p50.confidence], [sorted[0], sorted[5], 1 - 2 / 64]);
    assert.ok(b.totalMs.p95.low < b.totalMs.p95.value && b.totalMs.p95.value < b.totalMs.p95.high);
    assert.ok(b.tokensPerSecond > 0);

    // The emulator saw exactly the preflight's calls (and this test's own models.get and countTokens).
    const stats = await emulator.admin.stats();
    assert.deepEqual(Object.fromEntries(Object.entries(stats.requests.byMethod).filter(([, n]) => n > 0)), {
      "models.get": 2,
      countTokens: 2,
      generateContent: 1,
      streamGenerateContent: 7,
    });
  });

  test("off loopback the plan names the requests before the first one, and the target receives exactly that many", async () => {
    const remote = await startRemoteEmulator();
    try {
      const outcome = await runVerifyCli(
        ["--baseline-calls", "5"],
        env(remote.remoteUrl, { GEMINI_RUN_ID: "20261126-010203-00c0", GEMINI_MAX_REQUESTS: "9" }),
      );
      assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
      const lines = outcome.stdout.split("\n");
      assert.match(
        lines[0] ?? "",
        /^plan: 9 requests to http:\/\/[\d.]+:\d+: models\.get, countTokens, a generateContent and a stream check, then 5 sequential streams for the baseline$/,
      );
      assert.ok(!outcome.stdout.includes(KEY));
      const stats = (await (await fetch(`${remote.loopbackUrl}/__emulator/stats`)).json()) as { requests: { total: number } };
      assert.equal(stats.requests.total, 9);
    } finally {
      await remote.close();
    }
  });

  test("a second step (contract) merges into the same verify.json without clobbering the preflight", async () => {
    const emulator = await emulatorWith({ profile: "zero-latency" });
    const outcome = await runVerifyCli(["--contract"], env(emulator.url, { GEMINI_RUN_ID: RUN_ID }));
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    const verify = await readVerify(RUN_ID);
    assert.equal(verify.preflight.ok, true);
    assert.equal(verify.contract.ok, true);
  });
});

describe("failure classes", () => {
  async function expectFailure(outcome: CliOutcome, failure: FailureClass, runId?: string): Promise<void> {
    const info = FAILURES[failure];
    assert.equal(outcome.code, info.exitCode, `expected ${failure}; stdout: ${outcome.stdout}\nstderr: ${outcome.stderr}`);
    const printed = outcome.stdout + outcome.stderr;
    assert.ok(printed.includes(`hint: ${info.hint}`), `hint for ${failure} in: ${printed}`);
    assert.ok(!printed.includes(KEY), "the key must never be printed");
    assert.ok(!/\n\s+at .+:\d+:\d+/.test(printed), `no stack trace: ${printed}`);
    if (runId) {
      const verify = await readVerify(runId);
      assert.equal(verify.preflight.ok, false);
      assert.equal(verify.preflight.failure.class, failure);
      assert.equal(verify.preflight.failure.exitCode, info.exitCode);
    }
  }

  test("bad key → bad_key", async () => {
    const emulator = await emulatorWith({ profile: "zero-latency", config: { apiKeys: ["the-only-valid-key"] } });
    const outcome = await runVerifyCli([], env(emulator.url, { GEMINI_RUN_ID: "20261126-010203-0001" }));
    await expectFailure(outcome, "bad_key", "20261126-010203-0001");
    assert.match(outcome.stdout, /API key not valid/);
  });

  test("unknown model → unknown_model", async () => {
    const emulator = await emulatorWith({ profile: "zero-latency" });
    const outcome = await runVerifyCli(
      [],
      env(emulator.url, { GEMINI_RUN_ID: "20261126-010203-0002", GEMINI_MODEL: "gemini-9.9-imaginary" }),
    );
    await expectFailure(outcome, "unknown_model", "20261126-010203-0002");
    assert.match(outcome.stdout, /models\/gemini-9\.9-imaginary is not found/);
  });

  test("a tiny quota → quota_exhausted", async () => {
    const emulator = await emulatorWith({ profile: "zero-latency", config: { models: { "gemini-2.5-flash": { rpm: 1 } } } });
    const outcome = await runVerifyCli([], env(emulator.url, { GEMINI_RUN_ID: "20261126-010203-0003" }));
    await expectFailure(outcome, "quota_exhausted", "20261126-010203-0003");
    assert.equal((await emulator.admin.stats()).requests.byStatus["429"], 1);
  });

  test("503 at rate 1.0 → overloaded", async () => {
    const emulator = await emulatorWith({ profile: "zero-latency", config: { faults: { errorRates: { "503": 1 } } } });
    const outcome = await runVerifyCli([], env(emulator.url, { GEMINI_RUN_ID: "20261126-010203-0004" }));
    await expectFailure(outcome, "overloaded", "20261126-010203-0004");
  });

  test("a port with nothing listening → network_unreachable", async () => {
    const port = await freePort();
    const outcome = await runVerifyCli([], env(`http://127.0.0.1:${port}`, { GEMINI_RUN_ID: "20261126-010203-0005" }));
    await expectFailure(outcome, "network_unreachable", "20261126-010203-0005");
    assert.match(outcome.stdout, /ECONNREFUSED/);
  });

  test("a server that never answers, with a short GEMINI_TIMEOUT → network_unreachable", async () => {
    const url = await plainServer(() => {
      // Holds every request open; the timeout must end it.
    });
    const outcome = await runVerifyCli([], env(url, { GEMINI_RUN_ID: "20261126-010203-000a", GEMINI_TIMEOUT: "500ms" }));
    await expectFailure(outcome, "network_unreachable", "20261126-010203-000a");
    assert.match(outcome.stdout, /no answer before the timeout/);
  });

  test("a server answering an HTML 404 → wrong_base_url", async () => {
    const url = await plainServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<html><body><h1>404 Not Found</h1></body></html>");
    });
    const outcome = await runVerifyCli([], env(url, { GEMINI_RUN_ID: "20261126-010203-0006" }));
    await expectFailure(outcome, "wrong_base_url", "20261126-010203-0006");
  });

  test("a server answering 200 with HTML → wrong_base_url", async () => {
    const url = await plainServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>Welcome</body></html>");
    });
    const outcome = await runVerifyCli([], env(url, { GEMINI_RUN_ID: "20261126-010203-0007" }));
    await expectFailure(outcome, "wrong_base_url", "20261126-010203-0007");
  });

  test("a base URL with the version in it → wrong_base_url, not unknown_model", async () => {
    const emulator = await emulatorWith({ profile: "zero-latency" });
    const outcome = await runVerifyCli([], env(`${emulator.url}/v1beta`, { GEMINI_RUN_ID: "20261126-010203-0008" }));
    await expectFailure(outcome, "wrong_base_url", "20261126-010203-0008");
  });

  test("an answer cut off by maxOutputTokens → invalid_response", async () => {
    const emulator = await emulatorWith({ profile: "zero-latency" });
    const outcome = await runVerifyCli(
      [],
      env(emulator.url, { GEMINI_RUN_ID: "20261126-010203-0009", GEMINI_MAX_OUTPUT_TOKENS: "3", GEMINI_THINKING_BUDGET: "0" }),
    );
    await expectFailure(outcome, "invalid_response", "20261126-010203-0009");
  });

  test("bad usage → every problem on its own line, exit 2", async () => {
    const outcome = await runVerifyCli(
      ["--bogus"],
      env("http://127.0.0.1:9", { GEMINI_API_VERSION: "v3", GEMINI_VERIFY_BASELINE_CALLS: "many" }),
    );
    await expectFailure(outcome, "bad_usage");
    assert.match(
      outcome.stderr,
      /^verify: unknown option '--bogus': expected --after <run-id>, --contract, --baseline-calls <n> or --help$/m,
    );
    assert.match(outcome.stderr, /invalid GEMINI_API_VERSION: expected one of v1beta, v1, got 'v3'/);
    assert.match(
      outcome.stderr,
      /^verify: invalid GEMINI_VERIFY_BASELINE_CALLS: expected a whole number of calls from 5 to 200, got 'many'$/m,
    );
  });

  test("bad flags → one line each naming the flag, exit 2, before any request", async () => {
    const emulator = await emulatorWith({ profile: "zero-latency" });
    const cases: Array<[string[], RegExp]> = [
      [["--after"], /^verify: --after needs a run id, e\.g\. npm run verify -- --after \S+$/m],
      [["--after", "../x"], /^verify: invalid --after: expected a run id such as \S+, got '\.\.\/x'$/m],
      [["--baseline-calls", "4"], /^verify: invalid --baseline-calls: expected a whole number of calls from 5 to 200, got '4'$/m],
      [["--baseline-calls"], /^verify: --baseline-calls needs a number of calls/m],
      [["extra"], /^verify: unexpected argument 'extra'/m],
      [["--contract", "--after", "20261126-010203-a1b2"], /^verify: --after and --contract are separate steps/m],
    ];
    for (const [args, message] of cases) {
      const outcome = await runVerifyCli(args, env(emulator.url));
      await expectFailure(outcome, "bad_usage");
      assert.match(outcome.stderr, message, args.join(" "));
    }
    assert.equal((await emulator.admin.stats()).requests.total, 0);
  });

  test("a request budget smaller than the preflight → bad_usage before any request; the baseline's calls count", async () => {
    const emulator = await emulatorWith({ profile: "zero-latency" });
    // 4 checks + 5 baseline calls = 9 requests.
    const over = await runVerifyCli(["--baseline-calls", "5"], env(emulator.url, { GEMINI_MAX_REQUESTS: "8" }));
    await expectFailure(over, "bad_usage");
    assert.match(
      over.stderr,
      /^verify: GEMINI_MAX_REQUESTS=8 is below the 9 requests the preflight sends: raise it, or lower --baseline-calls/m,
    );
    assert.equal((await emulator.admin.stats()).requests.total, 0);
    const exact = await runVerifyCli(
      [],
      env(emulator.url, { GEMINI_MAX_REQUESTS: "9", GEMINI_VERIFY_BASELINE_CALLS: "5", GEMINI_RUN_ID: "20261126-010203-000b" }),
    );
    assert.equal(exact.code, 0, exact.stdout + exact.stderr);
    assert.equal((await emulator.admin.stats()).requests.total, 9);
    assert.equal((await readVerify("20261126-010203-000b")).preflight.baseline.calls, 5);
  });

  test("--contract against a server without the emulator's admin API → bad_usage naming the fix", async () => {
    const url = await plainServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<html>not here</html>");
    });
    const outcome = await runVerifyCli(["--contract"], env(url));
    await expectFailure(outcome, "bad_usage");
    assert.match(outcome.stderr, /needs the emulator's admin API/);
  });

  test("--help lists every exit code with its hint", async () => {
    const outcome = await runVerifyCli(["--help"], {});
    assert.equal(outcome.code, 0);
    for (const [name, info] of Object.entries(FAILURES)) {
      assert.ok(outcome.stdout.includes(`${String(info.exitCode).padStart(2)}  ${name}`), `${name} in --help`);
      assert.ok(outcome.stdout.includes(info.hint), `hint of ${name} in --help`);
    }
  });
});
