// The short delays that are not model time: countTokens and models.get/list (`control`) and errors
// answered before a stream starts (`errorDelay`), each a lognormal draw from its own sequence.

import { lognormalQuantile, waitUntil } from "./timing.ts";
import { sendError } from "./http.ts";
import { activeFaults } from "./faults.ts";
import type { ApiError } from "./errors.ts";
import type { Exchange } from "./exchange.ts";

/** The configured latency multiplier (a fault, global or for this model or key), applied to every delay. */
export function multiplier(x: Exchange): number {
  return activeFaults(x).latencyMultiplier;
}

/** The short delay of countTokens and models.get/list. */
export function controlDelay(x: Exchange): Promise<void> | void {
  return shortDelay(x, x.state.config.control, "control");
}

/** Waits until `delay` (a lognormal draw from its own sequence) has passed since the request arrived. */
function shortDelay(x: Exchange, delay: { medianMs: number; p95Ms: number }, sequence: "control" | "error"): Promise<void> | void {
  if (delay.medianMs <= 0) return;
  const ms = lognormalQuantile(delay.medianMs, delay.p95Ms, x.state.nextQuantile(sequence)) * multiplier(x);
  return waitUntil(x.start + ms);
}

/**
 * Answers an error after the profile's error delay (BEHAVIOR.md: an error ≈ 48 ms). Synchronous when
 * there is no delay (zero-latency).
 */
export function refuse(x: Exchange, error: ApiError): void | Promise<void> {
  const delay = shortDelay(x, x.state.config.errorDelay, "error");
  if (!delay) return sendError(x, error);
  return delay.then(() => sendError(x, error));
}

/** {@link refuse}, resolving to undefined: for paths that answer "no slot" after refusing. */
export async function refuseAfterDelay(x: Exchange, error: ApiError): Promise<undefined> {
  await refuse(x, error);
  return undefined;
}
