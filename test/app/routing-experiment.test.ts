// The routing experiment in short form (tools/experiments/routing.ts): with model A degraded mid-run,
// adaptive routing beats static on error rate and p95 and keeps the objective; and with the app's own
// concurrency limit too low, the Server-Timing split puts the time in the app's queue, not the model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FULL_PLAN, runSplit, runStrategy } from "../../tools/experiments/routing.ts";

const plan = { ...FULL_PLAN, rate: 30, healthyMs: 1500, faultMs: 3000, recoveredMs: 500 };

// The p95 objective itself is not asserted for adaptive: on a shared machine a burst of CPU load moves
// every latency, while the comparison with static, run the same way, holds.
test("under the fault adaptive routing beats static on error rate and p95 and keeps the error objective; static breaks the objective", async () => {
  const fixed = await runStrategy("static", plan);
  const adaptive = await runStrategy("adaptive", plan);
  const show = JSON.stringify({ static: fixed.fault, adaptive: adaptive.fault });
  assert.ok(adaptive.fault.errorRate < fixed.fault.errorRate, `error rate: ${show}`);
  assert.ok(adaptive.fault.p95Ms < fixed.fault.p95Ms, `p95: ${show}`);
  assert.equal(fixed.fault.withinObjective, false, `static breaks the objective: ${show}`);
  assert.ok(adaptive.fault.errorRate <= plan.objective.maxErrorRate, `adaptive keeps the error objective: ${show}`);
  assert.ok(fixed.fault.shareOnA > 0.99, "static stays on A");
  assert.ok(adaptive.detectMs !== undefined && adaptive.detectMs <= 1500, `adaptive moves off A within 1.5 s: ${adaptive.detectMs}`);
  assert.equal(fixed.detectMs, undefined);
});

test("an undersized app limit shows as queue time in the split; a sized one shows the model", async () => {
  const options = { rate: 9, modelMs: 100, durationMs: 3000, seed: 7 };
  const [undersized, sized] = [await runSplit(1, options), await runSplit(8, options)];
  assert.ok(undersized.meanQueueMs > undersized.meanModelMs, `queue dominates at 90% load on one slot: ${JSON.stringify(undersized)}`);
  assert.ok(sized.meanQueueMs < 0.1 * sized.meanModelMs, `no queue with 8 slots: ${JSON.stringify(sized)}`);
  for (const r of [undersized, sized])
    assert.ok(r.meanModelMs >= 95 && r.meanModelMs < 150, `the model's 100 ms in both: ${r.meanModelMs}`);
});
