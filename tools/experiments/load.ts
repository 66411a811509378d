// A small open-model load generator for the experiments: requests to the app's /v1/moderate at a
// fixed offered rate (constant or seeded Poisson gaps), each recorded with its status, its latency as
// the client saw it and the app's Server-Timing split.

import { setTimeout as sleep } from "node:timers/promises";
import { appTimingSplit } from "../../lib/app-moderation.ts";

/** One request as the experiment saw it. */
export interface Sample {
  /** When it was sent, ms after the load started. */
  atMs: number;
  latencyMs: number;
  status: number;
  upstream: string | undefined;
  queueMs: number | undefined;
  modelMs: number | undefined;
  overheadMs: number | undefined;
}

/** A seeded uniform draw in [0, 1) (mulberry32), so a Poisson schedule repeats. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = [
  "what a lovely day at the beach with the kids",
  "buy now, click here for free money",
  "you are such a pathetic loser, nobody likes you",
  "I will beat you up after school",
];

/**
 * Sends to `url` at `rate` per second for `durationMs`, calling `at(ms)` hooks on the way (to inject a
 * fault mid-run); resolves with every sample once the last answer is in.
 */
export async function openLoad(options: {
  url: string;
  rate: number;
  durationMs: number;
  arrivals?: "constant" | "poisson";
  seed?: number;
  events?: Array<{ atMs: number; run: () => Promise<unknown> }>;
}): Promise<{ samples: Sample[]; startedAt: number }> {
  const draw = rng(options.seed ?? 1);
  const meanGap = 1000 / options.rate;
  const gap = () => (options.arrivals === "poisson" ? -Math.log(1 - draw()) * meanGap : meanGap);
  const events = [...(options.events ?? [])].sort((a, b) => a.atMs - b.atMs);
  const samples: Sample[] = [];
  const pending: Promise<void>[] = [];
  const startedAt = performance.now();
  let next = 0;
  let i = 0;
  while (next < options.durationMs) {
    while (events.length > 0 && (events[0]?.atMs ?? 0) <= next) await events.shift()?.run();
    const wait = startedAt + next - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(send(options.url, TEXTS[i++ % TEXTS.length] as string, startedAt, samples));
    next += gap();
  }
  for (const event of events) await event.run();
  await Promise.all(pending);
  samples.sort((a, b) => a.atMs - b.atMs);
  return { samples, startedAt };
}

async function send(url: string, text: string, startedAt: number, samples: Sample[]): Promise<void> {
  const sent = performance.now();
  let status = 0;
  let timing: string | undefined;
  try {
    const response = await fetch(`${url}/v1/moderate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text }),
    });
    await response.arrayBuffer();
    status = response.status;
    timing = response.headers.get("server-timing") ?? undefined;
  } catch {
    status = 0;
  }
  const split = appTimingSplit(timing);
  samples.push({
    atMs: sent - startedAt,
    latencyMs: performance.now() - sent,
    status,
    upstream: split.upstream,
    queueMs: split.queueMs,
    modelMs: split.modelMs,
    overheadMs: split.overheadMs,
  });
}
