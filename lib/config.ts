// Parses the GEMINI_* environment once into a typed, frozen config and reports every bad variable at once.
// Pure (no k6 import): the scenario passes in k6's __ENV; Node tests pass a plain object.

import type { RetryPolicy } from "./retry.ts";

/** The load shapes a run can use. */
export type ScenarioChoice = "closed" | "open" | "both";

/** The whole run configuration. `apiKey` must never be printed: use {@link redactedConfig}. */
export interface GeminiConfig {
  baseUrl: string;
  /** True for 127.0.0.0/8, localhost and ::1: the emulator, where no key or budget is needed. */
  isLoopback: boolean;
  apiKey: string;
  model: string;
  apiVersion: "v1" | "v1beta";
  scenario: ScenarioChoice;
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
  budget: { maxRequests: number | undefined; maxCostUsd: number | undefined };
  runId: string | undefined;
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

/** True for a loopback host: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The host part of an http(s) URL, or undefined when it is not one. k6 has no URL class, so this is by hand. */
export function urlHost(url: string): string | undefined {
  const match = /^https?:\/\/(\[[^\]]+\]|[^/:?#]+)(:\d+)?(\/[^?#]*)?$/i.exec(url.trim());
  return match ? match[1] : undefined;
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
  const count = (name: string, fallback: number, what: string) => number(name, fallback, `a whole number ≥ 1 ${what}`, (n) => Number.isInteger(n) && n >= 1);
  const fraction = (name: string, fallback: number, what: string) => number(name, fallback, `a number from 0 to 1 ${what}`, (n) => n >= 0 && n <= 1);
  const duration = (name: string, fallback: string): number => {
    const text = raw(name) ?? fallback;
    const ms = parseDurationMs(text);
    if (ms === undefined || ms <= 0) {
      bad(name, "a duration such as 30s, 2m or 1h30m", text);
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
  const host = urlHost(baseUrl);
  if (host === undefined) bad("GEMINI_BASE_URL", "an http:// or https:// URL such as http://127.0.0.1:8080", baseUrl);
  const isLoopback = host !== undefined && isLoopbackHost(host);

  const model = raw("GEMINI_MODEL") ?? "gemini-2.5-flash";
  if (!/^(models\/)?[a-z0-9][a-z0-9.\-]*$/i.test(model)) bad("GEMINI_MODEL", "a model id such as gemini-2.5-flash", model);

  const apiVersion = oneOf("GEMINI_API_VERSION", "v1beta", ["v1beta", "v1"] as const);
  const scenario = oneOf("GEMINI_SCENARIO", "both", ["closed", "open", "both"] as const);
  const stream = flag("GEMINI_STREAM", true);
  const rate = positive("GEMINI_RATE", 5, "of requests per second");
  const durationMs = duration("GEMINI_DURATION", "30s");
  const vus = count("GEMINI_VUS", 10, "of virtual users");
  // Enough VUs for about 4 s responses (a slow 2.5 Pro answer) at the offered rate: VUs started mid-run
  // take time to initialise, and the first seconds would otherwise drop iterations.
  const preAllocatedVus = count("GEMINI_PREALLOCATED_VUS", Math.max(1, Math.ceil(rate * 4)), "of VUs started before the open scenario");
  const maxVus = count("GEMINI_MAX_VUS", Math.max(preAllocatedVus, Math.ceil(rate * 10)), "of VUs the open scenario may use");
  if (maxVus < preAllocatedVus) bad("GEMINI_MAX_VUS", `a number ≥ GEMINI_PREALLOCATED_VUS (${preAllocatedVus})`, String(maxVus));
  const timeoutMs = duration("GEMINI_TIMEOUT", "60s");
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
  const retry = {
    maxAttempts: count("GEMINI_MAX_ATTEMPTS", 3, "of attempts per request (1 turns retries off)"),
    baseDelayMs: positive("GEMINI_BACKOFF_BASE_MS", 500, "of milliseconds"),
    maxDelayMs: positive("GEMINI_BACKOFF_MAX_MS", 8000, "of milliseconds"),
    budgetRatio: fraction("GEMINI_RETRY_BUDGET", 0.1, "(retries allowed per request)"),
    budgetMinRetries: 1,
  };
  const optionalPositive = (name: string, expected: string, ok: (n: number) => boolean): number | undefined =>
    raw(name) === undefined ? undefined : number(name, 0, expected, ok);
  const budget = {
    maxRequests: optionalPositive("GEMINI_MAX_REQUESTS", "a whole number ≥ 1 of requests", (n) => Number.isInteger(n) && n >= 1),
    maxCostUsd: optionalPositive("GEMINI_MAX_COST_USD", "a positive amount in US dollars", (n) => n > 0),
  };

  const runId = raw("GEMINI_RUN_ID");
  if (runId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(runId)) {
    bad("GEMINI_RUN_ID", "letters, digits, '.', '_' or '-' (at most 64), such as 20261126-010203-a1b2", runId);
  }
  const resultsDir = (raw("GEMINI_RESULTS_DIR") ?? "results").replace(/\/+$/, "");
  const dashboard = flag("GEMINI_DASHBOARD", false);

  let apiKey = raw("GEMINI_API_KEY") ?? "";
  if (host !== undefined && !isLoopback) {
    if (apiKey === "") problems.push(`missing GEMINI_API_KEY: ${baseUrl} is not a loopback address, so a real API key is needed`);
    if (budget.maxRequests === undefined && budget.maxCostUsd === undefined) {
      problems.push(
        `missing GEMINI_MAX_REQUESTS or GEMINI_MAX_COST_USD: ${baseUrl} is not a loopback address, so the run needs a budget (a request count and/or US dollars)`,
      );
    }
  } else if (apiKey === "") {
    apiKey = LOCAL_PLACEHOLDER_KEY;
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({
    baseUrl, isLoopback, apiKey, model: model.replace(/^models\//, ""), apiVersion, scenario, stream, rate, durationMs, vus,
    preAllocatedVus, maxVus, timeoutMs, maxOutputTokens, thinkingBudget, sloMs, thresholds, retry, budget, runId, resultsDir, dashboard,
  });
}

/** The config with the key replaced, safe for summaries and logs. */
export function redactedConfig(config: GeminiConfig): Omit<GeminiConfig, "apiKey"> & { apiKey: string } {
  return { ...config, apiKey: config.apiKey === "" ? "" : "[redacted]" };
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === "object" && child !== null) deepFreeze(child as object);
  }
  return Object.freeze(value);
}
