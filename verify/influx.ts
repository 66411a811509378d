// Writes the post-run figures to the run's InfluxDB database (measurement `gemini_verify`, tag
// `testid`), so the Grafana dashboards can show them next to k6's own metrics.
import { InfluxDB, Point, setLogger } from "@influxdata/influxdb-client";
import { createDatabase, type InfluxTarget } from "../tools/results/influx-query.ts";

/** The measurement name the dashboards query. */
export const VERIFY_MEASUREMENT = "gemini_verify";

/**
 * Writes one `gemini_verify` point tagged `testid` (and `kind`) with the given numeric fields,
 * through 1.8's `/api/v2/write` compatibility endpoint (bucket `db/autogen`, org ignored).
 */
export async function writeVerifyPoint(
  target: InfluxTarget,
  runId: string,
  kind: string,
  fields: Readonly<Record<string, number>>,
  time: Date = new Date(),
): Promise<number> {
  // k6 creates the database when it starts writing; verify may run first or alone. A user
  // without admin rights may not create it: then the write below says what is wrong.
  await createDatabase(target);
  // InfluxDB 1.8 reads the v2 token as "username:password"; an empty one means no auth.
  const token = target.username === undefined ? "" : `${target.username}:${target.password ?? ""}`;
  const client = new InfluxDB({ url: target.baseUrl, token, timeout: 10_000 });
  const writer = client.getWriteApi("", `${target.database}/autogen`, "ms", { maxRetries: 0 });
  const point = new Point(VERIFY_MEASUREMENT).tag("testid", runId).tag("kind", kind).timestamp(time);
  let written = 0;
  for (const [name, value] of Object.entries(fields)) {
    if (Number.isFinite(value)) {
      point.floatField(name, value);
      written++;
    }
  }
  if (written === 0) return 0;
  writer.writePoint(point);
  // The client logs failed writes with stack traces; the caller reports the failure once.
  const previousLogger = setLogger({ error: () => undefined, warn: () => undefined });
  try {
    await writer.close();
  } finally {
    setLogger(previousLogger);
  }
  return written;
}
