// The run tooling's own logic: which k6 is chosen, run ids, and what run.json may record.

import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { buildK6, ensureK6, isSuitableK6Version, parseK6Version } from "../../tools/setup/k6.ts";
import { SetupError } from "../../tools/errors.ts";
import {
  claimRunFolder,
  dashboardPeriodMs,
  extraOutputs,
  parseLoadArgs,
  publicSettings,
  redactUrl,
  runFolder,
} from "../../tools/run/run-load.ts";
import { scenarioMismatchWarnings, unknownVariableWarnings } from "../../tools/run/env-check.ts";
import {
  DEFAULT_RESULTS_ROOT,
  readRunJson,
  readSummaryJson,
  resolveResultsRoot,
  writeJsonAtomic,
  writeRunJson,
  type RunRecord,
} from "../../tools/results/store.ts";
import { REPO_ROOT } from "../../tools/paths.ts";
import { parseVerifyConfig } from "../../verify/config.ts";

describe("k6 selection", () => {
  test("parses the version line k6 prints", () => {
    assert.deepEqual(parseK6Version("k6 v2.2.0 (go1.26.8, linux/amd64)\n"), { major: 2, minor: 2, patch: 0 });
    assert.deepEqual(parseK6Version("k6 v2.10.3 (commit/abc, go1.25)"), { major: 2, minor: 10, patch: 3 });
    assert.equal(parseK6Version("command not found"), undefined);
  });

  test("accepts v2.2 and newer within v2 only", () => {
    assert.equal(isSuitableK6Version({ major: 2, minor: 2 }), true);
    assert.equal(isSuitableK6Version({ major: 2, minor: 7 }), true);
    assert.equal(isSuitableK6Version({ major: 2, minor: 1 }), false);
    assert.equal(isSuitableK6Version({ major: 1, minor: 9 }), false);
    assert.equal(isSuitableK6Version({ major: 3, minor: 0 }), false);
  });

  test("K6_BIN wins when it runs, and a broken K6_BIN is a one-line setup error", async () => {
    // Whatever setup chose (a k6 on PATH or .tools/bin/k6); with an empty PATH only K6_BIN can find it.
    const k6 = await ensureK6({ log: () => {} });
    assert.equal(await ensureK6({ env: { K6_BIN: k6, PATH: "" } }), k6);
    await assert.rejects(ensureK6({ env: { K6_BIN: "/nonexistent/k6", PATH: "" } }), (error: unknown) => {
      assert.ok(error instanceof SetupError);
      assert.match(error.message, /K6_BIN=\/nonexistent\/k6/);
      return true;
    });
  });

  test("building k6 without Go says how to get Go or point K6_BIN at a k6", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "gemini-k6-nogo-"));
    try {
      await assert.rejects(buildK6(path.join(dir, "k6"), { env: { PATH: dir }, log: () => {} }), (error: unknown) => {
        assert.ok(error instanceof SetupError);
        assert.match(error.message, /Go is not installed/);
        assert.match(error.message, /K6_BIN/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a suitable k6 on PATH is used as is", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "gemini-k6-path-"));
    try {
      await symlink(await ensureK6({ log: () => {} }), path.join(dir, "k6"));
      const chosen = await ensureK6({ env: { PATH: dir }, log: () => {} });
      assert.equal(chosen, path.join(dir, "k6"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("run bookkeeping", () => {
  test("recorded settings keep GEMINI_* values but drop keys and URL credentials", () => {
    const settings = publicSettings({
      GEMINI_RATE: "5",
      GEMINI_API_KEY: "secret-1",
      GEMINI_OTHER_TOKEN: "secret-2",
      GEMINI_BASE_URL: "https://user:secret-3@example.com/base?key=secret-4",
      HOME: "/root",
    });
    assert.deepEqual(settings, { GEMINI_BASE_URL: "https://example.com/base", GEMINI_RATE: "5" });
    assert.equal(redactUrl("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
  });

  test("the dashboard period gives short runs a report and long runs a small one", () => {
    assert.equal(dashboardPeriodMs({ durationMs: 5_000, scenario: "closed" }), 1000);
    assert.equal(dashboardPeriodMs({ durationMs: 250_000, scenario: "both" }), 5000);
    assert.equal(dashboardPeriodMs({ durationMs: 3_600_000, scenario: "open" }), 10_000);
  });

  test("InfluxDB is added as an output only when GEMINI_INFLUXDB_URL is set", () => {
    assert.deepEqual(extraOutputs({}), []);
    assert.deepEqual(extraOutputs({ GEMINI_INFLUXDB_URL: "http://127.0.0.1:8086/k6" }), ["--out", "influxdb=http://127.0.0.1:8086/k6"]);
  });

  test("command-line flags become the GEMINI_* variables the scenario reads", () => {
    const options = parseLoadArgs([
      "--scenario",
      "open",
      "--rate",
      "12",
      "--duration",
      "2m",
      "--vus",
      "7",
      "--profile",
      "fast",
      "--dashboard",
    ]);
    assert.equal(options.scenario, "open");
    assert.equal(options.profile, "fast");
    assert.equal(options.dashboard, true);
    assert.deepEqual(options.env, { GEMINI_DURATION: "2m", GEMINI_RATE: "12", GEMINI_VUS: "7" });
    assert.deepEqual(options.flags, {
      GEMINI_DURATION: "--duration",
      GEMINI_RATE: "--rate",
      GEMINI_VUS: "--vus",
      GEMINI_SCENARIO: "--scenario",
    });
    assert.throws(() => parseLoadArgs(["--bogus"]));
  });

  test("a relative GEMINI_RESULTS_DIR is taken from the folder npm was run in (INIT_CWD), not the repository", () => {
    const { resultsRoot, resultsDir } = runFolder(
      {},
      { GEMINI_RESULTS_DIR: "my-results", GEMINI_RUN_ID: "r1", INIT_CWD: "/home/someone/projects" },
    );
    assert.equal(resultsRoot, "/home/someone/projects/my-results");
    assert.equal(resultsDir, "/home/someone/projects/my-results/r1");
    assert.equal(
      runFolder({}, { GEMINI_RESULTS_DIR: "/abs/results", GEMINI_RUN_ID: "r1", INIT_CWD: "/elsewhere" }).resultsRoot,
      "/abs/results",
    );
    assert.equal(runFolder({}, { GEMINI_RESULTS_DIR: "rel", GEMINI_RUN_ID: "r1" }).resultsRoot, path.resolve("rel"));
  });

  test("two runs claiming the same run id at once: exactly one gets the folder, the other a one-line refusal", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "gemini-k6-claim-"));
    try {
      const dir = path.join(root, "same-id");
      const outcomes = await Promise.allSettled([claimRunFolder(dir), claimRunFolder(dir), claimRunFolder(dir)]);
      assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 1, "more than one run got the folder");
      for (const outcome of outcomes) {
        if (outcome.status === "fulfilled") continue;
        assert.ok(outcome.reason instanceof SetupError, String(outcome.reason));
        assert.match(outcome.reason.message, /run id same-id is taken/);
      }
      assert.equal(JSON.parse(await readFile(path.join(dir, "run.json"), "utf8")).runId, "same-id");
      // A claim released (the run never started) leaves the results root as it was.
      const winner = outcomes.find((o) => o.status === "fulfilled") as PromiseFulfilledResult<{ release(): Promise<void> }>;
      await winner.value.release();
      assert.deepEqual(await readdir(root), []);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test("an unwritable results folder is a one-line setup error naming the path and the fix", async () => {
    await assert.rejects(claimRunFolder(path.join(import.meta.dirname, "tools.test.ts", "r1")), (error: unknown) => {
      assert.ok(error instanceof SetupError, String(error));
      assert.match(
        error.message,
        /^cannot write .*tools\.test\.ts.* \((ENOTDIR|EEXIST)\): GEMINI_RESULTS_DIR must be a folder you can write to/,
      );
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  });

  test("unknown GEMINI_* variables get one warning each, with the likely name; flags the scenario ignores are named", () => {
    const warnings = unknownVariableWarnings({ GEMINI_SCENARO: "open", GEMINI_RATE: "5", GEMINI_ZZZ_UNRELATED_THING: "1", HOME: "/root" });
    assert.deepEqual(warnings, [
      "warning: GEMINI_SCENARO is not a setting of gemini-k6 and is ignored; did you mean GEMINI_SCENARIO?",
      "warning: GEMINI_ZZZ_UNRELATED_THING is not a setting of gemini-k6 and is ignored",
    ]);
    assert.match(unknownVariableWarnings({ GEMINI_INFLUX_URL: "x" })[0] ?? "", /did you mean GEMINI_INFLUXDB_URL\?/);
    assert.deepEqual(unknownVariableWarnings({ GEMINI_VUS: "3", GEMINI_EMULATOR_PROFILE: "fast" }), []);
    assert.match(scenarioMismatchWarnings("open", { vus: "--vus" })[0] ?? "", /^warning: --vus has no effect with scenario open/);
    assert.match(
      scenarioMismatchWarnings("closed", { rate: "GEMINI_RATE" })[0] ?? "",
      /^warning: GEMINI_RATE has no effect with scenario closed/,
    );
    assert.deepEqual(scenarioMismatchWarnings("both", { vus: "--vus", rate: "--rate" }), []);
  });
});

describe("the results store", () => {
  test("every tool resolves the results folder the same way: run, start, verify and import", () => {
    const env = {
      GEMINI_RESULTS_DIR: "my-results",
      GEMINI_RUN_ID: "r1",
      INIT_CWD: "/home/someone/projects",
      GEMINI_BASE_URL: "http://127.0.0.1:9",
    };
    const expected = "/home/someone/projects/my-results";
    assert.equal(resolveResultsRoot(env), expected);
    assert.equal(runFolder({}, env).resultsRoot, expected);
    assert.equal(parseVerifyConfig([], env).resultsDir, expected);
    // results:import's --results-dir is a relative path typed by the user too.
    assert.equal(resolveResultsRoot(env, "other"), "/home/someone/projects/other");
    assert.equal(resolveResultsRoot({}), DEFAULT_RESULTS_ROOT);
    assert.equal(DEFAULT_RESULTS_ROOT, path.join(REPO_ROOT, "results"));
  });

  test("run.json is written whole through a temporary file and read back typed; a claim alone is no run", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "gemini-k6-store-"));
    try {
      const record: RunRecord = {
        runId: "r1",
        scenario: "open",
        model: "gemini-2.5-flash",
        baseUrl: "http://127.0.0.1:9",
        emulatorProfile: null,
        emulatorStartedByRun: false,
        script: "dist/moderation.js",
        settings: { GEMINI_RATE: "5" },
        k6: { binary: "k6", version: null },
        gitCommit: null,
        startedAt: new Date(0).toISOString(),
      };
      await writeRunJson(dir, { runId: "r1", claimedAt: new Date(0).toISOString() });
      assert.equal(await readRunJson(dir), undefined, "a claim was read as a run");
      await writeRunJson(dir, record);
      assert.deepEqual(await readRunJson(dir), record);
      assert.deepEqual(await readdir(dir), ["run.json"], "a temporary file was left behind");
      assert.equal(await readSummaryJson(dir), undefined);
      await writeJsonAtomic(path.join(dir, "summary.json"), { runId: "r1" });
      await assert.rejects(readSummaryJson(dir), /summary\.json has no "metrics" object/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
