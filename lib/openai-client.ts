// The k6 client of Gemini's OpenAI-compatible dialect (GEMINI_DIALECT=openai): sends the scenario's
// native generate body as a chat completion (streamed with usage when GEMINI_STREAM is on), with the same
// retry policy and budget, error classes and gemini_ metrics as GeminiClient, so runs over either
// dialect compare one to one. Its generate() and preflight have GeminiClient's signatures and outcome.

import type { GenerateContentRequest } from "./gemini-types.ts";
import type { Target } from "./gemini-requests.ts";
import { chatBody, chatCompletionsRequest, openAiBaseUrl, type OpenAiRequest } from "./openai-requests.ts";
import { parseChatCompletion, parseChatSse, parseCompatError } from "./openai-parse.ts";
import { RetryBudget, type RetryPolicy } from "./retry.ts";
import { type AnswerReader, Attempts, type AttemptParams, type GenerateOutcome, K6_DEFAULT_TIMEOUT_MS } from "./attempts.ts";

/** How the dialect's answers read. */
const COMPAT: AnswerReader = { error: parseCompatError, json: parseChatCompletion, sse: parseChatSse };

/** Translated bodies kept: a load test replays a data set, so the same native body recurs. */
const MAX_CACHED_BODIES = 1024;

/** A client of the dialect bound to one target, model and retry policy; create one per VU. */
export class OpenAiClient {
  private readonly budget: RetryBudget;
  private readonly streamTemplate: OpenAiRequest;
  private readonly unaryTemplate: OpenAiRequest;
  private readonly modelUrl: string;
  private readonly timeoutMs: number;
  private readonly attempts: Attempts;
  // One map per form, keyed by the native body itself: a prefixed key would copy the whole body per request.
  private readonly streamBodies = new Map<string, string>();
  private readonly unaryBodies = new Map<string, string>();

  constructor(
    target: Target,
    private readonly model: string,
    policy: RetryPolicy,
  ) {
    this.budget = new RetryBudget(policy.budgetRatio, policy.budgetMinRetries);
    const empty: GenerateContentRequest = { contents: [] };
    this.streamTemplate = chatCompletionsRequest(target, model, empty, true);
    this.unaryTemplate = chatCompletionsRequest(target, model, empty, false);
    this.modelUrl = `${openAiBaseUrl(target.baseUrl)}models/${encodeURIComponent(model)}`;
    this.timeoutMs = target.timeout ?? K6_DEFAULT_TIMEOUT_MS;
    this.attempts = new Attempts(policy, this.timeoutMs, COMPAT);
  }

  /**
   * Sends one generate request as a chat completion, retrying as the policy allows, and records the
   * gemini_ metrics; `body` is the native GenerateContentRequest (or its JSON), as for GeminiClient.
   * `hardStopAtMs` bounds every attempt as GeminiClient.generate does.
   */
  generate(body: GenerateContentRequest | string, stream: boolean, hardStopAtMs: number = Number.POSITIVE_INFINITY): GenerateOutcome {
    this.budget.recordRequest();
    const template = stream ? this.streamTemplate : this.unaryTemplate;
    const json = this.translate(body, stream);
    return this.attempts.run("POST", template.url, json, template.params, stream ? "sse" : "json", this.budget, hardStopAtMs, true);
  }

  /** The preflight: GET models/{model} through the same attempts (key and model checked, no tokens spent); no gemini_ metric. */
  preflight(budget: RetryBudget): GenerateOutcome {
    budget.recordRequest();
    const params: AttemptParams = {
      headers: { authorization: this.unaryTemplate.params.headers.authorization as string },
      redirects: 0,
      timeout: this.timeoutMs,
    };
    return this.attempts.run("GET", this.modelUrl, null, params, "none", budget, Number.POSITIVE_INFINITY, false);
  }

  private translate(body: GenerateContentRequest | string, stream: boolean): string {
    const bodies = stream ? this.streamBodies : this.unaryBodies;
    const key = typeof body === "string" ? body : undefined;
    const cached = key !== undefined ? bodies.get(key) : undefined;
    if (cached !== undefined) return cached;
    const request = typeof body === "string" ? (JSON.parse(body) as GenerateContentRequest) : body;
    const json = JSON.stringify(chatBody(this.model, request, stream));
    if (key !== undefined && this.streamBodies.size + this.unaryBodies.size < MAX_CACHED_BODIES) bodies.set(key, json);
    return json;
  }
}
