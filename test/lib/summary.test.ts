// Unit tests for lib/summary.ts: threshold results, offered versus achieved load, JUnit XML, and output paths.
import { test } from "node:test";
import assert from "node:assert/strict";
import { junitXml, loadReport, summaryOutputs, thresholdResults, xmlEscape, type SummaryContext, type SummaryData } from "../../lib/summary.ts";

const data: SummaryData = {
  state: { testRunDurationMs: 125_000 },
  metrics: {
    gemini_ttft: { type: "trend", contains: "time", values: { med: 40, "p(90)": 60, "p(95)": 75.5, "p(99)": 90, max: 120, count: 100 }, thresholds: { "p(95)<3000": { ok: true } } },
    gemini_errors: { type: "rate", contains: "default", values: { rate: 0.2, passes: 20, fails: 80 }, thresholds: { "rate<=0.05": { ok: false }, "rate<0.5": { ok: true } } },
    "gemini_errors{error_class:overloaded}": { type: "rate", contains: "default", values: { rate: 1, passes: 20, fails: 0 }, thresholds: { "rate>=0": { ok: true } } },
    "iterations{scenario:open_constant_arrival}": { type: "counter", contains: "default", values: { count: 294, rate: 4.5 }, thresholds: { "count>=0": { ok: true } } },
    "iterations{scenario:closed_ramping_vus}": { type: "counter", contains: "default", values: { count: 300, rate: 4.6 }, thresholds: { "count>=0": { ok: true } } },
    "http_reqs{scenario:open_constant_arrival}": { type: "counter", contains: "default", values: { count: 310, rate: 4.7 }, thresholds: { "count>=0": { ok: true } } },
    dropped_iterations: { type: "counter", contains: "default", values: { count: 6, rate: 0.1 } },
    http_reqs: { type: "counter", contains: "default", values: { count: 620, rate: 9.5 } },
    gemini_request_duration: { type: "trend", contains: "time", values: { count: 600, "p(95)": 900 } },
    gemini_retries: { type: "counter", contains: "default", values: { count: 20, rate: 0.3 } },
  },
};

const context: SummaryContext = {
  runId: "20261126-010203-a1b2",
  outputPrefix: "results/20261126-010203-a1b2/",
  model: "gemini-2.5-flash",
  baseUrl: "http://127.0.0.1:8080",
  apiVersion: "v1beta",
  scenario: "both",
  offeredRate: 5,
  openDurationMs: 60_000,
  openStartMs: 0,
  closedDurationMs: 60_000,
  peakVus: 10,
  dashboard: true,
  config: { apiKey: "[redacted]" },
};

test("threshold results carry the actual value and leave out bookkeeping sub-metrics", () => {
  assert.deepEqual(thresholdResults(data), [
    { metric: "gemini_errors", expression: "rate<=0.05", ok: false, actual: 0.2 },
    { metric: "gemini_errors", expression: "rate<0.5", ok: true, actual: 0.2 },
    { metric: "gemini_ttft", expression: "p(95)<3000", ok: true, actual: 75.5 },
  ]);
});

test("offered versus achieved: open iterations over the open duration, dropped iterations reported", () => {
  const report = loadReport(data, context);
  assert.deepEqual(report.open, { offeredRate: 5, achievedRate: 294 / 60.2, iterations: 294, dropped: 6, httpRequests: 310 });
  // k6 starts rate × duration + 1 iterations when it keeps up: that is exactly the offered rate.
  const full = { ...data, metrics: { ...data.metrics, "iterations{scenario:open_constant_arrival}": { type: "counter" as const, contains: "default" as const, values: { count: 301 } } } };
  assert.equal(loadReport(full, context).open?.achievedRate, 5);
  assert.deepEqual(report.closed, { peakVus: 10, achievedRate: 5, iterations: 300 });
  assert.equal(report.retries, 20);
  assert.equal(loadReport(data, { ...context, scenario: "closed" }).open, undefined);
  assert.equal(loadReport(data, { ...context, scenario: "open" }).closed, undefined);
});

test("JUnit XML has one testcase per threshold and a failure for each crossed one, escaped", () => {
  const xml = junitXml(
    [
      { metric: "gemini_errors", expression: "rate<=0.05", ok: false, actual: 0.2 },
      { metric: "checks{check_kind:contract}", expression: "rate>=0.95", ok: true, actual: 1 },
      { metric: `odd<&"'>`, expression: "p(95)<1", ok: false, actual: undefined },
    ],
    context,
    65_000,
  );
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="gemini-k6" tests="3" failures="2" time="65.000">/);
  assert.equal((xml.match(/<testcase /g) ?? []).length, 3);
  assert.equal((xml.match(/<failure /g) ?? []).length, 2);
  assert.ok(xml.includes('name="gemini_errors rate&lt;=0.05"'));
  assert.ok(xml.includes("odd&lt;&amp;&quot;&apos;&gt;"));
  assert.ok(xml.includes("actual 0.200"));
  // No raw markup characters survive inside attribute values or text.
  const stripped = xml.replace(/<\/?[a-z?][^<>]*>/g, "");
  assert.ok(!/[<>]/.test(stripped), stripped);
  assert.ok(!/&(?!(amp|lt|gt|quot|apos);)/.test(xml));
});

test("xmlEscape handles the five special characters", () => {
  assert.equal(xmlEscape(`<a href="x">Tom & 'Jerry'</a>`), "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;");
});

test("outputs: summary.json, junit.xml under the run folder, and a text summary naming offered and achieved rates", () => {
  const outputs = summaryOutputs(data, context);
  assert.deepEqual(Object.keys(outputs).sort(), ["results/20261126-010203-a1b2/junit.xml", "results/20261126-010203-a1b2/summary.json", "stdout"]);
  const summary = JSON.parse(outputs["results/20261126-010203-a1b2/summary.json"] ?? "{}");
  assert.equal(summary.runId, context.runId);
  assert.equal(summary.passed, false);
  assert.equal(summary.metrics.gemini_ttft.values["p(95)"], 75.5);
  assert.equal(summary.load.open.dropped, 6);
  const text = outputs.stdout ?? "";
  assert.match(text, /open model: +offered 5\.00 req\/s, achieved 4\.88 req\/s \(294 iterations, 6 dropped\)/);
  assert.match(text, /errors 20\.0% \(overloaded 20\)/);
  assert.match(text, /1 of 3 crossed/);
  assert.match(text, /✗ gemini_errors rate<=0.05 \(actual 0.200\)/);
  assert.ok(text.includes("results/20261126-010203-a1b2/report.html"));
  assert.ok(!summaryOutputs(data, { ...context, dashboard: false }).stdout?.includes("report.html"));
});

test("a run that sent no requests fails its summary instead of showing empty thresholds as passed", () => {
  const empty: SummaryData = {
    state: { testRunDurationMs: 300 },
    metrics: { gemini_ttft: { type: "trend", contains: "time", values: { "p(95)": 0 }, thresholds: { "p(95)<3000": { ok: true } } } },
  };
  const outputs = summaryOutputs(empty, context);
  assert.equal(JSON.parse(outputs["results/20261126-010203-a1b2/summary.json"] ?? "{}").passed, false);
  assert.match(outputs["results/20261126-010203-a1b2/junit.xml"] ?? "", /failures="1"/);
  assert.match(outputs.stdout ?? "", /no moderation requests were sent/);
  assert.ok(thresholdResults(data).every((r) => r.expression !== "count>0"), "a run with requests gets no such criterion");
});

test("a run cut short computes its achieved rate over the time it actually ran", () => {
  const cut: SummaryData = { ...data, state: { testRunDurationMs: 30_000 } };
  assert.equal(loadReport(cut, { ...context, scenario: "open" }).open?.achievedRate, 294 / 30.2);
  // With both, the open scenario started after the closed one: only the time since then counts.
  assert.equal(loadReport({ ...data, state: { testRunDurationMs: 95_000 } }, { ...context, openStartMs: 65_000 }).open?.achievedRate, 294 / 30.2);
});
