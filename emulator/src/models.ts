// The model catalog: Model resources as the service lists them, plus what the emulator needs to know per model
// (embedding or generative, thinking budgets, how streamed chunks report usage).

/** A served model: its public resource and the behaviour the emulator derives from it. */
export interface ModelInfo {
  id: string;
  kind: "generate" | "embed";
  outputTokenLimit: number;
  /** Thinking budget range; undefined when the model cannot think. */
  thinkingBudget?: { min: number; max: number; canDisable: boolean; onByDefault: boolean };
  /** 2.5+ models put full usageMetadata on every streamed chunk; 2.0 only prompt counts until the last. */
  streamUsage: "every-chunk" | "last-chunk";
  /** 2.0 models report avgLogprobs on candidates. */
  avgLogprobs: boolean;
  /** Streamed chunk sizes: "growing" as recorded from 2.0 models (see chunkSchedule), else "even". */
  chunkSizes: "even" | "growing";
  /** Key of the model's time-to-first-token draw sequence (built once, not per request). */
  ttftKey: string;
  resource: Record<string, unknown>;
}

const GENERATE_METHODS = ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"];

function generative(
  id: string,
  displayName: string,
  description: string,
  extra: Partial<ModelInfo> & { version: string; outputTokenLimit: number; topK: number; thinking: boolean },
): ModelInfo {
  const resource: Record<string, unknown> = {
    name: `models/${id}`,
    baseModelId: id,
    version: extra.version,
    displayName,
    description,
    inputTokenLimit: 1048576,
    outputTokenLimit: extra.outputTokenLimit,
    supportedGenerationMethods: GENERATE_METHODS,
    temperature: 1,
    topP: 0.95,
    topK: extra.topK,
    maxTemperature: 2,
  };
  if (extra.thinking) resource.thinking = true;
  return {
    id,
    kind: "generate",
    outputTokenLimit: extra.outputTokenLimit,
    thinkingBudget: extra.thinkingBudget,
    streamUsage: extra.streamUsage ?? "every-chunk",
    avgLogprobs: extra.avgLogprobs ?? false,
    chunkSizes: extra.chunkSizes ?? "even",
    ttftKey: `ttft:${id}`,
    resource,
  };
}

/** The catalog; figures from BEHAVIOR.md (gemini-2.5-flash as listed by the service in 2025) and the model docs. */
export const BUILTIN_MODELS: readonly ModelInfo[] = [
  generative(
    "gemini-2.5-flash",
    "Gemini 2.5 Flash",
    "Stable version of Gemini 2.5 Flash, our mid-size multimodal model that supports up to 1 million tokens, released in June of 2025.",
    {
      version: "001",
      outputTokenLimit: 65536,
      topK: 64,
      thinking: true,
      thinkingBudget: { min: 1, max: 24576, canDisable: true, onByDefault: true },
    },
  ),
  generative("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", "Stable version of Gemini 2.5 Flash-Lite, released in July of 2025", {
    version: "001",
    outputTokenLimit: 65536,
    topK: 64,
    thinking: true,
    thinkingBudget: { min: 512, max: 24576, canDisable: true, onByDefault: false },
  }),
  generative("gemini-2.5-pro", "Gemini 2.5 Pro", "Stable release (June 17th, 2025) of Gemini 2.5 Pro", {
    version: "2.5",
    outputTokenLimit: 65536,
    topK: 64,
    thinking: true,
    thinkingBudget: { min: 128, max: 32768, canDisable: false, onByDefault: true },
  }),
  generative("gemini-2.0-flash", "Gemini 2.0 Flash", "Gemini 2.0 Flash", {
    version: "2.0",
    outputTokenLimit: 8192,
    topK: 40,
    thinking: false,
    streamUsage: "last-chunk",
    avgLogprobs: true,
    chunkSizes: "growing",
  }),
  generative("gemini-3-flash-preview", "Gemini 3 Flash Preview", "Gemini 3 Flash Preview", {
    version: "3-flash-preview-12-2025",
    outputTokenLimit: 65536,
    topK: 64,
    thinking: true,
    thinkingBudget: { min: 1, max: 24576, canDisable: true, onByDefault: true },
  }),
  {
    id: "gemini-embedding-001",
    kind: "embed",
    outputTokenLimit: 1,
    streamUsage: "every-chunk",
    avgLogprobs: false,
    chunkSizes: "even",
    ttftKey: "ttft:gemini-embedding-001",
    resource: {
      name: "models/gemini-embedding-001",
      baseModelId: "gemini-embedding-001",
      version: "001",
      displayName: "Gemini Embedding 001",
      description: "Obtain a distributed representation of a text.",
      inputTokenLimit: 2048,
      outputTokenLimit: 1,
      supportedGenerationMethods: ["embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent"],
    },
  },
];

/** A user-defined model (named in the config but not in the catalog) behaves like gemini-2.5-flash under its own name. */
export function userModel(id: string): ModelInfo {
  const base = BUILTIN_MODELS[0] as ModelInfo;
  return {
    ...base,
    id,
    ttftKey: `ttft:${id}`,
    resource: {
      ...base.resource,
      name: `models/${id}`,
      baseModelId: id,
      displayName: id,
      description: "User-defined model served by the emulator.",
    },
  };
}

/**
 * One page of `GET /models`: `pageSize` defaults to 50 and is capped at 1000, `pageToken` is an opaque offset.
 * Undefined for a page token this server did not issue.
 */
export function listModelsPage(
  models: readonly ModelInfo[],
  pageSize: number,
  pageToken: string,
): { models: unknown[]; nextPageToken?: string } | undefined {
  const size = pageSize > 0 ? Math.min(pageSize, 1000) : 50;
  const offset = pageToken ? pageOffset(pageToken, models.length) : 0;
  if (offset === undefined) return undefined;
  const page = models.slice(offset, offset + size).map((m) => m.resource);
  const result: { models: unknown[]; nextPageToken?: string } = { models: page };
  if (offset + size < models.length) result.nextPageToken = Buffer.from(String(offset + size)).toString("base64url");
  return result;
}

/** The offset a page token stands for, or undefined unless it is one nextPageToken could have produced. */
function pageOffset(pageToken: string, total: number): number | undefined {
  const text = Buffer.from(pageToken, "base64url").toString("utf8");
  if (!/^[1-9]\d{0,9}$/.test(text)) return undefined;
  const offset = Number(text);
  if (offset >= total || Buffer.from(text).toString("base64url") !== pageToken) return undefined;
  return offset;
}
