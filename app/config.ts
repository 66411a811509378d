// The app's configuration: command-line flags over a small JSON file over defaults, validated with
// one-line errors. Upstreams are every model × every key; keys come from environment variables
// named in the config, so a key is never on a command line, in a file or in an answer.

import { readFileSync } from "node:fs";
import { isLoopbackHost, LOCAL_PLACEHOLDER_KEY } from "../lib/config.ts";
import { UsageError } from "../tools/errors.ts";
import { DEFAULT_ROUTER_OPTIONS, STRATEGIES, type RouterOptions, type Strategy, type Upstream } from "./router/router.ts";

/** A bad setting of the app: one line naming it and what it accepts. */
export class AppConfigError extends UsageError {
  override name = "AppConfigError";
}

/** One API key the app may use, by name; `key` is the secret and never leaves the model client. */
export interface KeySlot {
  name: string;
  key: string;
}

/** The app's effective configuration. */
export interface AppConfig {
  port: number;
  host: string;
  /** Gemini API base URL (the emulator's); undefined = the real API. */
  baseUrl: string | undefined;
  models: string[];
  keys: KeySlot[];
  /** Model calls at once; more wait in the queue. */
  concurrency: number;
  /** Requests allowed to wait for a slot; beyond that → 503 with Retry-After. */
  queue: number;
  /** A request's whole time budget, queue included; past it → 504. */
  deadlineMs: number;
  /** Model attempts per request, the first included. */
  attempts: number;
  router: RouterOptions;
}

/** What the JSON config file and the flags may set (keys: name → environment variable holding the key). */
export interface AppConfigInput {
  port?: unknown;
  host?: unknown;
  routing?: unknown;
  baseUrl?: unknown;
  models?: unknown;
  keys?: unknown;
  concurrency?: unknown;
  queue?: unknown;
  deadlineMs?: unknown;
  attempts?: unknown;
  hedgeQuantile?: unknown;
  breakerOpenMs?: unknown;
}

const FIELDS: ReadonlyArray<keyof AppConfigInput> = [
  "port",
  "host",
  "routing",
  "baseUrl",
  "models",
  "keys",
  "concurrency",
  "queue",
  "deadlineMs",
  "attempts",
  "hedgeQuantile",
  "breakerOpenMs",
];

/** Reads the JSON config file; problems name the file. */
export function readAppConfigFile(path: string): AppConfigInput {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new AppConfigError(`cannot read config file "${path}": no such file or not readable`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppConfigError(`config file "${path}" is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new AppConfigError(`config file "${path}" must hold a JSON object`);
  for (const field of Object.keys(value)) {
    if (!FIELDS.includes(field as keyof AppConfigInput)) {
      throw new AppConfigError(`config file "${path}": unknown field "${field}"; accepted: ${FIELDS.join(", ")}`);
    }
  }
  return value as AppConfigInput;
}

function integer(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new AppConfigError(`invalid ${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function list(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  const items = typeof value === "string" ? value.split(",").map((s) => s.trim()) : value;
  if (!Array.isArray(items) || items.length === 0 || !items.every((s) => typeof s === "string" && s !== "")) {
    throw new AppConfigError(`invalid ${name}: expected a non-empty list of names, got ${JSON.stringify(value)}`);
  }
  return items as string[];
}

/** `name=ENV_VAR,…` (flag) or `{ name: "ENV_VAR" }` (file) → pairs. */
function keyVariables(value: unknown): Array<[string, string]> {
  if (value === undefined) return [["default", "GEMINI_API_KEY"]];
  let pairs: Array<[string, unknown]>;
  if (typeof value === "string") {
    pairs = value.split(",").map((part) => {
      const at = part.indexOf("=");
      if (at <= 0)
        throw new AppConfigError(`invalid keys: expected name=ENV_VAR[,name=ENV_VAR…] (the variable holds the key), got "${part}"`);
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
    });
  } else if (typeof value === "object" && value !== null && !Array.isArray(value)) pairs = Object.entries(value);
  else throw new AppConfigError(`invalid keys: expected an object of key name → environment variable`);
  if (pairs.length === 0) throw new AppConfigError(`invalid keys: name at least one key`);
  for (const [name, variable] of pairs) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new AppConfigError(`invalid keys: key names use letters, digits, "_" and "-", got "${name}"`);
    // The value must name a variable: a key pasted here by mistake must not be echoed.
    if (typeof variable !== "string" || !/^[A-Z_][A-Z0-9_]*$/.test(variable)) {
      throw new AppConfigError(
        `invalid keys.${name}: expected the name of an environment variable holding the key (like GEMINI_API_KEY), not the key itself`,
      );
    }
  }
  return pairs as Array<[string, string]>;
}

function baseUrlOf(value: unknown): string | undefined {
  if (value === undefined || value === "") return undefined;
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new AppConfigError(`invalid base URL: expected http(s)://host[:port], got ${JSON.stringify(value)}`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password) {
    throw new AppConfigError(`invalid base URL: expected http(s)://host[:port] without credentials`);
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * The effective configuration from flags over file over defaults, and the environment for the keys.
 * Without a base URL the app calls the real API, so every key's variable must then be set; against a
 * loopback base URL (the emulator) an unset one gets a placeholder.
 */
export function resolveAppConfig(input: AppConfigInput, env: Readonly<Record<string, string | undefined>>): AppConfig {
  const routing = input.routing ?? "adaptive";
  if (typeof routing !== "string" || !STRATEGIES.includes(routing as Strategy)) {
    throw new AppConfigError(`invalid routing: expected one of ${STRATEGIES.join(", ")}, got ${JSON.stringify(routing)}`);
  }
  const baseUrl = baseUrlOf(input.baseUrl ?? env.GEMINI_BASE_URL);
  const local = baseUrl !== undefined && isLoopbackHost(new URL(baseUrl).hostname);
  const keys = keyVariables(input.keys).map(([name, variable]) => {
    const key = env[variable];
    if (key) return { name, key };
    if (local) return { name, key: `${LOCAL_PLACEHOLDER_KEY}-${name}` };
    throw new AppConfigError(
      `key "${name}": ${variable} is not set; set it to a Gemini API key, or give a base URL (--base-url) to use the emulator`,
    );
  });
  const models = list(input.models, "models") ?? ["gemini-2.5-flash"];
  for (const model of models) {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(model))
      throw new AppConfigError(`invalid models: model names use a-z, 0-9, "." and "-", got "${model}"`);
  }
  let hedgeQuantile: number | undefined;
  if (input.hedgeQuantile !== undefined) {
    hedgeQuantile = Number(input.hedgeQuantile);
    if (!(hedgeQuantile > 0 && hedgeQuantile < 1))
      throw new AppConfigError(
        `invalid hedge: expected a quantile between 0 and 1 such as 0.95, got ${JSON.stringify(input.hedgeQuantile)}`,
      );
  }
  const host = input.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") throw new AppConfigError(`invalid host: expected a host name or address`);
  const breaker = {
    ...DEFAULT_ROUTER_OPTIONS.breaker,
    openMs: integer(input.breakerOpenMs, "breaker open time (ms)", 1, 600_000, DEFAULT_ROUTER_OPTIONS.breaker.openMs),
  };
  return {
    port: integer(input.port, "port", 0, 65535, 8090),
    host,
    baseUrl,
    models,
    keys,
    concurrency: integer(input.concurrency, "concurrency", 1, 100_000, 32),
    queue: integer(input.queue, "queue", 0, 1_000_000, 64),
    deadlineMs: integer(input.deadlineMs, "deadline (ms)", 1, 3_600_000, 10_000),
    attempts: integer(input.attempts, "attempts", 1, 10, 3),
    router: {
      ...DEFAULT_ROUTER_OPTIONS,
      breaker,
      strategy: routing as Strategy,
      ...(hedgeQuantile === undefined ? {} : { hedgeQuantile }),
    },
  };
}

/** Every model × every key, in order: the first model with the first key is the static route. */
export function upstreamsOf(config: Pick<AppConfig, "models" | "keys">): Upstream[] {
  return config.models.flatMap((model) => config.keys.map((k) => ({ id: `${model}@${k.name}`, model, keyName: k.name })));
}
