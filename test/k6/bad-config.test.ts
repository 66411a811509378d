// Bad configuration stops a run before its first request, naming the variable: through k6 itself
// (the gate users run in CI) and through `npm run load` (one clean line, no stack trace).

import assert from "node:assert/strict";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { REPO_ROOT } from "../../tools/paths.ts";
import { runCaptured } from "../helpers/exec.ts";
import { buildScenarios, cleanEnv, emulatorStats, resetEmulator, runK6Direct, tempResultsRoot } from "../helpers/k6.ts";
import { startRemoteEmulator, type RemoteEmulator } from "../helpers/network.ts";

let remote: RemoteEmulator;
let loopbackUrl: string;
let remoteUrl: string;

before(async () => {
  await buildScenarios();
  remote = await startRemoteEmulator();
  ({ loopbackUrl, remoteUrl } = remote);
});

beforeEach(async () => {
  await resetEmulator(loopbackUrl);
});

after(async () => {
  await remote?.close();
});

interface BadCase {
  title: string;
  variable: RegExp;
  env: () => Record<string, string>;
  /** Text of the environment that must appear in no output. */
  secret?: string;
}

const SECRET = "secret-canary-7f3a";

const cases: BadCase[] = [
  { title: "a non-numeric GEMINI_RATE", variable: /GEMINI_RATE/, env: () => ({ GEMINI_BASE_URL: loopbackUrl, GEMINI_RATE: "fast" }) },
  {
    title: "an unknown GEMINI_SCENARIO",
    variable: /GEMINI_SCENARIO/,
    env: () => ({ GEMINI_BASE_URL: loopbackUrl, GEMINI_SCENARIO: "soak" }),
  },
  {
    title: "a remote GEMINI_BASE_URL without a key",
    variable: /GEMINI_API_KEY/,
    env: () => ({ GEMINI_BASE_URL: remoteUrl, GEMINI_MAX_REQUESTS: "10" }),
  },
  {
    title: "a remote GEMINI_BASE_URL with a key but no budget",
    variable: /GEMINI_MAX_REQUESTS|GEMINI_MAX_COST_USD/,
    env: () => ({ GEMINI_BASE_URL: remoteUrl, GEMINI_API_KEY: "test-key-not-secret" }),
  },
  // k6 resolves *.localhost through DNS or the hosts file, so it may lead anywhere: not loopback.
  {
    title: "a *.localhost GEMINI_BASE_URL without a key",
    variable: /GEMINI_API_KEY/,
    env: () => ({ GEMINI_BASE_URL: `http://api.localhost:${remote.port}` }),
  },
  {
    title: "a GEMINI_BASE_URL that is no IP address (127.0.0.999)",
    variable: /GEMINI_API_KEY/,
    env: () => ({ GEMINI_BASE_URL: `http://127.0.0.999:${remote.port}` }),
  },
  {
    title: "a key as credentials in GEMINI_BASE_URL",
    variable: /GEMINI_BASE_URL: expected a URL without credentials/,
    env: () => ({ GEMINI_BASE_URL: `http://${SECRET}@127.0.0.1:${remote.port}` }),
    secret: SECRET,
  },
  {
    title: "a key in the query string of GEMINI_BASE_URL",
    variable: /GEMINI_BASE_URL: expected a URL without query string/,
    env: () => ({ GEMINI_BASE_URL: `${loopbackUrl}/?key=${SECRET}` }),
    secret: SECRET,
  },
  {
    title: "a GEMINI_RATE of 0.001 (no whole rate within 1%)",
    variable: /GEMINI_RATE: .*1 per hour/,
    env: () => ({ GEMINI_BASE_URL: loopbackUrl, GEMINI_RATE: "0.001" }),
  },
  {
    title: "a GEMINI_DURATION under 1s",
    variable: /GEMINI_DURATION: expected a duration of at least 1s/,
    env: () => ({ GEMINI_BASE_URL: loopbackUrl, GEMINI_DURATION: "1ms" }),
  },
  {
    title: "a GEMINI_TIMEOUT under 10ms",
    variable: /GEMINI_TIMEOUT: expected a duration of at least 10ms/,
    env: () => ({ GEMINI_BASE_URL: loopbackUrl, GEMINI_TIMEOUT: "0.4ms" }),
  },
  {
    title: "a GEMINI_BACKOFF_BASE_MS above GEMINI_BACKOFF_MAX_MS",
    variable: /GEMINI_BACKOFF_BASE_MS: expected at most GEMINI_BACKOFF_MAX_MS/,
    env: () => ({ GEMINI_BASE_URL: loopbackUrl, GEMINI_BACKOFF_BASE_MS: "9000", GEMINI_BACKOFF_MAX_MS: "8000" }),
  },
];

const STACK_LINE = /(^|\n|\\n)\s*(\\t)?at \S+:\d+:\d+|^\s+at /m;

describe("k6 run dist/moderation.js", () => {
  for (const badCase of cases) {
    test(`${badCase.title} exits non-zero before any request, naming the variable`, async () => {
      const result = await runK6Direct({ GEMINI_SCENARIO: "closed", GEMINI_DURATION: "3s", ...badCase.env() });
      assert.notEqual(result.exitCode, 0, `k6 accepted ${badCase.title}:\n${result.stdout}`);
      assert.match(result.stdout + result.stderr, badCase.variable);
      if (badCase.secret) assert.ok(!(result.stdout + result.stderr).includes(badCase.secret), `the output shows ${badCase.secret}`);
      assert.equal((await emulatorStats(loopbackUrl)).requests.total, 0, "a request reached the emulator");
    });
  }

  // The control: with key and budget the same "remote" URL does reach the emulator, so the zero
  // counts above mean the run stopped, not that the address led nowhere.
  test("a remote GEMINI_BASE_URL with a key and a budget does send requests (control)", async () => {
    const result = await runK6Direct({
      GEMINI_BASE_URL: remoteUrl,
      GEMINI_API_KEY: "test-key-not-secret",
      GEMINI_MAX_REQUESTS: "5",
      GEMINI_SCENARIO: "closed",
      GEMINI_DURATION: "2s",
      GEMINI_VUS: "1",
    });
    // 108: the five requests were spent before the two seconds were up, and the run stopped there.
    assert.ok([0, 99, 108].includes(result.exitCode), `k6 did not complete (exit ${result.exitCode}):\n${result.stderr}`);
    const seen = (await emulatorStats(loopbackUrl)).requests.total;
    assert.ok(seen > 0, "no request reached the emulator through the non-loopback address");
    assert.ok(seen <= 5, `the emulator saw ${seen} requests for a budget of 5`);
  });
});

describe("npm run load", () => {
  for (const badCase of cases) {
    test(`${badCase.title} exits non-zero with one clean line naming the variable`, async () => {
      const result = await runLoadTool({ GEMINI_DURATION: "3s", ...badCase.env() });
      assert.notEqual(result.exitCode, 0);
      assert.match(result.stderr, badCase.variable);
      if (badCase.secret) assert.ok(!result.stderr.includes(badCase.secret), `the output shows ${badCase.secret}`);
      assert.doesNotMatch(result.stderr, STACK_LINE, `stack trace in:\n${result.stderr}`);
      assert.equal(result.stderr.trim().split("\n").length, 1, `more than one line:\n${result.stderr}`);
      assert.equal((await emulatorStats(loopbackUrl)).requests.total, 0, "a request reached the emulator");
    });
  }

  test("GEMINI_RESULTS_DIR and GEMINI_RUN_ID are honoured, and a run id that holds a run is refused", async () => {
    const root = await tempResultsRoot();
    try {
      const env = {
        GEMINI_BASE_URL: loopbackUrl,
        GEMINI_SCENARIO: "closed",
        GEMINI_DURATION: "1s",
        GEMINI_VUS: "1",
        GEMINI_RESULTS_DIR: root,
        GEMINI_RUN_ID: "mine-1",
      };
      const first = await runLoadTool(env);
      assert.ok(first.exitCode === 0 || first.exitCode === 99, `the run did not complete (exit ${first.exitCode}):\n${first.stderr}`);
      const summaryFile = path.join(root, "mine-1", "summary.json");
      const summary = await readFile(summaryFile, "utf8");
      assert.equal(JSON.parse(summary).runId, "mine-1");
      assert.equal(JSON.parse(await readFile(path.join(root, "mine-1", "run.json"), "utf8")).runId, "mine-1");

      await resetEmulator(loopbackUrl);
      const second = await runLoadTool(env);
      assert.notEqual(second.exitCode, 0);
      assert.match(second.stderr, /run id mine-1 is taken/);
      assert.equal(second.stderr.trim().split("\n").length, 1, `more than one line:\n${second.stderr}`);
      assert.equal(await readFile(summaryFile, "utf8"), summary, "the first run's summary was overwritten");
      assert.equal((await emulatorStats(loopbackUrl)).requests.total, 0, "a request reached the emulator");

      // A folder that holds only another tool's files (the SDK preflight of npm start) is no run.
      await mkdir(path.join(root, "mine-2"));
      await writeFile(path.join(root, "mine-2", "verify.json"), "{}\n");
      const third = await runLoadTool({ ...env, GEMINI_RUN_ID: "mine-2" });
      assert.ok(third.exitCode === 0 || third.exitCode === 99, `the run did not complete (exit ${third.exitCode}):\n${third.stderr}`);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

async function runLoadTool(env: Record<string, string>): Promise<{ exitCode: number; stderr: string }> {
  const { code, stderr } = await runCaptured(process.execPath, ["--import", "tsx", "tools/run/run-load.ts"], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv(), ...env },
    timeoutMs: 60_000,
  });
  return { exitCode: code, stderr };
}
