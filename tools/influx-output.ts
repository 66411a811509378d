// How a run sends its samples to InfluxDB: k6's built-in InfluxDB v1 output, switched on by
// `GEMINI_INFLUXDB_URL`, with high-cardinality tags moved to fields so the database stays small.
import { InfluxError } from "./influx-query.ts";

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
 * empty when it is not. k6 itself reports a malformed URL, naming the output.
 */
export function influxOutputArgs(env: Record<string, string | undefined> = process.env): InfluxOutput {
  const url = env.GEMINI_INFLUXDB_URL?.trim();
  if (!url) return { args: [], env: {} };
  return {
    args: ["--out", `influxdb=${url}`],
    env: { K6_INFLUXDB_TAGS_AS_FIELDS: env.K6_INFLUXDB_TAGS_AS_FIELDS || TAGS_AS_FIELDS },
  };
}

/** Splits `vu:int,iter:int,url` into tag name → field type, as k6 does. */
export function parseTagsAsFields(spec: string = TAGS_AS_FIELDS): Map<string, "string" | "int" | "float" | "bool"> {
  const kinds = new Map<string, "string" | "int" | "float" | "bool">();
  for (const entry of spec.split(",").map((part) => part.trim()).filter(Boolean)) {
    const [name = "", kind = "string"] = entry.split(":");
    if (kind !== "string" && kind !== "int" && kind !== "float" && kind !== "bool") {
      throw new InfluxError(`invalid K6_INFLUXDB_TAGS_AS_FIELDS entry ${entry}: expected name[:string|int|float|bool]`);
    }
    kinds.set(name, kind);
  }
  return kinds;
}
