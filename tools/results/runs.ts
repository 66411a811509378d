// `npm run runs`: lists the runs stored in InfluxDB with their scenario, model, start and duration.
import { EXIT, parseFlags, runCli } from "../cli.ts";
import { describeTarget, resolveInfluxTarget } from "./influx-query.ts";
import { listRuns, type StoredRun } from "./run-stats.ts";

/** The runs as a fixed-width table, oldest first. */
export function formatRuns(runs: StoredRun[]): string {
  const rows = [["run id", "scenario", "model", "start (UTC)", "duration", "commit"]];
  for (const run of runs) {
    const seconds = Math.round((run.end.getTime() - run.start.getTime()) / 1000);
    rows.push([
      run.testid,
      run.scenarios.join("+") || "–",
      run.models.join("+") || "–",
      run.start.toISOString().replace("T", " ").slice(0, 19),
      seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s` : `${seconds}s`,
      run.commit?.slice(0, 10) ?? "–",
    ]);
  }
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const USAGE = "usage: npm run runs [-- --influx http://127.0.0.1:8086/k6]";

async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { influx: { type: "string" } });
  const target = resolveInfluxTarget(values.influx);
  const runs = await listRuns(target);
  if (runs.length === 0) {
    process.stdout.write(
      `no runs stored in ${describeTarget(target)} yet: run with GEMINI_INFLUXDB_URL set, or \`npm run results:import -- <run-id>\`\n`,
    );
    return EXIT.ok;
  }
  process.stdout.write(`${formatRuns(runs)}\n`);
  return EXIT.ok;
}

runCli(import.meta.url, "runs", main, { usage: USAGE });
