// Parses the GEMINI_* environment once into a typed, frozen config and reports every bad variable at once.
// Pure (no k6 import): the scenario passes in k6's __ENV; Node tests pass a plain object.

import { RETRY_STRATEGIES, type RetryPolicy } from "./retry.ts";
import { arrivalRate, RATE_TOLERANCE, SMALLEST_RATE_TEXT } from "./arrival-rate.ts";

/**
 * Every GEMINI_* variable something in this project reads: the scenario's (parsed below) and the
 * tools' own. A set variable not listed here is a typo the run tools warn about.
 */
export const KNOWN_VARIABLES: readonly string[] = [
  "GEMINI_API_KEY",
  "GEMINI_API_VERSION",
  "GEMINI_APP_URL",
  "GEMINI_ARRIVALS",
  "GEMINI_BACKOFF_BASE_MS",
  "GEMINI_BACKOFF_MAX_MS",
  "GEMINI_BASE_URL",
  "GEMINI_BATCH_SIZE",
  "GEMINI_CHAT_TURNS",
  "GEMINI_DASHBOARD",
  "GEMINI_DIALECT",
  "GEMINI_DURATION",
  "GEMINI_MAX_ATTEMPTS",
  "GEMINI_MAX_COST_USD",
  "GEMINI_MAX_ERROR_RATE",
  "GEMINI_MAX_OUTPUT_TOKENS",
  "GEMINI_MAX_REQUESTS",
  "GEMINI_MAX_VUS",
  "GEMINI_MIN_ACCURACY",
  "GEMINI_MIN_CHECKS",
  "GEMINI_MIN_GOODPUT",
  "GEMINI_MODEL",
  "GEMINI_P95_MS",
  "GEMINI_PREALLOCATED_VUS",
  "GEMINI_RATE",
  "GEMINI_RESULTS_DIR",
  "GEMINI_RETRY_BUDGET",
  "GEMINI_RETRY_POLICY",
  "GEMINI_RUN_ID",
  "GEMINI_RUNNERS",
  "GEMINI_SCENARIO",
  "GEMINI_SLO_MS",
  "GEMINI_STREAM",
  "GEMINI_SWEEP_OUTPUT_TOKENS",
  "GEMINI_SWEEP_PROMPT_TOKENS",
  "GEMINI_THINKING_BUDGET",
  "GEMINI_TIMEOUT",
  "GEMINI_TTFT_P95_MS",
  "GEMINI_VUS",
  // The load shape and its settings (docs/shapes.md).
  "GEMINI_SHAPE",
  "GEMINI_SMOKE_ITERATIONS",
  "GEMINI_STRESS_STEPS",
  "GEMINI_STRESS_STEP_DURATION",
  "GEMINI_STRESS_PEAK",
  "GEMINI_SPIKE_MULTIPLIER",
  "GEMINI_SPIKE_BEFORE",
  "GEMINI_SPIKE_RAMP",
  "GEMINI_SPIKE_HOLD",
  "GEMINI_SPIKE_AFTER",
  "GEMINI_SPIKE_MARGIN",
  "GEMINI_SOAK_DURATION",
  "GEMINI_BREAKPOINT_START_RATE",
  "GEMINI_BREAKPOINT_MAX_RATE",
  "GEMINI_BREAKPOINT_DURATION",
  "GEMINI_WINDOW",
  // Read by the Node tools only: the emulator profile, InfluxDB output, and `npm test`.
  "GEMINI_EMULATOR_PROFILE",
  "GEMINI_INFLUXDB_URL",
  "GEMINI_TEST_CONCURRENCY",
  "GEMINI_TEST_REPORTER",
  "GEMINI_VERIFY_BASELINE_CALLS",
];

/** The set GEMINI_* variables nothing reads (misspellings, most likely), sorted. */
export function unknownVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith("GEMINI_") && env[name] !== undefined && !KNOWN_VARIABLES.includes(name))
    .sort();
}

/** The load shapes a run can use. */
export type ScenarioChoice = "closed" | "open" | "both";

/** The test types (docs/shapes.md); `load` is the closed and/or open model of GEMINI_SCENARIO. */
export const SHAPE_NAMES = ["smoke", "load", "stress", "spike", "soak", "breakpoint"] as const;
/** A test type: which k6 executors run, for how long, at which rates. */
export type ShapeName = (typeof SHAPE_NAMES)[number];
/** How the open shapes space their arrivals: k6's fixed spacing, or a Poisson process (lib/arrivals.ts). */
export type ArrivalProcess = "constant" | "poisson";

/** The settings of every shape, with their defaults filled in; only the chosen shape's are used. */
export interface ShapeSettings {
  /** smoke: iterations of its one VU. */
  smokeIterations: number;
  /** stress: steps from GEMINI_RATE up to `peak` × GEMINI_RATE, each held `stepMs`. */
  stress: { steps: number; stepMs: number; peak: number };
  /** spike: `beforeMs` at GEMINI_RATE, up to `multiplier` × within `rampMs`, held `holdMs`, down within `rampMs`, watched `afterMs`. */
  spike: { multiplier: number; beforeMs: number; rampMs: number; holdMs: number; afterMs: number; margin: number };
  /** soak: length of the run at GEMINI_RATE. */
  soakMs: number;
  /** breakpoint: arrival rate rising from `startRate` to `maxRate` over `durationMs` unless the objective breaks first. */
  breakpoint: { startRate: number; maxRate: number; durationMs: number };
  /** Length of the time windows the summary of spike, soak and breakpoint is broken into. */
  windowMs: number;
}

/** The whole run configuration. `apiKey` must never be printed: use {@link redactedConfig}. */
export interface GeminiConfig {
  baseUrl: string;
  /** The moderation service scenarios/app-moderation.ts loads (GEMINI_APP_URL; docs/app.md gives its contract). */
  appUrl: string;
  /** True for 127.0.0.0/8, localhost and ::1 (see {@link isLoopbackHost}): the emulator, where no key or budget is needed. */
  isLoopback: boolean;
  apiKey: string;
  model: string;
  apiVersion: "v1" | "v1beta";
  /** The API dialect the client speaks (GEMINI_DIALECT): Gemini's native REST API, or its OpenAI-compatible surface. */
  dialect: "native" | "openai";
  scenario: ScenarioChoice;
  /** The test type (GEMINI_SHAPE); `load` runs `scenario`. */
  shape: ShapeName;
  arrivals: ArrivalProcess;
  shapes: ShapeSettings;
  stream: boolean;
  /** Offered load of the open model, requests per second. */
  rate: number;
  /** Length of each scenario, ms. */
  durationMs: number;
  /** Peak VUs of the closed model. */
  vus: number;
  preAllocatedVus: number;
  maxVus: number;
  timeoutMs: number;
  maxOutputTokens: number | undefined;
  thinkingBudget: number | undefined;
  sloMs: number;
  thresholds: {
    p95Ms: number;
    ttftP95Ms: number;
    maxErrorRate: number;
    minChecks: number;
    minAccuracy: number;
    minGoodput: number;
  };
  retry: RetryPolicy;
  /** Items per request of the batching scenarios (GEMINI_BATCH_SIZE): posts for moderation-batch, texts for embeddings. */
  batchSize: number;
  /** Turns of one conversation in scenarios/chat.ts (GEMINI_CHAT_TURNS); then a VU starts a new one. */
  chatTurns: number;
  /** The grid of scenarios/prompt-sweep.ts: prompt sizes and maxOutputTokens, in tokens (GEMINI_SWEEP_PROMPT_TOKENS, GEMINI_SWEEP_OUTPUT_TOKENS). */
  sweep: { promptTokens: number[]; outputTokens: number[] };
  budget: { maxRequests: number | undefined; maxCostUsd: number | undefined };
  runId: string | undefined;
  /** k6 processes of one distributed run, each on an equal execution segment (lib/segments.ts); 1 alone. */
  runners: number;
  resultsDir: string;
  dashboard: boolean;
}

/** Every bad variable, each as "invalid NAME: expected …, got '…'". */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

/** The most time windows a run may have (GEMINI_WINDOW). */
export const MAX_WINDOWS = 120;

/** The key placeholder sent to a loopback target when GEMINI_API_KEY is not set (the emulator wants some key). */
export const LOCAL_PLACEHOLDER_KEY = "local-emulator-key";

type Env = Readonly<Record<string, string | undefined>>;

/** Parses a k6-style duration ("500ms", "30s", "2m", "1h30m") or a bare number of seconds into ms. */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return parseFloat(trimmed) * 1000;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed)) return undefined;
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += parseFloat(match[1] ?? "0") * (unitMs[match[2] ?? "s"] ?? 0);
  }
  return total;
}

/**
 * True only for hosts that are loopback without a name lookup: `localhost`, a dotted IPv4 address in
 * 127.0.0.0/8 and ::1 (bracketed or not, any spelling). Names such as `api.localhost` are not: k6
 * resolves them through DNS or the hosts file, so they may point anywhere.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost") return true;
  const octets = host.split(".");
  if (octets.length === 4) return octets[0] === "127" && octets.every((octet) => /^(0|[1-9]\d{0,2})$/.test(octet) && Number(octet) <= 255);
  return isIpv6Loopback(host);
}

/** True for an IPv6 address equal to ::1, written with or without `::` and leading zeros. */
function isIpv6Loopback(host: string): boolean {
  const halves = host.split("::");
  if (halves.length > 2) return false;
  const groups = (text: string | undefined) => (text === undefined || text === "" ? [] : text.split(":"));
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return false;
  const all = [...head, ...Array<string>(missing).fill("0"), ...tail];
  if (!all.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return false;
  return all.every((group, index) => parseInt(group, 16) === (index === 7 ? 1 : 0));
}

/** The host part of an http(s) URL, or undefined when it is not one. k6 has no URL class, so this is by hand. */
export function urlHost(url: string): string | undefined {
  const match = /^https?:\/\/(\[[^\]]+\]|[^/:?#@]+)(:\d+)?(\/[^?#@]*)?$/i.exec(url.trim());
  return match ? match[1] : undefined;
}

/**
 * A URL as it may be printed or stored: scheme://host:port/path, without credentials (anything up to
 * an `@`), query string or fragment, where a key could hide. Works on any text, valid URL or not.
 */
export function displayUrl(url: string): string {
  const withoutQuery = url.trim().replace(/[?#][\s\S]*$/, "");
  return withoutQuery.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[\s\S]*@/i, "$1");
}

/** What is wrong with GEMINI_BASE_URL, as one problem line that shows only its {@link displayUrl} form; undefined when fine. */
function baseUrlProblem(url: string): string | undefined {
  const shown = displayUrl(url);
  if (url.replace(/[?#][\s\S]*$/, "").includes("@")) {
    return `invalid GEMINI_BASE_URL: expected a URL without credentials (user@ or user:pass@), got '${shown}' with them removed; remove them and put the key in GEMINI_API_KEY`;
  }
  if (/[?#]/.test(url)) {
    return `invalid GEMINI_BASE_URL: expected a URL without query string or fragment, got '${shown}' with them removed; remove them and put any key in GEMINI_API_KEY`;
  }
  if (urlHost(url) === undefined)
    return `invalid GEMINI_BASE_URL: expected an http:// or https:// URL such as http://127.0.0.1:8080, got '${shown}'`;
  return undefined;
}

/**
 * Parses the environment. Precedence: a set variable, then the default. Throws one ConfigError that
 * lists every problem, so a user fixes them in one go.
 */
export function parseConfig(env: Env): GeminiConfig {
  const problems: string[] = [];
  const raw = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const bad = (name: string, expected: string, got: string) => problems.push(`invalid ${name}: expected ${expected}, got '${got}'`);

  const number = (name: string, fallback: number, expected: string, ok: (n: number) => boolean): number => {
    const text = raw(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text) || !Number.isFinite(value) || !ok(value)) {
      bad(name, expected, text);
      return fallback;
    }
    return value;
  };
  const positive = (name: string, fallback: number, what: string) => number(name, fallback, `a positive number ${what}`, (n) => n > 0);
  const count = (name: string, fallback: number, what: string) =>
    number(name, fallback, `a whole number ≥ 1 ${what}`, (n) => Number.isInteger(n) && n >= 1);
  const fraction = (name: string, fallback: number, what: string) =>
    number(name, fallback, `a number from 0 to 1 ${what}`, (n) => n >= 0 && n <= 1);
  const duration = (name: string, fallback: string, minimum: string): number => {
    const text = raw(name) ?? fallback;
    const ms = parseDurationMs(text);
    if (ms === undefined || ms < (parseDurationMs(minimum) ?? 0)) {
      bad(name, `a duration of at least ${minimum} such as 30s, 2m or 1h30m`, text);
      return parseDurationMs(fallback) ?? 0;
    }
    return ms;
  };
  const oneOf = <T extends string>(name: string, fallback: T, accepted: readonly T[]): T => {
    const text = raw(name);
    if (text === undefined) return fallback;
    if ((accepted as readonly string[]).includes(text)) return text as T;
    bad(name, `one of ${accepted.join(", ")}`, text);
    return fallback;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const text = raw(name);
    if (text === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(text)) return true;
    if (/^(0|false|no|off)$/i.test(text)) return false;
    bad(name, "true or false (1/0, yes/no)", text);
    return fallback;
  };

  const baseUrl = (raw("GEMINI_BASE_URL") ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
  const urlProblem = baseUrlProblem(baseUrl);
  if (urlProblem !== undefined) problems.push(urlProblem);
  const host = urlProblem === undefined ? urlHost(baseUrl) : undefined;
  const isLoopback = host !== undefined && isLoopbackHost(host);

  const appUrl = (raw("GEMINI_APP_URL") ?? "http://127.0.0.1:8090").replace(/\/+$/, "");
  if (!/^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/.test(appUrl))
    bad("GEMINI_APP_URL", "an http:// or https:// URL without credentials, query or fragment, such as http://127.0.0.1:8090", appUrl);

  const model = raw("GEMINI_MODEL") ?? "gemini-2.5-flash";
  if (!/^(models\/)?[a-z0-9][a-z0-9.-]*$/i.test(model)) bad("GEMINI_MODEL", "a model id such as gemini-2.5-flash", model);

  const apiVersion = oneOf("GEMINI_API_VERSION", "v1beta", ["v1beta", "v1"] as const);
  const dialect = oneOf("GEMINI_DIALECT", "native", ["native", "openai"] as const);
  const scenario = oneOf("GEMINI_SCENARIO", "both", ["closed", "open", "both"] as const);
  const stream = flag("GEMINI_STREAM", true);
  const rate = positive("GEMINI_RATE", 5, "of requests per second");
  if (arrivalRate(rate).error > RATE_TOLERANCE) {
    bad(
      "GEMINI_RATE",
      `a whole number per second, minute or hour to within 1% (the smallest is 1 per hour, ${SMALLEST_RATE_TEXT})`,
      String(rate),
    );
  }
  // Shorter runs give k6 stages of "0ms" and an open model without a single arrival.
  const durationMs = duration("GEMINI_DURATION", "30s", "1s");
  const vus = count("GEMINI_VUS", 10, "of virtual users");
  const shape = oneOf("GEMINI_SHAPE", "load", SHAPE_NAMES);
  const arrivals = oneOf("GEMINI_ARRIVALS", "constant", ["constant", "poisson"] as const);
  const above = (name: string, fallback: number, minimum: number, what: string) =>
    number(name, fallback, `a number above ${minimum} ${what}`, (n) => n > minimum);
  const stressSteps = number(
    "GEMINI_STRESS_STEPS",
    4,
    "a whole number from 2 to 20 of steps",
    (n) => Number.isInteger(n) && n >= 2 && n <= 20,
  );
  const shapes: ShapeSettings = {
    smokeIterations: number(
      "GEMINI_SMOKE_ITERATIONS",
      10,
      "a whole number from 1 to 1000 of iterations",
      (n) => Number.isInteger(n) && n >= 1 && n <= 1000,
    ),
    stress: {
      steps: stressSteps,
      stepMs: duration("GEMINI_STRESS_STEP_DURATION", "1m", "1s"),
      peak: above("GEMINI_STRESS_PEAK", 3, 1, "(the last step's rate as a multiple of GEMINI_RATE)"),
    },
    spike: {
      multiplier: above("GEMINI_SPIKE_MULTIPLIER", 5, 1, "(the spike's rate as a multiple of GEMINI_RATE)"),
      beforeMs: duration("GEMINI_SPIKE_BEFORE", "1m", "1s"),
      rampMs: duration("GEMINI_SPIKE_RAMP", "5s", "1s"),
      holdMs: duration("GEMINI_SPIKE_HOLD", "30s", "1s"),
      afterMs: duration("GEMINI_SPIKE_AFTER", "2m", "1s"),
      margin: number(
        "GEMINI_SPIKE_MARGIN",
        0.2,
        "a number from 0 to 10 (how far above the pre-spike p95 still counts as recovered, 0.2 = 20%)",
        (n) => n >= 0 && n <= 10,
      ),
    },
    soakMs: duration("GEMINI_SOAK_DURATION", "1h", "10s"),
    breakpoint: {
      startRate: positive("GEMINI_BREAKPOINT_START_RATE", 1, "of requests per second"),
      maxRate: positive("GEMINI_BREAKPOINT_MAX_RATE", rate * 10, "of requests per second"),
      durationMs: duration("GEMINI_BREAKPOINT_DURATION", "10m", "10s"),
    },
    windowMs: 0,
  };
  // Checked only for a breakpoint run: the default maximum follows GEMINI_RATE, which may be below the start.
  if (shape === "breakpoint" && shapes.breakpoint.maxRate <= shapes.breakpoint.startRate) {
    bad(
      "GEMINI_BREAKPOINT_MAX_RATE",
      `a rate above GEMINI_BREAKPOINT_START_RATE (${shapes.breakpoint.startRate})`,
      String(shapes.breakpoint.maxRate),
    );
  }
  // A soak's windows default to a twelfth of it (5 minutes of an hour), the others' to 10 s; never under 1 s.
  const defaultWindowMs = shape === "soak" ? Math.max(10_000, Math.round(shapes.soakMs / 12 / 1000) * 1000) : 10_000;
  shapes.windowMs = duration("GEMINI_WINDOW", `${defaultWindowMs}ms`, "1s");
  const windowed = shape === "spike" || shape === "soak" || shape === "breakpoint";
  const windowedMs =
    shape === "spike"
      ? shapes.spike.beforeMs + 2 * shapes.spike.rampMs + shapes.spike.holdMs + shapes.spike.afterMs
      : shape === "soak"
        ? shapes.soakMs
        : shapes.breakpoint.durationMs;
  // Every window costs a few sub-metrics in every VU and in the summary.
  if (windowed && Math.ceil(windowedMs / shapes.windowMs) > MAX_WINDOWS) {
    bad(
      "GEMINI_WINDOW",
      `a window long enough for at most ${MAX_WINDOWS} windows over the ${shape} run (${Math.ceil(windowedMs / MAX_WINDOWS / 1000)}s or more)`,
      raw("GEMINI_WINDOW") ?? `${defaultWindowMs / 1000}s`,
    );
  }
  // The fastest rate the shape asks for decides the VU pool's defaults.
  const peakRate =
    shape === "stress"
      ? rate * shapes.stress.peak
      : shape === "spike"
        ? rate * shapes.spike.multiplier
        : shape === "breakpoint"
          ? shapes.breakpoint.maxRate
          : rate;
  // Enough VUs for about 4 s responses (a slow 2.5 Pro answer) at the offered rate: VUs started mid-run
  // take time to initialise, and the first seconds would otherwise drop iterations.
  const preAllocatedVus = count("GEMINI_PREALLOCATED_VUS", Math.max(1, Math.ceil(peakRate * 4)), "of VUs started before the open scenario");
  const maxVus = count("GEMINI_MAX_VUS", Math.max(preAllocatedVus, Math.ceil(peakRate * 10)), "of VUs the open scenario may use");
  if (maxVus < preAllocatedVus) bad("GEMINI_MAX_VUS", `a number ≥ GEMINI_PREALLOCATED_VUS (${preAllocatedVus})`, String(maxVus));
  // Below 10 ms no answer, not even the emulator's, could arrive: every request would time out.
  const timeoutMs = duration("GEMINI_TIMEOUT", "60s", "10ms");
  const optionalInt = (name: string, expected: string, ok: (n: number) => boolean): number | undefined => {
    if (raw(name) === undefined) return undefined;
    return number(name, 0, expected, (n) => Number.isInteger(n) && ok(n));
  };
  const maxOutputTokens = optionalInt("GEMINI_MAX_OUTPUT_TOKENS", "a whole number ≥ 1 of tokens", (n) => n >= 1);
  const thinkingBudget = optionalInt("GEMINI_THINKING_BUDGET", "a whole number of tokens ≥ 0, or -1 for dynamic", (n) => n >= -1);

  const sloMs = positive("GEMINI_SLO_MS", 5000, "of milliseconds");
  const thresholds = {
    p95Ms: positive("GEMINI_P95_MS", 8000, "of milliseconds"),
    ttftP95Ms: positive("GEMINI_TTFT_P95_MS", 5000, "of milliseconds"),
    maxErrorRate: fraction("GEMINI_MAX_ERROR_RATE", 0.05, "(share of failed requests)"),
    minChecks: fraction("GEMINI_MIN_CHECKS", 0.95, "(share of passing checks)"),
    minAccuracy: fraction("GEMINI_MIN_ACCURACY", 0.8, "(share of verdicts matching the label)"),
    minGoodput: fraction("GEMINI_MIN_GOODPUT", 0.9, "(share of requests within the SLO with a valid verdict)"),
  };
  const optionalPositive = (name: string, expected: string, ok: (n: number) => boolean): number | undefined =>
    raw(name) === undefined ? undefined : number(name, 0, expected, ok);
  const budget = {
    maxRequests: optionalPositive("GEMINI_MAX_REQUESTS", "a whole number ≥ 1 of requests", (n) => Number.isInteger(n) && n >= 1),
    maxCostUsd: optionalPositive("GEMINI_MAX_COST_USD", "a positive amount in US dollars", (n) => n > 0),
  };
  // batchEmbedContents takes at most 100 texts; one prompt of more than 100 posts is no workload either.
  const batchSize = number(
    "GEMINI_BATCH_SIZE",
    10,
    "a whole number from 1 to 100 of items per request",
    (n) => Number.isInteger(n) && n >= 1 && n <= 100,
  );
  const chatTurns = number("GEMINI_CHAT_TURNS", 5, "a whole number from 1 to 50 of turns", (n) => Number.isInteger(n) && n >= 1 && n <= 50);
  const tokenList = (name: string, fallback: string, max: number): number[] => {
    const text = raw(name) ?? fallback;
    const values = text.split(",").map((v) => Number(v.trim()));
    if (values.length > 6 || !values.every((v) => Number.isInteger(v) && v >= 1 && v <= max)) {
      bad(name, `a comma-separated list of up to 6 whole numbers of tokens from 1 to ${max}`, text);
      return fallback.split(",").map(Number);
    }
    return values;
  };
  const sweep = {
    promptTokens: tokenList("GEMINI_SWEEP_PROMPT_TOKENS", "100,1000,8000,32000", 1_000_000),
    outputTokens: tokenList("GEMINI_SWEEP_OUTPUT_TOKENS", "64,512,2048", 65_536),
  };
  const retry = {
    // The comparison policies of scenarios/retry-strategies.ts; `ours` everywhere else.
    strategy: oneOf("GEMINI_RETRY_POLICY", "ours", RETRY_STRATEGIES),
    // A smoke test shows a failure rather than retrying it away.
    maxAttempts: count("GEMINI_MAX_ATTEMPTS", shape === "smoke" ? 1 : 3, "of attempts per request (1 turns retries off)"),
    baseDelayMs: positive("GEMINI_BACKOFF_BASE_MS", 500, "of milliseconds"),
    maxDelayMs: positive("GEMINI_BACKOFF_MAX_MS", 8000, "of milliseconds"),
    budgetRatio: fraction("GEMINI_RETRY_BUDGET", 0.1, "(retries allowed per request)"),
    // One retry per VU for free, so a quiet VU can retry its first failure; none under a request budget:
    // then each VU's retries stay within the ratio of its own requests, so the test's stay within the
    // ratio of all requests, and lib/budget.ts requestCaps can guarantee GEMINI_MAX_REQUESTS.
    budgetMinRetries: budget.maxRequests === undefined ? 1 : 0,
  };
  if (retry.baseDelayMs > retry.maxDelayMs) {
    problems.push(
      `invalid GEMINI_BACKOFF_BASE_MS: expected at most GEMINI_BACKOFF_MAX_MS (${retry.maxDelayMs}), got '${retry.baseDelayMs}'; lower it or raise GEMINI_BACKOFF_MAX_MS`,
    );
  }

  const runId = raw("GEMINI_RUN_ID");
  if (runId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(runId)) {
    bad("GEMINI_RUN_ID", "letters, digits, '.', '_' or '-' (at most 64), such as 20261126-010203-a1b2", runId);
  }
  const runners = count("GEMINI_RUNNERS", 1, "of k6 processes sharing the run, each on an equal execution segment");
  if (runners > 1 && runId === undefined) {
    problems.push(
      `missing GEMINI_RUN_ID: the ${runners} runners of GEMINI_RUNNERS must share one run id (the testid tag); give every runner the same GEMINI_RUN_ID`,
    );
  }
  const resultsDir = (raw("GEMINI_RESULTS_DIR") ?? "results").replace(/\/+$/, "");
  const dashboard = flag("GEMINI_DASHBOARD", false);

  let apiKey = raw("GEMINI_API_KEY") ?? "";
  if (host !== undefined && !isLoopback) {
    if (apiKey === "")
      problems.push(`missing GEMINI_API_KEY: ${displayUrl(baseUrl)} is not a loopback address, so a real API key is needed`);
    if (budget.maxRequests === undefined && budget.maxCostUsd === undefined) {
      const why =
        shape === "breakpoint" || shape === "soak" ? ` (a ${shape} run above all: it is long or rises until the service breaks)` : "";
      problems.push(
        `missing GEMINI_MAX_REQUESTS or GEMINI_MAX_COST_USD: ${displayUrl(baseUrl)} is not a loopback address, so the run needs a budget (a request count and/or US dollars)${why}`,
      );
    }
  } else if (apiKey === "") {
    apiKey = LOCAL_PLACEHOLDER_KEY;
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({
    baseUrl,
    appUrl,
    isLoopback,
    apiKey,
    model: model.replace(/^models\//, ""),
    apiVersion,
    dialect,
    scenario,
    shape,
    arrivals,
    shapes,
    stream,
    rate,
    durationMs,
    vus,
    preAllocatedVus,
    maxVus,
    timeoutMs,
    maxOutputTokens,
    thinkingBudget,
    sloMs,
    thresholds,
    retry,
    batchSize,
    chatTurns,
    sweep,
    budget,
    runId,
    runners,
    resultsDir,
    dashboard,
  });
}

/** The config with the key replaced and the URL in its {@link displayUrl} form, safe for summaries and logs. */
export function redactedConfig(config: GeminiConfig): Omit<GeminiConfig, "apiKey"> & { apiKey: string } {
  return { ...config, baseUrl: displayUrl(config.baseUrl), apiKey: config.apiKey === "" ? "" : "[redacted]" };
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === "object" && child !== null) deepFreeze(child as object);
  }
  return Object.freeze(value);
}
