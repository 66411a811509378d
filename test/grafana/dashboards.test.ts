// The committed dashboards are exactly what `npm run dashboards` generates, with stable uids,
// the variables the issue asks for, and raw InfluxQL targets on the provisioned datasource.
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { DASHBOARD_DIR, dashboards, serialize } from "../../tools/dashboards/generate.ts";
import type { Dashboard, Panel } from "../../tools/dashboards/builder.ts";
import { REPO_ROOT } from "../../tools/paths.ts";
import { runCaptured } from "../helpers/exec.ts";

const committed = (file: string): string => readFileSync(join(DASHBOARD_DIR, file), "utf8");
const queryPanels = (board: Dashboard): Panel[] => board.panels.filter((panel) => panel.type !== "row");

test("the committed dashboard JSON is not stale (run `npm run dashboards` after changing the generator)", () => {
  const generated = dashboards();
  assert.deepEqual(Object.keys(generated).sort(), ["compare-runs.json", "gemini-load-test.json"]);
  for (const [file, board] of Object.entries(generated)) {
    assert.equal(committed(file), serialize(board), `grafana/dashboards/${file} differs from the generator's output`);
  }
});

test("dashboards have stable uids and the run, scenario and model variables", () => {
  const load = JSON.parse(committed("gemini-load-test.json")) as Dashboard;
  const compare = JSON.parse(committed("compare-runs.json")) as Dashboard;
  assert.equal(load.uid, "gemini-load-test");
  assert.equal(compare.uid, "gemini-compare-runs");
  assert.deepEqual(
    load.templating.list.map((variable) => variable.name),
    ["testid", "scenario", "model"],
  );
  assert.equal(load.templating.list[0]!.multi, false);
  const runs = compare.templating.list.find((variable) => variable.name === "testid");
  assert.ok(runs?.multi, "compare-runs selects two or more runs");
  assert.ok(
    load.annotations.list.some((annotation) => annotation.query?.includes('"gemini_run"')),
    "run annotations shown",
  );
});

test("every panel has a unique title and id and only raw InfluxQL targets on the gemini-influxdb datasource", () => {
  for (const board of Object.values(dashboards())) {
    const panels = queryPanels(board);
    assert.equal(new Set(board.panels.map((panel) => panel.id)).size, board.panels.length, `${board.uid}: duplicate panel ids`);
    assert.equal(new Set(panels.map((panel) => panel.title)).size, panels.length, `${board.uid}: duplicate titles`);
    for (const panel of panels) {
      assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has no query`);
      for (const target of panel.targets) {
        assert.equal(target.datasource.uid, "gemini-influxdb");
        assert.equal(target.rawQuery, true);
        assert.match(target.query, /^(SELECT|SHOW) /);
      }
      const { x, w } = panel.gridPos;
      assert.ok(x >= 0 && x + w <= 24, `${panel.title} does not fit the 24-column grid`);
    }
  }
});

test("the load-test dashboard covers what the issue lists", () => {
  const titles = queryPanels(dashboards()["gemini-load-test.json"]!)
    .map((panel) => panel.title)
    .join(" | ");
  for (const wanted of [
    /offered vs achieved/,
    /Virtual users/,
    /Request duration/,
    /Time to first token/,
    /Time per output token/,
    /Tokens per second/,
    /by status/,
    /Retries/,
    /Moderation accuracy/,
    /Dropped iterations/,
  ]) {
    assert.match(titles, wanted);
  }
  const latency = queryPanels(dashboards()["gemini-load-test.json"]!).find((panel) => panel.title.startsWith("Request duration"))!;
  assert.match(latency.targets![0]!.query, /percentile\("value", 50\).*percentile\("value", 95\).*percentile\("value", 99\)/);
  assert.ok(
    latency.fieldConfig?.defaults.thresholds?.steps.some((step) => step.value === 8000),
    "p95 threshold line",
  );
});

test("`npm run dashboards -- --help` prints its usage and writes nothing; an unknown argument is refused", async () => {
  const mtimes = () => Object.keys(dashboards()).map((file) => statSync(join(DASHBOARD_DIR, file)).mtimeMs);
  const before = mtimes();
  const help = await runCaptured(process.execPath, ["--import", "tsx", "tools/dashboards/generate.ts", "--help"], {
    cwd: REPO_ROOT,
    env: process.env,
    timeoutMs: 30_000,
  });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^usage: npm run dashboards/);
  assert.doesNotMatch(help.stdout, /wrote/);
  const unknown = await runCaptured(process.execPath, ["--import", "tsx", "tools/dashboards/generate.ts", "--out", "x"], {
    cwd: REPO_ROOT,
    env: process.env,
    timeoutMs: 30_000,
  });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^dashboards: unknown option --out: accepted options are --help\nusage: npm run dashboards/);
  assert.deepEqual(mtimes(), before, "a dashboard file was rewritten");
});
