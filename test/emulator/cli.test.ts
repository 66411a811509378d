// CLI: prints its URL on one line, serves, stops cleanly on SIGTERM and SIGINT, and rejects bad flags and
// configs with one line naming the problem (exit 2, no stack trace).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnEmulator, REPO_ROOT, TEST_KEY } from "../helpers/emulator.ts";
import { rawExchange } from "../helpers/raw-http.ts";

const dir = mkdtempSync(join(tmpdir(), "emu-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI to completion (it must exit by itself) and returns its exit code and output. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "emulator/cli.ts", ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`CLI did not exit: ${stdout} ${stderr}`));
    }, 20_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test("prints one line with its URL, serves the API, and exits 0 on SIGTERM", async () => {
  const emu = await spawnEmulator(["--profile", "fast", "--seed", "5"]);
  assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const r = await fetch(`${emu.url}/v1beta/models/gemini-2.5-flash`, { headers: { "x-goog-api-key": TEST_KEY } });
  assert.equal(r.status, 200);
  assert.equal(((await r.json()) as { name: string }).name, "models/gemini-2.5-flash");
  const config = (await emu.admin.config()) as { seed: number; profile: string };
  assert.deepEqual([config.seed, config.profile], [5, "fast"]);
  assert.equal(await emu.stop(), 0);
  assert.equal(emu.stderr(), "");
});

test("--request-timeout sets how long a request may take to arrive: a stalled upload gets 408 after it", async () => {
  const emu = await spawnEmulator(["--profile", "fast", "--request-timeout", "400"]);
  try {
    const stalled = Buffer.from(
      `POST /v1beta/models/gemini-2.5-flash:generateContent HTTP/1.1\r\nHost: x\r\nx-goog-api-key: ${TEST_KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"con`,
    );
    const started = performance.now();
    // The default timeout is 60 s: an answer within this client's 10 s can only come from the flag.
    const result = await rawExchange(Number(new URL(emu.url).port), stalled, { timeoutMs: 10_000 });
    const elapsed = performance.now() - started;
    assert.equal(result.timedOut, false, "the emulator must close the stalled upload itself");
    assert.equal(result.status, 408);
    assert.ok(elapsed >= 350, `closed after ${Math.round(elapsed)} ms, before the 400 ms timeout`);
  } finally {
    await emu.stop();
  }
});

test("SIGINT also stops it cleanly, and --no-admin hides the admin API", async () => {
  const emu = await spawnEmulator(["--profile", "zero-latency", "--no-admin"]);
  assert.equal((await fetch(`${emu.url}/__emulator/health`)).status, 404);
  const exit = new Promise<number | null>((resolve) => emu.child.on("exit", (code) => resolve(code)));
  emu.child.kill("SIGINT");
  assert.equal(await exit, 0);
});

test("the startup line has the contract's form", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "emulator/cli.ts", "--port", "0"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const line = await new Promise<string>((resolve) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("\n")) resolve(out);
    });
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.kill("SIGTERM");
  assert.match(line, /^gemini-emulator listening on http:\/\/127\.0\.0\.1:\d+ \(profile realistic\)\n$/);
  assert.equal(await exit, 0);
});

test("bad flags and configs exit 2 with one line naming the problem", async () => {
  const badJson = join(dir, "bad.json");
  writeFileSync(badJson, "{ not json");
  const badField = join(dir, "field.json");
  writeFileSync(badField, JSON.stringify({ faults: { errorRates: { "503": 1.5 } } }));
  const cases: Array<[string[], RegExp]> = [
    [["--bogus"], /unknown option --bogus: accepted options are --port, --host/],
    [["--port", "99999"], /invalid --port "99999"/],
    [["--port"], /option --port needs a value/],
    [["--port", "1", "--port", "2"], /option --port is given twice/],
    [["stray"], /unexpected argument stray/],
    [["--seed=-3"], /invalid --seed "-3"/],
    [["--seed", "-3"], /'--seed'/],
    [["--request-timeout", "0"], /invalid --request-timeout "0": expected a whole number of milliseconds/],
    [["--request-timeout", "2s"], /invalid --request-timeout "2s"/],
    [["--profile", "turbo"], /unknown profile "turbo": expected one of realistic, fast, zero-latency, degraded/],
    [["--config", join(dir, "missing.json")], /cannot read config file ".*missing\.json"/],
    [["--config", badJson], /config file ".*bad\.json" is not valid JSON/],
    [["--config", badField], /"faults\.errorRates\.503": expected a number between 0 and 1, got 1\.5/],
  ];
  await Promise.all(
    cases.map(async ([args, pattern]) => {
      const { code, stdout, stderr } = await runCli(args.includes("--port") ? args : ["--port", "0", ...args]);
      assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
      assert.equal(stdout, "");
      assert.match(stderr, pattern);
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
      assert.ok(!/\n\s+at /.test(stderr), "no stack trace");
    }),
  );
});
