// `npm run compare -- <runA> <runB> [--fail-on "p95:+10%,errors:+1pp"]`: two runs side by side
// from InfluxDB with deltas and a verdict; with `--fail-on` it is the baseline gate for CI
// (run A is the baseline, run B the candidate).
import { EXIT, parseFlags, runCli } from "../cli.ts";
import { UsageError } from "../errors.ts";
import { describeTarget, resolveInfluxTarget } from "./influx-query.ts";
import { readRunStats, type RunStats } from "./run-stats.ts";

type MetricKey = "p50" | "p95" | "p99" | "ttftP95" | "errorRate" | "throughput" | "tokensPerSecond" | "accuracy";

interface MetricInfo {
  key: MetricKey;
  label: string;
  /** How the value is shown and how its delta is measured. */
  kind: "ms" | "rate" | "perSecond";
  /** The direction that is worse. */
  worse: "up" | "down";
}

/** The compared metrics, by the name `--fail-on` uses. */
export const METRICS: Record<string, MetricInfo> = {
  p50: { key: "p50", label: "latency p50 (ms)", kind: "ms", worse: "up" },
  p95: { key: "p95", label: "latency p95 (ms)", kind: "ms", worse: "up" },
  p99: { key: "p99", label: "latency p99 (ms)", kind: "ms", worse: "up" },
  ttft: { key: "ttftP95", label: "time to first token p95 (ms)", kind: "ms", worse: "up" },
  errors: { key: "errorRate", label: "error rate", kind: "rate", worse: "up" },
  throughput: { key: "throughput", label: "throughput (req/s)", kind: "perSecond", worse: "down" },
  tokens: { key: "tokensPerSecond", label: "output tokens/s", kind: "perSecond", worse: "down" },
  accuracy: { key: "accuracy", label: "moderation accuracy", kind: "rate", worse: "down" },
};

/** One `--fail-on` rule: fail when the metric moves in `direction` by more than `limit` `unit`. */
export interface GateRule {
  text: string;
  metric: string;
  direction: "up" | "down";
  limit: number;
  unit: "%" | "pp" | "ms";
}

const RULE_HELP =
  'expected comma-separated rules like "p95:+10%,errors:+1pp,throughput:-5%" (metrics: ' +
  `${Object.keys(METRICS).join(", ")}; units: % for any metric, ms for latencies, pp for rates)`;

/** Parses `--fail-on`; every malformed rule is a `UsageError` quoting it. */
export function parseFailOn(spec: string): GateRule[] {
  const rules: GateRule[] = [];
  for (const text of spec.split(",").map((part) => part.trim())) {
    const match = /^([a-z0-9]+):([+-]?)(\d+(?:\.\d+)?)(%|pp|ms)$/i.exec(text);
    const [, name = "", sign, amount, unitText = ""] = match ?? [];
    const metric = name.toLowerCase();
    const info = match ? METRICS[metric] : undefined;
    if (!info) throw new UsageError(`invalid --fail-on rule ${JSON.stringify(text)}: ${RULE_HELP}`);
    const unit = unitText.toLowerCase() as GateRule["unit"];
    if (unit === "pp" && info.kind !== "rate")
      throw new UsageError(`invalid --fail-on rule ${JSON.stringify(text)}: pp applies to rates (errors, accuracy); use % for ${name}`);
    if (unit === "ms" && info.kind !== "ms")
      throw new UsageError(
        `invalid --fail-on rule ${JSON.stringify(text)}: ms applies to latencies (p50, p95, p99, ttft); use % for ${name}`,
      );
    rules.push({ text, metric, direction: sign === "+" ? "up" : sign === "-" ? "down" : info.worse, limit: Number(amount), unit });
  }
  return rules;
}

/** The change from A to B in the rule's unit; undefined when either side has no value. */
export function delta(a: number | undefined, b: number | undefined, unit: GateRule["unit"]): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (unit === "pp") return (b - a) * 100;
  if (unit === "ms") return b - a;
  if (a === 0) return b === 0 ? 0 : b > 0 ? Infinity : -Infinity;
  return ((b - a) / a) * 100;
}

/** The rules a comparison breaks, each with a sentence saying how. */
export function checkRules(a: RunStats, b: RunStats, rules: GateRule[]): { broken: string[]; missing: string[] } {
  const broken: string[] = [];
  const missing: string[] = [];
  for (const rule of rules) {
    const info = METRICS[rule.metric];
    if (!info) throw new UsageError(`unknown metric in --fail-on rule ${JSON.stringify(rule.text)}: ${RULE_HELP}`);
    const change = delta(a[info.key], b[info.key], rule.unit);
    if (change === undefined) {
      missing.push(`${rule.text} (${a[info.key] === undefined ? a.testid : b.testid} has no ${info.label})`);
      continue;
    }
    const moved = rule.direction === "up" ? change : -change;
    if (moved > rule.limit) broken.push(`${info.label} ${formatDelta(change, rule.unit)} breaks ${rule.text}`);
  }
  return { broken, missing };
}

function formatValue(value: number | undefined, info: MetricInfo): string {
  if (value === undefined) return "–";
  if (info.kind === "rate") return `${(value * 100).toFixed(2)}%`;
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

function formatDelta(change: number | undefined, unit: GateRule["unit"]): string {
  if (change === undefined) return "–";
  if (!Number.isFinite(change)) return change > 0 ? "+inf%" : "-inf%";
  const sign = change > 0 ? "+" : change < 0 ? "-" : "±";
  return `${sign}${Math.abs(change).toFixed(unit === "ms" ? 1 : 2)}${unit}`;
}

/** The side-by-side table (plain text, fixed-width columns). */
export function formatComparison(a: RunStats, b: RunStats): string {
  const header = ["", `A ${a.testid}`, `B ${b.testid}`, "delta"];
  const rows: string[][] = [header];
  rows.push(["requests", String(a.requests), String(b.requests), formatDelta(delta(a.requests, b.requests, "%"), "%")]);
  for (const info of Object.values(METRICS)) {
    const unit = info.kind === "rate" ? "pp" : "%";
    rows.push([
      info.label,
      formatValue(a[info.key], info),
      formatValue(b[info.key], info),
      formatDelta(delta(a[info.key], b[info.key], unit), unit),
    ]);
  }
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows
    .map((row) =>
      row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join("  "),
    )
    .join("\n");
}

/** A one-line summary when no gate is given: which run is faster and which has more errors. */
export function summary(a: RunStats, b: RunStats): string {
  const parts: string[] = [];
  const p95 = delta(a.p95, b.p95, "%");
  if (p95 !== undefined)
    parts.push(
      Math.abs(p95) < 1 ? "p95 latency about the same" : `p95 latency ${p95 > 0 ? "higher" : "lower"} by ${Math.abs(p95).toFixed(1)}%`,
    );
  const errors = delta(a.errorRate, b.errorRate, "pp");
  if (errors !== undefined)
    parts.push(
      Math.abs(errors) < 0.01 ? "error rate unchanged" : `error rate ${errors > 0 ? "up" : "down"} ${Math.abs(errors).toFixed(2)}pp`,
    );
  return `B against A: ${parts.join(", ") || "no comparable metrics"}`;
}

const USAGE =
  'usage: npm run compare -- <baseline-run-id> <candidate-run-id> [--fail-on "p95:+10%,errors:+1pp"]… [--influx http://127.0.0.1:8086/k6]';

async function main(argv: string[]): Promise<number> {
  // --fail-on may be repeated: every rule of every occurrence applies.
  const { values, positionals: positional } = parseFlags(
    argv,
    { "fail-on": { type: "string", multiple: true }, influx: { type: "string" } },
    { positionals: true },
  );
  const [first, second] = positional;
  if (positional.length !== 2 || first === undefined || second === undefined) throw new UsageError(USAGE);
  const rules = values["fail-on"] ? parseFailOn(values["fail-on"].join(",")) : [];
  const target = resolveInfluxTarget(values.influx);
  const [a, b] = await Promise.all([readRunStats(target, first), readRunStats(target, second)]);
  process.stdout.write(`runs from ${describeTarget(target)}\n${formatComparison(a, b)}\n\n`);
  if (rules.length === 0) {
    process.stdout.write(`verdict: ${summary(a, b)}\n`);
    return EXIT.ok;
  }
  const { broken, missing } = checkRules(a, b, rules);
  if (missing.length > 0) throw new UsageError(`cannot check ${missing.join("; ")}`);
  if (broken.length > 0) {
    process.stdout.write(`verdict: FAIL, ${b.testid} regressed against ${a.testid}: ${broken.join("; ")}\n`);
    return EXIT.regression;
  }
  process.stdout.write(`verdict: PASS, ${b.testid} holds every rule against ${a.testid} (${rules.map((rule) => rule.text).join(", ")})\n`);
  return EXIT.ok;
}

runCli(import.meta.url, "compare", main, { usage: USAGE });
