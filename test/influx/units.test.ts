// The pure parts of the InfluxDB tools: URL parsing, k6 timestamps, line protocol, --fail-on rules.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkRules, delta, parseFailOn } from "../../tools/results/compare.ts";
import { HelpRequested, parseFlags } from "../../tools/cli.ts";
import { UsageError } from "../../tools/errors.ts";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { annotateRun } from "../../tools/results/annotations.ts";
import { freePort } from "../../tools/setup/influxdb.ts";
import { influxOutputArgs } from "../../tools/results/influx-output.ts";
import { parseInfluxUrl } from "../../tools/results/influx-query.ts";
import { resolveTagsAsFields, sampleToLine, toUnixNanos } from "../../tools/results/import.ts";
import type { RunStats } from "../../tools/results/run-stats.ts";

test("GEMINI_INFLUXDB_URL splits into server, database and credentials", () => {
  assert.deepEqual(parseInfluxUrl("http://127.0.0.1:8086/k6"), {
    baseUrl: "http://127.0.0.1:8086",
    database: "k6",
    source: "InfluxDB URL",
  });
  assert.deepEqual(parseInfluxUrl("https://u:p%40ss@influx.example:443/load/"), {
    baseUrl: "https://influx.example",
    database: "load",
    username: "u",
    password: "p@ss",
    source: "InfluxDB URL",
  });
  assert.equal(parseInfluxUrl("http://127.0.0.1:8086").database, "k6");
  assert.throws(
    () => parseInfluxUrl("127.0.0.1:8086/k6"),
    (error: unknown) => error instanceof UsageError && /invalid InfluxDB URL/.test(error.message),
  );
  assert.throws(() => parseInfluxUrl("localhost:8086"), /expected an http\(s\) URL/);
});

test("the k6 output is switched on by GEMINI_INFLUXDB_URL alone, with high-cardinality tags as fields", () => {
  assert.deepEqual(influxOutputArgs({}), { args: [], env: {} });
  const output = influxOutputArgs({ GEMINI_INFLUXDB_URL: "http://127.0.0.1:8086/k6" });
  assert.deepEqual(output.args, ["--out", "influxdb=http://127.0.0.1:8086/k6"]);
  assert.equal(output.env.K6_INFLUXDB_TAGS_AS_FIELDS, "vu:int,iter:int,url");
  const withCredentials = influxOutputArgs({ GEMINI_INFLUXDB_URL: "http://k6user:s%3Acret@127.0.0.1:8086/k6" });
  assert.deepEqual(withCredentials.args, ["--out", "influxdb=http://127.0.0.1:8086/k6"], "no password on the command line");
  assert.equal(withCredentials.env.K6_INFLUXDB_USERNAME, "k6user");
  assert.equal(withCredentials.env.K6_INFLUXDB_PASSWORD, "s:cret");
});

test("k6 timestamps keep their nanoseconds and honour the offset", () => {
  assert.equal(toUnixNanos("2026-11-26T01:02:03.123456789Z"), 1795654923123456789n);
  assert.equal(toUnixNanos("2026-11-26T02:02:03.123456789+01:00"), 1795654923123456789n);
  assert.equal(toUnixNanos("2026-11-26T01:02:03.1Z"), 1795654923100000000n);
  assert.equal(toUnixNanos("2026-11-26T01:02:03Z"), 1795654923000000000n);
  assert.throws(() => toUnixNanos("yesterday"), /unreadable sample time/);
});

test("a sample becomes the point k6's InfluxDB output writes: tags sorted, vu/iter/url as fields, empty tags dropped", () => {
  const converted = sampleToLine({
    type: "Point",
    metric: "http_req_duration",
    data: {
      time: "2026-11-26T01:02:03.000000001Z",
      value: 12.5,
      tags: { testid: "r 1", status: "200", url: "http://x/a b", vu: "3", iter: "x", error: "", name: "a,b=c" },
    },
  });
  assert.ok(converted);
  assert.equal(
    converted.line,
    'http_req_duration,name=a\\,b\\=c,status=200,testid=r\\ 1 value=12.5,iter="x",url="http://x/a b",vu=3i 1795654923000000001',
  );
  assert.equal(converted.key, "http_req_duration,name=a\\,b\\=c,status=200,testid=r\\ 1 1795654923000000001");
  assert.equal(sampleToLine({ type: "Point", metric: "m", data: { time: "2026-11-26T01:02:03Z", value: Number.NaN } }), undefined);
});

test("--fail-on rules parse with their direction and unit; malformed ones are refused by name", () => {
  assert.deepEqual(parseFailOn("p95:+10%, errors:+1pp,throughput:-5%,ttft:200ms"), [
    { text: "p95:+10%", metric: "p95", direction: "up", limit: 10, unit: "%" },
    { text: "errors:+1pp", metric: "errors", direction: "up", limit: 1, unit: "pp" },
    { text: "throughput:-5%", metric: "throughput", direction: "down", limit: 5, unit: "%" },
    { text: "ttft:200ms", metric: "ttft", direction: "up", limit: 200, unit: "ms" },
  ]);
  for (const bad of ["p95", "p95:+10", "p96:+10%", "p95:+10%%", "throughput:+1pp", "errors:+5ms", ""]) {
    assert.throws(
      () => parseFailOn(bad),
      (error: unknown) => error instanceof UsageError && /invalid --fail-on rule/.test(error.message),
      bad,
    );
  }
});

test("the gate breaks exactly the rules whose limit the candidate exceeds", () => {
  const base: RunStats = {
    testid: "a",
    start: new Date(0),
    end: new Date(10_000),
    requests: 100,
    p95: 100,
    errorRate: 0.01,
    throughput: 10,
  };
  const slower: RunStats = { ...base, testid: "b", p95: 115, errorRate: 0.015, throughput: 9.6 };
  assert.equal(delta(100, 115, "%"), 15);
  assert.ok(Math.abs(delta(0.01, 0.015, "pp")! - 0.5) < 1e-9);
  assert.deepEqual(checkRules(base, slower, parseFailOn("p95:+20%,errors:+1pp,throughput:-5%")).broken, []);
  const { broken } = checkRules(base, slower, parseFailOn("p95:+10%,errors:+0.4pp,throughput:-3%"));
  assert.equal(broken.length, 3, broken.join("\n"));
  assert.match(broken[0]!, /p95.*\+15\.00%.*p95:\+10%/);
  assert.deepEqual(checkRules(slower, base, parseFailOn("p95:+10%")).broken, [], "faster is never a regression");
  assert.deepEqual(checkRules(base, { ...slower, p95: undefined }, parseFailOn("p95:+10%")).missing.length, 1);
});

test("a bad InfluxDB URL is named by where it came from, with its password hidden", () => {
  for (const text of ["http://u:hunter22@/k6", "ftp://u:hunter22@host/k6", "u:hunter22@host"]) {
    assert.throws(
      () => parseInfluxUrl(text, "GEMINI_INFLUXDB_URL"),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /^invalid GEMINI_INFLUXDB_URL /);
        assert.doesNotMatch(error.message, /hunter22/);
        return true;
      },
    );
  }
  assert.equal(parseInfluxUrl("http://127.0.0.1:8086/k6?precision=ms").database, "k6");
});

test("the import stores as fields the tags the live output did: the run's setting, else the environment, else the built-in list", () => {
  assert.equal(resolveTagsAsFields({ K6_INFLUXDB_TAGS_AS_FIELDS: "vu:int" }, { K6_INFLUXDB_TAGS_AS_FIELDS: "iter:int" }), "vu:int");
  assert.equal(resolveTagsAsFields({ GEMINI_RATE: "5" }, { K6_INFLUXDB_TAGS_AS_FIELDS: "iter:int" }), "iter:int");
  assert.equal(
    resolveTagsAsFields(undefined, {}),
    influxOutputArgs({ GEMINI_INFLUXDB_URL: "http://127.0.0.1:8086/k6" }).env.K6_INFLUXDB_TAGS_AS_FIELDS,
  );
});

test("command lines: --fail-on rules add up, any other option given twice is refused, unknown options and missing values are named, --help is recognised", () => {
  const { values, positionals } = parseFlags(
    ["a", "--fail-on", "p95:+10%", "--fail-on=errors:+1pp", "b"],
    { "fail-on": { type: "string", multiple: true }, influx: { type: "string" } },
    { positionals: true },
  );
  assert.deepEqual(positionals, ["a", "b"]);
  assert.deepEqual(
    parseFailOn((values["fail-on"] ?? []).join(",")).map((rule) => rule.text),
    ["p95:+10%", "errors:+1pp"],
  );
  const influx = { influx: { type: "string" } } as const;
  assert.throws(
    () => parseFlags(["--influx", "x", "--influx", "y"], influx),
    (error: unknown) => error instanceof UsageError && /^option --influx is given twice: give it once$/.test(error.message),
  );
  assert.throws(
    () => parseFlags(["--infux", "x"], influx),
    (error: unknown) =>
      error instanceof UsageError && /^unknown option --infux: accepted options are --influx, --help$/.test(error.message),
  );
  assert.throws(
    () => parseFlags(["--influx"], influx),
    (error: unknown) => error instanceof UsageError && /^option --influx needs a value$/.test(error.message),
  );
  assert.throws(
    () => parseFlags(["stray"], influx),
    (error: unknown) => error instanceof UsageError && /^unexpected argument stray/.test(error.message),
  );
  assert.throws(() => parseFlags(["--help"], influx), HelpRequested);
  assert.throws(() => parseFlags(["-h"], influx), HelpRequested);
});

test("InfluxDB down at the end of a load run: the advice to import later comes only when there are samples to import", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gemini-annotate-"));
  try {
    const runJson = join(dir, "run.json");
    await writeFile(
      runJson,
      JSON.stringify({ runId: "r1", startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), k6ExitCode: 0 }),
    );
    const env = { GEMINI_INFLUXDB_URL: `http://127.0.0.1:${await freePort()}/k6` };
    const lines: string[] = [];
    await annotateRun(dir, env, (line) => lines.push(line));
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(
      lines[0]!,
      /cannot reach InfluxDB .* or set GEMINI_INFLUXDB_URL to a running InfluxDB; no samples were recorded \(.*metrics\.json\.gz is missing\), so there is nothing to import later$/,
    );
    assert.doesNotMatch(lines[0]!, /--influx|results:import/);

    await writeFile(join(dir, "metrics.json.gz"), gzipSync("{}\n"));
    lines.length = 0;
    await annotateRun(dir, env, (line) => lines.push(line));
    assert.match(lines[0]!, /the samples are kept in .*: `npm run results:import -- [^`]+` loads them later$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
