// Unit tests for lib/summary.ts: threshold results, offered versus achieved load, JUnit XML, and output paths.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  cutShort,
  junitXml,
  loadReport,
  summaryOutputs,
  textSummary,
  thresholdResults,
  xmlEscape,
  type SummaryContext,
  type SummaryData,
} from "../../lib/summary.ts";

const data: SummaryData = {
  state: { testRunDurationMs: 125_000 },
  metrics: {
    gemini_ttft: {
      type: "trend",
      contains: "time",
      values: { med: 40, "p(90)": 60, "p(95)": 75.5, "p(99)": 90, max: 120, count: 100 },
      thresholds: { "p(95)<3000": { ok: true } },
    },
    gemini_errors: {
      type: "rate",
      contains: "default",
      values: { rate: 0.2, passes: 20, fails: 80 },
      thresholds: { "rate<=0.05": { ok: false }, "rate<0.5": { ok: true } },
    },
    "gemini_errors{error_class:overloaded}": {
      type: "rate",
      contains: "default",
      values: { rate: 1, passes: 20, fails: 0 },
      thresholds: { "rate>=0": { ok: true } },
    },
    "iterations{scenario:open_constant_arrival}": {
      type: "counter",
      contains: "default",
      values: { count: 294, rate: 4.5 },
      thresholds: { "count>=0": { ok: true } },
    },
    "iterations{scenario:closed_ramping_vus}": {
      type: "counter",
      contains: "default",
      values: { count: 300, rate: 4.6 },
      thresholds: { "count>=0": { ok: true } },
    },
    "http_reqs{scenario:open_constant_arrival}": {
      type: "counter",
      contains: "default",
      values: { count: 310, rate: 4.7 },
      thresholds: { "count>=0": { ok: true } },
    },
    dropped_iterations: { type: "counter", contains: "default", values: { count: 6, rate: 0.1 } },
    http_reqs: { type: "counter", contains: "default", values: { count: 620, rate: 9.5 } },
    gemini_request_duration: { type: "trend", contains: "time", values: { count: 600, "p(95)": 900 } },
    gemini_retries: { type: "counter", contains: "default", values: { count: 20, rate: 0.3 } },
  },
};

const context: SummaryContext = {
  name: "moderation",
  rates: [["accuracy", "gemini_moderation_correct"]],
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

/** The summary data of an open run with `iterations` started and `dropped` dropped. */
function openRun(iterations: number, dropped: number, testRunDurationMs: number): SummaryData {
  return {
    state: { testRunDurationMs },
    metrics: {
      ...data.metrics,
      "iterations{scenario:open_constant_arrival}": { type: "counter", contains: "default", values: { count: iterations } },
      dropped_iterations: { type: "counter", contains: "default", values: { count: dropped } },
    },
  };
}

test("offered versus achieved: the share of scheduled iterations that started, dropped iterations reported", () => {
  const report = loadReport(data, context);
  assert.deepEqual(report.open, { offeredRate: 5, achievedRate: (5 * 294) / 300, iterations: 294, dropped: 6, httpRequests: 310 });
  // k6 starts rate × duration or rate × duration + 1 iterations, depending on rounding at the window's
  // end: either way, none dropped means the offered rate was achieved.
  assert.equal(loadReport(openRun(301, 0, 125_000), context).open?.achievedRate, 5);
  assert.equal(loadReport(openRun(300, 0, 125_000), context).open?.achievedRate, 5);
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
  assert.deepEqual(Object.keys(outputs).sort(), [
    "results/20261126-010203-a1b2/junit.xml",
    "results/20261126-010203-a1b2/summary.json",
    "stdout",
  ]);
  const summary = JSON.parse(outputs["results/20261126-010203-a1b2/summary.json"] ?? "{}");
  assert.equal(summary.runId, context.runId);
  assert.equal(summary.passed, false);
  assert.equal(summary.metrics.gemini_ttft.values["p(95)"], 75.5);
  assert.equal(summary.load.open.dropped, 6);
  const text = outputs.stdout ?? "";
  assert.match(text, /open model: +offered 5\.00 req\/s, achieved 4\.90 req\/s \(294 iterations, 6 dropped\)/);
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
  assert.ok(
    thresholdResults(data).every((r) => r.expression !== "count>0"),
    "a run with requests gets no such criterion",
  );
});

test("the reviewer's healthy run: 7/s for 4 s, 28 iterations, none dropped, achieved 7.00 req/s", () => {
  const openContext = { ...context, scenario: "open" as const, offeredRate: 7, openDurationMs: 4000, openStartMs: 0 };
  const run = openRun(28, 0, 4_300);
  assert.equal(loadReport(run, openContext).open?.achievedRate, 7);
  assert.match(summaryOutputs(run, openContext).stdout ?? "", /offered 7\.00 req\/s, achieved 7\.00 req\/s \(28 iterations, 0 dropped\)/);
  assert.match(textSummary(openRun(29, 0, 4_300), openContext, []), /achieved 7\.00 req\/s/);
});

test("a run cut short reports the rate it achieved while it ran, and a run that started nothing 0", () => {
  // Aborted after 30 s of a 60 s window: 150 scheduled, 147 started.
  assert.equal(loadReport(openRun(147, 3, 30_000), { ...context, scenario: "open" }).open?.achievedRate, (5 * 147) / 150);
  assert.equal(loadReport(openRun(0, 0, 300), { ...context, scenario: "open" }).open?.achievedRate, 0);
});

test("metrics without samples print as n/a, not 0, and thresholds keep k6's verdict", () => {
  const none = { type: "rate" as const, contains: "default" as const, values: { rate: 0, passes: 0, fails: 0 } };
  // What k6 hands over after an all-timeout run: no first token, no verdict, k6's thresholds on them pass.
  const allTimeouts: SummaryData = {
    state: { testRunDurationMs: 12_000 },
    metrics: {
      gemini_request_duration: {
        type: "trend",
        contains: "time",
        values: { med: 1000, "p(90)": 1000, "p(95)": 1000, "p(99)": 1000, max: 1000, count: 8 },
      },
      gemini_ttft: {
        type: "trend",
        contains: "time",
        values: { med: 0, "p(90)": 0, "p(95)": 0, "p(99)": 0, max: 0, count: 0 },
        thresholds: { "p(95)<5000": { ok: true } },
      },
      gemini_errors: {
        type: "rate",
        contains: "default",
        values: { rate: 1, passes: 8, fails: 0 },
        thresholds: { "rate<=0.05": { ok: false } },
      },
      gemini_moderation_correct: { ...none, thresholds: { "rate>=0.8": { ok: true } } },
      gemini_goodput: {
        type: "rate",
        contains: "default",
        values: { rate: 0, passes: 0, fails: 8 },
        thresholds: { "rate>=0.9": { ok: false } },
      },
      "checks{check_kind:contract}": {
        type: "rate",
        contains: "default",
        values: { rate: 0, passes: 0, fails: 16 },
        thresholds: { "rate>=0.95": { ok: false } },
      },
    },
  };
  const outputs = summaryOutputs(allTimeouts, context);
  const text = outputs.stdout ?? "";
  assert.match(text, /time to first token +n\/a \(no samples\)/);
  assert.doesNotMatch(text, /time to first token +0 /);
  assert.match(text, /accuracy n\/a \(no samples\), goodput 0\.0%, contract checks 0\.0%/);
  assert.match(text, /output tokens\/s p50 n\/a \(no samples\)/);
  assert.match(text, /✓ gemini_ttft p\(95\)<5000 \(no samples\)/);
  assert.match(text, /✓ gemini_moderation_correct rate>=0\.8 \(no samples\)/);
  assert.match(text, /✗ gemini_errors rate<=0\.05 \(actual 1\)/);
  assert.match(text, /3 of 5 crossed/);
  const summary = JSON.parse(outputs["results/20261126-010203-a1b2/summary.json"] ?? "{}");
  assert.equal(summary.passed, false);
  const ttft = summary.thresholds.find((t: { metric: string }) => t.metric === "gemini_ttft");
  assert.deepEqual(ttft, { metric: "gemini_ttft", expression: "p(95)<5000", ok: true, actual: null });
  const junit = outputs["results/20261126-010203-a1b2/junit.xml"] ?? "";
  // Five thresholds plus "the run completed its planned load", which a 12 s run of a planned 60 s fails.
  assert.match(junit, /tests="6" failures="4"/);
  assert.match(junit, /<failure message="run cut short: ran 12 s of the planned 60 s/);
  // k6's verdict stands: the sample-less thresholds k6 passed are not failures in the files.
  assert.doesNotMatch(junit, /<failure message="threshold crossed: gemini_(ttft|moderation_correct)/);
});

test("the checks figure is the gated contract sub-metric, not all checks with accuracy mixed in", () => {
  const checked: SummaryData = {
    ...data,
    metrics: {
      ...data.metrics,
      checks: { type: "rate", contains: "default", values: { rate: 0.7, passes: 140, fails: 60 } },
      "checks{check_kind:contract}": {
        type: "rate",
        contains: "default",
        values: { rate: 0.995, passes: 199, fails: 1 },
        thresholds: { "rate>=0.95": { ok: true } },
      },
    },
  };
  const text = textSummary(checked, context, []);
  assert.match(text, /contract checks 99\.5%/);
  assert.doesNotMatch(text, /70\.0%/);
});

test("a base URL with credentials or a query is never printed or stored", () => {
  const leaky = {
    ...context,
    baseUrl: "http://secret-canary-123@127.0.0.1:8080/v?key=secret-canary-123",
    config: { baseUrl: "http://u:secret-canary-123@127.0.0.1:8080/v", apiKey: "[redacted]" },
  };
  const outputs = summaryOutputs(data, leaky);
  for (const [name, text] of Object.entries(outputs)) assert.ok(!text.includes("secret-canary-123"), name);
  const summary = JSON.parse(outputs["results/20261126-010203-a1b2/summary.json"] ?? "{}");
  assert.equal(summary.baseUrl, "http://127.0.0.1:8080/v");
  assert.equal(summary.config.baseUrl, "http://127.0.0.1:8080/v");
  assert.match(outputs.stdout ?? "", / at http:\/\/127\.0\.0\.1:8080\/v \(v1beta\)/);
});

test("a run that ended clearly before its planned length fails as cut short, even with every threshold passed", () => {
  const passing: SummaryData["metrics"] = {
    gemini_request_duration: {
      type: "trend",
      contains: "time",
      values: { count: 20, "p(95)": 900 },
      thresholds: { "p(95)<8000": { ok: true } },
    },
    http_reqs: { type: "counter", contains: "default", values: { count: 23 } },
    gemini_retries: { type: "counter", contains: "default", values: { count: 2 } },
  };
  const closed = { ...context, scenario: "closed" as const, closedDurationMs: 30_000 };
  // Budget spent after 9.5 s of a planned 30 s: k6 exits 108, every threshold on the part that ran passed.
  const outputs = summaryOutputs({ state: { testRunDurationMs: 9_500 }, metrics: passing }, closed);
  const summary = JSON.parse(outputs["results/20261126-010203-a1b2/summary.json"] ?? "{}");
  assert.equal(summary.passed, false);
  assert.deepEqual(summary.cutShort, { ranSeconds: 9.5, plannedSeconds: 30 });
  assert.equal(summary.thresholds.length, 1, "the criterion is not one of k6's thresholds");
  const junit = outputs["results/20261126-010203-a1b2/junit.xml"] ?? "";
  assert.match(junit, /tests="2" failures="1"/);
  assert.match(junit, /classname="gemini-k6.run" name="run completed its planned load \(30.0 s\)"/);
  assert.match(outputs.stdout ?? "", /✗ run cut short: ran 9.5 s of the planned 30 s .* the run fails/);
  // 23 attempts = 20 sent + 2 retries + the setup preflight.
  assert.match(outputs.stdout ?? "", /20 sent, 23 HTTP attempts incl. 2 retries and 1 setup preflight;/);

  // A run that took its planned time (graceful stops only add) passes, and carries no cutShort.
  const full = summaryOutputs({ state: { testRunDurationMs: 30_400 }, metrics: passing }, closed);
  const fullSummary = JSON.parse(full["results/20261126-010203-a1b2/summary.json"] ?? "{}");
  assert.equal(fullSummary.passed, true);
  assert.equal("cutShort" in fullSummary, false);
  assert.match(full["results/20261126-010203-a1b2/junit.xml"] ?? "", /tests="2" failures="0"/);
  assert.doesNotMatch(full.stdout ?? "", /cut short/);

  // Tolerance: max(2 s, 5%) of the plan; with `both` the plan runs to the open scenario's end.
  const both = { ...context, scenario: "both" as const, closedDurationMs: 60_000, openStartMs: 65_000, openDurationMs: 60_000 };
  assert.equal(cutShort({ state: { testRunDurationMs: 119_000 }, metrics: passing }, both), undefined);
  assert.deepEqual(cutShort({ state: { testRunDurationMs: 70_000 }, metrics: passing }, both), { ranSeconds: 70, plannedSeconds: 125 });
  assert.equal(cutShort({ state: { testRunDurationMs: 3_100 }, metrics: passing }, { ...closed, closedDurationMs: 5_000 }), undefined);
});

test("a breakpoint run: its window thresholds are no criteria, it passes at its knee, and says so in words", () => {
  const window = (rate: number, p95: number, count: number, crossed: boolean) => ({
    duration: {
      type: "trend" as const,
      contains: "time" as const,
      values: { count, med: p95 / 2, "p(95)": p95 },
      thresholds: { "p(95)<250": { ok: !crossed } },
    },
    errors: {
      type: "rate" as const,
      contains: "default" as const,
      values: { rate: 0, passes: 0, fails: count },
      thresholds: { "rate<=0.05": { ok: true } },
    },
    rate,
  });
  const w0 = window(10, 103, 20, false);
  const w1 = window(20, 120, 40, false);
  const w2 = window(30, 480, 60, true);
  const breakpointData: SummaryData = {
    state: { testRunDurationMs: 7_000 },
    metrics: {
      gemini_request_duration: { type: "trend", contains: "time", values: { count: 120, "p(95)": 450 } },
      "gemini_request_duration{window:w000}": w0.duration,
      "gemini_errors{window:w000}": w0.errors,
      "gemini_request_duration{window:w001}": w1.duration,
      "gemini_errors{window:w001}": w1.errors,
      "gemini_request_duration{window:w002}": w2.duration,
      "gemini_errors{window:w002}": w2.errors,
      "iterations{scenario:breakpoint}": {
        type: "counter",
        contains: "default",
        values: { count: 120 },
        thresholds: { "count>=0": { ok: true } },
      },
    },
  };
  const breakpointContext: SummaryContext = {
    ...context,
    scenario: "open",
    shape: "breakpoint",
    openScenario: "breakpoint",
    closedScenario: "breakpoint",
    offeredRate: 25,
    openDurationMs: 20_000,
    arrivals: { process: "constant", constantRate: false },
    windows: { windowMs: 2000, offeredRates: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100] },
    breakpoint: { sloMs: 250, maxErrorRate: 0.05 },
  };
  assert.deepEqual(thresholdResults(breakpointData), []);
  const outputs = summaryOutputs(breakpointData, breakpointContext);
  const file = JSON.parse(outputs[`${context.outputPrefix}summary.json`] ?? "{}");
  assert.equal(file.shape, "breakpoint");
  // Stopped after 7 s of its 20 s by design: not "cut short", and passed.
  assert.equal(file.passed, true);
  assert.equal(file.cutShort, undefined);
  assert.deepEqual(file.breakpoint, { sustainedRate: 20, brokeAtRate: 30, criterion: "p95 480 ms ≥ 250 ms over 2 s (window w002)" });
  assert.deepEqual(
    file.windows.map((w: { window: string }) => w.window),
    ["w000", "w001", "w002", "w003"],
  );
  assert.equal(file.windows[3].requests, 0);
  assert.equal(file.load.open.iterations, 120);
  assert.match(outputs.stdout ?? "", /· shape breakpoint\n/);
  assert.match(
    outputs.stdout ?? "",
    /breakpoint: {3}sustained 20 req\/s within the objective; broke at 30 req\/s: p95 480 ms ≥ 250 ms over 2 s \(window w002\)/,
  );
  assert.match(outputs.stdout ?? "", /arrivals: {5}constant; inter-arrival CV not measured/);
});

test("a load run reads as before, with shape load and the arrivals' CV from k6's lateness", () => {
  const withArrivals: SummaryData = {
    ...data,
    metrics: {
      ...data.metrics,
      dropped_iterations: { type: "counter", contains: "default", values: { count: 0 } },
      gemini_arrival_lateness_samples: { type: "counter", contains: "default", values: { count: 4 } },
      gemini_arrival_lateness_ms: { type: "counter", contains: "default", values: { count: 4002 } },
      gemini_arrival_lateness_ms2: { type: "counter", contains: "default", values: { count: 4 * 1000.5 ** 2 + 4 * 0.25 } },
    },
  };
  const outputs = summaryOutputs(withArrivals, { ...context, arrivals: { process: "constant", constantRate: true, fixedGapMs: 200 } });
  const file = JSON.parse(outputs[`${context.outputPrefix}summary.json`] ?? "{}");
  assert.equal(file.shape, "load");
  assert.deepEqual(file.load.arrivals, {
    process: "constant",
    interArrivalCv: Math.round((Math.sqrt(0.5) / 200) * 10_000) / 10_000,
    samples: 4,
  });
  assert.match(outputs.stdout ?? "", /· scenario both\n/);
});
