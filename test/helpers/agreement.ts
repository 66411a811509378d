// How close k6's timing figures must be to the emulator's ground truth, for the tests that compare them.
import assert from "node:assert/strict";

/**
 * Time k6 may see beyond the emulator's own clock: the loopback hop and the moments before the
 * emulator's handler starts and after its last write. It only ever adds to k6's figure, and a
 * stalled CI machine stretches it, so k6 may read that much higher but hardly lower.
 */
export const LOOPBACK_ALLOWANCE_MS = 15;
/** Clock granularity by which k6 may read lower than the emulator. */
export const CLOCK_SLACK_MS = 2;

/** Asserts that k6's `k6Ms` is within 5% of the emulator's `truthMs`, plus the allowances above. */
export function assertAgrees(label: string, k6Ms: number, truthMs: number): void {
  const low = truthMs * 0.95 - CLOCK_SLACK_MS;
  const high = truthMs * 1.05 + LOOPBACK_ALLOWANCE_MS;
  assert.ok(
    k6Ms >= low && k6Ms <= high,
    `${label}: k6 says ${k6Ms.toFixed(2)} ms, the emulator measured ${truthMs.toFixed(2)} ms (allowed ${low.toFixed(2)}–${high.toFixed(2)} ms)`,
  );
}
