// Fault draws from the seeded fault generator: an injected error status instead of an answer, and the
// per-answer faults of a served generate call (stall, reset, slow stream, error mid-stream).

import { injectedQuotaViolation, limitsFor } from "./quota.ts";
import { quotaError, statusError, type ApiError } from "./errors.ts";
import type { ModelInfo } from "./models.ts";
import type { EmulatorState } from "./state.ts";
import type { Exchange } from "./exchange.ts";
import type { FaultSettings } from "./profiles.ts";

/** The error rates and latency multiplier in force for one request (global, or its model's or key's). */
export interface ActiveFaults {
  errorRates: FaultSettings["errorRates"];
  latencyMultiplier: number;
}

const ZERO_RATES: FaultSettings["errorRates"] = { "429": 0, "500": 0, "503": 0, "504": 0 };

/** The faults for `model` and `key`: the key's scope wins over the model's, which wins over the global settings. */
export function faultsFor(state: EmulatorState, model: string, key?: string): ActiveFaults {
  const f = state.config.faults;
  const byModel = f.byModel[model];
  const byKey = key === undefined || state.noKeyFaults ? undefined : f.byKey[state.keyLabel(key)];
  if (!byModel && !byKey) return f;
  const rates = byKey?.errorRates ?? byModel?.errorRates;
  return {
    errorRates: rates ? { ...ZERO_RATES, ...rates } : f.errorRates,
    latencyMultiplier: byKey?.latencyMultiplier ?? byModel?.latencyMultiplier ?? f.latencyMultiplier,
  };
}

// The key is known at admission only; later delays of the same request read its scope from here.
const bound = new WeakMap<Exchange, ActiveFaults>();

/** The faults in force for a request: those bound at admission, else its model's (or the global ones). */
export function activeFaults(x: Exchange): ActiveFaults {
  return bound.get(x) ?? faultsFor(x.state, x.model);
}

/** Resolves and remembers the faults of a request at admission, when its model and key are known. */
export function bindFaults(x: Exchange, model: string, key: string): ActiveFaults {
  const active = faultsFor(x.state, model, key);
  if (active !== x.state.config.faults) bound.set(x, active);
  return active;
}

/** Per-request fault draws for a served generate call. */
export interface Faults {
  stallMs: number;
  reset: boolean;
  slowFactor: number;
  midStreamError: boolean;
}

const NO_FAULTS: Readonly<Faults> = { stallMs: 0, reset: false, slowFactor: 1, midStreamError: false };

/** The injected error (429/500/503/504, by the configured rates) to answer instead, if one is drawn. */
export function drawInjectedError(state: EmulatorState, model: ModelInfo, faults: ActiveFaults): ApiError | undefined {
  const config = state.config;
  const rates = faults.errorRates;
  const total = rates["429"] + rates["500"] + rates["503"] + rates["504"];
  if (total <= 0) return undefined;
  const draw = state.faultRng.next();
  if (draw >= total) return undefined;
  if (draw < rates["429"]) {
    const rpm = limitsFor(config.quotaTier, model.id, state.settings(model.id)).rpm;
    return quotaError(injectedQuotaViolation(config.quotaTier, model.id, rpm));
  }
  if (draw < rates["429"] + rates["500"]) return statusError(500);
  if (draw < rates["429"] + rates["500"] + rates["503"]) return statusError(503, config.overloadWording);
  return statusError(504);
}

function hit(rng: EmulatorState["faultRng"], rate: number): boolean {
  return rate > 0 && rng.next() < rate;
}

/** The faults of one served generate answer. */
export function drawFaults(state: EmulatorState): Faults {
  const f = state.config.faults;
  // Nothing is drawn for a zero rate, so with no faults configured the sequence is untouched either way.
  if (f.stall.rate <= 0 && f.resetRate <= 0 && f.slowStream.rate <= 0 && f.midStreamError.rate <= 0) return NO_FAULTS;
  const rng = state.faultRng;
  return {
    stallMs: hit(rng, f.stall.rate) ? f.stall.seconds * 1000 : 0,
    reset: hit(rng, f.resetRate),
    slowFactor: hit(rng, f.slowStream.rate) ? f.slowStream.factor : 1,
    midStreamError: hit(rng, f.midStreamError.rate),
  };
}
