// Writes the post-run figures to the run's InfluxDB database (measurement `gemini_verify`, tag
// `testid`), so the Grafana dashboards can show them next to k6's own metrics.
import { Point } from "@influxdata/influxdb-client";
import type { InfluxTarget } from "../tools/results/influx-query.ts";
import { RUN_TAG, VERIFY_MEASUREMENT } from "../tools/results/influx-schema.ts";
import { writeInflux } from "../tools/results/influx-writer.ts";

/**
 * Writes one `gemini_verify` point tagged `testid` (and `kind`) with the given numeric fields
 * (non-finite ones left out) and returns how many fields it wrote. k6 creates the database when it
 * starts writing; verify may run first or alone, so the writer creates it too.
 */
export async function writeVerifyPoint(
  target: InfluxTarget,
  runId: string,
  kind: string,
  fields: Readonly<Record<string, number>>,
  time: Date = new Date(),
): Promise<number> {
  const point = new Point(VERIFY_MEASUREMENT).tag(RUN_TAG, runId).tag("kind", kind).timestamp(time);
  let written = 0;
  for (const [name, value] of Object.entries(fields)) {
    if (Number.isFinite(value)) {
      point.floatField(name, value);
      written++;
    }
  }
  if (written === 0) return 0;
  await writeInflux(target, { points: [point] }, { what: "the post-run figures" });
  return written;
}
