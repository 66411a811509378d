// Retry policies under a quota: the moderation load in the open model, sent with the retry policy
// GEMINI_RETRY_POLICY names (ours, none, fixed, exponential). Run once per policy against a free-tier
// quota and compare: `npm run experiment:retries` does both and prints the table (docs/playbook.md).

import { defineScenario, scenarioConfig } from "../lib/scenario-kit.ts";
import { moderationWorkload } from "../lib/moderation-workload.ts";
import { moderationThresholds } from "../lib/moderation.ts";

const config = scenarioConfig();
const workload = moderationWorkload(config);

export const { options, setup, handleSummary, closedRampingVus, openConstantArrival } = defineScenario({
  name: `retry-strategies (${config.retry.strategy ?? "ours"})`,
  ...workload,
  thresholds: moderationThresholds(config),
  summaryRates: [["accuracy", "gemini_moderation_correct"]],
});
