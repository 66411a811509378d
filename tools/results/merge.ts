// `npm run results:merge -- <run-dir>... [--out <dir>]`: joins the runners of one distributed run
// (each its own summary.json and metrics.json.gz, docs/distributed-and-ci.md) into one run's folder:
// counts summed, percentiles computed again from every sample (an average of percentiles is not a
// percentile), thresholds evaluated again on the merged figures, the samples concatenated.
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { junitXml, type LoadReport, type SummaryFile, type SummaryMetric, type ThresholdResult } from "../../lib/summary.ts";
import { EXIT, parseFlags, runCli } from "../cli.ts";
import { UsageError } from "../errors.ts";
import { readK6Points } from "./import.ts";
import { readSummaryJson, resolveResultsRoot, runDir, writeJsonAtomic } from "./store.ts";

/** One runner's folder, read. */
export interface RunnerFolder {
  dir: string;
  summary: SummaryFile;
}

/** k6's percentile: linear interpolation between the closest ranks of the sorted samples. */
export function k6Percentile(sorted: ArrayLike<number>, fraction: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  if (n === 1) return sorted[0] as number;
  const index = fraction * (n - 1);
  const lower = Math.floor(index);
  if (lower >= n - 1) return sorted[n - 1] as number;
  const a = sorted[lower] as number;
  const b = sorted[lower + 1] as number;
  return a + (b - a) * (index - lower);
}

/** A summary metric key, "http_req_duration{expected_response:true}", as its name and tag filter. */
export function parseMetricKey(key: string): { name: string; tags: Record<string, string> } {
  const match = /^([^{]+)(?:\{(.*)\})?$/.exec(key);
  const tags: Record<string, string> = {};
  for (const pair of match?.[2]?.split(",") ?? []) {
    const at = pair.indexOf(":");
    if (at > 0) tags[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return { name: match?.[1] ?? key, tags };
}

/** A trend's summary values from its samples, as k6 reports them. */
export function trendValues(samples: number[]): Record<string, number> {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    avg: n === 0 ? 0 : sum / n,
    min: n === 0 ? 0 : (sorted[0] as number),
    med: k6Percentile(sorted, 0.5),
    max: n === 0 ? 0 : (sorted[n - 1] as number),
    "p(90)": k6Percentile(sorted, 0.9),
    "p(95)": k6Percentile(sorted, 0.95),
    "p(99)": k6Percentile(sorted, 0.99),
    count: n,
  };
}

/** Every trend's samples across the runners' metrics.json.gz, by summary metric key. */
async function trendSamples(folders: RunnerFolder[], keys: string[]): Promise<Map<string, number[]>> {
  const wanted = keys.map((key) => ({ key, ...parseMetricKey(key) }));
  const samples = new Map<string, number[]>(keys.map((key) => [key, []]));
  for (const folder of folders) {
    for await (const point of readK6Points(path.join(folder.dir, "metrics.json.gz"))) {
      for (const want of wanted) {
        if (want.name !== point.metric) continue;
        const tags = point.data.tags ?? {};
        if (Object.entries(want.tags).every(([tag, value]) => tags[tag] === value)) samples.get(want.key)?.push(point.data.value);
      }
    }
  }
  return samples;
}

/** Evaluates one k6 threshold expression ("p(95)<8000", "rate<=0.05", "count>=0") on merged values. */
export function evaluateThreshold(expression: string, values: Record<string, number>): { ok: boolean; actual: number | undefined } {
  const match = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(<=|>=|==|!=|<|>|===)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/.exec(expression);
  if (!match) throw new UsageError(`cannot evaluate threshold "${expression}" on the merged run`);
  const [, aggregation = "", operator, limitText = ""] = match;
  const actual = values[aggregation];
  if (actual === undefined) return { ok: false, actual: undefined };
  const limit = Number(limitText);
  const ok =
    operator === "<"
      ? actual < limit
      : operator === "<="
        ? actual <= limit
        : operator === ">"
          ? actual > limit
          : operator === ">="
            ? actual >= limit
            : operator === "!="
              ? actual !== limit
              : actual === limit;
  return { ok, actual };
}

/** Settings of the run, from a runner's summary.json config. */
interface RunSettings {
  budget?: { maxRequests?: number; maxCostUsd?: number };
  runners?: number;
}

/**
 * A runner's threshold as the whole run has it: the budget thresholds of a runner are its share
 * (lib/segments.ts), the merged run is held to the whole budget.
 */
function runExpression(metric: string, expression: string, settings: RunSettings): string {
  const max = settings.budget?.maxRequests;
  if (metric === "http_reqs" && max !== undefined && /^count<=/.test(expression)) return `count<=${max}`;
  const cost = settings.budget?.maxCostUsd;
  if (metric === "gemini_cost_usd" && cost !== undefined && /^count<=/.test(expression)) return `count<=${cost}`;
  return expression;
}

/** Always-true thresholds that only keep a sub-metric (lib/thresholds.ts); not a criterion. */
const bookkeeping = (expression: string) => /^\s*(rate|count|max)\s*>=\s*0\s*$/.test(expression);

/** Sums the runners' load figures: offered and achieved rates add up because each runner ran its share. */
function mergeLoad(loads: LoadReport[]): LoadReport {
  const total = (pick: (load: LoadReport) => number | undefined) => loads.reduce((sum, load) => sum + (pick(load) ?? 0), 0);
  const merged: LoadReport = {
    httpRequests: total((l) => l.httpRequests),
    retries: total((l) => l.retries),
    preflightRequests: total((l) => l.preflightRequests),
  };
  if (loads.some((l) => l.open)) {
    merged.open = {
      offeredRate: total((l) => l.open?.offeredRate),
      achievedRate: total((l) => l.open?.achievedRate),
      iterations: total((l) => l.open?.iterations),
      dropped: total((l) => l.open?.dropped),
      httpRequests: total((l) => l.open?.httpRequests),
    };
  }
  if (loads.some((l) => l.closed)) {
    merged.closed = {
      peakVus: Math.max(...loads.map((l) => l.closed?.peakVus ?? 0)),
      achievedRate: total((l) => l.closed?.achievedRate),
      iterations: total((l) => l.closed?.iterations),
    };
  }
  return merged;
}

/** Checks that the folders are the runners of one run, each once; returns the run id. */
export function checkRunners(folders: RunnerFolder[]): string {
  const ids = [...new Set(folders.map((f) => f.summary.runId))];
  if (ids.length !== 1) throw new UsageError(`the folders hold different runs (${ids.join(", ")}): merge the runners of one run id`);
  const instances = folders.map((f) => f.summary.runner?.instance);
  const missing = folders.filter((f) => f.summary.runner === undefined).map((f) => f.dir);
  if (missing.length > 0)
    throw new UsageError(
      `${missing.join(", ")} ${missing.length === 1 ? "is not a runner" : "are not runners"} of a distributed run (summary.json has no runner)`,
    );
  const twice = instances.filter((instance, i) => instances.indexOf(instance) !== i);
  if (twice.length > 0) throw new UsageError(`runner ${twice[0]} is given twice`);
  const runners = folders[0]?.summary.runner?.runners ?? 0;
  if (folders.length !== runners) {
    const have = instances.join(", ");
    throw new UsageError(`run ${ids[0]} had ${runners} runners but ${folders.length} were given (${have}): give every runner's folder`);
  }
  return ids[0] as string;
}

/** Merges the runners' summaries and samples into one run's summary.json. */
export async function mergeRunners(folders: RunnerFolder[]): Promise<{ summary: SummaryFile; criteria: ThresholdResult[] }> {
  const runId = checkRunners(folders);
  const first = folders[0]?.summary as SummaryFile;
  const durationMs = Math.max(...folders.map((f) => f.summary.testRunDurationMs));
  const keys = [...new Set(folders.flatMap((f) => Object.keys(f.summary.metrics)))];
  const trendKeys = keys.filter((key) => folders.some((f) => f.summary.metrics[key]?.type === "trend"));
  const samples = await trendSamples(folders, trendKeys);
  const metrics: Record<string, SummaryMetric> = {};
  const settings = (first.config ?? {}) as RunSettings;
  const criteria: ThresholdResult[] = [];
  for (const key of keys) {
    const entries = folders.map((f) => f.summary.metrics[key]).filter((entry) => entry !== undefined);
    const kind = entries[0] as SummaryMetric;
    const sumOf = (stat: string) => entries.reduce((sum, entry) => sum + (entry.values[stat] ?? 0), 0);
    let values: Record<string, number>;
    if (kind.type === "trend") values = trendValues(samples.get(key) ?? []);
    else if (kind.type === "counter") values = { count: sumOf("count"), rate: sumOf("count") / (durationMs / 1000) };
    else if (kind.type === "rate") {
      const passes = sumOf("passes");
      const fails = sumOf("fails");
      values = { passes, fails, rate: passes + fails === 0 ? 0 : passes / (passes + fails) };
    } else
      values = { value: Math.max(...entries.map((e) => e.values.value ?? 0)), max: Math.max(...entries.map((e) => e.values.max ?? 0)) };
    const thresholds: Record<string, { ok: boolean }> = {};
    for (const expression of Object.keys(kind.thresholds ?? {})) {
      const whole = runExpression(key, expression, settings);
      const { ok, actual } = evaluateThreshold(whole, values);
      thresholds[whole] = { ok };
      if (!bookkeeping(whole)) criteria.push({ metric: key, expression: whole, ok, actual });
    }
    metrics[key] = { type: kind.type, contains: kind.contains, values, ...(kind.thresholds ? { thresholds } : {}) };
  }
  // A runner cut short means the run did not apply its planned load.
  const short = folders.filter((f) => f.summary.cutShort !== undefined);
  if (short.length > 0) {
    criteria.push({
      metric: "run",
      expression: "every runner completed its planned load",
      ok: false,
      actual: undefined,
      failure: `runner ${short.map((f) => f.summary.runner?.instance).join(", ")} ended before its planned load`,
    });
  }
  const { runner: _runner, cutShort: _cut, ...rest } = first;
  const summary: SummaryFile = {
    ...rest,
    runId,
    passed: criteria.every((c) => c.ok),
    ...(short.length > 0 ? { cutShort: short[0]?.summary.cutShort } : {}),
    load: mergeLoad(folders.map((f) => f.summary.load)),
    thresholds: criteria.filter((c) => c.metric !== "run").map((c) => ({ ...c, actual: c.actual ?? null })),
    testRunDurationMs: durationMs,
    metrics,
  };
  // Windows, spike and breakpoint figures are per runner; their merged form is left to the dashboards.
  delete summary.windows;
  delete summary.spike;
  delete summary.breakpoint;
  return { summary, criteria };
}

const USAGE = "usage: npm run results:merge -- <runner-folder>... [--out <folder>] (default --out: results/<run-id>)";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { out: { type: "string" } }, { positionals: true });
  if (positionals.length < 2) throw new UsageError(`give the folders of at least two runners; ${USAGE}`);
  const folders: RunnerFolder[] = [];
  for (const given of positionals) {
    const dir = path.resolve(process.env.INIT_CWD ?? process.cwd(), given);
    const summary = await readSummaryJson(dir);
    if (summary === undefined) throw new UsageError(`${dir} has no summary.json: give the folder a runner wrote its results to`);
    if (!existsSync(path.join(dir, "metrics.json.gz")))
      throw new UsageError(
        `${dir} has no metrics.json.gz: percentiles are merged from every sample, so each runner needs its k6 --out json file`,
      );
    folders.push({ dir, summary });
  }
  const { summary, criteria } = await mergeRunners(folders);
  const out = values.out ? path.resolve(process.env.INIT_CWD ?? process.cwd(), values.out) : runDir(resolveResultsRoot(), summary.runId);
  if (existsSync(path.join(out, "summary.json"))) throw new UsageError(`${out} already holds a run: give another --out`);
  await mkdir(out, { recursive: true });
  await writeJsonAtomic(path.join(out, "summary.json"), summary);
  await writeFile(path.join(out, "junit.xml"), junitXml(criteria, { runId: summary.runId, name: "merged" }, summary.testRunDurationMs));
  // Concatenated gzip members are one valid gzip file: results:import reads the run as one.
  const merged = createWriteStream(path.join(out, "metrics.json.gz"));
  for (const folder of folders) await pipeline(createReadStream(path.join(folder.dir, "metrics.json.gz")), merged, { end: false });
  await new Promise<void>((resolve, reject) => merged.on("error", reject).end(resolve));
  const p95 = summary.metrics.gemini_request_duration?.values["p(95)"];
  process.stdout.write(
    `merged ${folders.length} runners of run ${summary.runId} into ${out}: ${summary.load.httpRequests} HTTP requests` +
      `${p95 === undefined ? "" : `, p95 ${p95.toFixed(1)} ms over every sample`}, ${summary.passed ? "thresholds pass" : "thresholds FAIL"}\n`,
  );
  return summary.passed ? EXIT.ok : EXIT.regression;
}

runCli(import.meta.url, "results:merge", main, { usage: USAGE });
