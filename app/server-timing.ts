// The Server-Timing header of a moderation answer: where the request's time went (the app's queue,
// each model attempt, waits between attempts, the model in all, parsing, the total) and which
// upstream (model@key name) answered. Names are what scenarios/app-moderation.ts reads (docs/app.md).

import type { RequestTiming } from "./moderate.ts";

const ms = (n: number) => n.toFixed(1);

/** The header value for `timing`. */
export function serverTiming(timing: RequestTiming): string {
  const parts = [`queue;dur=${ms(timing.queueMs)}`];
  timing.attempts.forEach((a, i) => {
    parts.push(`attempt-${i + 1};dur=${ms(a.ms)};desc="${a.upstream} ${a.result}"`);
  });
  if (timing.retryWaitMs > 0) parts.push(`retry-wait;dur=${ms(timing.retryWaitMs)}`);
  parts.push(`model;dur=${ms(timing.modelMs)}`, `parse;dur=${ms(timing.parseMs)}`, `total;dur=${ms(timing.totalMs)}`);
  if (timing.upstream !== undefined) parts.push(`upstream;desc="${timing.upstream}"`);
  return parts.join(", ");
}
