// Request message shapes of the Generative Language API v1beta, generated from the official protos
// (googleapis: google/ai/generativelanguage/v1beta). Field names are the proto3 JSON (lowerCamelCase) names.

/** One field: its type (scalar kind (`int` is int32, `int64`), message name, `map:` + value message, or `enum:` + enum name), repeated flag, oneof group. */
export interface FieldSpec {
  t: string;
  r?: 1;
  o?: string;
}

/** Messages reachable from the request messages the emulator accepts. */
export const MESSAGES: Record<string, Record<string, FieldSpec>> = {
  BatchEmbedContentsRequest: {
    model: { t: "string" },
    requests: { t: "EmbedContentRequest", r: 1 },
  },
  Blob: {
    mimeType: { t: "string" },
    data: { t: "bytes" },
  },
  CodeExecution: {},
  CodeExecutionResult: {
    outcome: { t: "enum:CodeExecutionResult.Outcome" },
    output: { t: "string" },
  },
  Content: {
    parts: { t: "Part", r: 1 },
    role: { t: "string" },
  },
  CountTokensRequest: {
    model: { t: "string" },
    contents: { t: "Content", r: 1 },
    generateContentRequest: { t: "GenerateContentRequest" },
  },
  DynamicRetrievalConfig: {
    mode: { t: "enum:DynamicRetrievalConfig.Mode" },
    dynamicThreshold: { t: "number" },
  },
  EmbedContentRequest: {
    model: { t: "string" },
    content: { t: "Content" },
    taskType: { t: "enum:TaskType" },
    title: { t: "string" },
    outputDimensionality: { t: "int" },
  },
  ExecutableCode: {
    language: { t: "enum:ExecutableCode.Language" },
    code: { t: "string" },
  },
  FileData: {
    mimeType: { t: "string" },
    fileUri: { t: "string" },
  },
  FileSearch: {
    retrievalResources: { t: "FileSearch.RetrievalResource", r: 1 },
    retrievalConfig: { t: "FileSearch.RetrievalConfig" },
  },
  "FileSearch.RetrievalConfig": {
    topK: { t: "int" },
    metadataFilter: { t: "string" },
  },
  "FileSearch.RetrievalResource": {
    ragStoreName: { t: "string" },
  },
  FunctionCall: {
    id: { t: "string" },
    name: { t: "string" },
    args: { t: "struct" },
  },
  FunctionCallingConfig: {
    mode: { t: "enum:FunctionCallingConfig.Mode" },
    allowedFunctionNames: { t: "string", r: 1 },
  },
  FunctionDeclaration: {
    name: { t: "string" },
    description: { t: "string" },
    parameters: { t: "Schema" },
    parametersJsonSchema: { t: "value" },
    response: { t: "Schema" },
    responseJsonSchema: { t: "value" },
    behavior: { t: "enum:FunctionDeclaration.Behavior" },
  },
  FunctionResponse: {
    id: { t: "string" },
    name: { t: "string" },
    response: { t: "struct" },
    parts: { t: "FunctionResponsePart", r: 1 },
    willContinue: { t: "bool" },
    scheduling: { t: "enum:FunctionResponse.Scheduling" },
  },
  FunctionResponseBlob: {
    mimeType: { t: "string" },
    data: { t: "bytes" },
  },
  FunctionResponsePart: {
    inlineData: { t: "FunctionResponseBlob", o: "data" },
  },
  GenerateContentRequest: {
    model: { t: "string" },
    systemInstruction: { t: "Content" },
    contents: { t: "Content", r: 1 },
    tools: { t: "Tool", r: 1 },
    toolConfig: { t: "ToolConfig" },
    safetySettings: { t: "SafetySetting", r: 1 },
    generationConfig: { t: "GenerationConfig" },
    cachedContent: { t: "string" },
  },
  GenerationConfig: {
    candidateCount: { t: "int" },
    stopSequences: { t: "string", r: 1 },
    maxOutputTokens: { t: "int" },
    temperature: { t: "number" },
    topP: { t: "number" },
    topK: { t: "int" },
    seed: { t: "int" },
    responseMimeType: { t: "string" },
    responseSchema: { t: "Schema" },
    responseJsonSchema: { t: "value" },
    responseJsonSchemaOrdered: { t: "value" },
    presencePenalty: { t: "number" },
    frequencyPenalty: { t: "number" },
    responseLogprobs: { t: "bool" },
    logprobs: { t: "int" },
    enableEnhancedCivicAnswers: { t: "bool" },
    responseModalities: { t: "enum:GenerationConfig.Modality", r: 1 },
    speechConfig: { t: "SpeechConfig" },
    thinkingConfig: { t: "ThinkingConfig" },
    imageConfig: { t: "ImageConfig" },
    mediaResolution: { t: "enum:GenerationConfig.MediaResolution" },
  },
  GoogleMaps: {
    enableWidget: { t: "bool" },
  },
  GoogleSearchRetrieval: {
    dynamicRetrievalConfig: { t: "DynamicRetrievalConfig" },
  },
  ImageConfig: {
    aspectRatio: { t: "string" },
  },
  MultiSpeakerVoiceConfig: {
    speakerVoiceConfigs: { t: "SpeakerVoiceConfig", r: 1 },
  },
  Part: {
    text: { t: "string", o: "data" },
    inlineData: { t: "Blob", o: "data" },
    functionCall: { t: "FunctionCall", o: "data" },
    functionResponse: { t: "FunctionResponse", o: "data" },
    fileData: { t: "FileData", o: "data" },
    executableCode: { t: "ExecutableCode", o: "data" },
    codeExecutionResult: { t: "CodeExecutionResult", o: "data" },
    videoMetadata: { t: "VideoMetadata", o: "metadata" },
    thought: { t: "bool" },
    thoughtSignature: { t: "bytes" },
    partMetadata: { t: "struct" },
  },
  PrebuiltVoiceConfig: {
    voiceName: { t: "string" },
  },
  RetrievalConfig: {
    latLng: { t: "any" },
    languageCode: { t: "string" },
  },
  SafetySetting: {
    category: { t: "enum:HarmCategory" },
    threshold: { t: "enum:SafetySetting.HarmBlockThreshold" },
  },
  Schema: {
    type: { t: "enum:Type" },
    format: { t: "string" },
    title: { t: "string" },
    description: { t: "string" },
    nullable: { t: "bool" },
    enum: { t: "string", r: 1 },
    items: { t: "Schema" },
    maxItems: { t: "int64" },
    minItems: { t: "int64" },
    properties: { t: "map:Schema" },
    required: { t: "string", r: 1 },
    minProperties: { t: "int64" },
    maxProperties: { t: "int64" },
    minimum: { t: "number" },
    maximum: { t: "number" },
    minLength: { t: "int64" },
    maxLength: { t: "int64" },
    pattern: { t: "string" },
    example: { t: "value" },
    anyOf: { t: "Schema", r: 1 },
    propertyOrdering: { t: "string", r: 1 },
    default: { t: "value" },
  },
  SpeakerVoiceConfig: {
    speaker: { t: "string" },
    voiceConfig: { t: "VoiceConfig" },
  },
  SpeechConfig: {
    voiceConfig: { t: "VoiceConfig" },
    multiSpeakerVoiceConfig: { t: "MultiSpeakerVoiceConfig" },
    languageCode: { t: "string" },
  },
  ThinkingConfig: {
    includeThoughts: { t: "bool" },
    thinkingBudget: { t: "int" },
    // Not in this proto snapshot; newer models and @google/genai 3.x send it.
    thinkingLevel: { t: "enum:ThinkingLevel" },
  },
  Tool: {
    functionDeclarations: { t: "FunctionDeclaration", r: 1 },
    googleSearchRetrieval: { t: "GoogleSearchRetrieval" },
    codeExecution: { t: "CodeExecution" },
    googleSearch: { t: "Tool.GoogleSearch" },
    computerUse: { t: "Tool.ComputerUse" },
    urlContext: { t: "UrlContext" },
    fileSearch: { t: "FileSearch" },
    googleMaps: { t: "GoogleMaps" },
  },
  "Tool.ComputerUse": {
    environment: { t: "enum:Tool.ComputerUse.Environment" },
    excludedPredefinedFunctions: { t: "string", r: 1 },
  },
  "Tool.GoogleSearch": {
    timeRangeFilter: { t: "any" },
  },
  ToolConfig: {
    functionCallingConfig: { t: "FunctionCallingConfig" },
    retrievalConfig: { t: "RetrievalConfig" },
  },
  UrlContext: {},
  VideoMetadata: {
    startOffset: { t: "duration" },
    endOffset: { t: "duration" },
    fps: { t: "number" },
  },
  VoiceConfig: {
    prebuiltVoiceConfig: { t: "PrebuiltVoiceConfig", o: "voice_config" },
  },
};

/**
 * Enum values by enum name, with their numbers: proto3 JSON accepts either, and clients asking for
 * `$alt=json;enum-encoding=int` send numbers. Checked against the official protos.
 */
export const ENUMS: Record<string, Readonly<Record<string, number>>> = {
  // Not in this proto snapshot: the numbers of the newer googleapis proto (not in declaration order).
  ThinkingLevel: { THINKING_LEVEL_UNSPECIFIED: 0, LOW: 1, HIGH: 3, MEDIUM: 4, MINIMAL: 5 },
  "CodeExecutionResult.Outcome": { OUTCOME_UNSPECIFIED: 0, OUTCOME_OK: 1, OUTCOME_FAILED: 2, OUTCOME_DEADLINE_EXCEEDED: 3 },
  "DynamicRetrievalConfig.Mode": { MODE_UNSPECIFIED: 0, MODE_DYNAMIC: 1 },
  "ExecutableCode.Language": { LANGUAGE_UNSPECIFIED: 0, PYTHON: 1 },
  "FunctionCallingConfig.Mode": { MODE_UNSPECIFIED: 0, AUTO: 1, ANY: 2, NONE: 3, VALIDATED: 4 },
  "FunctionDeclaration.Behavior": { UNSPECIFIED: 0, BLOCKING: 1, NON_BLOCKING: 2 },
  "FunctionResponse.Scheduling": { SCHEDULING_UNSPECIFIED: 0, SILENT: 1, WHEN_IDLE: 2, INTERRUPT: 3 },
  "GenerationConfig.MediaResolution": {
    MEDIA_RESOLUTION_UNSPECIFIED: 0,
    MEDIA_RESOLUTION_LOW: 1,
    MEDIA_RESOLUTION_MEDIUM: 2,
    MEDIA_RESOLUTION_HIGH: 3,
  },
  "GenerationConfig.Modality": { MODALITY_UNSPECIFIED: 0, TEXT: 1, IMAGE: 2, AUDIO: 3 },
  HarmCategory: {
    HARM_CATEGORY_UNSPECIFIED: 0,
    HARM_CATEGORY_DEROGATORY: 1,
    HARM_CATEGORY_TOXICITY: 2,
    HARM_CATEGORY_VIOLENCE: 3,
    HARM_CATEGORY_SEXUAL: 4,
    HARM_CATEGORY_MEDICAL: 5,
    HARM_CATEGORY_DANGEROUS: 6,
    HARM_CATEGORY_HARASSMENT: 7,
    HARM_CATEGORY_HATE_SPEECH: 8,
    HARM_CATEGORY_SEXUALLY_EXPLICIT: 9,
    HARM_CATEGORY_DANGEROUS_CONTENT: 10,
    HARM_CATEGORY_CIVIC_INTEGRITY: 11,
  },
  "SafetySetting.HarmBlockThreshold": {
    HARM_BLOCK_THRESHOLD_UNSPECIFIED: 0,
    BLOCK_LOW_AND_ABOVE: 1,
    BLOCK_MEDIUM_AND_ABOVE: 2,
    BLOCK_ONLY_HIGH: 3,
    BLOCK_NONE: 4,
    OFF: 5,
  },
  TaskType: {
    TASK_TYPE_UNSPECIFIED: 0,
    RETRIEVAL_QUERY: 1,
    RETRIEVAL_DOCUMENT: 2,
    SEMANTIC_SIMILARITY: 3,
    CLASSIFICATION: 4,
    CLUSTERING: 5,
    QUESTION_ANSWERING: 6,
    FACT_VERIFICATION: 7,
    CODE_RETRIEVAL_QUERY: 8,
  },
  "Tool.ComputerUse.Environment": { ENVIRONMENT_UNSPECIFIED: 0, ENVIRONMENT_BROWSER: 1 },
  Type: { TYPE_UNSPECIFIED: 0, STRING: 1, NUMBER: 2, INTEGER: 3, BOOLEAN: 4, ARRAY: 5, OBJECT: 6, NULL: 7 },
};

/** Enums of the answers (numbered as in the protos), for `$alt=json;enum-encoding=int`. */
export const RESPONSE_ENUMS: Record<string, Readonly<Record<string, number>>> = {
  "Candidate.FinishReason": {
    FINISH_REASON_UNSPECIFIED: 0,
    STOP: 1,
    MAX_TOKENS: 2,
    SAFETY: 3,
    RECITATION: 4,
    OTHER: 5,
    LANGUAGE: 6,
    BLOCKLIST: 7,
    PROHIBITED_CONTENT: 8,
    SPII: 9,
    MALFORMED_FUNCTION_CALL: 10,
    IMAGE_SAFETY: 11,
    UNEXPECTED_TOOL_CALL: 12,
    TOO_MANY_TOOL_CALLS: 13,
    IMAGE_PROHIBITED_CONTENT: 14,
    IMAGE_OTHER: 15,
    NO_IMAGE: 16,
    IMAGE_RECITATION: 17,
  },
  "GenerateContentResponse.PromptFeedback.BlockReason": {
    BLOCK_REASON_UNSPECIFIED: 0,
    SAFETY: 1,
    OTHER: 2,
    BLOCKLIST: 3,
    PROHIBITED_CONTENT: 4,
    IMAGE_SAFETY: 5,
  },
  HarmCategory: ENUMS.HarmCategory as Record<string, number>,
  "SafetyRating.HarmProbability": { HARM_PROBABILITY_UNSPECIFIED: 0, NEGLIGIBLE: 1, LOW: 2, MEDIUM: 3, HIGH: 4 },
  Modality: { MODALITY_UNSPECIFIED: 0, TEXT: 1, IMAGE: 2, VIDEO: 3, AUDIO: 4, DOCUMENT: 5 },
};
