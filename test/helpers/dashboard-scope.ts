// What the dashboard panel tests query one run with: its time range and the variables selecting it.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Dashboard } from "../../tools/dashboards/builder.ts";
import type { RunLoadResult } from "../../tools/run/run-load.ts";
import type { VariableValue } from "./influxdb.ts";

/** The run's time range from its run.json (a second either side) and `board`'s variables: testid the run's, all others "All". */
export async function runScope(
  board: Dashboard,
  run: RunLoadResult,
): Promise<{ range: { from: number; to: number }; vars: Record<string, VariableValue> }> {
  const runJson = JSON.parse(await readFile(join(run.resultsDir, "run.json"), "utf8")) as { startedAt: string; endedAt: string };
  const range = { from: Date.parse(runJson.startedAt) - 1000, to: Date.parse(runJson.endedAt) + 1000 };
  const vars: Record<string, VariableValue> = {};
  for (const v of board.templating.list) {
    vars[v.name] = {
      values: v.name === "testid" ? [run.runId] : ["$__all"],
      multi: v.multi,
      includeAll: v.includeAll,
      ...(v.allValue ? { allValue: v.allValue } : {}),
    };
  }
  return { range, vars };
}
