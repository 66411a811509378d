// Bad configuration stops a run before its first request, naming the variable: through k6 itself
// (the gate users run in CI) and through `npm run load` (one clean line, no stack trace).

import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { after, before, beforeEach, describe, test } from "node:test";
import { start } from "../../emulator/index.ts";
import { REPO_ROOT } from "../../tools/k6.ts";
import { runCaptured } from "../helpers/exec.ts";
import { buildScenarios, cleanEnv, emulatorStats, resetEmulator, runK6Direct } from "../helpers/k6.ts";

/** An address of this machine that is not loopback, so a "remote" URL still reaches our emulator. */
function nonLoopbackAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === "IPv4" && !address.internal) return address.address;
    }
  }
  throw new Error("this machine has no non-loopback IPv4 address to stand in for a remote API");
}

let emulator: Awaited<ReturnType<typeof start>>;
let loopbackUrl: string;
let remoteUrl: string;

before(async () => {
  await buildScenarios();
  // Listening on every interface lets the "remote" cases prove no request was sent: had the run
  // started, the emulator would have counted it.
  emulator = await start({ port: 0, host: "0.0.0.0", profile: "fast" });
  loopbackUrl = `http://127.0.0.1:${emulator.port}`;
  remoteUrl = `http://${nonLoopbackAddress()}:${emulator.port}`;
});

beforeEach(async () => {
  await resetEmulator(loopbackUrl);
});

after(async () => {
  await emulator?.close();
});

interface BadCase {
  title: string;
  variable: RegExp;
  env: () => Record<string, string>;
}

const cases: BadCase[] = [
  { title: "a non-numeric GEMINI_RATE", variable: /GEMINI_RATE/, env: () => ({ GEMINI_BASE_URL: loopbackUrl, GEMINI_RATE: "fast" }) },
  { title: "an unknown GEMINI_SCENARIO", variable: /GEMINI_SCENARIO/, env: () => ({ GEMINI_BASE_URL: loopbackUrl, GEMINI_SCENARIO: "soak" }) },
  { title: "a remote GEMINI_BASE_URL without a key", variable: /GEMINI_API_KEY/, env: () => ({ GEMINI_BASE_URL: remoteUrl, GEMINI_MAX_REQUESTS: "10" }) },
  {
    title: "a remote GEMINI_BASE_URL with a key but no budget",
    variable: /GEMINI_MAX_REQUESTS|GEMINI_MAX_COST_USD/,
    env: () => ({ GEMINI_BASE_URL: remoteUrl, GEMINI_API_KEY: "test-key-not-secret" }),
  },
];

const STACK_LINE = /(^|\n|\\n)\s*(\\t)?at \S+:\d+:\d+|^\s+at /m;

describe("k6 run dist/moderation.js", () => {
  for (const badCase of cases) {
    test(`${badCase.title} exits non-zero before any request, naming the variable`, async () => {
      const result = await runK6Direct({ ...badCase.env(), GEMINI_SCENARIO: badCase.env().GEMINI_SCENARIO ?? "closed", GEMINI_DURATION: "3s" });
      assert.notEqual(result.exitCode, 0, `k6 accepted ${badCase.title}:\n${result.stdout}`);
      assert.match(result.stdout + result.stderr, badCase.variable);
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
    assert.ok(result.exitCode === 0 || result.exitCode === 99, `k6 did not complete (exit ${result.exitCode}):\n${result.stderr}`);
    assert.ok((await emulatorStats(loopbackUrl)).requests.total > 0, "no request reached the emulator through the non-loopback address");
  });
});

describe("npm run load", () => {
  for (const badCase of cases) {
    test(`${badCase.title} exits non-zero with one clean line naming the variable`, async () => {
      const result = await runLoadTool({ ...badCase.env(), GEMINI_DURATION: "3s" });
      assert.notEqual(result.exitCode, 0);
      assert.match(result.stderr, badCase.variable);
      assert.doesNotMatch(result.stderr, STACK_LINE, `stack trace in:\n${result.stderr}`);
      assert.equal(result.stderr.trim().split("\n").length, 1, `more than one line:\n${result.stderr}`);
      assert.equal((await emulatorStats(loopbackUrl)).requests.total, 0, "a request reached the emulator");
    });
  }
});

async function runLoadTool(env: Record<string, string>): Promise<{ exitCode: number; stderr: string }> {
  const { code, stderr } = await runCaptured(process.execPath, ["--import", "tsx", "tools/run-load.ts"], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv(), ...env },
    timeoutMs: 60_000,
  });
  return { exitCode: code, stderr };
}
