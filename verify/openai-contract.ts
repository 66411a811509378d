// The contract check of the OpenAI-compatible dialect: the chat completions requests lib/openai-requests.ts
// builds (whole and streamed) against what the official openai SDK sends for the same call, captured in
// the emulator's request log and diffed field by field with the native check's rules.
import OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { chatBody, chatCompletionsRequest, openAiBaseUrl, type OpenAiRequest } from "../lib/openai-requests.ts";
import { classifyError } from "./failures.ts";
import { lastLogged, withRequestLog } from "./contract-log.ts";
import { classifyOpenAiError } from "./openai-failures.ts";
import {
  compareRequests,
  formatDifferences,
  toleratedDifferences,
  type CapturedRequest,
  type FieldDifference,
  type RuleId,
} from "./request-diff.ts";
import { sampleModerationBody } from "./sdk-request.ts";

/** The dialect's calls the contract covers. */
type OpenAiContractMethod = "chat.completions" | "chat.completions (stream)";

/** Where the emulator runs and what to ask it. */
export interface OpenAiContractOptions {
  baseUrl: string;
  apiKey: string;
  model: string;
  /** Replaces what lib/ builds for a call; the tests use it to plant a drift. */
  k6Requests?: Partial<Record<OpenAiContractMethod, OpenAiRequest>>;
}

/** k6's request against the SDK's, for one call. */
interface OpenAiComparison {
  method: OpenAiContractMethod;
  sdk: "openai";
  k6: CapturedRequest;
  sdkRequest: CapturedRequest;
  differences: FieldDifference[];
  tolerated: RuleId[];
}

/** The outcome; `ok` when no comparison has a difference. */
export interface OpenAiContractResult {
  ok: boolean;
  comparisons: OpenAiComparison[];
  skipped: Array<{ method: string; sdk: string; reason: string }>;
}

/**
 * Headers only the SDK sends: x-stainless-* name its version, OS, runtime and retry count (telemetry
 * the service ignores). They are dropped before the comparison; everything else must match.
 */
function withoutSdkTelemetry(request: CapturedRequest): CapturedRequest {
  const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !name.toLowerCase().startsWith("x-stainless-")));
  return { ...request, headers };
}

async function logged(baseUrl: string): Promise<CapturedRequest> {
  return withoutSdkTelemetry(await lastLogged(baseUrl, "/openai/chat/completions", "chat completions"));
}

/** Runs the dialect's contract check against an emulator; throws VerifyFailure when a call itself fails. */
export async function runOpenAiContractCheck(options: OpenAiContractOptions): Promise<OpenAiContractResult> {
  const body = sampleModerationBody();
  const target = { baseUrl: options.baseUrl, apiKey: options.apiKey, apiVersion: "v1beta" as const };
  const k6: Record<OpenAiContractMethod, OpenAiRequest> = {
    "chat.completions": chatCompletionsRequest(target, options.model, body, false),
    "chat.completions (stream)": chatCompletionsRequest(target, options.model, body, true),
    ...options.k6Requests,
  };
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: openAiBaseUrl(options.baseUrl), maxRetries: 0 });
  const senders: Record<OpenAiContractMethod, () => Promise<void>> = {
    "chat.completions": async () =>
      void (await client.chat.completions.create(
        chatBody(options.model, body, false) as unknown as ChatCompletionCreateParamsNonStreaming,
      )),
    "chat.completions (stream)": async () => {
      const stream = await client.chat.completions.create(
        chatBody(options.model, body, true) as unknown as ChatCompletionCreateParamsStreaming,
      );
      for await (const _chunk of stream) void _chunk;
    },
  };
  const comparisons: OpenAiComparison[] = [];
  await withRequestLog(options.baseUrl, async () => {
    for (const method of Object.keys(senders) as OpenAiContractMethod[]) {
      const request = k6[method];
      try {
        const response = await fetch(request.url, { method: request.method, headers: request.params.headers, body: request.body });
        await response.text();
      } catch (error) {
        throw classifyError(error);
      }
      const k6Captured = await logged(options.baseUrl);
      try {
        await senders[method]();
      } catch (error) {
        throw classifyOpenAiError(error, undefined);
      }
      const sdkCaptured = await logged(options.baseUrl);
      comparisons.push({
        method,
        sdk: "openai",
        k6: k6Captured,
        sdkRequest: sdkCaptured,
        differences: compareRequests(k6Captured, sdkCaptured),
        tolerated: toleratedDifferences(k6Captured, sdkCaptured),
      });
    }
  });
  return { ok: comparisons.every((c) => c.differences.length === 0), comparisons, skipped: [] };
}

/** A readable report: one line per comparison and the diff under each that drifted. */
export function formatOpenAiContract(result: OpenAiContractResult): string {
  const lines = ["gemini verify · contract (openai dialect): lib/openai-requests.ts vs the openai SDK (after normalisation)"];
  for (const c of result.comparisons) {
    const tolerated = c.tolerated.length ? ` (tolerated: ${c.tolerated.join(", ")})` : "";
    lines.push(
      `  ${c.differences.length === 0 ? "✓" : "✗"} ${c.method} vs openai${c.differences.length ? `: ${c.differences.length} field(s) differ` : ": same"}${tolerated}`,
    );
    for (const line of formatDifferences(c.differences, "openai")) lines.push(`      ${line}`);
  }
  lines.push("  the SDK's x-stainless-* telemetry headers are not compared");
  return lines.join("\n");
}
