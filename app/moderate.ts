// One moderation request after it got its slot: model attempts chosen by the router, retried on a
// retryable failure (waiting RetryInfo's delay, or a short backoff, only when the retry goes to the
// same upstream), hedged when the router says so, all within the request's deadline; then the
// verdict parsed. Every phase is timed for the Server-Timing header.

import { setTimeout as sleep } from "node:timers/promises";
import { ModelCallError, parseVerdict, type ModelAnswer, type ModelClient } from "./model-client.ts";
import type { Router, Upstream } from "./router/router.ts";
import type { Category } from "../lib/moderation.ts";

/** One model attempt as Server-Timing shows it. */
export interface AttemptTiming {
  upstream: string;
  ms: number;
  /** "ok", the HTTP status, "network", "cancelled" (a lost hedge) or "deadline". */
  result: string;
}

/** Where a request's time went, in ms. */
export interface RequestTiming {
  queueMs: number;
  attempts: AttemptTiming[];
  /** Time with at least one model attempt in flight. */
  modelMs: number;
  /** Time waiting between attempts (RetryInfo or backoff). */
  retryWaitMs: number;
  parseMs: number;
  totalMs: number;
  /** The upstream that answered (or was tried last). */
  upstream?: string;
}

/** The answer of POST /v1/moderate. */
export interface ModerationAnswer {
  verdict: "allow" | "block";
  categories: Category[];
  confidence: number;
  model: string;
}

/** A request that ended without a verdict: the HTTP status and message to answer with. */
export class ModerationFailure extends Error {
  override name = "ModerationFailure";
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/** What the attempts need. */
export interface AttemptContext {
  router: Router;
  client: ModelClient;
  attempts: number;
}

const BACKOFF_MS = 100;

/** Runs the attempts for `text` and returns the verdict; fills `timing` as it goes. */
export async function moderate(ctx: AttemptContext, text: string, deadline: AbortSignal, timing: RequestTiming): Promise<ModerationAnswer> {
  const tried = new Set<string>();
  let upstream = ctx.router.pick(performance.now(), tried);
  for (let attempt = 1; ; attempt++) {
    if (!upstream) {
      const waitS = Math.max(1, Math.ceil(ctx.router.nextAvailableInMs(performance.now()) / 1000));
      throw new ModerationFailure(
        `no model is available now (every upstream's breaker is open or its key out of quota); retry after ${waitS} s`,
        503,
        waitS,
      );
    }
    tried.add(upstream.id);
    timing.upstream = upstream.id;
    let failure: ModelCallError;
    const started = performance.now();
    try {
      const { answer, from } = await hedgedAttempt(ctx, upstream, text, deadline, timing, tried);
      timing.modelMs += performance.now() - started;
      timing.upstream = from.id;
      const parseStart = performance.now();
      try {
        const verdict = parseVerdict(answer.text);
        timing.parseMs += performance.now() - parseStart;
        return {
          verdict: verdict.category === "clean" ? "allow" : "block",
          categories: verdict.category === "clean" ? [] : [verdict.category],
          confidence: verdict.confidence,
          model: from.model,
        };
      } catch (error) {
        timing.parseMs += performance.now() - parseStart;
        failure = error as ModelCallError;
      }
    } catch (error) {
      timing.modelMs += performance.now() - started;
      if (!(error instanceof ModelCallError)) throw error;
      failure = error;
    }
    if (deadline.aborted) throw new ModerationFailure("the request's deadline passed before the model answered", 504);
    if (!failure.retryable || attempt >= ctx.attempts) {
      throw new ModerationFailure(`${failure.message} (${attempt} attempt${attempt === 1 ? "" : "s"})`, 502);
    }
    const failed = upstream;
    upstream = ctx.router.pick(performance.now(), tried);
    // Another upstream need not wait: RetryInfo and backoff are about the one that failed.
    if (upstream?.id === failed.id) {
      const waitMs = failure.retryAfterMs ?? BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random());
      const waitStart = performance.now();
      try {
        await sleep(waitMs, undefined, { signal: deadline });
      } catch {
        timing.retryWaitMs += performance.now() - waitStart;
        throw new ModerationFailure(
          `the request's deadline passed while waiting ${Math.round(waitMs)} ms to retry (${failure.message})`,
          504,
        );
      }
      timing.retryWaitMs += performance.now() - waitStart;
    }
  }
}

/**
 * One attempt on `upstream`; when the router gives a hedge delay and the attempt is still out after
 * it, a second attempt on another upstream races it. The first answer wins and the other is cancelled.
 */
async function hedgedAttempt(
  ctx: AttemptContext,
  upstream: Upstream,
  text: string,
  deadline: AbortSignal,
  timing: RequestTiming,
  tried: Set<string>,
): Promise<{ answer: ModelAnswer; from: Upstream }> {
  const hedgeAfterMs = ctx.router.hedgeDelayMs(upstream.id);
  const first = startAttempt(ctx, upstream, text, deadline, timing);
  if (hedgeAfterMs === undefined) return first.done;
  return new Promise((resolve, reject) => {
    let pending = 1;
    let settled = false;
    let firstError: unknown;
    let second: RunningAttempt | undefined;
    const win = (result: { answer: ModelAnswer; from: Upstream }, loser: RunningAttempt | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      loser?.cancel();
      resolve(result);
    };
    const lose = (error: unknown) => {
      firstError ??= error;
      pending--;
      if (pending > 0 || settled) return;
      settled = true;
      clearTimeout(timer);
      reject(firstError);
    };
    first.done.then((result) => win(result, second), lose);
    const timer = setTimeout(() => {
      if (settled) return;
      const other = ctx.router.pick(performance.now(), tried);
      if (!other) return;
      if (other.id === upstream.id) {
        // Nothing else to hedge on: the pick is given back unsent.
        ctx.router.abandon(other.id, 0, performance.now());
        return;
      }
      tried.add(other.id);
      pending++;
      second = startAttempt(ctx, other, text, deadline, timing);
      second.done.then((result) => win(result, first), lose);
    }, hedgeAfterMs);
  });
}

interface RunningAttempt {
  done: Promise<{ answer: ModelAnswer; from: Upstream }>;
  cancel(): void;
}

function startAttempt(ctx: AttemptContext, upstream: Upstream, text: string, deadline: AbortSignal, timing: RequestTiming): RunningAttempt {
  const own = new AbortController();
  const signal = AbortSignal.any([deadline, own.signal]);
  const started = performance.now();
  const entry: AttemptTiming = { upstream: upstream.id, ms: 0, result: "pending" };
  timing.attempts.push(entry);
  const done = ctx.client.classify(upstream.model, upstream.keyName, text, signal).then(
    (answer) => {
      entry.ms = performance.now() - started;
      entry.result = "ok";
      ctx.router.record(upstream.id, { ok: true, latencyMs: entry.ms }, performance.now());
      return { answer, from: upstream };
    },
    (error: unknown) => {
      if (entry.result === "pending") entry.ms = performance.now() - started;
      const e = error instanceof ModelCallError ? error : new ModelCallError(String(error), undefined, true);
      if (own.signal.aborted && !deadline.aborted) {
        ctx.router.abandon(upstream.id, entry.ms, performance.now());
      } else {
        entry.result = deadline.aborted ? "deadline" : e.status === undefined ? "network" : String(e.status);
        // Running out of the request's deadline is the upstream's slowness: it counts as a failure.
        const outcome = { ok: false, latencyMs: entry.ms, ...(e.status === undefined ? {} : { status: e.status }) };
        ctx.router.record(
          upstream.id,
          e.retryAfterMs === undefined ? outcome : { ...outcome, retryAfterMs: e.retryAfterMs },
          performance.now(),
        );
      }
      throw e;
    },
  );
  // Marked at once: the answer (and its Server-Timing) may go out before the cancelled call settles.
  const cancel = () => {
    if (entry.result !== "pending") return;
    entry.result = "cancelled";
    entry.ms = performance.now() - started;
    own.abort();
  };
  return { done, cancel };
}
