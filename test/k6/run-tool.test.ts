// `npm run load` as a user meets it: mistakes stop it in one line before anything runs (no folder
// left behind), and a run stopped with SIGTERM keeps its record and is reported as cut short.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { REPO_ROOT } from "../../tools/paths.ts";
import { runCaptured } from "../helpers/exec.ts";
import { cleanEnv, runK6Direct, useScenarioRig } from "../helpers/k6.ts";

const STACK_LINE = /^\s+at /m;

const rig = useScenarioRig();

function runLoadTool(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCaptured(process.execPath, ["--import", "tsx", "tools/run/run-load.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv(), GEMINI_RESULTS_DIR: rig.resultsRoot, ...env },
    timeoutMs: 60_000,
  });
}

describe("mistakes stop npm run load before the build, in one line, leaving no run folder", () => {
  test("a misspelled profile, with warnings for a misspelled variable and a flag the scenario ignores", async () => {
    const result = await runLoadTool(["--profile", "fastt", "--scenario", "open", "--vus", "3"], {
      GEMINI_RUN_ID: "typo-1",
      GEMINI_SCENARO: "closed",
    });
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stderr.trim().split("\n");
    assert.deepEqual(lines.slice(0, 2), [
      "warning: GEMINI_SCENARO is not a setting of gemini-k6 and is ignored; did you mean GEMINI_SCENARIO?",
      "warning: --vus has no effect with scenario open (a fixed arrival rate): set --rate, or choose --scenario closed or both",
    ]);
    assert.match(
      lines[2] ?? "",
      /^load: unknown emulator profile "fastt" \(--profile or GEMINI_EMULATOR_PROFILE\): expected one of .*fast/,
    );
    assert.equal(lines.length, 3, result.stderr);
    assert.equal(existsSync(path.join(rig.resultsRoot, "typo-1")), false, "an empty run folder was left behind");
  });

  test("a malformed GEMINI_INFLUXDB_URL, a bad --rate and an unwritable results folder are each one line", async () => {
    const influx = await runLoadTool([], { GEMINI_RUN_ID: "influx-1", GEMINI_INFLUXDB_URL: "127.0.0.1:8086/k6" });
    assert.equal(influx.code, 1);
    assert.match(influx.stderr, /^load: invalid GEMINI_INFLUXDB_URL "127\.0\.0\.1:8086\/k6": expected/);
    assert.equal(influx.stderr.trim().split("\n").length, 1, influx.stderr);
    assert.equal(existsSync(path.join(rig.resultsRoot, "influx-1")), false);

    const rate = await runLoadTool(["--rate", "abc"], { GEMINI_RUN_ID: "rate-1" });
    assert.equal(rate.code, 1);
    assert.match(rate.stderr, /^load: invalid --rate \(GEMINI_RATE\): expected a positive number/);

    const unwritable = await runLoadTool([], { GEMINI_RUN_ID: "file-1", GEMINI_RESULTS_DIR: path.join(REPO_ROOT, "README.md") });
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /^load: cannot write .*README\.md.*: GEMINI_RESULTS_DIR must be a folder you can write to/);
    assert.doesNotMatch(unwritable.stderr, STACK_LINE);
    assert.equal(unwritable.stderr.trim().split("\n").length, 1, unwritable.stderr);
    assert.deepEqual(await readdir(rig.resultsRoot), []);
  });

  test("--help prints the usage with the exit codes, and exits 0", async () => {
    const result = await runLoadTool(["--help"], {});
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^usage: npm run load/);
    assert.match(
      result.stdout,
      /Exit codes: 0 passed, 1 setup error, 2 usage error, else k6's \(99 thresholds crossed, 105 interrupted, 108 aborted/,
    );
  });
});

test("SIGTERM to the run's process group stops k6 gracefully: run.json gets its end, and the summary fails the run as cut short", async () => {
  const runDir = path.join(rig.resultsRoot, "term-1");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "tools/run/run-load.ts", "--scenario", "closed", "--duration", "20s", "--vus", "4", "--profile", "slow"],
    {
      cwd: REPO_ROOT,
      env: { ...cleanEnv(), GEMINI_RESULTS_DIR: rig.resultsRoot, GEMINI_RUN_ID: "term-1", GEMINI_BASE_URL: rig.emulator.url },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so the SIGTERM below goes to the whole group, as a CI job's cancel does.
      detached: true,
    },
  );
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  // Once k6 has passed setup() (its plan is printed there) and sent a few requests, stop it as CI would.
  const deadline = Date.now() + 60_000;
  while (!/gemini-k6 plan/.test(output) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
  await new Promise((done) => setTimeout(done, 4000));
  process.kill(-child.pid!, "SIGTERM");
  const code = await exited;

  assert.equal(code, 105, output);
  assert.match(output, /warning: --profile slow has no effect with GEMINI_BASE_URL set/);
  const run = JSON.parse(await readFile(path.join(runDir, "run.json"), "utf8")) as Record<string, unknown>;
  assert.equal(run.k6ExitCode, 105);
  assert.equal(typeof run.endedAt, "string");
  assert.equal(run.emulatorProfile, null, "--profile was ignored, so no profile is recorded");
  assert.equal(run.emulatorStartedByRun, false);

  const summary = JSON.parse(await readFile(path.join(runDir, "summary.json"), "utf8")) as {
    passed: boolean;
    cutShort?: { ranSeconds: number; plannedSeconds: number };
    load: { httpRequests: number; retries: number; preflightRequests: number };
    metrics: Record<string, { values: Record<string, number> }>;
  };
  assert.equal(summary.passed, false);
  assert.equal(summary.cutShort?.plannedSeconds, 20, output + JSON.stringify({ ...summary, metrics: undefined }));
  assert.ok((summary.cutShort?.ranSeconds ?? 99) < 15, JSON.stringify(summary.cutShort));
  assert.match(await readFile(path.join(runDir, "junit.xml"), "utf8"), /<failure message="run cut short: ran [\d.]+ s of the planned 20 s/);
  assert.match(output, /✗ run cut short: ran [\d.]+ s of the planned 20 s .* the run fails/);

  // The request counts add up: each request sent is a first attempt plus its retries; the rest is setup()'s preflight.
  const sent = summary.metrics.gemini_request_duration?.values.count ?? 0;
  assert.ok(sent > 0, "no request completed before SIGTERM");
  assert.equal(summary.load.preflightRequests, 1);
  assert.equal(summary.load.httpRequests, sent + summary.load.retries + 1);
  assert.match(
    output,
    new RegExp(`${sent} sent, ${summary.load.httpRequests} HTTP attempts incl\\. ${summary.load.retries} retries and 1 setup preflight;`),
  );
});

test("a bare k6 run warns about a GEMINI_* variable nothing reads", async () => {
  const result = await runK6Direct({
    GEMINI_BASE_URL: rig.emulator.url,
    GEMINI_SCENARIO: "closed",
    GEMINI_DURATION: "1s",
    GEMINI_VUS: "1",
    GEMINI_SCENARO: "open",
  });
  assert.ok([0, 99].includes(result.exitCode), result.stderr);
  assert.match(result.stderr, /level=warning msg="gemini-k6: GEMINI_SCENARO is not a setting of gemini-k6 and is ignored/);
  assert.doesNotMatch(result.stderr, /GEMINI_SCENARIO is not a setting/);
});
