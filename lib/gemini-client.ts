// Sends generate calls in the native dialect: request shapes from gemini-requests.ts, answers read by
// gemini-parse.ts, and the attempts, retries and gemini_ metrics of attempts.ts.

import type { GenerateContentRequest } from "./gemini-types.ts";
import { generateContentRequest, streamGenerateContentRequest, type BuiltRequest, type Target } from "./gemini-requests.ts";
import { foldChunks, parseErrorBody, parseGenerateContentBody, parseSseGeneration } from "./gemini-parse.ts";
import { RetryBudget, type RetryPolicy } from "./retry.ts";
import { type AnswerReader, Attempts, type GenerateOutcome, K6_DEFAULT_TIMEOUT_MS } from "./attempts.ts";

export type { GenerateOutcome } from "./attempts.ts";

/** How the native dialect's answers read. */
const NATIVE: AnswerReader = {
  error: parseErrorBody,
  json: (body) => foldChunks([parseGenerateContentBody(body)]),
  sse: parseSseGeneration,
};

/** A client bound to one target, model and retry policy; create one per VU. */
export class GeminiClient {
  private readonly budget: RetryBudget;
  // URL and params depend only on the target, model and method: built once, not per request.
  private readonly streamTemplate: BuiltRequest;
  private readonly unaryTemplate: BuiltRequest;
  private readonly attempts: Attempts;

  constructor(target: Target, model: string, policy: RetryPolicy) {
    this.budget = new RetryBudget(policy.budgetRatio, policy.budgetMinRetries);
    this.streamTemplate = streamGenerateContentRequest(target, model, { json: "" });
    this.unaryTemplate = generateContentRequest(target, model, { json: "" });
    this.attempts = new Attempts(policy, target.timeout ?? K6_DEFAULT_TIMEOUT_MS, NATIVE);
  }

  /**
   * Sends one generate request (streamed with alt=sse when `stream`), retrying as the policy allows,
   * and records the gemini_ request metrics. `body` may be pre-serialized JSON, to spare a stringify
   * per request. `hardStopAtMs` (epoch ms) is when k6 will cut the iteration off: the scenario's end
   * plus its graceful stop. An interrupted iteration records nothing, so a service slower than the
   * graceful stop would look healthier than it is; instead each attempt's timeout ends before the hard
   * stop and no retry starts that could not finish, so every request ends recorded — a cut one as a timeout.
   */
  generate(body: GenerateContentRequest | string, stream: boolean, hardStopAtMs: number = Number.POSITIVE_INFINITY): GenerateOutcome {
    this.budget.recordRequest();
    const json = typeof body === "string" ? body : JSON.stringify(body);
    const built = stream ? this.streamTemplate : this.unaryTemplate;
    return this.attempts.run("POST", built.url, json, built.params, stream ? "sse" : "json", this.budget, hardStopAtMs, true);
  }

  /**
   * Sends a prepared request (the preflight's countTokens) through the same attempts, retries and
   * failure descriptions as {@link generate}, with its own retry budget; records no gemini_ metric and
   * does not read a successful answer.
   */
  send(request: BuiltRequest, budget: RetryBudget): GenerateOutcome {
    budget.recordRequest();
    return this.attempts.run("POST", request.url, request.body, request.params, "none", budget, Number.POSITIVE_INFINITY, false);
  }
}
