// Admission of a model call, in the order the service applies it: quota, injected errors, then a
// capacity slot (waiting in the model's FIFO queue when the slots are busy, 503 when the queue is full).

import { limitsFor } from "./quota.ts";
import { quotaError, statusError } from "./errors.ts";
import { bindFaults, drawInjectedError } from "./faults.ts";
import { refuseAfterDelay } from "./delays.ts";
import { now } from "./timing.ts";
import type { Capacity } from "./capacity.ts";
import type { ModelInfo } from "./models.ts";
import type { Exchange } from "./exchange.ts";

/**
 * Returns the held slot, or undefined once it has answered with the refusal. Synchronous unless it
 * must wait (a delay or the queue).
 */
export function admit(
  x: Exchange,
  model: ModelInfo,
  key: string,
  promptTokens: number,
): Capacity | undefined | Promise<Capacity | undefined> {
  const { state } = x;
  const config = state.config;
  const violation = state.quota.admit(key, model.id, promptTokens, limitsFor(config.quotaTier, model.id, state.settings(model.id)));
  if (violation) return refuseAfterDelay(x, quotaError(violation));
  const injected = drawInjectedError(state, model, bindFaults(x, model.id, key));
  if (injected) return refuseAfterDelay(x, injected);
  const capacity = state.capacity.get(model.id) as Capacity;
  const held = capacity.acquire();
  if (held === true) return capacity;
  if (held === false) return refuseAfterDelay(x, statusError(503, config.overloadWording));
  return waitForSlot(x, capacity, held);
}

async function waitForSlot(x: Exchange, capacity: Capacity, pending: Promise<boolean>): Promise<Capacity | undefined> {
  x.state.stats.queued(1);
  try {
    await pending;
  } finally {
    x.state.stats.queued(-1);
  }
  // Service time starts when a slot frees up; without a wait it starts at arrival.
  x.serviceStart = now();
  if (x.aborted) {
    capacity.release();
    return undefined;
  }
  return capacity;
}
