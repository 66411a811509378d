// Real-API safety with real k6: GEMINI_MAX_REQUESTS is a hard cap on what reaches the service
// (requests, retries and the preflight together), and a redirect never carries the key elsewhere.
// The "remote" service is our emulator, reached through a non-loopback address of this machine.

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, test } from "node:test";
import { buildScenarios, emulatorStats, patchEmulatorConfig, resetEmulator, runK6Direct } from "../helpers/k6.ts";
import { startRemoteEmulator, type RemoteEmulator } from "../helpers/network.ts";

const KEY = "AIzaSafetyCanary0000000000000000000000";
/** k6's exit code when the script called exec.test.abort(). */
const K6_ABORTED = 108;

let remote: RemoteEmulator;

before(async () => {
  await buildScenarios();
  remote = await startRemoteEmulator();
});

beforeEach(async () => {
  await patchEmulatorConfig(remote.loopbackUrl, { faults: { errorRates: { "503": 0 } } });
  await resetEmulator(remote.loopbackUrl);
});

after(async () => {
  await remote?.close();
});

const remoteRun = (env: Record<string, string>) => runK6Direct({ GEMINI_BASE_URL: remote.remoteUrl, GEMINI_API_KEY: KEY, ...env });

test("the open model stops at GEMINI_MAX_REQUESTS: the service sees no more, and the run says why", async () => {
  // 12 − 1 preflight = 11, less a 10% retry share: 10 requests. At 10/s for 5 s the plan wants 51.
  const run = await remoteRun({ GEMINI_MAX_REQUESTS: "12", GEMINI_SCENARIO: "open", GEMINI_RATE: "10", GEMINI_DURATION: "5s" });
  const seen = (await emulatorStats(remote.loopbackUrl)).requests.total;
  assert.equal(run.exitCode, K6_ABORTED, run.stderr.slice(-2000));
  assert.ok(seen <= 12 && seen >= 10, `the service saw ${seen} requests for a budget of 12`);
  assert.match(run.stdout + run.stderr, /the request budget is spent \(GEMINI_MAX_REQUESTS=12/);
});

test("retries count against the budget: with half the answers 503, the service still sees no more than GEMINI_MAX_REQUESTS", async () => {
  await patchEmulatorConfig(remote.loopbackUrl, { faults: { errorRates: { "503": 0.5 } } });
  const run = await remoteRun({
    GEMINI_MAX_REQUESTS: "30",
    GEMINI_SCENARIO: "closed",
    GEMINI_VUS: "3",
    GEMINI_DURATION: "8s",
    GEMINI_MAX_ERROR_RATE: "1",
  });
  const seen = (await emulatorStats(remote.loopbackUrl)).requests.total;
  assert.ok(run.exitCode === K6_ABORTED || run.exitCode === 99, `k6 exit ${run.exitCode}: ${run.stderr.slice(-2000)}`);
  assert.ok(seen <= 30, `the service saw ${seen} requests for a budget of 30`);
  assert.ok(seen >= 20, `only ${seen} requests: the budget should be usable`);
});

test("a base URL that redirects is not followed: the preflight stops the run and the key never reaches the other host", async () => {
  const redirector: Server = createServer((req, res) => {
    res.writeHead(307, { location: `${remote.remoteUrl}${req.url ?? "/"}` });
    res.end();
  });
  await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
  try {
    const port = (redirector.address() as AddressInfo).port;
    const run = await runK6Direct({
      GEMINI_BASE_URL: `http://127.0.0.1:${port}`,
      GEMINI_API_KEY: KEY,
      GEMINI_SCENARIO: "open",
      GEMINI_DURATION: "3s",
    });
    assert.equal(run.exitCode, K6_ABORTED, run.stderr.slice(-2000));
    assert.match(run.stdout + run.stderr, /preflight failed \(HTTP 307\).*redirects elsewhere.*use the final address/);
    assert.equal((await emulatorStats(remote.loopbackUrl)).requests.total, 0, "the redirect target received a request");
    assert.ok(!(run.stdout + run.stderr).includes(KEY));
  } finally {
    await new Promise((resolve) => redirector.close(resolve));
  }
});
