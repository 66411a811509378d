// The moderation app, real, against a real emulator: answers and Server-Timing, bad input, the
// concurrency limit and its bounded queue, deadlines, retries (RetryInfo, backoff, another key),
// the admin endpoint, and a shutdown that finishes what is in flight.
import { test } from "node:test";
import assert from "node:assert/strict";
import { keyLabel } from "../../emulator/src/config.ts";
import { APP_KEYS, fixedLatency, moderate, parseServerTiming, startStack } from "./harness.ts";

const MODEL = "gemini-2.5-flash";
const OTHER = "gemini-2.5-flash-lite";

test("a post gets a verdict, with the queue, each attempt, the model, parsing, the total and the upstream in Server-Timing", async (t) => {
  const stack = await startStack({ models: MODEL }, { config: { models: { [MODEL]: fixedLatency(60) } } });
  t.after(() => stack.close());
  const spam = await moderate(stack.app.url);
  assert.equal(spam.status, 200);
  assert.deepEqual(spam.json, { verdict: "block", categories: ["spam"], confidence: spam.json.confidence, model: MODEL });
  assert.equal(typeof spam.json.confidence, "number");
  const clean = await moderate(stack.app.url, { text: "what a lovely day at the beach" });
  assert.equal(clean.json.verdict, "allow");
  assert.deepEqual(clean.json.categories, []);

  const timing = parseServerTiming(spam.headers.get("server-timing"));
  assert.deepEqual([...timing.keys()], ["queue", "attempt-1", "model", "parse", "total", "upstream"]);
  assert.equal(timing.get("attempt-1")?.desc, `${MODEL}@k1 ok`);
  assert.equal(timing.get("upstream")?.desc, `${MODEL}@k1`, "the model and key slot, by name");
  const dur = (name: string) => timing.get(name)?.dur ?? Number.NaN;
  assert.ok(dur("model") >= 55, `the model took its 60 ms, Server-Timing says ${dur("model")}`);
  assert.ok(dur("queue") < 20, `nothing waited, queue ${dur("queue")}`);
  assert.ok(dur("total") >= dur("queue") + dur("model"), "total covers queue and model");
  assert.ok(!spam.headers.get("server-timing")?.includes(APP_KEYS.KEY_ONE), "no key in the header");
});

test("bad input is answered 400 with one clear line", async (t) => {
  const stack = await startStack({});
  t.after(() => stack.close());
  const cases: Array<[unknown, RegExp]> = [
    [{}, /missing "text": send \{"text": "the post to moderate"\}/],
    [{ text: 42 }, /"text" must be a string, got number/],
    [{ text: "  " }, /"text" is empty/],
    [{ text: "x".repeat(20_001) }, /"text" is 20001 characters; at most 20000/],
    [{ text: "hi", lang: "en" }, /unknown field "lang"/],
    [[1, 2], /expected a JSON object/],
    ["{not json", /not valid JSON/],
  ];
  for (const [body, message] of cases) {
    const r = await moderate(stack.app.url, body);
    assert.equal(r.status, 400, JSON.stringify(body).slice(0, 40));
    assert.match(r.json.error?.message ?? "", message);
    assert.ok(!(r.json.error?.message ?? "").includes("\n"), "one line");
    assert.ok(r.headers.get("server-timing")?.includes("total;dur="), "every answer has Server-Timing");
  }
  const notJson = await fetch(`${stack.app.url}/v1/moderate`, {
    method: "POST",
    body: "text=hi",
    headers: { "content-type": "text/plain" },
  });
  assert.equal(notJson.status, 415);
  assert.match(((await notJson.json()) as { error: { message: string } }).error.message, /send JSON: Content-Type: application\/json/);
});

test("the concurrency limit holds, the bounded queue waits in order, and a full queue answers 503 with Retry-After at once", async (t) => {
  const stack = await startStack({ concurrency: 2, queue: 2 }, { config: { models: { [MODEL]: fixedLatency(300) } } });
  t.after(() => stack.close());
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: 6 }, async () => {
      const r = await moderate(stack.app.url);
      return { ...r, ms: performance.now() - started };
    }),
  );
  const ok = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 503);
  assert.equal(ok.length, 4, `2 run and 2 wait: ${results.map((r) => r.status).join(",")}`);
  assert.equal(refused.length, 2);
  for (const r of refused) {
    assert.equal(r.headers.get("retry-after"), "1");
    assert.match(r.json.error?.message ?? "", /the app is at its limit \(2 running, 2 waiting\); retry after 1 s/);
    assert.ok(r.ms < 200, `refused at once, took ${r.ms.toFixed(0)} ms`);
  }
  const queues = ok.map((r) => parseServerTiming(r.headers.get("server-timing")).get("queue")?.dur ?? 0).sort((a, b) => a - b);
  assert.ok((queues[0] ?? 1) < 50 && (queues[1] ?? 1) < 50, `two ran at once: ${queues}`);
  assert.ok((queues[2] ?? 0) >= 250 && (queues[3] ?? 0) >= 250, `two waited a model call's time in the queue: ${queues}`);
  const stats = await stack.emu.admin.stats();
  assert.equal(stats.concurrency.peak, 2, "the model never saw more than the app's limit");
});

test("a request past its deadline is answered 504 at the deadline, whether it waits for the model or for a slot", async (t) => {
  const stack = await startStack({ deadlineMs: 200, concurrency: 1, queue: 5 }, { config: { models: { [MODEL]: fixedLatency(1000) } } });
  t.after(() => stack.close());
  let started = performance.now();
  const model = await moderate(stack.app.url);
  assert.ok(performance.now() - started < 600, "answered near the 200 ms deadline, not after the model's 1000 ms");
  assert.equal(model.status, 504);
  assert.match(model.json.error?.message ?? "", /deadline passed before the model answered/);
  assert.equal(parseServerTiming(model.headers.get("server-timing")).get("attempt-1")?.desc, `${MODEL}@k1 deadline`);

  // The test holds the only slot, so the request waits in the queue until its deadline.
  assert.equal(await stack.app.limiter.acquire(), true);
  started = performance.now();
  const queued = await moderate(stack.app.url);
  stack.app.limiter.release();
  assert.ok(performance.now() - started < 600);
  assert.equal(queued.status, 504);
  assert.match(queued.json.error?.message ?? "", /deadline \(200 ms\) passed while it waited for a slot/);
  assert.ok((parseServerTiming(queued.headers.get("server-timing")).get("queue")?.dur ?? 0) >= 190, "the time was the queue's");
});

test("a 503 is retried on the same upstream after a backoff, up to the attempt limit, then answered 502", async (t) => {
  const stack = await startStack(
    { routing: "static", attempts: 3 },
    { config: { models: { [MODEL]: fixedLatency(10) }, faults: { byModel: { [MODEL]: { errorRates: { "503": 1 } } } } } },
  );
  t.after(() => stack.close());
  const r = await moderate(stack.app.url);
  assert.equal(r.status, 502);
  assert.match(r.json.error?.message ?? "", /the model answered 503 \(3 attempts\)/);
  const timing = parseServerTiming(r.headers.get("server-timing"));
  assert.deepEqual(
    ["attempt-1", "attempt-2", "attempt-3"].map((n) => timing.get(n)?.desc),
    [`${MODEL}@k1 503`, `${MODEL}@k1 503`, `${MODEL}@k1 503`],
  );
  assert.ok((timing.get("retry-wait")?.dur ?? 0) >= 100, "backed off between attempts");
  assert.equal((await stack.emu.admin.stats()).requests.total, 3);
});

test("a key out of quota (429 with RetryInfo) is skipped: the retry goes to the other key at once, and later requests avoid it", async (t) => {
  const stack = await startStack(
    { routing: "adaptive", keys: "k1=KEY_ONE,k2=KEY_TWO" },
    {
      config: { models: { [MODEL]: fixedLatency(10) }, faults: { byKey: { [keyLabel(APP_KEYS.KEY_ONE)]: { errorRates: { "429": 1 } } } } },
    },
  );
  t.after(() => stack.close());
  const first = await moderate(stack.app.url);
  assert.equal(first.status, 200);
  const timing = parseServerTiming(first.headers.get("server-timing"));
  assert.equal(timing.get("attempt-1")?.desc, `${MODEL}@k1 429`);
  assert.equal(timing.get("attempt-2")?.desc, `${MODEL}@k2 ok`);
  assert.equal(timing.get("retry-wait"), undefined, "no wait: the retry went to another key");
  for (let i = 0; i < 5; i++) {
    const r = await moderate(stack.app.url);
    assert.equal(parseServerTiming(r.headers.get("server-timing")).get("upstream")?.desc, `${MODEL}@k2`);
  }
  const admin = (await (await fetch(`${stack.app.url}/admin/router`)).json()) as {
    router: { upstreams: Array<{ id: string; quotaBlockedForMs: number; rate429: number }> };
  };
  const k1 = admin.router.upstreams.find((u) => u.id === `${MODEL}@k1`);
  assert.ok(k1 && k1.quotaBlockedForMs > 1000 && k1.rate429 > 0, `k1 is blocked until its RetryInfo delay: ${JSON.stringify(k1)}`);
  const text = JSON.stringify(admin);
  assert.ok(!text.includes(APP_KEYS.KEY_ONE) && !text.includes(APP_KEYS.KEY_TWO), "the admin endpoint names keys, never shows them");
});

test("with every key out of quota the app answers 503 with the Retry-After its router expects", async (t) => {
  const stack = await startStack(
    { routing: "adaptive", attempts: 2 },
    { config: { models: { [MODEL]: fixedLatency(10) }, faults: { byModel: { [MODEL]: { errorRates: { "429": 1 } } } } } },
  );
  t.after(() => stack.close());
  for (const attempt of [1, 2]) {
    const r = await moderate(stack.app.url);
    assert.equal(r.status, 503, `request ${attempt}`);
    assert.match(
      r.json.error?.message ?? "",
      /no model is available now \(every upstream's breaker is open or its key out of quota\); retry after \d+ s/,
    );
    assert.ok(Number(r.headers.get("retry-after")) >= 1);
  }
  assert.equal(
    (await stack.emu.admin.stats()).requests.total,
    1,
    "the second request did not spend a call on a key known to be out of quota",
  );
});

test("adaptive routing sends traffic away from a failing model", async (t) => {
  const stack = await startStack(
    { routing: "adaptive", models: `${MODEL},${OTHER}` },
    {
      config: {
        models: { [MODEL]: fixedLatency(10), [OTHER]: fixedLatency(20) },
        faults: { byModel: { [MODEL]: { errorRates: { "503": 1 } } } },
      },
    },
  );
  t.after(() => stack.close());
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) statuses.push((await moderate(stack.app.url)).status);
  assert.deepEqual(new Set(statuses), new Set([200]), "each failure was retried on the other model");
  const byModel = (await stack.emu.admin.stats()).requests.byModel;
  assert.ok((byModel[MODEL] ?? 0) <= 5, `the failing model got few calls: ${JSON.stringify(byModel)}`);
});

test("closing the app finishes the requests in flight and then takes no more", async (t) => {
  const stack = await startStack({ concurrency: 4 }, { config: { models: { [MODEL]: fixedLatency(400) } } });
  t.after(() => stack.emu.close());
  const inFlight = Array.from({ length: 3 }, () => moderate(stack.app.url));
  // Wait until all three reached the model (the emulator sees them), then close.
  for (let i = 0; i < 100 && (await stack.emu.admin.stats()).concurrency.current < 3; i++) await new Promise((r) => setTimeout(r, 10));
  const closing = stack.app.close();
  const results = await Promise.all(inFlight);
  assert.deepEqual(
    results.map((r) => r.status),
    [200, 200, 200],
  );
  await closing;
  await assert.rejects(fetch(`${stack.app.url}/health`), "the closed app takes no new connection");
});

test("GET /health answers ok with the limiter's load", async (t) => {
  const stack = await startStack({});
  t.after(() => stack.close());
  const r = await fetch(`${stack.app.url}/health`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: "ok", active: 0, queued: 0 });
  assert.match(r.headers.get("server-timing") ?? "", /^total;dur=\d/);
});

test("hedging: an attempt slower than the chosen quantile is raced on another model, and the first answer wins", async (t) => {
  const stack = await startStack(
    { routing: "adaptive", models: `${MODEL},${OTHER}`, hedgeQuantile: 0.9 },
    { config: { models: { [MODEL]: fixedLatency(40), [OTHER]: fixedLatency(80) } } },
  );
  t.after(() => stack.close());
  for (let i = 0; i < 15; i++) assert.equal((await moderate(stack.app.url)).status, 200);
  await stack.emu.admin.patchConfig({ faults: { byModel: { [MODEL]: { latencyMultiplier: 25 } } } });
  const started = performance.now();
  const r = await moderate(stack.app.url);
  const took = performance.now() - started;
  assert.equal(r.status, 200);
  assert.equal(r.json.model, OTHER);
  const timing = parseServerTiming(r.headers.get("server-timing"));
  assert.equal(timing.get("attempt-1")?.desc, `${MODEL}@k1 cancelled`);
  assert.equal(timing.get("attempt-2")?.desc, `${OTHER}@k1 ok`);
  assert.ok(took < 600, `the hedge answered long before the slowed model's 1000 ms: ${took.toFixed(0)} ms`);
});
