// Real-time content moderation under load: labeled posts sent for a JSON verdict, in a closed (ramping VUs)
// and/or open (constant arrival rate) model, with thresholds that fail CI. Run: k6 run dist/moderation.js
// The workload is lib/moderation-workload.ts; configuration, plan, budget, preflight, shapes and summary
// come from lib/scenario-kit.ts.

import { moderationThresholds } from "../lib/moderation.ts";
import { moderationWorkload } from "../lib/moderation-workload.ts";
import { defineScenario, scenarioConfig } from "../lib/scenario-kit.ts";

const config = scenarioConfig();

export const { options, setup, handleSummary, closedRampingVus, openConstantArrival } = defineScenario({
  name: "moderation",
  ...moderationWorkload(config),
  thresholds: moderationThresholds(config),
  summaryRates: [["accuracy", "gemini_moderation_correct"]],
});
