// `npm run dashboards`: generates the Grafana dashboards in grafana/dashboards/ from code.
// The JSON is committed; test/grafana/dashboards.test.ts fails when it differs from a fresh run.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EXIT, parseFlags, runCli } from "../cli.ts";
import { REPO_ROOT } from "../paths.ts";
import { parseConfig } from "../../lib/config.ts";
import { ELAPSED_BASE_ISO, RUN_MEASUREMENT, SUMMARY_MEASUREMENT, TIMELINE_MEASUREMENT } from "../results/influx-schema.ts";
import { PanelLayout, dashboard, runAnnotation, tagVariable, type Dashboard, type PanelSpec } from "./builder.ts";

/** Where the generated dashboards live (mounted by docker-compose.yml). */
export const DASHBOARD_DIR = join(REPO_ROOT, "grafana", "dashboards");

// Threshold lines show the suite's default pass/fail criteria (GEMINI_P95_MS and friends).
const limits = parseConfig({}).thresholds;

/** The filter every panel of the load-test dashboard applies. */
const RUN = `"testid" =~ /^$testid$/ AND "scenario" =~ /^$scenario$/ AND "model" =~ /^$model$/ AND $timeFilter`;
/** For run-wide metrics (vus) that carry no scenario tag. */
const RUN_WIDE = `"testid" =~ /^$testid$/ AND "model" =~ /^$model$/ AND $timeFilter`;
const EVERY = "GROUP BY time($__interval)";
const PER_SECOND = "* 1000 / $__interval_ms";

const percentiles = (measurement: string, levels: number[]): string =>
  `SELECT ${levels.map((level) => `percentile("value", ${level}) AS "p${level}"`).join(", ")} FROM "${measurement}" WHERE ${RUN} ${EVERY} fill(none)`;
const perSecond = (measurement: string, extra = ""): string =>
  `SELECT count("value") ${PER_SECOND} FROM "${measurement}" WHERE ${RUN}${extra} ${EVERY} fill(none)`;
const sumPerSecond = (measurement: string): string =>
  `SELECT sum("value") ${PER_SECOND} FROM "${measurement}" WHERE ${RUN} ${EVERY} fill(none)`;
const rate = (measurement: string): string => `SELECT mean("value") FROM "${measurement}" WHERE ${RUN} ${EVERY} fill(none)`;

function loadTestDashboard(): Dashboard {
  const stat = (spec: Omit<PanelSpec, "type">): PanelSpec => ({ ...spec, type: "stat" });
  const layout = new PanelLayout()
    .row("Overview")
    .add(
      stat({
        title: "Requests (run)",
        queries: [{ query: `SELECT count("value") FROM "gemini_request_duration" WHERE ${RUN}` }],
        unit: "short",
      }),
    )
    .add(
      stat({
        title: "Error rate (run)",
        queries: [{ query: `SELECT mean("value") FROM "gemini_errors" WHERE ${RUN}` }],
        unit: "percentunit",
        decimals: 2,
        thresholds: [[limits.maxErrorRate, "red"]],
      }),
    )
    .add(
      stat({
        title: "Latency p95 (run)",
        queries: [{ query: `SELECT percentile("value", 95) FROM "gemini_request_duration" WHERE ${RUN}` }],
        unit: "ms",
        thresholds: [[limits.p95Ms, "red"]],
      }),
    )
    .add(
      stat({
        title: "Moderation accuracy (run)",
        queries: [{ query: `SELECT mean("value") FROM "gemini_moderation_correct" WHERE ${RUN}` }],
        unit: "percentunit",
        decimals: 1,
        thresholds: [
          [0, "red"],
          [limits.minAccuracy, "green"],
        ],
      }),
    )
    .row("Load")
    .add({
      title: "Request rate: offered vs achieved",
      description:
        "Offered = iterations started by k6 plus those it dropped for lack of VUs (stacked); achieved = requests completed per second.",
      queries: [
        { query: perSecond("gemini_request_duration"), alias: "achieved (requests/s)" },
        { query: perSecond("iterations"), alias: "offered: iterations run/s" },
        { query: sumPerSecond("dropped_iterations"), alias: "offered: dropped/s" },
      ],
      unit: "reqps",
      overrides: [
        {
          matcher: { id: "byRegexp", options: "^offered.*" },
          properties: [{ id: "custom.stacking", value: { mode: "normal", group: "offered" } }],
        },
      ],
    })
    .add({
      title: "Virtual users",
      queries: [
        { query: `SELECT max("value") FROM "vus" WHERE ${RUN_WIDE} ${EVERY} fill(none)`, alias: "active VUs" },
        { query: `SELECT max("value") FROM "vus_max" WHERE ${RUN_WIDE} ${EVERY} fill(none)`, alias: "allocated VUs" },
      ],
      unit: "short",
    })
    .add({
      title: "Dropped iterations",
      description: "Iterations the arrival-rate executor could not start: the offered load exceeded the VUs.",
      queries: [{ query: `SELECT sum("value") FROM "dropped_iterations" WHERE ${RUN} ${EVERY} fill(none)`, alias: "dropped" }],
      unit: "short",
    })
    .add({
      title: "Retries",
      queries: [{ query: `SELECT sum("value") FROM "gemini_retries" WHERE ${RUN} ${EVERY} fill(none)`, alias: "retries" }],
      unit: "short",
    })
    .row("Latency")
    .add({
      title: "Request duration (all attempts and backoff)",
      queries: [{ query: percentiles("gemini_request_duration", [50, 95, 99]), alias: "$col" }],
      unit: "ms",
      thresholds: [[limits.p95Ms, "red"]],
    })
    .add({
      title: "Time to first token",
      queries: [{ query: percentiles("gemini_ttft", [50, 95, 99]), alias: "$col" }],
      unit: "ms",
      thresholds: [[limits.ttftP95Ms, "red"]],
    })
    .add({
      title: "Time per output token",
      queries: [{ query: percentiles("gemini_time_per_output_token", [50, 95]), alias: "$col" }],
      unit: "ms",
    })
    .add({
      title: "Tokens per second",
      queries: [
        { query: `SELECT mean("value") FROM "gemini_tokens_per_second" WHERE ${RUN} ${EVERY} fill(none)`, alias: "per request (mean)" },
        { query: sumPerSecond("gemini_output_tokens"), alias: "all requests (output tokens/s)" },
      ],
      unit: "short",
    })
    // scenarios/app-moderation.ts: the service's own Server-Timing, split into its queue, the model and the rest.
    .row("App in front of the model (app-moderation)")
    .add({
      title: "Where the app's time went (mean per request, stacked)",
      description: "From each answer's Server-Timing: the app's queue, the model (every attempt), and the rest of the app (docs/app.md).",
      queries: [
        { query: rate("gemini_app_queue"), alias: "queue" },
        { query: rate("gemini_app_model"), alias: "model" },
        { query: rate("gemini_app_overhead"), alias: "app overhead" },
      ],
      unit: "ms",
      stack: true,
    })
    .add({
      title: "Answers per upstream (model@key)",
      queries: [
        {
          query: `SELECT sum("value") ${PER_SECOND} FROM "gemini_app_upstream_requests" WHERE ${RUN} ${EVERY}, "upstream" fill(none)`,
          alias: "$tag_upstream",
        },
      ],
      unit: "reqps",
      stack: true,
    })
    // scenarios/prompt-sweep.ts: its samples carry a `cell` tag (prompt size × maxOutputTokens).
    .row("Request complexity (prompt-sweep)")
    .add({
      type: "table",
      title: "Per cell: latency, TTFT, output speed and cost per request",
      description: "One row per cell of the sweep's grid, named p<prompt tokens>_o<maxOutputTokens> (docs/playbook.md).",
      width: 24,
      height: 7,
      queries: [
        {
          query: `SELECT count("value") AS "requests", percentile("value", 50) AS "p50 (ms)", percentile("value", 95) AS "p95 (ms)" FROM "gemini_request_duration" WHERE ${RUN} AND "cell" =~ /.+/ GROUP BY "cell"`,
          format: "table",
        },
        {
          query: `SELECT percentile("value", 50) AS "TTFT p50 (ms)" FROM "gemini_ttft" WHERE ${RUN} AND "cell" =~ /.+/ GROUP BY "cell"`,
          format: "table",
        },
        {
          query: `SELECT mean("value") AS "output tokens/s" FROM "gemini_tokens_per_second" WHERE ${RUN} AND "cell" =~ /.+/ GROUP BY "cell"`,
          format: "table",
        },
        {
          query: `SELECT sum("value") AS "cost (USD)" FROM "gemini_cost_usd" WHERE ${RUN} AND "cell" =~ /.+/ GROUP BY "cell"`,
          format: "table",
        },
      ],
      transformations: [
        { id: "merge", options: {} },
        {
          id: "calculateField",
          options: { mode: "binary", binary: { left: "cost (USD)", operator: "/", right: "requests" }, alias: "cost per request (USD)" },
        },
        { id: "organize", options: { excludeByName: { Time: true, "cost (USD)": true } } },
      ],
      decimals: 6,
    })
    .row("Errors")
    .add({
      title: "Error responses by status",
      queries: [
        { query: perSecond("http_reqs", ` AND "status" = '429'`), alias: "429 rate limited" },
        { query: perSecond("http_reqs", ` AND "status" = '503'`), alias: "503 overloaded" },
        { query: perSecond("http_reqs", ` AND "status" =~ /^5/ AND "status" != '503'`), alias: "other 5xx" },
      ],
      unit: "reqps",
    })
    .add({
      title: "Failed requests by class (after retries)",
      queries: [
        {
          query: `SELECT sum("value") FROM "gemini_errors" WHERE ${RUN} AND "error_class" =~ /.+/ ${EVERY}, "error_class" fill(none)`,
          alias: "$tag_error_class",
        },
      ],
      unit: "short",
    })
    .add({
      title: "Error rate",
      queries: [{ query: rate("gemini_errors"), alias: "failed share" }],
      unit: "percentunit",
      min: 0,
      thresholds: [[limits.maxErrorRate, "red"]],
    })
    .add({
      title: "Moderation accuracy and goodput",
      queries: [
        { query: rate("gemini_moderation_correct"), alias: "accuracy" },
        { query: rate("gemini_goodput"), alias: "goodput" },
      ],
      unit: "percentunit",
      min: 0,
      max: 1,
      thresholds: [[limits.minAccuracy, "red"]],
    });
  return dashboard({
    uid: "gemini-load-test",
    title: "Gemini load test",
    description: "One run of the gemini-k6 suite: load, latency, tokens, errors and moderation accuracy.",
    tags: ["gemini-k6", "k6"],
    time: { from: "now-30m", to: "now" },
    variables: [
      tagVariable("testid", "Run", `SHOW TAG VALUES FROM "iterations" WITH KEY = "testid"`, {
        multi: false,
        includeAll: false,
        sortDescending: true,
      }),
      tagVariable("scenario", "Scenario", `SHOW TAG VALUES FROM "iterations" WITH KEY = "scenario" WHERE "testid" =~ /^$testid$/`, {
        multi: true,
        includeAll: true,
      }),
      tagVariable("model", "Model", `SHOW TAG VALUES FROM "iterations" WITH KEY = "model" WHERE "testid" =~ /^$testid$/`, {
        multi: true,
        includeAll: true,
      }),
    ],
    annotations: [runAnnotation(`SELECT "text", "event" FROM "${RUN_MEASUREMENT}" WHERE $timeFilter AND "testid" =~ /^$testid$/`)],
    panels: layout.build(),
  });
}

const RUNS = `"testid" =~ /^$testid$/`;
/** The summary keeps the run id in the field `run` (see tools/results/rollups.ts). */
const SUMMARY_RUNS = `"run" =~ /^$testid$/`;
const timeline = (field: string): string =>
  `SELECT mean("${field}") FROM "${TIMELINE_MEASUREMENT}" WHERE ${RUNS} AND $timeFilter GROUP BY time($__interval), "testid" fill(none)`;

function compareRunsDashboard(): Dashboard {
  const layout = new PanelLayout()
    .row("Runs side by side")
    .add({
      type: "table",
      title: "Summary per run (Δ = change from the previous selected run)",
      description:
        "From gemini_run_summary, written after each run and by results:import. Deltas are InfluxQL difference() over the selected runs in start order; `npm run compare` gives relative changes and a verdict.",
      width: 24,
      height: 7,
      queries: [
        {
          query: `SELECT "run", "run_scenario" AS "scenario", "run_model" AS "model", "requests", "p95", "p99", "error_rate" * 100 AS "error rate (%)", "throughput" FROM "${SUMMARY_MEASUREMENT}" WHERE ${SUMMARY_RUNS}`,
          format: "table",
        },
        {
          query: `SELECT difference("p95") AS "Δ p95", difference("p99") AS "Δ p99", difference("error_rate") * 100 AS "Δ error rate (pp)", difference("throughput") AS "Δ throughput" FROM "${SUMMARY_MEASUREMENT}" WHERE ${SUMMARY_RUNS}`,
          format: "table",
        },
      ],
      transformations: [
        { id: "merge", options: {} },
        {
          id: "organize",
          options: { renameByName: { Time: "start", p95: "p95 (ms)", p99: "p99 (ms)", throughput: "throughput (req/s)" } },
        },
      ],
      decimals: 2,
    })
    .row("On time since each run's start (x axis: h:m:s from the start)")
    .add({
      title: "Latency p95",
      queries: [{ query: timeline("p95"), alias: "$tag_testid" }],
      unit: "ms",
      thresholds: [[limits.p95Ms, "red"]],
    })
    .add({ title: "Latency p99", queries: [{ query: timeline("p99"), alias: "$tag_testid" }], unit: "ms" })
    .add({
      title: "Time to first token p95",
      queries: [{ query: timeline("ttft_p95"), alias: "$tag_testid" }],
      unit: "ms",
      thresholds: [[limits.ttftP95Ms, "red"]],
    })
    .add({ title: "Throughput", queries: [{ query: timeline("requests_per_second"), alias: "$tag_testid" }], unit: "reqps" })
    .add({
      title: "Error rate",
      queries: [{ query: timeline("error_rate"), alias: "$tag_testid" }],
      unit: "percentunit",
      min: 0,
      thresholds: [[limits.maxErrorRate, "red"]],
    })
    .add({ title: "Output tokens per second", queries: [{ query: timeline("tokens_per_second"), alias: "$tag_testid" }], unit: "short" })
    .add({ title: "Virtual users", queries: [{ query: timeline("vus"), alias: "$tag_testid" }], unit: "short" });
  return dashboard({
    uid: "gemini-compare-runs",
    title: "Gemini compare runs",
    description: "Two or more runs side by side, aligned on time since each run's start.",
    tags: ["gemini-k6", "k6", "compare"],
    // The timeline is stored from 2000-01-01T00:00:00Z = each run's start (tools/results/rollups.ts).
    timezone: "utc",
    time: { from: ELAPSED_BASE_ISO, to: new Date(Date.parse(ELAPSED_BASE_ISO) + 30 * 60_000).toISOString() },
    timepicker: { refresh_intervals: [] },
    variables: [
      tagVariable("testid", "Runs", `SHOW TAG VALUES FROM "${TIMELINE_MEASUREMENT}" WITH KEY = "testid"`, {
        multi: true,
        includeAll: false,
        sortDescending: true,
      }),
    ],
    annotations: [],
    panels: layout.build(),
  });
}

/** Every dashboard by file name. */
export function dashboards(): Record<string, Dashboard> {
  return {
    "gemini-load-test.json": loadTestDashboard(),
    "compare-runs.json": compareRunsDashboard(),
  };
}

/** The exact text written for a dashboard (stable key order, trailing newline). */
export function serialize(board: Dashboard): string {
  return `${JSON.stringify(board, null, 2)}\n`;
}

const USAGE = "usage: npm run dashboards (no arguments): regenerates grafana/dashboards/*.json from tools/dashboards/";

async function main(argv: string[]): Promise<number> {
  parseFlags(argv, {});
  await mkdir(DASHBOARD_DIR, { recursive: true });
  for (const [file, board] of Object.entries(dashboards())) {
    await writeFile(join(DASHBOARD_DIR, file), serialize(board));
    process.stdout.write(`wrote grafana/dashboards/${file} (${board.panels.length} panels)\n`);
  }
  return EXIT.ok;
}

runCli(import.meta.url, "dashboards", main, { usage: USAGE });
