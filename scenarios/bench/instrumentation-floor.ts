// The instrumentation floor of `npm run bench:k6`: after each request it records what
// dist/moderation.js records for a successful streamed verdict — the same twelve gemini_ samples
// (lib/metrics.ts and lib/moderation-checks.ts, as lib/gemini-client.ts, lib/scenario-kit.ts and the
// scenario add them) with the same tags, the same two check() calls (lib/moderation-checks.ts) and the
// same thresholds (lib/thresholds.ts, lib/moderation.ts) — with durations from k6's timings and fixed
// counts, so nothing of the answer is read or parsed. Its cost per request bounds what any script
// keeping the promises of docs/metrics.md can reach.

import * as metrics from "../../lib/metrics.ts";
import { checkAccuracy, checkContract, moderationCorrect } from "../../lib/moderation-checks.ts";
import { moderationThresholds } from "../../lib/moderation.ts";
import { loadReportThresholds, thresholdsFor } from "../../lib/thresholds.ts";
import { benchConfig, benchScenarios, labels, pickPost, postModeration } from "./internal/posted-requests.ts";

export const options = {
  scenarios: benchScenarios,
  thresholds: { ...thresholdsFor(benchConfig), ...moderationThresholds(benchConfig), ...loadReportThresholds() },
  tags: { testid: "bench-floor", model: benchConfig.model },
};

// A typical moderation answer's usage and cost, recorded as fixed numbers.
const PROMPT_TOKENS = 189;
const OUTPUT_TOKENS = 37;
const THINKING_TOKENS = 378;
const GENERATED_TOKENS = 33;
const COST_USD = 0.0011;

const LABEL_TAGS: Record<string, { label: string }> = {};
const sloMs = benchConfig.sloMs;

export default function (): void {
  const index = pickPost();
  const res = postModeration(index);
  const timings = res.timings;
  const status = res.status;
  const setupMs = timings.blocked + timings.connecting + timings.tls_handshaking;
  const attemptMs = setupMs + timings.duration;
  const ttftMs = setupMs + timings.sending + timings.waiting;
  const ok = status === 200;
  metrics.attemptDuration.add(attemptMs);
  metrics.requestDuration.add(attemptMs);
  metrics.errors.add(!ok);
  metrics.promptTokens.add(PROMPT_TOKENS);
  metrics.outputTokens.add(OUTPUT_TOKENS);
  metrics.thinkingTokens.add(THINKING_TOKENS);
  metrics.ttft.add(ttftMs);
  metrics.timePerOutputToken.add((attemptMs - ttftMs) / GENERATED_TOKENS);
  metrics.tokensPerSecond.add(GENERATED_TOKENS / ((attemptMs - ttftMs) / 1000 || 1));
  checkContract(ok, status, ok);
  checkAccuracy(ok);
  const label = labels[index] ?? "";
  // biome-ignore lint/suspicious/noAssignInExpressions: tags built once per label, as the scenario does
  moderationCorrect.add(ok, (LABEL_TAGS[label] ??= { label }));
  metrics.goodput.add(ok && attemptMs <= sloMs);
  metrics.costUsd.add(COST_USD);
}
