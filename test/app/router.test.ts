// The router's decisions under a fake clock: each strategy's choices, the breaker's transitions,
// quota-aware key choice, exploration and hedging.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CircuitBreaker } from "../../app/router/breaker.ts";
import { DEFAULT_ROUTER_OPTIONS, Router, type Outcome, type Strategy, type Upstream } from "../../app/router/router.ts";

const A: Upstream = { id: "model-a@k1", model: "model-a", keyName: "k1" };
const B: Upstream = { id: "model-b@k1", model: "model-b", keyName: "k1" };
const A2: Upstream = { id: "model-a@k2", model: "model-a", keyName: "k2" };

/** A clock the test moves by hand. */
function fakeClock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const ok = (latencyMs: number): Outcome => ({ ok: true, latencyMs });
const fail = (status = 503, latencyMs = 50): Outcome => ({ ok: false, status, latencyMs });

function router(
  strategy: Strategy,
  upstreams: Upstream[] = [A, B],
  extra: Partial<typeof DEFAULT_ROUTER_OPTIONS> & { hedgeQuantile?: number } = {},
) {
  return new Router(upstreams, { ...DEFAULT_ROUTER_OPTIONS, exploreEvery: 0, ...extra, strategy });
}

/** Sends `n` requests through the router, answering each with `answer(upstream)`; returns how many went where. */
function drive(r: Router, clock: ReturnType<typeof fakeClock>, n: number, answer: (u: Upstream) => Outcome): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const u = r.pick(clock.now());
    assert.ok(u, "an upstream is available");
    counts[u.id] = (counts[u.id] ?? 0) + 1;
    clock.advance(10);
    r.record(u.id, answer(u), clock.now());
  }
  return counts;
}

test("static always sends to the first upstream, even when it fails and on retries", () => {
  const clock = fakeClock();
  const r = router("static");
  const counts = drive(r, clock, 30, (u) => (u === A ? fail() : ok(100)));
  assert.deepEqual(counts, { [A.id]: 30 });
  assert.equal(r.pick(clock.now(), new Set([A.id]))?.id, A.id);
});

test("round-robin takes turns and skips the upstream a retry already tried", () => {
  const clock = fakeClock();
  const r = router("round-robin", [A, B, A2]);
  const order = [0, 1, 2, 3, 4, 5].map(() => r.pick(clock.now())?.id);
  assert.deepEqual(order, [A.id, B.id, A2.id, A.id, B.id, A2.id]);
  assert.equal(r.pick(clock.now(), new Set([A.id]))?.id, B.id, "the next turn, A, was tried: B instead");
  const both = new Set([A.id, B.id, A2.id]);
  assert.ok(r.pick(clock.now(), both), "with every upstream tried it still answers one");
});

test("adaptive prefers the faster upstream and the one with fewer errors", () => {
  const clock = fakeClock();
  const r = router("adaptive");
  const counts = drive(r, clock, 100, (u) => (u === A ? ok(500) : ok(100)));
  assert.ok((counts[B.id] ?? 0) >= 95, `B (5× faster) should take nearly all, got ${JSON.stringify(counts)}`);

  const r2 = router("adaptive", [A, B], { breaker: { ...DEFAULT_ROUTER_OPTIONS.breaker, failureRate: 1.1 } });
  const c2 = drive(r2, clock, 100, (u) => (u === A ? (clock.now() % 3 === 0 ? fail(503, 100) : ok(100)) : ok(130)));
  assert.ok((c2[B.id] ?? 0) > (c2[A.id] ?? 0), `B (slightly slower, no errors) should win over A (errors), got ${JSON.stringify(c2)}`);
});

test("adaptive routes a retry to an upstream the request has not tried", () => {
  const clock = fakeClock();
  const r = router("adaptive");
  drive(r, clock, 10, (u) => (u === A ? ok(50) : ok(100)));
  assert.equal(r.pick(clock.now())?.id, A.id);
  assert.equal(r.pick(clock.now(), new Set([A.id]))?.id, B.id);
});

test("adaptive explores: every Nth choice goes to the upstream observed longest ago, so a recovered one is seen", () => {
  const clock = fakeClock();
  const r = router("adaptive", [A, B], { exploreEvery: 10 });
  let slowA = true;
  const first = drive(r, clock, 100, (u) => (u === A ? ok(slowA ? 1000 : 50) : ok(100)));
  assert.ok((first[A.id] ?? 0) >= 5 && (first[A.id] ?? 0) <= 15, `A is explored about every 10th choice, got ${JSON.stringify(first)}`);
  slowA = false;
  // Each exploration pulls A's latency EWMA down; about ten of them bring it below B's.
  drive(r, clock, 150, (u) => (u === A ? ok(slowA ? 1000 : 50) : ok(100)));
  const after = drive(r, clock, 100, (u) => (u === A ? ok(slowA ? 1000 : 50) : ok(100)));
  assert.ok((after[A.id] ?? 0) >= 85, `A, fast again, wins the traffic back, got ${JSON.stringify(after)}`);
});

test("breaker: closed → open at the failure rate → half-open after the cool-down → one probe → closed or open again", () => {
  const clock = fakeClock();
  const b = new CircuitBreaker({ window: 10, minSamples: 4, failureRate: 0.5, openMs: 1000 });
  b.record(false, clock.now());
  b.record(false, clock.now());
  b.record(true, clock.now());
  assert.equal(b.current(clock.now()), "closed", "fewer than minSamples never open it");
  b.record(false, clock.now());
  assert.equal(b.current(clock.now()), "open", "3 of 4 failed");
  assert.equal(b.allows(clock.now()), false);
  assert.equal(b.probeInMs(clock.now()), 1000);
  clock.advance(999);
  assert.equal(b.current(clock.now()), "open");
  clock.advance(1);
  assert.equal(b.current(clock.now()), "half-open");
  assert.equal(b.allows(clock.now()), true);
  b.onSend(clock.now());
  assert.equal(b.allows(clock.now()), false, "one probe at a time");
  b.record(false, clock.now());
  assert.equal(b.current(clock.now()), "open", "a failed probe reopens it");
  clock.advance(1000);
  b.onSend(clock.now());
  b.record(true, clock.now());
  assert.equal(b.current(clock.now()), "closed", "a good probe closes it");
  assert.deepEqual(
    b.transitions.map((t) => `${t.from}→${t.to}`),
    ["closed→open", "open→half-open", "half-open→open", "open→half-open", "half-open→closed"],
  );
});

test("adaptive stops sending to an upstream whose breaker opened, and probes it after the cool-down", () => {
  const clock = fakeClock();
  const r = router("adaptive", [A, B], { breaker: { window: 10, minSamples: 5, failureRate: 0.5, openMs: 500 } });
  drive(r, clock, 6, (u) => (u === A ? ok(20) : ok(100)));
  // A is faster, so it is chosen until its failures open the breaker.
  const counts = drive(r, clock, 20, (u) => (u === A ? fail(503, 20) : ok(100)));
  assert.equal(r.snapshot(clock.now()).upstreams[0]?.breaker, "open");
  assert.ok((counts[A.id] ?? 0) <= 6, `A gets no traffic once open, got ${JSON.stringify(counts)}`);
  clock.advance(500);
  assert.equal(r.pick(clock.now())?.id, A.id, "the half-open probe goes to A (never slower than its last failures)");
  assert.equal(r.pick(clock.now())?.id, B.id, "while the probe is out, the rest go to B");
  r.record(A.id, ok(20), clock.now());
  assert.equal(r.snapshot(clock.now()).upstreams[0]?.breaker, "closed");
});

test("quota-aware: a key that got 429 with RetryInfo is skipped until then, then used again", () => {
  const clock = fakeClock();
  const r = router("adaptive", [A, A2]);
  drive(r, clock, 4, () => ok(100));
  const first = r.pick(clock.now());
  assert.ok(first);
  r.record(first.id, { ok: false, status: 429, latencyMs: 5, retryAfterMs: 2000 }, clock.now());
  const other = first.id === A.id ? A2.id : A.id;
  for (let i = 0; i < 10; i++) {
    assert.equal(r.pick(clock.now())?.id, other, "the key out of quota is skipped");
    r.record(other, ok(100), clock.now());
    clock.advance(100);
  }
  assert.ok(r.snapshot(clock.now()).upstreams.some((u) => u.quotaBlockedForMs === 1000));
  clock.advance(1000);
  r.record(other, ok(5000), clock.now());
  assert.equal(r.pick(clock.now())?.id, first.id, "after the retry delay the key is chosen again");
});

test("adaptive answers no upstream when every one is out of quota, and says when one frees up", () => {
  const clock = fakeClock();
  const r = router("adaptive", [A]);
  r.record(A.id, { ok: false, status: 429, latencyMs: 5, retryAfterMs: 1500 }, clock.now());
  assert.equal(r.pick(clock.now()), undefined);
  assert.equal(r.nextAvailableInMs(clock.now()), 1500);
  clock.advance(1500);
  assert.equal(r.pick(clock.now())?.id, A.id);
});

test("hedging: the delay is the chosen quantile of the upstream's latencies, adaptive only, once enough are known", () => {
  const clock = fakeClock();
  const r = router("adaptive", [A, B], { hedgeQuantile: 0.9 });
  assert.equal(r.hedgeDelayMs(A.id), undefined, "no samples yet");
  for (let i = 1; i <= 20; i++) r.record(A.id, ok(i * 10), clock.now());
  assert.equal(r.hedgeDelayMs(A.id), 180, "p90 of 10..200 ms by nearest rank");
  assert.equal(router("adaptive", [A, B]).hedgeDelayMs(A.id), undefined, "off unless a quantile is set");
  const rr = router("round-robin", [A, B], { hedgeQuantile: 0.9 });
  for (let i = 1; i <= 20; i++) rr.record(A.id, ok(i * 10), clock.now());
  assert.equal(rr.hedgeDelayMs(A.id), undefined, "only adaptive hedges");
  const single = router("adaptive", [A], { hedgeQuantile: 0.9 });
  for (let i = 1; i <= 20; i++) single.record(A.id, ok(i * 10), clock.now());
  assert.equal(single.hedgeDelayMs(A.id), undefined, "nothing to hedge on with one upstream");
});

test("the snapshot shows each upstream's observed state by key name, never a key", () => {
  const clock = fakeClock();
  const r = router("adaptive");
  drive(r, clock, 10, (u) => (u === A ? fail(503, 40) : ok(100)));
  const snap = r.snapshot(clock.now());
  assert.equal(snap.strategy, "adaptive");
  const a = snap.upstreams[0];
  assert.ok(a);
  assert.equal(a.keyName, "k1");
  assert.ok(a.rate503 > 0 && a.errorRate > 0);
  assert.equal(a.rate429, 0);
  assert.equal(a.sent + (snap.upstreams[1]?.sent ?? 0), 10);
});

test("adaptive weighs the oldest attempt still out: an upstream turning slow loses traffic before a slow answer returns", () => {
  const clock = fakeClock();
  const r = router("adaptive");
  drive(r, clock, 10, (u) => (u === A ? ok(90) : ok(100)));
  const held = r.pick(clock.now());
  assert.equal(held?.id, A.id, "A is faster");
  clock.advance(50);
  assert.equal(r.pick(clock.now())?.id, A.id, "an attempt out for less than A's usual latency says nothing");
  clock.advance(100);
  assert.equal(r.pick(clock.now())?.id, B.id, "out for 150 ms, longer than B's 100: A is avoided");
  assert.equal(r.snapshot(clock.now()).upstreams[0]?.inFlight, 2);
  r.record(A.id, ok(150), clock.now());
  r.record(A.id, ok(100), clock.now());
  assert.equal(r.snapshot(clock.now()).upstreams[0]?.inFlight, 0);
});
