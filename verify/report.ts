// Short, readable text reports of the preflight and the post-run cross-check, and the --help text.
import type { AfterResult } from "./after.ts";
import { FAILURES, type FailureClass } from "./failures.ts";
import type { Growth } from "./post-run.ts";
import { BASELINE_CALLS, type PreflightResult } from "./preflight.ts";
import type { Verdict } from "./spread.ts";

/** The preflight as a few lines: target, one line per step, the outcome and, on failure, the hint. */
export function formatPreflight(result: PreflightResult, runId: string, file: string): string {
  const lines = [`gemini verify · preflight · run ${runId}`, `  target  ${result.baseUrl} (${result.apiVersion}) · model ${result.model}`];
  for (const step of result.steps) lines.push(`  ${step.ok ? "✓" : "✗"} ${step.name.padEnd(16)}${step.detail}`);
  if (result.ok && result.baseline) {
    const b = result.baseline;
    const ttft = b.ttftMs ? `, TTFT p50 ${Math.round(b.ttftMs.p50.value)} ms p95 ${Math.round(b.ttftMs.p95.value)} ms` : "";
    const rate = b.tokensPerSecond !== null ? `, ${Math.round(b.tokensPerSecond)} tokens/s` : "";
    lines.push(
      `  baseline (unloaded, ${b.calls} calls): p50 ${Math.round(b.totalMs.p50.value)} ms p95 ${Math.round(b.totalMs.p95.value)} ms per call${ttft}${rate}`,
    );
    lines.push(`  ok → ${file}`);
  } else if (result.failure) {
    lines.push(`  FAILED (exit ${result.failure.exitCode}, ${result.failure.class}) → ${file}`);
    lines.push(`  hint: ${result.failure.hint}`);
  }
  return lines.join("\n");
}

const ms = (value: number): string => `${Math.round(value)} ms`;
const times = (value: number): string => (Number.isFinite(value) ? `×${value.toFixed(2)}` : "×?");
const percent = (value: number): string => `${(value * 100).toFixed(2)}%`;

function baselineOrigin(result: AfterResult): string {
  if (result.baselineSource === "preflight") return "its preflight";
  if (result.baselineSource === "earlier-preflight") return `the preflight of ${result.baselineRunId} just before it`;
  return "a fresh preflight";
}

const VERDICT_TEXT: Readonly<Record<Verdict, string>> = { within_noise: "within noise", regression: "regression", faster: "faster" };

/** One comparison line: loaded vs baseline, the ratio and change, and the verdict against the baseline's interval. */
function comparison(label: string, g: Growth, what: string): string {
  const change = `${times(g.ratio)} (${g.deltaMs >= 0 ? "+" : ""}${ms(g.deltaMs)})`;
  return `  ${label.padEnd(16)}${ms(g.underLoad)} under load vs ${ms(g.baseline)} unloaded${what}: ${change}, ${VERDICT_TEXT[g.verdict]} (baseline allows ${ms(g.noise.low)}–${ms(g.noise.high)})`;
}

/** The post-run cross-check as a few lines. */
export function formatAfter(result: AfterResult, file: string): string {
  const i = result.impact;
  const lines = [
    `gemini verify · after run ${result.runId} (baseline from ${baselineOrigin(result)})`,
    `  requests        ${i.requests}; baseline of ${result.baseline.calls} unloaded calls, 95% intervals`,
  ];
  const kind = ` (${i.latencyBaseline}${i.kindMismatch ? `; the baseline's calls were ${result.baseline.kind === "stream" ? "streams" : "generateContent"}` : ""})`;
  lines.push(comparison("p95 latency", i.p95, kind), comparison("median latency", i.median, ""));
  if (i.ttftP95) lines.push(comparison("TTFT p95", i.ttftP95, ""));
  if (i.ttftMedian) lines.push(comparison("TTFT median", i.ttftMedian, ""));
  const classes = Object.entries(i.errorShare).filter(([, share]) => share.count > 0);
  lines.push(
    `  failed requests ${percent(i.errorShareTotal)} after retries${classes.length ? `: ${classes.map(([name, s]) => `${name} ${percent(s.share)} (${s.count})`).join(", ")}` : ""}`,
    `  per attempt     429 ${percent(i.attempts.rateLimited.share)} (${i.attempts.rateLimited.count}), 503 ${percent(i.attempts.overloaded.share)} (${i.attempts.overloaded.count})`,
  );
  const g = result.groundTruth;
  if (g) {
    lines.push(
      `  emulator saw    ${g.emulatorRequests} requests since its start or reset (k6: ${g.k6Requests}); 429: ${g.rateLimited.emulator} (k6: ${g.rateLimited.k6}); 503: ${g.overloaded.emulator} (k6: ${g.overloaded.k6}); server p95 ${ms(g.serverTotalP95Ms)}${g.serverP95Method === "nearest-rank" ? " (nearest rank; k6 interpolates)" : ""}${g.k6MinusServerP95Ms !== null ? `, k6 p95 − server p95 ${ms(g.k6MinusServerP95Ms)}` : ""}`,
    );
  }
  if (result.groundTruthNote) lines.push(`  note: ${result.groundTruthNote}`);
  if (result.influx && "error" in result.influx) {
    lines.push(
      `  warning: the figures did not reach InfluxDB (GEMINI_INFLUXDB_URL → ${result.influx.target}): ${result.influx.error}; they are kept in verify.json`,
    );
  } else if (result.influx) {
    lines.push(`  InfluxDB        ${result.influx.written} fields → ${result.influx.target} (measurement gemini_verify)`);
  }
  lines.push(`  written → ${file}`);
  return lines.join("\n");
}

/** The --help text, with every exit code and its hint. */
export function helpText(): string {
  const codes = (Object.entries(FAILURES) as Array<[FailureClass, (typeof FAILURES)[FailureClass]]>)
    .sort(([, a], [, b]) => a.exitCode - b.exitCode)
    .map(([name, info]) => `  ${String(info.exitCode).padStart(2)}  ${name.padEnd(20)}${info.hint}`);
  return [
    "usage: npm run verify [-- --contract | --after <run-id> | --baseline-calls <n> | --help]",
    "",
    "  (no option)        preflight with @google/genai: key, model, countTokens, one moderation",
    "                     verdict, one stream, then the unloaded baseline → results/<run-id>/verify.json",
    `  --baseline-calls N sequential calls the baseline is measured over (${BASELINE_CALLS.min}–${BASELINE_CALLS.max}, default ${BASELINE_CALLS.default};`,
    "                     GEMINI_VERIFY_BASELINE_CALLS); they count against GEMINI_MAX_REQUESTS",
    "  --contract         check that lib/ sends what both official SDKs send (needs the emulator)",
    "  --after <run-id>   compare a finished run with the baseline (and the emulator's own counts)",
    "",
    "environment: GEMINI_BASE_URL (default http://127.0.0.1:8080), GEMINI_API_KEY, GEMINI_MODEL,",
    "  GEMINI_API_VERSION (v1beta|v1), GEMINI_RUN_ID, GEMINI_RESULTS_DIR, GEMINI_TIMEOUT,",
    "  GEMINI_MAX_OUTPUT_TOKENS, GEMINI_THINKING_BUDGET, GEMINI_STREAM (the baseline's kind),",
    "  GEMINI_MAX_REQUESTS, GEMINI_VERIFY_BASELINE_CALLS, GEMINI_INFLUXDB_URL (for --after),",
    "  GEMINI_DIALECT (native|openai: with openai, the preflight and --contract use the openai SDK",
    "  at /v1beta/openai/; docs/openai-compat.md)",
    "",
    "exit codes:",
    "   0  ok",
    ...codes,
  ].join("\n");
}
