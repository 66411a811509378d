// Multi-turn streamed chat: each VU holds a conversation of GEMINI_CHAT_TURNS turns (its history sent
// with every message, under a system instruction; GEMINI_THINKING_BUDGET and GEMINI_MAX_OUTPUT_TOKENS
// apply), then starts a new one. The kit records TTFT, tokens/s, time per output token and thinking
// tokens; this scenario adds the prompt tokens of each turn, tagged with its number: the cost of history.

import { check } from "k6";
import { Trend } from "k6/metrics";
import { defineScenario, scenarioConfig } from "../lib/scenario-kit.ts";
import type { GenerateOutcome } from "../lib/gemini-client.ts";
import { CHAT_INSTRUCTION, Conversation, USER_MESSAGES } from "../lib/chat.ts";
import type { GenerateContentRequest } from "../lib/gemini-types.ts";

const config = scenarioConfig();
const promptTokensPerTurn = new Trend("gemini_chat_prompt_tokens");
const TURN_TAGS = Array.from({ length: config.chatTurns + 1 }, (_, i) => ({ turn: String(i) }));
const CONTRACT = {
  "status is 200": (o: GenerateOutcome) => o.ok && o.status === 200,
  "the answer has text": (o: GenerateOutcome) => (o.result?.text ?? "") !== "",
};
const CONTRACT_TAGS = { check_kind: "contract" };

const generationConfig: GenerateContentRequest["generationConfig"] = {};
if (config.maxOutputTokens !== undefined) generationConfig.maxOutputTokens = config.maxOutputTokens;
if (config.thinkingBudget !== undefined) generationConfig.thinkingConfig = { thinkingBudget: config.thinkingBudget };

// One conversation per VU; VUs start at different messages.
let conversation: Conversation | undefined;

function pickItem(): number {
  conversation ??= new Conversation(config.chatTurns, (__VU - 1) * 3);
  return conversation.nextTurn;
}

function buildRequest(): string {
  return (conversation as Conversation).nextRequest(generationConfig);
}

function checkAnswer(outcome: GenerateOutcome, turn: number): boolean {
  const valid = check(outcome, CONTRACT, CONTRACT_TAGS);
  const result = outcome.result;
  if (!valid || result === undefined) {
    conversation?.reset();
    return false;
  }
  promptTokensPerTurn.add(result.usage.promptTokenCount, TURN_TAGS[turn]);
  conversation?.answered(result.text);
  return true;
}

/** An average turn: the instruction, half the history of average answers, a message. */
function promptChars(): number {
  const message = USER_MESSAGES.reduce((sum, m) => sum + m.length, 0) / USER_MESSAGES.length;
  const answerChars = 4 * 150;
  return CHAT_INSTRUCTION.length + message + ((config.chatTurns - 1) / 2) * (message + answerChars);
}

// Per-turn sub-metrics in the summary: one always-true threshold per turn tag.
const turnThresholds: Record<string, string[]> = {};
for (let t = 1; t <= config.chatTurns; t++) turnThresholds[`gemini_chat_prompt_tokens{turn:${t}}`] = ["avg>=0"];

export const { options, setup, handleSummary, closedRampingVus, openConstantArrival } = defineScenario({
  name: `chat (${config.chatTurns} turns)`,
  pickItem,
  buildRequest,
  checkAnswer,
  promptChars,
  thresholds: turnThresholds,
});
