// The API key must never leave the x-goog-api-key header: not on a command line, not in k6's
// output, not in any file of the run (metrics, summaries, run.json), not in the HTML report.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { adminClient } from "../helpers/emulator.ts";
import { patchEmulatorConfig, readAllFiles, runScenario, useScenarioRig } from "../helpers/k6.ts";

const rig = useScenarioRig();

test("a canary API key appears nowhere in command lines, stdout, stderr, results/<run-id>/ or the HTML report", async () => {
  const canary = `canary-key-${randomBytes(8).toString("hex")}`;
  await patchEmulatorConfig(rig.emulator.url, { requestLog: true });
  // Command lines are world-readable (`ps`): watch every process's while the run goes on.
  const seenInCommandLines = new Set<string>();
  let k6Seen = false;
  const watch = setInterval(() => {
    for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
      let commandLine = "";
      try {
        commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      } catch {
        continue; // the process ended meanwhile
      }
      if (commandLine.includes("dist/moderation.js")) k6Seen = true;
      if (commandLine.includes(canary)) seenInCommandLines.add(commandLine);
    }
  }, 200);
  const run = await runScenario({
    baseUrl: rig.emulator.url,
    resultsRoot: rig.resultsRoot,
    dashboard: true,
    env: { GEMINI_API_KEY: canary, GEMINI_SCENARIO: "closed", GEMINI_DURATION: "5s", GEMINI_VUS: "2" },
  }).finally(() => clearInterval(watch));
  assert.ok(k6Seen, "the watch never saw k6's command line, so it proves nothing");
  assert.deepEqual([...seenInCommandLines], [], "the key was on a command line");
  // Thresholds are the gate test's business; here the run only has to complete (0 or 99).
  assert.ok(run.exitCode === 0 || run.exitCode === 99, `k6 did not complete (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`);

  // The key was really in use, in the header and nowhere else in the request line.
  const calls = (await adminClient(rig.emulator.url).requests()).filter((request) => request.path.includes(":"));
  assert.ok(calls.length > 0, "the emulator logged no API calls");
  for (const call of calls) {
    assert.equal(call.headers["x-goog-api-key"], "[redacted]", `no key header on ${call.path}`);
    assert.equal(call.query.key, undefined, `key in the query of ${call.path}`);
  }

  assert.ok(run.reportPath && existsSync(run.reportPath), "the dashboard report was not written");
  const files = await readAllFiles(run.resultsDir);
  for (const expected of ["summary.json", "junit.xml", "run.json", "metrics.json.gz", "report.html"]) {
    assert.ok(files.has(expected), `results/<run-id>/ lacks ${expected}`);
  }
  assert.ok(!run.stdout.includes(canary), "the key is in k6's stdout");
  assert.ok(!run.stderr.includes(canary), "the key is in k6's stderr");
  for (const [name, text] of files) {
    assert.ok(text.length > 0, `${name} is empty`);
    assert.ok(!text.includes(canary), `the key is in results/<run-id>/${name}`);
  }
});
