// Writes the post-run figures to the run's InfluxDB database (measurement `gemini_verify`, tag
// `testid`), so the Grafana dashboards can show them next to k6's own metrics.
import { InfluxDB, Point } from "@influxdata/influxdb-client";

/** Where to write: the server root, the 1.x database, and `user:pass` credentials (or ""). */
export interface InfluxTarget {
  serverUrl: string;
  database: string;
  token: string;
}

/** The measurement name the dashboards query. */
export const VERIFY_MEASUREMENT = "gemini_verify";

/**
 * Splits a k6-style InfluxDB URL (`http://[user:pass@]host:8086/db`) into server, database and
 * token. k6 defaults the database to `k6`, so an URL without a path does too.
 */
export function parseInfluxUrl(url: string): InfluxTarget {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, "")) || "k6";
  const token = parsed.username ? `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` : "";
  return { serverUrl: `${parsed.protocol}//${parsed.host}`, database, token };
}

/** The target without credentials, for reports. */
export function describeInfluxTarget(target: InfluxTarget): string {
  return `${target.serverUrl}/${target.database}`;
}

async function ensureDatabase(target: InfluxTarget): Promise<void> {
  // k6 creates the database when it starts writing; verify may run first or alone, and
  // CREATE DATABASE is a no-op when it exists.
  const headers: Record<string, string> = {};
  if (target.token) headers.authorization = `Basic ${Buffer.from(target.token).toString("base64")}`;
  const body = new URLSearchParams({ q: `CREATE DATABASE "${target.database.replaceAll('"', '\\"')}"` });
  const response = await fetch(`${target.serverUrl}/query`, { method: "POST", headers, body });
  if (!response.ok) {
    throw new Error(`InfluxDB at ${describeInfluxTarget(target)} refused CREATE DATABASE: HTTP ${response.status}`);
  }
}

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
  await ensureDatabase(target);
  const client = new InfluxDB({ url: target.serverUrl, token: target.token, timeout: 10_000 });
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
  await writer.close();
  return written;
}
