// The content plan of a generate request that passed its checks, as the native, OpenAI-compatible and
// batch paths all make it: seeded by the body, within the model's input token limit.
import { planContent, type ContentPlan } from "./content.ts";
import { invalidArgument, type ApiError } from "./errors.ts";
import type { ModelInfo } from "./models.ts";
import type { EmulatorState } from "./state.ts";

/** Plans the answer to `request` (raw body `rawBody`), or the INVALID_ARGUMENT error of a prompt over the model's input limit. */
export function planRequest(
  state: EmulatorState,
  request: Record<string, unknown>,
  rawBody: string,
  model: ModelInfo,
  stream?: boolean,
): ContentPlan | ApiError {
  const config = state.config;
  const plan = planContent({
    request,
    rawBody,
    model,
    settings: state.settings(model.id),
    seed: config.seed,
    promptBlockTerms: config.safety.promptBlockTerms,
    responseBlockTerms: config.safety.responseBlockTerms,
    stream,
  });
  const inputLimit = model.resource.inputTokenLimit;
  if (typeof inputLimit === "number" && plan.promptTokens > inputLimit) {
    return invalidArgument(`The input token count (${plan.promptTokens}) exceeds the maximum number of tokens allowed (${inputLimit}).`);
  }
  return plan;
}
