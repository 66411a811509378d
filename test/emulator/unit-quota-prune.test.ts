// The quota tracker forgets windows that no longer hold anything, so rotating keys cannot grow it without bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { QuotaTracker } from "../../emulator/src/quota.ts";

const MINUTE = 60_000;
const NOON_UTC = Date.UTC(2026, 10, 26, 20, 0, 0); // 12:00 Pacific: the Pacific day does not change below.

test("idle windows of per-minute quotas are pruned; active ones stay and keep counting", () => {
  const quota = new QuotaTracker("tier1");
  const limits = { rpm: 2, tpm: 0, rpd: 0 };
  for (let i = 0; i < 1000; i++) assert.equal(quota.admit(`rotating-${i}`, "gemini-2.5-flash", 1, limits, NOON_UTC), undefined);
  assert.equal(quota.admit("steady", "gemini-2.5-flash", 1, limits, NOON_UTC + MINUTE - 10), undefined);
  assert.equal(quota.size, 1001);
  // A minute later every rotating key is idle; the next admit prunes them.
  assert.equal(quota.admit("steady", "gemini-2.5-flash", 1, limits, NOON_UTC + MINUTE + 5), undefined);
  assert.equal(quota.size, 1);
  // The surviving window still counts: a third request within its minute is refused.
  assert.equal(quota.admit("steady", "gemini-2.5-flash", 1, limits, NOON_UTC + MINUTE + 6)?.quotaValue, 2);
});

test("a window with a daily quota is kept for the rest of its Pacific day, then pruned", () => {
  const quota = new QuotaTracker("free");
  const limits = { rpm: 0, tpm: 0, rpd: 1 };
  assert.equal(quota.admit("k", "gemini-2.5-flash", 1, limits, NOON_UTC), undefined);
  quota.prune(NOON_UTC + 2 * 3600_000);
  assert.equal(quota.size, 1);
  assert.ok(quota.admit("k", "gemini-2.5-flash", 1, limits, NOON_UTC + 2 * 3600_000), "the day's request still counts");
  quota.prune(NOON_UTC + 24 * 3600_000);
  assert.equal(quota.size, 0);
});
