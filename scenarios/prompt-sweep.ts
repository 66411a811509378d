// Request complexity: a grid of prompt sizes (GEMINI_SWEEP_PROMPT_TOKENS) × maxOutputTokens
// (GEMINI_SWEEP_OUTPUT_TOKENS), each cell an equal stretch of GEMINI_DURATION at GEMINI_VUS concurrent
// users, its samples tagged `cell`. The summary adds a table per cell (p50/p95 latency, TTFT, output
// tokens/s, cost per request), also in summary.json as `sweep`. It runs its own fixed-concurrency
// stage, so GEMINI_SHAPE and GEMINI_SCENARIO do not apply.

import exec from "k6/execution";
import { check } from "k6";
import { defineScenario, scenarioConfig } from "../lib/scenario-kit.ts";
import type { GenerateOutcome } from "../lib/gemini-client.ts";
import type { SummaryData } from "../lib/summary.ts";
import { GRACEFUL_STOP_MS } from "../lib/workloads.ts";
import { formatSweep, sweepBody, sweepCells, sweepPrompt, sweepRows, sweepThresholds } from "../lib/prompt-sweep.ts";

const config = scenarioConfig();
const cells = sweepCells(config.sweep.promptTokens, config.sweep.outputTokens);
const cellMs = config.durationMs / cells.length;
const bodies = cells.map((cell) => sweepBody(cell, sweepPrompt(cell.promptTokens), config.thinkingBudget));
const CONTRACT = {
  "status is 200": (o: GenerateOutcome) => o.ok && o.status === 200,
  "the answer has text": (o: GenerateOutcome) => (o.result?.text ?? "") !== "" || o.result?.finishReason === "MAX_TOKENS",
};
const CONTRACT_TAGS = { check_kind: "contract" };

let sweepStart: number | undefined;
let current = -1;

/** The cell of this moment of the run; its name becomes the VU's `cell` tag when it changes. */
function pickItem(): number {
  sweepStart ??= exec.scenario.startTime;
  const cell = Math.min(cells.length - 1, Math.floor((Date.now() - sweepStart) / cellMs));
  if (cell !== current) {
    current = cell;
    exec.vu.metrics.tags.cell = (cells[cell] as (typeof cells)[number]).name;
  }
  return cell;
}

function buildRequest(cell: number): string {
  return bodies[cell] as string;
}

function checkAnswer(outcome: GenerateOutcome): boolean {
  return check(outcome, CONTRACT, CONTRACT_TAGS);
}

const kit = defineScenario({
  name: `prompt-sweep (${cells.length} cells)`,
  pickItem,
  buildRequest,
  checkAnswer,
  promptChars: () => 4 * (config.sweep.promptTokens.reduce((a, b) => a + b, 0) / config.sweep.promptTokens.length),
  thresholds: sweepThresholds(cells),
});

// One stage at a fixed concurrency for the whole grid; its hard stop is the kit's (duration + graceful stop).
kit.options.scenarios = {
  closed_ramping_vus: {
    executor: "ramping-vus",
    exec: "closedRampingVus",
    startVUs: config.vus,
    stages: [{ duration: `${config.durationMs}ms`, target: config.vus }],
    gracefulRampDown: `${GRACEFUL_STOP_MS}ms`,
    gracefulStop: `${GRACEFUL_STOP_MS}ms`,
  },
};

/** The kit's outputs, with the per-cell table on stdout and `sweep` in summary.json. */
function handleSummary(data: SummaryData): Record<string, string> {
  const outputs = kit.handleSummary(data);
  const rows = sweepRows(cells, data.metrics);
  for (const file of Object.keys(outputs)) {
    if (!file.endsWith("summary.json")) continue;
    const summary = JSON.parse(outputs[file] as string) as Record<string, unknown>;
    summary.sweep = rows;
    outputs[file] = `${JSON.stringify(summary, null, 2)}\n`;
  }
  outputs.stdout = `${outputs.stdout ?? ""}\nprompt-sweep, by cell:\n${formatSweep(rows)}\n`;
  return outputs;
}

export const { options, setup, closedRampingVus, openConstantArrival } = kit;
export { handleSummary };
