// Gemini REST shapes (proto3 JSON mapping of generative_service.proto / content.proto) used by the k6 side.
// Only the fields this suite reads or sends are declared; the service may send more.

/** One part of a content turn; `thought` marks a thinking-summary part, not visible output. */
export interface Part {
  text?: string;
  thought?: boolean;
}

/** A conversation turn. */
export interface Content {
  role?: "user" | "model";
  parts?: Part[];
}

/** OpenAPI-subset schema the service accepts as `generationConfig.responseSchema`. */
export interface Schema {
  type: "STRING" | "NUMBER" | "INTEGER" | "BOOLEAN" | "ARRAY" | "OBJECT";
  description?: string;
  enum?: string[];
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  propertyOrdering?: string[];
  minimum?: number;
  maximum?: number;
}

/** `generationConfig` fields the suite sets. */
export interface GenerationConfig {
  temperature?: number;
  maxOutputTokens?: number;
  responseMimeType?: string;
  responseSchema?: Schema;
  thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean };
}

/** Body of generateContent and streamGenerateContent. */
export interface GenerateContentRequest {
  contents: Content[];
  systemInstruction?: Content;
  generationConfig?: GenerationConfig;
}

/** Token accounting; in streams of 2.5 models every chunk carries cumulative counts. */
export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount?: number;
}

/** A candidate answer. */
export interface Candidate {
  content?: Content;
  finishReason?: string;
  index?: number;
}

/** One generateContent answer, or one chunk of a stream. */
export interface GenerateContentResponse {
  candidates?: Candidate[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: UsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

/** The error envelope `{"error":{code,message,status,details}}`. */
export interface ApiErrorBody {
  error: {
    code: number;
    message: string;
    status: string;
    details?: Array<{ "@type": string; retryDelay?: string; [field: string]: unknown }>;
  };
}

/** countTokens answer. */
export interface CountTokensResponse {
  totalTokens: number;
}

/** embedContent answer. */
export interface EmbedContentResponse {
  embedding: { values: number[] };
}

/** batchEmbedContents answer. */
export interface BatchEmbedContentsResponse {
  embeddings: Array<{ values: number[] }>;
}
