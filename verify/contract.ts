// The contract check: sends one moderation request as k6 builds it and as both official SDKs
// send it, captures all of them in the emulator's request log, and diffs them field by field.
import { GoogleGenAI } from "@google/genai";
import { GoogleGenerativeAI } from "@google/generative-ai";
import {
  countTokensRequest,
  generateContentRequest,
  streamGenerateContentRequest,
  type BuiltRequest,
  type Target,
} from "../lib/gemini-requests.ts";
import type { GenerateContentRequest } from "../lib/gemini-types.ts";
import { classifyError } from "./failures.ts";
import { lastLogged, withRequestLog } from "./contract-log.ts";
import {
  compareRequests,
  EXPECTED_DIFFERENCES,
  formatDifferences,
  toleratedDifferences,
  type CapturedRequest,
  type FieldDifference,
  type RuleId,
} from "./request-diff.ts";
import { genaiParameters, legacyParameters, sampleModerationBody } from "./sdk-request.ts";

/** The API methods the contract covers. */
type ContractMethod = "generateContent" | "streamGenerateContent" | "countTokens";

/** The two official SDKs. */
type SdkName = "@google/genai" | "@google/generative-ai";

/** Where the emulator runs and what to ask it. */
export interface ContractOptions {
  baseUrl: string;
  apiKey: string;
  model: string;
  apiVersion: "v1beta" | "v1";
  /** Replaces what lib/ builds for a method; the tests use it to plant a drift. */
  k6Requests?: Partial<Record<ContractMethod, BuiltRequest>>;
}

/** k6's request against one SDK's, for one method. */
interface Comparison {
  method: ContractMethod;
  sdk: SdkName;
  k6: CapturedRequest;
  sdkRequest: CapturedRequest;
  differences: FieldDifference[];
  /** The listed, tolerated differences this pair has (ids of EXPECTED_DIFFERENCES). */
  tolerated: RuleId[];
  /** Set when the emulator rejected k6's request: the error it answered. */
  k6Rejected?: string;
}

/** The outcome of the contract check; `ok` when no comparison has an unexpected difference. */
export interface ContractResult {
  ok: boolean;
  comparisons: Comparison[];
  /** Comparisons left out on purpose, and why. */
  skipped: Array<{ method: ContractMethod; sdk: SdkName; reason: string }>;
}

/** The requests k6 sends for the sample moderation call, built by lib/ exactly as the scenario does. */
function k6ContractRequests(target: Target, model: string, body: GenerateContentRequest): Record<ContractMethod, BuiltRequest> {
  return {
    generateContent: generateContentRequest(target, model, body),
    streamGenerateContent: streamGenerateContentRequest(target, model, body),
    countTokens: countTokensRequest(target, model, body.contents),
  };
}

/**
 * Sends a request with fetch exactly as k6 would: same method, URL, headers and body. An error
 * answer is returned, not thrown: a drifted body the service rejects is still compared.
 */
async function sendAsK6(request: BuiltRequest): Promise<string | undefined> {
  let response: Response;
  try {
    response = await fetch(request.url, { method: request.method, headers: request.params.headers, body: request.body });
  } catch (error) {
    throw classifyError(error);
  }
  const text = await response.text();
  if (response.ok) return undefined;
  // Shaped like the SDKs' errors (status plus the body as message) so one classifier serves all.
  return classifyError(Object.assign(new Error(text), { status: response.status })).message;
}

type Sender = () => Promise<void>;

/** Runs the contract check against an emulator; throws VerifyFailure when a call itself fails. */
export async function runContractCheck(options: ContractOptions): Promise<ContractResult> {
  const body = sampleModerationBody();
  const target: Target = { baseUrl: options.baseUrl, apiKey: options.apiKey, apiVersion: options.apiVersion };
  const k6 = { ...k6ContractRequests(target, options.model, body), ...options.k6Requests };

  // No timeout option: @google/genai would add an X-Server-Timeout header k6 does not send.
  const genai = new GoogleGenAI({
    vertexai: false,
    apiKey: options.apiKey,
    httpOptions: { baseUrl: options.baseUrl, apiVersion: options.apiVersion },
  });
  const genaiParams = genaiParameters(options.model, body);
  const legacy = legacyParameters(options.model, body);
  const legacyModel = new GoogleGenerativeAI(options.apiKey).getGenerativeModel(legacy.modelParams, {
    baseUrl: options.baseUrl,
    apiVersion: options.apiVersion,
  });

  const senders: Record<ContractMethod, Partial<Record<SdkName, Sender>>> = {
    generateContent: {
      "@google/genai": async () => void (await genai.models.generateContent(genaiParams)),
      "@google/generative-ai": async () => void (await legacyModel.generateContent(legacy.request)),
    },
    streamGenerateContent: {
      "@google/genai": async () => {
        for await (const _chunk of await genai.models.generateContentStream(genaiParams)) void _chunk;
      },
      "@google/generative-ai": async () => {
        const streamed = await legacyModel.generateContentStream(legacy.request);
        await streamed.response;
      },
    },
    countTokens: {
      "@google/genai": async () => void (await genai.models.countTokens({ model: options.model, contents: body.contents })),
    },
  };
  const skipped: ContractResult["skipped"] = [
    {
      method: "countTokens",
      sdk: "@google/generative-ai",
      reason:
        "the legacy SDK wraps countTokens in {generateContentRequest: …}, a second form the service accepts; k6 sends the {contents} form of @google/genai",
    },
  ];

  const comparisons: Comparison[] = [];
  await withRequestLog(options.baseUrl, async () => {
    for (const method of Object.keys(senders) as ContractMethod[]) {
      const k6Rejected = await sendAsK6(k6[method]);
      const k6Captured = await lastLogged(options.baseUrl, `:${method}`, method);
      for (const [sdk, send] of Object.entries(senders[method]) as Array<[SdkName, Sender]>) {
        try {
          await send();
        } catch (error) {
          throw classifyError(error);
        }
        const sdkCaptured = await lastLogged(options.baseUrl, `:${method}`, method);
        const comparison: Comparison = {
          method,
          sdk,
          k6: k6Captured,
          sdkRequest: sdkCaptured,
          differences: compareRequests(k6Captured, sdkCaptured),
          tolerated: toleratedDifferences(k6Captured, sdkCaptured),
        };
        if (k6Rejected !== undefined) comparison.k6Rejected = k6Rejected;
        comparisons.push(comparison);
      }
    }
  });
  return { ok: comparisons.every((c) => c.differences.length === 0 && c.k6Rejected === undefined), comparisons, skipped };
}

/** A readable report: one line per comparison, the diff under each that drifted, and the tolerated differences. */
export function formatContract(result: ContractResult): string {
  const lines = ["gemini verify · contract: lib/ requests vs the official SDKs (after normalisation)"];
  for (const c of result.comparisons) {
    const mark = c.differences.length === 0 && c.k6Rejected === undefined ? "✓" : "✗";
    const tolerated = c.tolerated.length ? ` (tolerated: ${c.tolerated.join(", ")})` : "";
    lines.push(
      `  ${mark} ${c.method} vs ${c.sdk}${c.differences.length ? `: ${c.differences.length} field(s) differ` : ": same"}${tolerated}`,
    );
    for (const line of formatDifferences(c.differences, c.sdk)) lines.push(`      ${line}`);
    if (c.k6Rejected !== undefined) lines.push(`      the service rejected k6's request: ${c.k6Rejected}`);
  }
  for (const s of result.skipped) lines.push(`  - ${s.method} vs ${s.sdk}: not compared (${s.reason})`);
  lines.push(`  tolerated differences are listed with their reasons in verify/request-diff.ts (${EXPECTED_DIFFERENCES.length} rules)`);
  return lines.join("\n");
}
