// The post-run cross-check on a real k6 run against the emulator: its figures equal ones computed
// here from the run's summary.json, the emulator's ground truth matches, and the figures land in
// a real InfluxDB as measurement gemini_verify.
import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { start } from "../../emulator/index.ts";
import { ERROR_CLASSES } from "../../lib/errors.ts";
import { freePort, startInfluxDB, type InfluxServer } from "../../tools/setup/influxdb.ts";
import { FAILURES } from "../../verify/failures.ts";
import {
  buildScenarios,
  emulatorSamples,
  emulatorStats,
  metricValue,
  patchEmulatorConfig,
  runScenario,
  tempResultsRoot,
  type SummaryFile,
} from "../helpers/k6.ts";
import { runVerifyCli } from "../helpers/verify.ts";

type Emulator = Awaited<ReturnType<typeof start>>;

let loaded: Emulator; // the run's target, with injected 429s and 503s
let unloaded: Emulator; // the baseline's target, idle
let influx: InfluxServer;
let resultsRoot: string;
let runId: string;
let summary: SummaryFile;

before(async () => {
  await buildScenarios();
  resultsRoot = await tempResultsRoot();
  [loaded, unloaded, influx] = await Promise.all([
    start({ port: 0, profile: "fast", seed: 11, config: { faults: { errorRates: { "429": 0.1, "503": 0.15 } } } }),
    start({ port: 0, profile: "fast", seed: 12 }),
    startInfluxDB({ port: 0 }),
  ]);
  const run = await runScenario({
    baseUrl: loaded.url,
    resultsRoot,
    // Retries off, so each 429/503 the emulator sends is exactly one failed attempt in k6.
    env: { GEMINI_SCENARIO: "open", GEMINI_DURATION: "6s", GEMINI_RATE: "15", GEMINI_STREAM: "true", GEMINI_MAX_ATTEMPTS: "1" },
  });
  runId = run.runId;
  summary = JSON.parse(await readFile(path.join(run.resultsDir, "summary.json"), "utf8")) as SummaryFile;
});

after(async () => {
  await Promise.all([loaded?.close(), unloaded?.close(), influx?.close()]);
  await rm(resultsRoot, { recursive: true, force: true });
});

async function verifyJson(id: string): Promise<Record<string, any>> {
  return JSON.parse(await readFile(path.join(resultsRoot, id, "verify.json"), "utf8")) as Record<string, any>;
}

async function influxQuery(db: string, query: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${influx.url}/query?${new URLSearchParams({ db, q: query })}`);
  const body = (await response.json()) as { results: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }> }> };
  const series = body.results[0]?.series ?? [];
  return series.flatMap((s) => s.values.map((row) => Object.fromEntries(s.columns.map((c, i) => [c, row[i]]))));
}

describe("--after on a real k6 run", () => {
  test("figures equal the ones computed from summary.json and the preflight baseline; ground truth and InfluxDB agree", async () => {
    const preflight = await runVerifyCli([], { GEMINI_BASE_URL: unloaded.url, GEMINI_RUN_ID: runId, GEMINI_RESULTS_DIR: resultsRoot });
    assert.equal(preflight.code, 0, preflight.stdout + preflight.stderr);

    const outcome = await runVerifyCli(["--after", runId], {
      GEMINI_BASE_URL: loaded.url,
      GEMINI_RESULTS_DIR: resultsRoot,
      GEMINI_INFLUXDB_URL: `${influx.url}/verifytest`,
    });
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    assert.match(outcome.stdout, /p95 latency\s+\d+ ms under load vs \d+ ms unloaded \(stream\): ×\d+\.\d\d/);

    const verify = await verifyJson(runId);
    assert.equal(verify.preflight.ok, true, "the preflight part survives the after step");
    const a = verify.after;
    assert.equal(a.baselineSource, "preflight");
    const baseline = verify.preflight.baseline;
    assert.deepEqual(a.baseline, baseline);
    const totalP95 = baseline.totalMs.p95.value as number;
    const ttftBaselineP95 = baseline.ttftMs.p95.value as number;

    // Independently from summary.json: growth of p95 and TTFT, error share per class.
    const p95 = metricValue(summary, "gemini_request_duration", "p(95)");
    const ttftP95 = metricValue(summary, "gemini_ttft", "p(95)");
    // The run streamed, as did the baseline's calls: p95 is compared with the baseline's p95, the median with its median.
    assert.equal(a.impact.latencyBaseline, "stream");
    assert.equal(a.impact.kindMismatch, false);
    assert.equal(a.impact.p95.underLoad, p95);
    assert.equal(a.impact.p95.ratio, p95 / totalP95);
    assert.equal(a.impact.p95.deltaMs, p95 - totalP95);
    assert.deepEqual(a.impact.p95.noise, { low: baseline.totalMs.p95.low, high: baseline.totalMs.p95.high });
    assert.equal(a.impact.median.baseline, baseline.totalMs.p50.value);
    assert.equal(a.impact.median.underLoad, metricValue(summary, "gemini_request_duration", "med"));
    assert.equal(a.impact.ttftP95.underLoad, ttftP95);
    assert.equal(a.impact.ttftP95.ratio, ttftP95 / ttftBaselineP95);
    assert.equal(a.impact.ttftP95.deltaMs, ttftP95 - ttftBaselineP95);
    assert.equal(a.impact.ttftMedian.baseline, baseline.ttftMs.p50.value);
    for (const growth of [a.impact.p95, a.impact.median, a.impact.ttftP95, a.impact.ttftMedian]) {
      const expected =
        growth.underLoad > growth.noise.high ? "regression" : growth.underLoad < growth.noise.low ? "faster" : "within_noise";
      assert.equal(growth.verdict, expected);
    }
    assert.equal(a.impact.requests, metricValue(summary, "http_reqs", "count"));
    const attempts = metricValue(summary, "gemini_errors", "passes") + metricValue(summary, "gemini_errors", "fails");
    assert.equal(a.impact.errorShareTotal, metricValue(summary, "gemini_errors", "passes") / attempts);
    for (const errorClass of ERROR_CLASSES) {
      const count = metricValue(summary, `gemini_errors{error_class:${errorClass}}`, "passes");
      assert.deepEqual(a.impact.errorShare[errorClass], { count, share: count / attempts }, errorClass);
    }
    assert.ok(a.impact.errorShare.rate_limited.count > 0 && a.impact.errorShare.overloaded.count > 0, "the faults show up");
    const requests = metricValue(summary, "http_reqs", "count");
    const limited = metricValue(summary, "gemini_rate_limited", "count");
    assert.deepEqual(a.impact.attempts.rateLimited, { count: limited, share: limited / requests });

    // The emulator's own counts: every request k6 sent, every 429 and 503 it answered.
    const stats = await emulatorStats(loaded.url);
    const g = a.groundTruth;
    assert.equal(g.emulatorRequests, stats.requests.total);
    assert.equal(g.emulatorRequests, g.k6Requests);
    assert.equal(g.rateLimited.emulator, stats.requests.byStatus["429"]);
    assert.equal(a.impact.attempts.rateLimited.count, g.rateLimited.emulator);
    assert.equal(g.rateLimited.k6, g.rateLimited.emulator);
    assert.equal(g.overloaded.emulator, stats.requests.byStatus["503"]);
    assert.equal(g.overloaded.k6, g.overloaded.emulator);
    // The server's p95 computed the way k6 computes p(95), linear interpolation between ranks, from the
    // emulator's samples: the same requests measured the same way, so k6 can only read more (its clock
    // runs from before the request reached the server to after the answer left it).
    const totals = (await emulatorSamples(loaded.url)).map((sample) => sample.totalMs).sort((a, b) => a - b);
    const rank = 0.95 * (totals.length - 1);
    const low = totals[Math.floor(rank)] as number;
    const expectedP95 = low + ((totals[Math.ceil(rank)] as number) - low) * (rank - Math.floor(rank));
    assert.equal(g.serverP95Method, "k6");
    assert.ok(Math.abs(g.serverTotalP95Ms - expectedP95) < 1e-9, `server p95 ${g.serverTotalP95Ms} vs ${expectedP95}`);
    assert.equal(g.k6MinusServerP95Ms, metricValue(summary, "http_req_duration", "p(95)") - g.serverTotalP95Ms);
    // Half a millisecond for the two processes' clocks; the old nearest-rank comparison was off by up to 9 ms.
    assert.ok(g.k6MinusServerP95Ms >= -0.5, `k6's p95 ${g.k6MinusServerP95Ms} ms below the server's`);

    // The same figures in InfluxDB, tagged with the run id.
    const rows = await influxQuery("verifytest", `SELECT * FROM "gemini_verify" WHERE "testid" = '${runId}'`);
    assert.equal(rows.length, 1);
    const row = rows[0] ?? {};
    assert.equal(row.kind, "after");
    assert.equal(row.p95_ratio, a.impact.p95.ratio);
    assert.equal(row.p95_load_ms, p95);
    assert.equal(row.ttft_p95_ratio, a.impact.ttftP95.ratio);
    assert.equal(row.baseline_calls, baseline.calls);
    assert.equal(row.median_baseline_ms, a.impact.median.baseline);
    assert.equal(row.p95_noise_high_ms, a.impact.p95.noise.high);
    assert.equal(row.p95_verdict, { faster: -1, within_noise: 0, regression: 1 }[a.impact.p95.verdict as string]);
    assert.equal(row.ttft_median_verdict, { faster: -1, within_noise: 0, regression: 1 }[a.impact.ttftMedian.verdict as string]);
    assert.equal(row.error_share_rate_limited, a.impact.errorShare.rate_limited.share);
    assert.equal(row.errors_overloaded, a.impact.errorShare.overloaded.count);
    assert.equal(row.emulator_requests, stats.requests.total);
    assert.equal(a.influx.written, Object.keys(row).filter((c) => !["time", "testid", "kind"].includes(c) && row[c] !== null).length);
  });

  test("a run without a preflight gets a fresh baseline, recorded as such", async () => {
    const copyId = `${runId}-copy`;
    await mkdir(path.join(resultsRoot, copyId), { recursive: true });
    await copyFile(path.join(resultsRoot, runId, "summary.json"), path.join(resultsRoot, copyId, "summary.json"));
    const before = (await emulatorStats(unloaded.url)).requests.total;
    const outcome = await runVerifyCli(["--after", copyId], { GEMINI_BASE_URL: unloaded.url, GEMINI_RESULTS_DIR: resultsRoot });
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    const verify = await verifyJson(copyId);
    assert.equal(verify.after.baselineSource, "fresh");
    assert.equal(verify.preflight.ok, true);
    assert.deepEqual(verify.after.baseline, verify.preflight.baseline);
    assert.equal(
      verify.after.impact.p95.ratio,
      metricValue(summary, "gemini_request_duration", "p(95)") / verify.preflight.baseline.totalMs.p95.value,
    );
    // GEMINI_BASE_URL is another emulator than the run's: its counts say nothing about the run.
    assert.equal(verify.after.groundTruth, null);
    assert.match(
      verify.after.groundTruthNote,
      /^the run used http:\/\/127\.0\.0\.1:\d+, not GEMINI_BASE_URL=http:\/\/127\.0\.0\.1:\d+: emulator comparison skipped/,
    );
    assert.match(outcome.stdout, /note: the run used .* emulator comparison skipped/);
    assert.doesNotMatch(outcome.stdout, /emulator saw/);
    // The four checks and the default ten baseline calls.
    assert.equal((await emulatorStats(unloaded.url)).requests.total, before + 14);
    assert.equal(verify.after.influx, null);
  });

  test("as after npm start: the preflight ran under its own id just before the run, against the same target", async () => {
    await patchEmulatorConfig(loaded.url, { faults: { errorRates: { "429": 0, "503": 0 } } });
    const preflight = await runVerifyCli([], { GEMINI_BASE_URL: loaded.url, GEMINI_RESULTS_DIR: resultsRoot });
    assert.equal(preflight.code, 0, preflight.stdout + preflight.stderr);
    const preflightId = /preflight · run (\S+)/.exec(preflight.stdout)?.[1];
    assert.ok(preflightId);

    // The load run starts after that preflight, in a folder of its own.
    const loadId = `${runId}-start`;
    await mkdir(path.join(resultsRoot, loadId), { recursive: true });
    await copyFile(path.join(resultsRoot, runId, "summary.json"), path.join(resultsRoot, loadId, "summary.json"));
    await writeFile(path.join(resultsRoot, loadId, "run.json"), JSON.stringify({ runId: loadId, startedAt: new Date().toISOString() }));

    const outcome = await runVerifyCli(["--after", loadId], { GEMINI_RESULTS_DIR: resultsRoot });
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    assert.ok(outcome.stdout.includes(`baseline from the preflight of ${preflightId} just before it`), outcome.stdout);
    const verify = await verifyJson(loadId);
    assert.equal(verify.after.baselineSource, "earlier-preflight");
    assert.equal(verify.after.baselineRunId, preflightId);
    assert.deepEqual(verify.after.baseline, (await verifyJson(preflightId)).preflight.baseline);
    assert.equal(verify.preflight, undefined, "no fresh preflight was needed");
  });

  test("a run whose emulator the run tool started, and which is gone, is told so instead of a network hint", async () => {
    const goneId = `${runId}-gone`;
    const goneUrl = `http://127.0.0.1:${await freePort()}`;
    await mkdir(path.join(resultsRoot, goneId), { recursive: true });
    const copy = JSON.parse(await readFile(path.join(resultsRoot, runId, "summary.json"), "utf8")) as Record<string, unknown>;
    await writeFile(path.join(resultsRoot, goneId, "summary.json"), JSON.stringify({ ...copy, baseUrl: goneUrl }));
    await writeFile(
      path.join(resultsRoot, goneId, "run.json"),
      JSON.stringify({ runId: goneId, baseUrl: goneUrl, emulatorStartedByRun: true, startedAt: new Date().toISOString() }),
    );
    const outcome = await runVerifyCli(["--after", goneId], { GEMINI_RESULTS_DIR: resultsRoot });
    assert.equal(outcome.code, FAILURES.bad_usage.exitCode, outcome.stdout + outcome.stderr);
    assert.match(
      outcome.stderr,
      new RegExp(
        `its emulator \\(${goneUrl.replace(/\./g, "\\.")}\\) was started by the run tool and stopped with the run: set GEMINI_BASE_URL to a running emulator`,
      ),
    );
    assert.doesNotMatch(outcome.stderr, /cannot reach the endpoint/);
  });

  test("an unknown run is a usage error naming the missing file", async () => {
    const outcome = await runVerifyCli(["--after", "20990101-000000-dead"], {
      GEMINI_BASE_URL: unloaded.url,
      GEMINI_RESULTS_DIR: resultsRoot,
    });
    assert.equal(outcome.code, FAILURES.bad_usage.exitCode);
    assert.match(outcome.stderr, /no summary for run 20990101-000000-dead: .*summary\.json is missing/);
    assert.match(outcome.stderr, /^hint: /m);
  });
});
