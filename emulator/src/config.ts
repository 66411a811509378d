// Builds the effective configuration: a profile, then a config file or object deep-merged over it, then
// explicit options; and validates it with messages naming the bad field.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { BUILTIN_MODELS } from "./models.ts";
import { PROFILES, type EmulatorConfig, type ModelSettings } from "./profiles.ts";

/** A configuration problem, with a message naming the field and what it accepts. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const MODEL_TEMPLATE: Record<keyof ModelSettings, "n"> = {
  ttftMedianMs: "n",
  ttftP95Ms: "n",
  tokensPerSecond: "n",
  thoughtsTokens: "n",
  thinkingTokensPerSecond: "n",
  outputTokensMedian: "n",
  slots: "n",
  queue: "n",
  rpm: "n",
  tpm: "n",
  rpd: "n",
};

const TIERS = ["unlimited", "free", "tier1", "tier2", "tier3"];
const OVERLOAD_WORDINGS = ["2026", "2025"];

/** Names of the built-in profiles. */
export function profileNames(): string[] {
  return Object.keys(PROFILES);
}

/** The configuration of a built-in profile; unknown names throw a ConfigError naming the accepted ones. */
export function profileConfig(name: string): EmulatorConfig {
  const build = PROFILES[name];
  if (!build) throw new ConfigError(`unknown profile "${name}": expected one of ${profileNames().join(", ")}`);
  return build();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep-merges `patch` into a copy of `target`: objects merge, everything else replaces. */
function deepMerge<T>(target: T, patch: unknown): T {
  if (!isObject(patch) || !isObject(target)) return structuredClone(patch) as T;
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    out[key] = isObject(value) && isObject(out[key]) ? deepMerge(out[key], value) : structuredClone(value);
  }
  return out as T;
}

const SCOPED_TEMPLATE = { errorRates: { "429": 0, "500": 0, "503": 0, "504": 0 }, latencyMultiplier: 0 };
const KEY_LABEL = /^sha256:[0-9a-f]{12}$/;
const MODEL_NAME = /^[a-z0-9][a-z0-9.-]*$/;

/**
 * How config and answers name an API key: "sha256:" and the first 12 hex digits of its SHA-256, so a
 * key's faults can be configured and shown without the key itself.
 */
export function keyLabel(key: string): string {
  return `sha256:${createHash("sha256").update(key).digest("hex").slice(0, 12)}`;
}

/** A byKey entry must be named by a key label; the name is not echoed, since it may be a key pasted by mistake. */
function checkScopeName(path: string, name: string): void {
  if (path === "faults.byKey" && !KEY_LABEL.test(name)) {
    throw new ConfigError(
      `invalid config field "faults.byKey": entries are named by the key's label, "sha256:" and the first 12 hex digits of the key's SHA-256 (never the key itself)`,
    );
  }
  if (path === "faults.byModel" && !MODEL_NAME.test(name)) {
    throw new ConfigError(`invalid config field "faults.byModel.${name}": model names use a-z, 0-9, "." and "-"`);
  }
}

/** Rejects keys that the configuration does not have, naming the first one found. */
function checkKnownKeys(patch: unknown, template: unknown, path: string): void {
  if (!isObject(patch)) return;
  for (const [key, value] of Object.entries(patch)) {
    const here = path ? `${path}.${key}` : key;
    if (path === "faults.byModel" || path === "faults.byKey") {
      checkScopeName(path, key);
      if (value === null) continue;
      if (!isObject(value))
        throw new ConfigError(
          `invalid config field "${here}": expected an object with errorRates and/or latencyMultiplier, or null to remove it`,
        );
      checkKnownKeys(value, SCOPED_TEMPLATE, here);
      continue;
    }
    if (path === "models") {
      if (!isObject(value)) throw new ConfigError(`invalid config field "${here}": expected an object of model settings`);
      checkKnownKeys(value, MODEL_TEMPLATE, here);
      continue;
    }
    if (!isObject(template) || !(key in template)) {
      throw new ConfigError(`unknown config field "${here}"`);
    }
    const sub = template[key];
    if (isObject(sub) || key === "models") checkKnownKeys(value, key === "models" && path === "" ? {} : sub, here);
  }
}

function num(value: unknown, path: string, min: number, max = Number.POSITIVE_INFINITY, integer = false): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const range = max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `between ${min} and ${max}`;
    throw new ConfigError(
      `invalid config field "${path}": expected ${integer ? "an integer" : "a number"} ${range}, got ${JSON.stringify(value)}`,
    );
  }
}

function strings(value: unknown, path: string): void {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new ConfigError(`invalid config field "${path}": expected an array of strings, got ${JSON.stringify(value)}`);
  }
}

/** Checks every value of an effective configuration. */
function checkValues(c: EmulatorConfig): void {
  if (typeof c.profile !== "string") throw new ConfigError(`invalid config field "profile": expected a string`);
  num(c.seed, "seed", 0, 2 ** 32 - 1, true);
  strings(c.apiKeys, "apiKeys");
  if (c.apiKeys.some((k) => k === "")) throw new ConfigError(`invalid config field "apiKeys": keys must not be empty`);
  if (typeof c.admin !== "boolean") throw new ConfigError(`invalid config field "admin": expected true or false`);
  if (!TIERS.includes(c.quotaTier)) {
    throw new ConfigError(`invalid config field "quotaTier": expected one of ${TIERS.join(", ")}, got ${JSON.stringify(c.quotaTier)}`);
  }
  num(c.quotaWindowMs, "quotaWindowMs", 1000, 60_000, true);
  if (!isObject(c.models)) throw new ConfigError(`invalid config field "models": expected an object`);
  for (const [name, s] of Object.entries(c.models)) {
    if (!MODEL_NAME.test(name)) throw new ConfigError(`invalid config field "models.${name}": model names use a-z, 0-9, "." and "-"`);
    const p = `models.${name}`;
    for (const key of Object.keys(MODEL_TEMPLATE) as (keyof ModelSettings)[]) {
      const v = s[key];
      if (v === undefined && (key === "rpm" || key === "tpm" || key === "rpd")) continue;
      num(
        v,
        `${p}.${key}`,
        0,
        Number.POSITIVE_INFINITY,
        key === "slots" || key === "queue" || key === "rpm" || key === "tpm" || key === "rpd",
      );
    }
    if (s.ttftP95Ms < s.ttftMedianMs)
      throw new ConfigError(`invalid config field "${p}.ttftP95Ms": must be ≥ ttftMedianMs (${s.ttftMedianMs})`);
    if (s.ttftMedianMs === 0 && s.ttftP95Ms > 0)
      throw new ConfigError(`invalid config field "${p}.ttftMedianMs": must be > 0 when ttftP95Ms is set`);
  }
  num(c.control.medianMs, "control.medianMs", 0);
  num(c.control.p95Ms, "control.p95Ms", c.control.medianMs);
  num(c.errorDelay.medianMs, "errorDelay.medianMs", 0);
  num(c.errorDelay.p95Ms, "errorDelay.p95Ms", c.errorDelay.medianMs);
  const f = c.faults;
  for (const status of ["429", "500", "503", "504"] as const) num(f.errorRates[status], `faults.errorRates.${status}`, 0, 1);
  const total = f.errorRates["429"] + f.errorRates["500"] + f.errorRates["503"] + f.errorRates["504"];
  if (total > 1) throw new ConfigError(`invalid config field "faults.errorRates": the rates add up to ${total}, expected at most 1`);
  num(f.latencyMultiplier, "faults.latencyMultiplier", 0);
  num(f.stall.rate, "faults.stall.rate", 0, 1);
  num(f.stall.seconds, "faults.stall.seconds", 0, 3600);
  num(f.resetRate, "faults.resetRate", 0, 1);
  num(f.slowStream.rate, "faults.slowStream.rate", 0, 1);
  num(f.slowStream.factor, "faults.slowStream.factor", 1);
  num(f.midStreamError.rate, "faults.midStreamError.rate", 0, 1);
  if (![500, 503, 504].includes(f.midStreamError.status)) {
    throw new ConfigError(
      `invalid config field "faults.midStreamError.status": expected 500, 503 or 504, got ${JSON.stringify(f.midStreamError.status)}`,
    );
  }
  checkScopes(c);
  if (!OVERLOAD_WORDINGS.includes(c.overloadWording)) {
    throw new ConfigError(
      `invalid config field "overloadWording": expected one of "2026", "2025", got ${JSON.stringify(c.overloadWording)}`,
    );
  }
  strings(c.safety.promptBlockTerms, "safety.promptBlockTerms");
  strings(c.safety.responseBlockTerms, "safety.responseBlockTerms");
  if (typeof c.requestLog !== "boolean") throw new ConfigError(`invalid config field "requestLog": expected true or false`);
  num(c.requestLogLimit, "requestLogLimit", 1, 1_000_000, true);
  num(c.maxSamples, "maxSamples", 1, 100_000_000, true);
  num(c.maxBodyBytes, "maxBodyBytes", 1024, 1024 ** 3, true);
  for (const key of ["pendingMs", "runMs", "runMsPerRequest", "expireMs"] as const) num(c.batch[key], `batch.${key}`, 0);
}

/** Checks the per-model and per-key faults: their values, and that each model exists. */
function checkScopes(c: EmulatorConfig): void {
  for (const scope of ["byModel", "byKey"] as const) {
    const entries = c.faults[scope];
    if (!isObject(entries)) throw new ConfigError(`invalid config field "faults.${scope}": expected an object`);
    for (const [name, entry] of Object.entries(entries)) {
      const p = `faults.${scope}.${name}`;
      if (scope === "byModel" && !(name in c.models) && !BUILTIN_MODELS.some((m) => m.id === name)) {
        const known = [...new Set([...BUILTIN_MODELS.map((m) => m.id), ...Object.keys(c.models)])];
        throw new ConfigError(`invalid config field "${p}": no such model; expected one of ${known.join(", ")}`);
      }
      if (entry.latencyMultiplier !== undefined) num(entry.latencyMultiplier, `${p}.latencyMultiplier`, 0);
      if (entry.errorRates === undefined) continue;
      let total = 0;
      for (const [status, rate] of Object.entries(entry.errorRates)) {
        num(rate, `${p}.errorRates.${status}`, 0, 1);
        total += rate;
      }
      if (total > 1) throw new ConfigError(`invalid config field "${p}.errorRates": the rates add up to ${total}, expected at most 1`);
    }
  }
}

/** Drops the per-model and per-key fault entries a patch set to null (how a patch removes one). */
function dropRemovedScopes(c: EmulatorConfig): void {
  for (const entries of [c.faults.byModel, c.faults.byKey]) {
    if (!isObject(entries)) continue;
    for (const [name, entry] of Object.entries(entries)) if (entry === null) delete entries[name];
  }
}

/**
 * Applies a partial configuration over an effective one and validates the result. A model named in
 * `models` that has no settings yet starts from gemini-2.5-flash's, so a patch may set one field.
 */
export function applyPatch(current: EmulatorConfig, patch: unknown): EmulatorConfig {
  if (!isObject(patch)) throw new ConfigError(`invalid config: expected a JSON object`);
  checkKnownKeys(patch, current, "");
  const withModels: Record<string, unknown> = { ...patch };
  if (isObject(patch.models)) {
    const models: Record<string, unknown> = {};
    for (const [name, settings] of Object.entries(patch.models)) {
      const start = current.models[name] ?? current.models["gemini-2.5-flash"] ?? {};
      models[name] = deepMerge(start, settings);
    }
    withModels.models = models;
  }
  if ("profile" in patch && patch.profile !== current.profile) {
    throw new ConfigError(`invalid config field "profile": the profile is chosen at start (--profile), not changed at run time`);
  }
  const next = deepMerge(current, withModels);
  if (isObject(next.faults)) dropRemovedScopes(next);
  checkValues(next);
  return next;
}

/** Options that decide the configuration at start. */
export interface ConfigOptions {
  config?: object;
  configFile?: string;
  profile?: string;
  seed?: number;
  admin?: boolean;
}

/** Reads a JSON config file; problems are ConfigErrors naming the file. */
function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new ConfigError(`cannot read config file "${path}": no such file or not readable`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file "${path}" is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw new ConfigError(`config file "${path}" must hold a JSON object`);
  return value;
}

/** The effective configuration for start(): profile (option, else the file's `profile`, else realistic), file, object, options. */
export function resolveConfig(options: ConfigOptions): EmulatorConfig {
  const fromFile = options.configFile ? readConfigFile(options.configFile) : {};
  const fromObject = (options.config ?? {}) as Record<string, unknown>;
  const profileName =
    options.profile ?? (fromObject.profile as string | undefined) ?? (fromFile.profile as string | undefined) ?? "realistic";
  if (typeof profileName !== "string") throw new ConfigError(`invalid config field "profile": expected a string`);
  let config = profileConfig(profileName);
  const strip = (o: Record<string, unknown>): Record<string, unknown> => {
    const { profile: _ignored, ...rest } = o;
    return rest;
  };
  try {
    config = applyPatch(config, strip(fromFile));
  } catch (err) {
    if (err instanceof ConfigError && options.configFile) throw new ConfigError(`${options.configFile}: ${err.message}`);
    throw err;
  }
  config = applyPatch(config, strip(fromObject));
  if (options.seed !== undefined) config = applyPatch(config, { seed: options.seed });
  if (options.admin !== undefined) config = applyPatch(config, { admin: options.admin });
  return config;
}
