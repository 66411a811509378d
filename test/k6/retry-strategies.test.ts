// scenarios/retry-strategies.ts through `npm run experiment:retries`' runner: the same Poisson open load
// against the free tier (its minute compressed to 3 s), once per retry policy, measured by the emulator.
// Ours (RetryInfo-aware, with a budget) burns less quota per success than a fixed delay, and not retrying
// gets the least done.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { cleanEnv, tempResultsRoot } from "../helpers/k6.ts";
import { runCaptured } from "../helpers/exec.ts";
import { REPO_ROOT } from "../../tools/paths.ts";
import { formatRetryTable, runRetryExperiment, type RetryRow } from "../../tools/experiments/retries.ts";

let resultsRoot: string;
before(async () => {
  resultsRoot = await tempResultsRoot();
});
after(async () => {
  await rm(resultsRoot, { recursive: true, force: true });
});

test("under the free tier, ours sends fewer 429s per success than fixed delay, and no retry has the lowest goodput", async () => {
  const rows = await runRetryExperiment({ duration: "10s", rate: 4, resultsRoot, baseEnv: cleanEnv(), log: () => {} });
  const table = formatRetryTable(rows);
  const row = (policy: RetryRow["policy"]): RetryRow => {
    const found = rows.find((r) => r.policy === policy);
    assert.ok(found, `no row for ${policy}\n${table}`);
    return found;
  };
  for (const r of rows) {
    // The same offered load each time, and the quota did refuse some of it.
    assert.equal(r.requests, row("none").requests, table);
    assert.ok(r.requests >= 25, table);
    assert.ok(r.rateLimited > 0, `${r.policy} met no 429\n${table}`);
  }
  assert.ok(row("ours").rateLimitedPerSuccess < row("fixed").rateLimitedPerSuccess, table);
  for (const policy of ["ours", "fixed", "exponential"] as const) {
    assert.ok(row("none").goodput < row(policy).goodput, `none vs ${policy}\n${table}`);
  }
  // Not retrying sends each request once: one attempt per logical request.
  assert.equal(row("none").sent, row("none").requests, table);
});

test("npm run experiment:retries refuses an unknown policy in one line, exit 2, before any run", async () => {
  const result = await runCaptured(process.execPath, ["--import", "tsx", "tools/experiments/retries.ts", "--policies", "ours,hopeful"], {
    cwd: REPO_ROOT,
    env: cleanEnv(),
    timeoutMs: 30_000,
  });
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /^experiment:retries: invalid --policies: expected a comma-separated list of ours, none, fixed, exponential, got 'hopeful'\n/,
  );
});
