// How a run sends its samples to InfluxDB: k6's built-in InfluxDB v1 output, switched on by
// `GEMINI_INFLUXDB_URL`, with high-cardinality tags moved to fields so the database stays small.
import { InfluxError } from "../errors.ts";

/**
 * Tags that k6 would otherwise store as InfluxDB tags (one series per value): stored as fields.
 * `results:import` applies the same rule, so live and imported points are identical.
 */
export const TAGS_AS_FIELDS = "vu:int,iter:int,url";

/** The extra k6 arguments and environment for the InfluxDB output. */
export interface InfluxOutput {
  args: string[];
  env: Record<string, string>;
}

/**
 * `--out influxdb=<url>` plus `K6_INFLUXDB_TAGS_AS_FIELDS` when `GEMINI_INFLUXDB_URL` is set;
 * empty when it is not. Credentials in the URL travel as `K6_INFLUXDB_USERNAME`/`_PASSWORD`,
 * since arguments are visible to anyone via `ps`. k6 itself reports a malformed URL.
 */
export function influxOutputArgs(env: Record<string, string | undefined> = process.env): InfluxOutput {
  let url = env.GEMINI_INFLUXDB_URL?.trim();
  if (!url) return { args: [], env: {} };
  const extra: Record<string, string> = { K6_INFLUXDB_TAGS_AS_FIELDS: env.K6_INFLUXDB_TAGS_AS_FIELDS || TAGS_AS_FIELDS };
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      extra.K6_INFLUXDB_USERNAME = decodeURIComponent(parsed.username);
      extra.K6_INFLUXDB_PASSWORD = decodeURIComponent(parsed.password);
      parsed.username = "";
      parsed.password = "";
      url = parsed.toString().replace(/\/$/, "");
    }
  } catch {
    // left to k6, which names the malformed output URL
  }
  return { args: ["--out", `influxdb=${url}`], env: extra };
}

/** Splits `vu:int,iter:int,url` into tag name → field type, as k6 does. */
export function parseTagsAsFields(spec: string = TAGS_AS_FIELDS): Map<string, "string" | "int" | "float" | "bool"> {
  const kinds = new Map<string, "string" | "int" | "float" | "bool">();
  for (const entry of spec
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [name = "", kind = "string"] = entry.split(":");
    if (kind !== "string" && kind !== "int" && kind !== "float" && kind !== "bool") {
      throw new InfluxError(`invalid K6_INFLUXDB_TAGS_AS_FIELDS entry ${entry}: expected name[:string|int|float|bool]`);
    }
    kinds.set(name, kind);
  }
  return kinds;
}
