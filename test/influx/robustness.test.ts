// The results and verify tools where real setups differ from the happy path: a user with GRANT ALL
// but no admin rights, a database that does not exist yet, a server that is not InfluxDB, a
// damaged metrics file, two runs starting in the same millisecond, the last partial timeline
// bucket, and InfluxDB failing under `verify --after`. One k6 run (no live output) serves all.
import assert from "node:assert/strict";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { start } from "../../emulator/index.ts";
import { sampleToLine, toUnixNanos } from "../../tools/results/import.ts";
import { freePort } from "../../tools/setup/influxdb.ts";
import { querySeries, type InfluxTarget } from "../../tools/results/influx-query.ts";
import { readRunStats } from "../../tools/results/run-stats.ts";
import type { RunLoadResult } from "../../tools/run/run-load.ts";
import { buildScenarios, runScenario, tempResultsRoot } from "../helpers/k6.ts";
import { runTool, startTestInflux, type TestInflux } from "../helpers/influxdb.ts";
import { runVerifyCli } from "../helpers/verify.ts";

let influx: TestInflux;
let emulator: Awaited<ReturnType<typeof start>>;
let resultsRoot: string;
let run: RunLoadResult;
let admin: InfluxTarget;
let writerUrl: string;
let htmlServer: Server | undefined;

const RATE = 10;

before(async () => {
  await buildScenarios();
  [influx, emulator, resultsRoot] = await Promise.all([
    startTestInflux({ auth: true }),
    start({ port: 0, profile: "fast", seed: 21 }),
    tempResultsRoot(),
  ]);
  const users = influx.server.users!;
  admin = { ...influx.target, username: users.admin.username, password: users.admin.password };
  writerUrl = `http://${users.writer.username}:${users.writer.password}@127.0.0.1:${influx.server.port}/k6`;
  // 11 s at a constant rate: the timeline's last 5-s bucket covers about one second.
  run = await runScenario({
    baseUrl: emulator.url,
    resultsRoot,
    env: { GEMINI_SCENARIO: "open", GEMINI_DURATION: "11s", GEMINI_RATE: String(RATE) },
  });
  assert.ok(run.exitCode === 0 || run.exitCode === 99, `k6 failed (exit ${run.exitCode}): ${run.stderr.slice(-2000)}`);
  const imported = await runTool("import-results", [run.runId, "--influx", writerUrl, "--results-dir", resultsRoot]);
  assert.equal(imported.code, 0, `results:import as a non-admin user: ${imported.stdout}${imported.stderr}`);
});

after(async () => {
  await influx?.server.close();
  await emulator?.close();
  htmlServer?.close();
  if (resultsRoot) await rm(resultsRoot, { recursive: true, force: true });
});

const noSecrets = (text: string) => assert.doesNotMatch(text, /secret/, `a password was printed:\n${text}`);

test("a user with GRANT ALL on the database but no admin rights imports a run: samples, annotations and rollups", async () => {
  const [iterations] = await querySeries(admin, `SELECT count("value") FROM "iterations" WHERE "testid" = '${run.runId}'`);
  assert.ok(Number(iterations?.values[0]?.[1]) > 0);
  const [annotations] = await querySeries(admin, `SELECT count("text") FROM "gemini_run" WHERE "testid" = '${run.runId}'`);
  assert.equal(Number(annotations?.values[0]?.[1]), 2, "start and end");
  const [summary] = await querySeries(admin, `SELECT "requests" FROM "gemini_run_summary" WHERE "run" = '${run.runId}'`);
  assert.equal(summary?.values.length, 1);
});

test("the timeline's last, partial bucket shows the run's constant rate, not a drop", async () => {
  const [timeline] = await querySeries(admin, `SELECT "requests_per_second" FROM "gemini_run_timeline" WHERE "testid" = '${run.runId}'`);
  const rates = (timeline?.values ?? []).map((row) => Number(row[1]));
  assert.ok(rates.length >= 3, `buckets: ${rates.join(", ")}`);
  const last = rates.at(-1)!;
  const full = rates[1]!; // the first bucket holds the ramp-up
  assert.ok(Math.abs(full - RATE) / RATE < 0.25, `a full bucket shows the offered rate: ${rates.join(", ")}`);
  assert.ok(Math.abs(last - full) / full < 0.35, `last bucket ${last}/s against ${full}/s: ${rates.join(", ")}`);
});

test("throughput is requests over the first to the last iteration or request sample, as documented", async () => {
  // The same run plus a VU-gauge sample 5 s after its last iteration, as k6 writes while VUs stop.
  const id = `${run.runId}-tail`;
  const lines = gunzipSync(await readFile(join(run.resultsDir, "metrics.json.gz")))
    .toString("utf8")
    .replaceAll(run.runId, id)
    .trimEnd()
    .split("\n");
  const times: bigint[] = [];
  const requests = new Set<string>();
  let lastMs = 0;
  for (const line of lines) {
    const point = JSON.parse(line) as {
      type: string;
      metric: string;
      data: { time: string; value: number; tags?: Record<string, string> };
    };
    if (point.type !== "Point") continue;
    const ms = Number(toUnixNanos(point.data.time) / 1_000_000n);
    lastMs = Math.max(lastMs, ms);
    if (point.metric === "iterations" || point.metric === "http_reqs") times.push(toUnixNanos(point.data.time) / 1_000_000n);
    if (point.metric === "gemini_request_duration") requests.add(sampleToLine(point as Parameters<typeof sampleToLine>[0])!.key);
  }
  lines.push(
    JSON.stringify({ type: "Point", metric: "vus", data: { time: new Date(lastMs + 5000).toISOString(), value: 1, tags: { testid: id } } }),
  );
  await mkdir(join(resultsRoot, id), { recursive: true });
  await writeFile(join(resultsRoot, id, "metrics.json.gz"), gzipSync(`${lines.join("\n")}\n`));
  const imported = await runTool("import-results", [id, "--influx", writerUrl, "--results-dir", resultsRoot]);
  assert.equal(imported.code, 0, imported.stderr);

  const sorted = BigInt64Array.from(times).sort();
  const spanMs = Number(sorted[sorted.length - 1]! - sorted[0]!);
  const stats = await readRunStats(admin, id);
  assert.equal(stats.requests, requests.size);
  assert.ok(Math.abs(stats.throughput! - requests.size / (spanMs / 1000)) < 1e-9, `${stats.throughput} vs ${requests.size} / ${spanMs} ms`);
});

test("the import moves to fields the tags K6_INFLUXDB_TAGS_AS_FIELDS names, as the live output does", async () => {
  const id = `${run.runId}-fields`;
  const text = gunzipSync(await readFile(join(run.resultsDir, "metrics.json.gz")))
    .toString("utf8")
    .replaceAll(run.runId, id);
  await mkdir(join(resultsRoot, id), { recursive: true });
  await writeFile(join(resultsRoot, id, "metrics.json.gz"), gzipSync(text));
  const result = await runTool("import-results", [id, "--influx", writerUrl, "--results-dir", resultsRoot], {
    K6_INFLUXDB_TAGS_AS_FIELDS: "vu:int,iter:int,url,scenario",
  });
  assert.equal(result.code, 0, result.stderr);
  const keys = async (testid: string) =>
    (await querySeries(admin, `SHOW TAG KEYS FROM "iterations" WHERE "testid" = '${testid}'`))[0]?.values.flat() ?? [];
  assert.ok((await keys(run.runId)).includes("scenario"));
  assert.ok(!(await keys(id)).includes("scenario"), `tag keys: ${(await keys(id)).join(", ")}`);
  const [field] = await querySeries(admin, `SELECT "scenario" FROM "iterations" WHERE "testid" = '${id}' LIMIT 1`);
  assert.equal(typeof field?.values[0]?.[1], "string");
});

test("a damaged metrics file is imported as far as it reads, with annotations and rollups, exit 4; another run's summary at the same start survives", async () => {
  // The same samples under another run id, cut off mid-stream as by a run that died hard.
  const cutId = `${run.runId}-cut`;
  const text = gunzipSync(await readFile(join(run.resultsDir, "metrics.json.gz")))
    .toString("utf8")
    .replaceAll(run.runId, cutId);
  const gz = gzipSync(text);
  await mkdir(join(resultsRoot, cutId), { recursive: true });
  await writeFile(join(resultsRoot, cutId, "metrics.json.gz"), gz.subarray(0, Math.floor(gz.length * 0.6)));
  const runJson = (await readFile(join(run.resultsDir, "run.json"), "utf8")).replaceAll(run.runId, cutId);
  await writeFile(join(resultsRoot, cutId, "run.json"), runJson);

  const result = await runTool("import-results", [cutId, "--influx", writerUrl, "--results-dir", resultsRoot]);
  assert.equal(result.code, 4, result.stdout + result.stderr);
  const partial = result.stderr.trim().split("\n");
  assert.equal(partial.length, 1, result.stderr);
  assert.match(partial[0]!, /partial import of run .*-cut: metrics\.json\.gz is damaged after line \d+ .*the \d+ samples before it/);
  const samples = Number(/the (\d+) samples before it/.exec(partial[0]!)?.[1]);
  assert.ok(samples > 0);

  const [annotations] = await querySeries(admin, `SELECT count("text") FROM "gemini_run" WHERE "testid" = '${cutId}'`);
  assert.equal(Number(annotations?.values[0]?.[1]), 2);
  const [timeline] = await querySeries(admin, `SELECT count("p95") FROM "gemini_run_timeline" WHERE "testid" = '${cutId}'`);
  assert.ok(Number(timeline?.values[0]?.[1]) > 0, "the timeline was written");
  const [summaries] = await querySeries(
    admin,
    `SELECT "run", "requests" FROM "gemini_run_summary" WHERE "run" = '${cutId}' OR "run" = '${run.runId}'`,
  );
  assert.deepEqual(new Set(summaries?.values.map((row) => row[1])), new Set([run.runId, cutId]), "both runs keep their summary");
  const full = await readRunStats(admin, run.runId);
  const cut = await readRunStats(admin, cutId);
  assert.ok(cut.requests < full.requests && cut.requests > 0, `${cut.requests} of ${full.requests}`);

  // Importing again replaces the cut run's rollups and leaves the other's alone.
  assert.equal((await runTool("import-results", [cutId, "--influx", writerUrl, "--results-dir", resultsRoot])).code, 4);
  const [again] = await querySeries(admin, `SELECT "run" FROM "gemini_run_summary" WHERE "run" = '${cutId}' OR "run" = '${run.runId}'`);
  assert.equal(again?.values.length, 2);
});

test('run ids "." and ".." are refused, saying what is accepted', async () => {
  for (const id of [".", "..", "a/b"]) {
    const result = await runTool("import-results", [id, "--influx", writerUrl, "--results-dir", resultsRoot]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /invalid run id .*letters, digits, "_", "\." and "-"; not "\." or "\.\."/);
  }
});

test("a database that does not exist yet: runs says none are stored (exit 0), compare says the run is unknown (exit 2)", async () => {
  const fresh = `http://admin:admin-secret@127.0.0.1:${influx.server.port}/fresh`;
  const runs = await runTool("runs", ["--influx", fresh]);
  assert.equal(runs.code, 0, runs.stderr);
  assert.match(runs.stdout, /no runs stored in http:\/\/127\.0\.0\.1:\d+\/fresh yet/);
  const compare = await runTool("compare", [run.runId, run.runId, "--influx", fresh]);
  assert.equal(compare.code, 2, compare.stderr);
  assert.match(compare.stderr, /unknown run id .*database "fresh" .* does not exist/);
  for (const output of [runs, compare]) noSecrets(output.stdout + output.stderr);
});

test("a server that answers 200 with HTML is named as not InfluxDB, exit 3", async () => {
  htmlServer = createServer((_, response) =>
    response.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>Grafana</title>"),
  );
  await new Promise<void>((done) => htmlServer!.listen(0, "127.0.0.1", done));
  const address = htmlServer.address();
  const port = typeof address === "object" && address ? address.port : 0;
  for (const tool of ["runs", "compare"] as const) {
    const result = await runTool(
      tool,
      tool === "runs" ? ["--influx", `http://127.0.0.1:${port}/k6`] : ["a", "b", "--influx", `http://127.0.0.1:${port}/k6`],
    );
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /http:\/\/127\.0\.0\.1:\d+ did not answer like InfluxDB's \/query API; is this Grafana's port\?/);
    assert.doesNotMatch(result.stderr, /JSON|^\s+at /m);
  }
});

test("verify --after writes its figures as the non-admin user; an InfluxDB failure is a warning and the figures stay in verify.json", async () => {
  const env = { GEMINI_BASE_URL: emulator.url, GEMINI_RESULTS_DIR: resultsRoot };
  const preflight = await runVerifyCli([], { ...env, GEMINI_RUN_ID: run.runId });
  assert.equal(preflight.code, 0, preflight.stdout + preflight.stderr);

  const written = await runVerifyCli(["--after", run.runId], { ...env, GEMINI_INFLUXDB_URL: writerUrl });
  assert.equal(written.code, 0, written.stdout + written.stderr);
  noSecrets(written.stdout + written.stderr);
  const [row] = await querySeries(admin, `SELECT "p95_load_ms" FROM "gemini_verify" WHERE "testid" = '${run.runId}'`);
  assert.equal(row?.values.length, 1);

  const downPort = await freePort();
  const failed = await runVerifyCli(["--after", run.runId], {
    ...env,
    GEMINI_INFLUXDB_URL: `http://writer:writer-secret@127.0.0.1:${downPort}/k6`,
  });
  assert.equal(failed.code, 0, failed.stdout + failed.stderr);
  assert.match(
    failed.stdout,
    new RegExp(
      `warning: the figures did not reach InfluxDB \\(GEMINI_INFLUXDB_URL → http://127\\.0\\.0\\.1:${downPort}/k6\\): .*ECONNREFUSED`,
    ),
  );
  noSecrets(failed.stdout + failed.stderr);
  const verify = JSON.parse(await readFile(join(resultsRoot, run.runId, "verify.json"), "utf8")) as {
    after: { impact: { requests: number }; influx: { error?: string; target: string } };
  };
  assert.ok(verify.after.impact.requests > 0, "the figures are kept");
  assert.equal(verify.after.influx.target, `http://127.0.0.1:${downPort}/k6`);
  assert.match(verify.after.influx.error ?? "", /ECONNREFUSED/);
});

test("the fresh preflight --after runs is stored with the key redacted, like every other part", async () => {
  const id = `${run.runId}-fresh`;
  await mkdir(join(resultsRoot, id), { recursive: true });
  await writeFile(join(resultsRoot, id, "summary.json"), await readFile(join(run.resultsDir, "summary.json")));
  // A key the emulator accepts and that shows up in what is stored: the emulator's port, in its base URL.
  const key = new URL(emulator.url).port;
  const outcome = await runVerifyCli(["--after", id], {
    GEMINI_BASE_URL: emulator.url,
    GEMINI_API_KEY: key,
    GEMINI_RESULTS_DIR: resultsRoot,
  });
  assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
  const verify = JSON.parse(await readFile(join(resultsRoot, id, "verify.json"), "utf8")) as {
    after: { baselineSource: string };
    preflight: { baseUrl: string };
  };
  assert.equal(verify.after.baselineSource, "fresh");
  assert.equal(verify.preflight.baseUrl, "http://127.0.0.1:[redacted]");
});

test("GEMINI_INFLUXDB_URL is checked only by --after, by the tools' parser, and its password is never echoed", async () => {
  const env = { GEMINI_BASE_URL: emulator.url, GEMINI_RESULTS_DIR: resultsRoot };
  const broken = "http://writer:writer-secret@/k6";
  const preflight = await runVerifyCli([], { ...env, GEMINI_INFLUXDB_URL: broken });
  assert.equal(preflight.code, 0, preflight.stdout + preflight.stderr);

  const rejected = await runVerifyCli(["--after", run.runId], { ...env, GEMINI_INFLUXDB_URL: broken });
  assert.equal(rejected.code, 2, rejected.stdout + rejected.stderr);
  assert.match(rejected.stderr, /invalid GEMINI_INFLUXDB_URL "http:\/\/writer:\*\*\*@\/k6"/);
  noSecrets(rejected.stdout + rejected.stderr);

  // A query string, which compare, runs and results:import accept, is accepted here too.
  const withQuery = await runVerifyCli(["--after", run.runId], { ...env, GEMINI_INFLUXDB_URL: `${writerUrl}?precision=ms` });
  assert.equal(withQuery.code, 0, withQuery.stdout + withQuery.stderr);
  assert.match(withQuery.stdout, /InfluxDB\s+\d+ fields → http:\/\/127\.0\.0\.1:\d+\/k6/);
});
