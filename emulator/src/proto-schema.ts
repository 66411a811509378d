// Request message shapes of the Generative Language API v1beta, generated from the official protos
// (googleapis: google/ai/generativelanguage/v1beta). Field names are the proto3 JSON (lowerCamelCase) names.

/** One field: its type (scalar kind (`int` is int32, `int64`), message name, `map:` + value message, or `enum:` + enum name), repeated flag, oneof group. */
export interface FieldSpec { t: string; r?: 1; o?: string }

/** Messages reachable from the request messages the emulator accepts. */
export const MESSAGES: Record<string, Record<string, FieldSpec>> = {
  "BatchEmbedContentsRequest": {
    model: {t: "string"},
    requests: {t: "EmbedContentRequest", r: 1},
  },
  "Blob": {
    mimeType: {t: "string"},
    data: {t: "bytes"},
  },
  "CodeExecution": {
  },
  "CodeExecutionResult": {
    outcome: {t: "enum:CodeExecutionResult.Outcome"},
    output: {t: "string"},
  },
  "Content": {
    parts: {t: "Part", r: 1},
    role: {t: "string"},
  },
  "CountTokensRequest": {
    model: {t: "string"},
    contents: {t: "Content", r: 1},
    generateContentRequest: {t: "GenerateContentRequest"},
  },
  "DynamicRetrievalConfig": {
    mode: {t: "enum:DynamicRetrievalConfig.Mode"},
    dynamicThreshold: {t: "number"},
  },
  "EmbedContentRequest": {
    model: {t: "string"},
    content: {t: "Content"},
    taskType: {t: "enum:TaskType"},
    title: {t: "string"},
    outputDimensionality: {t: "int"},
  },
  "ExecutableCode": {
    language: {t: "enum:ExecutableCode.Language"},
    code: {t: "string"},
  },
  "FileData": {
    mimeType: {t: "string"},
    fileUri: {t: "string"},
  },
  "FileSearch": {
    retrievalResources: {t: "FileSearch.RetrievalResource", r: 1},
    retrievalConfig: {t: "FileSearch.RetrievalConfig"},
  },
  "FileSearch.RetrievalConfig": {
    topK: {t: "int"},
    metadataFilter: {t: "string"},
  },
  "FileSearch.RetrievalResource": {
    ragStoreName: {t: "string"},
  },
  "FunctionCall": {
    id: {t: "string"},
    name: {t: "string"},
    args: {t: "struct"},
  },
  "FunctionCallingConfig": {
    mode: {t: "enum:FunctionCallingConfig.Mode"},
    allowedFunctionNames: {t: "string", r: 1},
  },
  "FunctionDeclaration": {
    name: {t: "string"},
    description: {t: "string"},
    parameters: {t: "Schema"},
    parametersJsonSchema: {t: "value"},
    response: {t: "Schema"},
    responseJsonSchema: {t: "value"},
    behavior: {t: "enum:FunctionDeclaration.Behavior"},
  },
  "FunctionResponse": {
    id: {t: "string"},
    name: {t: "string"},
    response: {t: "struct"},
    parts: {t: "FunctionResponsePart", r: 1},
    willContinue: {t: "bool"},
    scheduling: {t: "enum:FunctionResponse.Scheduling"},
  },
  "FunctionResponseBlob": {
    mimeType: {t: "string"},
    data: {t: "bytes"},
  },
  "FunctionResponsePart": {
    inlineData: {t: "FunctionResponseBlob", o: "data"},
  },
  "GenerateContentRequest": {
    model: {t: "string"},
    systemInstruction: {t: "Content"},
    contents: {t: "Content", r: 1},
    tools: {t: "Tool", r: 1},
    toolConfig: {t: "ToolConfig"},
    safetySettings: {t: "SafetySetting", r: 1},
    generationConfig: {t: "GenerationConfig"},
    cachedContent: {t: "string"},
  },
  "GenerationConfig": {
    candidateCount: {t: "int"},
    stopSequences: {t: "string", r: 1},
    maxOutputTokens: {t: "int"},
    temperature: {t: "number"},
    topP: {t: "number"},
    topK: {t: "int"},
    seed: {t: "int"},
    responseMimeType: {t: "string"},
    responseSchema: {t: "Schema"},
    responseJsonSchema: {t: "value"},
    responseJsonSchemaOrdered: {t: "value"},
    presencePenalty: {t: "number"},
    frequencyPenalty: {t: "number"},
    responseLogprobs: {t: "bool"},
    logprobs: {t: "int"},
    enableEnhancedCivicAnswers: {t: "bool"},
    responseModalities: {t: "enum:GenerationConfig.Modality", r: 1},
    speechConfig: {t: "SpeechConfig"},
    thinkingConfig: {t: "ThinkingConfig"},
    imageConfig: {t: "ImageConfig"},
    mediaResolution: {t: "enum:GenerationConfig.MediaResolution"},
  },
  "GoogleMaps": {
    enableWidget: {t: "bool"},
  },
  "GoogleSearchRetrieval": {
    dynamicRetrievalConfig: {t: "DynamicRetrievalConfig"},
  },
  "ImageConfig": {
    aspectRatio: {t: "string"},
  },
  "MultiSpeakerVoiceConfig": {
    speakerVoiceConfigs: {t: "SpeakerVoiceConfig", r: 1},
  },
  "Part": {
    text: {t: "string", o: "data"},
    inlineData: {t: "Blob", o: "data"},
    functionCall: {t: "FunctionCall", o: "data"},
    functionResponse: {t: "FunctionResponse", o: "data"},
    fileData: {t: "FileData", o: "data"},
    executableCode: {t: "ExecutableCode", o: "data"},
    codeExecutionResult: {t: "CodeExecutionResult", o: "data"},
    videoMetadata: {t: "VideoMetadata", o: "metadata"},
    thought: {t: "bool"},
    thoughtSignature: {t: "bytes"},
    partMetadata: {t: "struct"},
  },
  "PrebuiltVoiceConfig": {
    voiceName: {t: "string"},
  },
  "RetrievalConfig": {
    latLng: {t: "any"},
    languageCode: {t: "string"},
  },
  "SafetySetting": {
    category: {t: "enum:HarmCategory"},
    threshold: {t: "enum:SafetySetting.HarmBlockThreshold"},
  },
  "Schema": {
    type: {t: "enum:Type"},
    format: {t: "string"},
    title: {t: "string"},
    description: {t: "string"},
    nullable: {t: "bool"},
    enum: {t: "string", r: 1},
    items: {t: "Schema"},
    maxItems: {t: "int64"},
    minItems: {t: "int64"},
    properties: {t: "map:Schema"},
    required: {t: "string", r: 1},
    minProperties: {t: "int64"},
    maxProperties: {t: "int64"},
    minimum: {t: "number"},
    maximum: {t: "number"},
    minLength: {t: "int64"},
    maxLength: {t: "int64"},
    pattern: {t: "string"},
    example: {t: "value"},
    anyOf: {t: "Schema", r: 1},
    propertyOrdering: {t: "string", r: 1},
    default: {t: "value"},
  },
  "SpeakerVoiceConfig": {
    speaker: {t: "string"},
    voiceConfig: {t: "VoiceConfig"},
  },
  "SpeechConfig": {
    voiceConfig: {t: "VoiceConfig"},
    multiSpeakerVoiceConfig: {t: "MultiSpeakerVoiceConfig"},
    languageCode: {t: "string"},
  },
  "ThinkingConfig": {
    includeThoughts: {t: "bool"},
    thinkingBudget: {t: "int"},
    // Not in this proto snapshot; newer models and @google/genai 3.x send it.
    thinkingLevel: {t: "enum:ThinkingLevel"},
  },
  "Tool": {
    functionDeclarations: {t: "FunctionDeclaration", r: 1},
    googleSearchRetrieval: {t: "GoogleSearchRetrieval"},
    codeExecution: {t: "CodeExecution"},
    googleSearch: {t: "Tool.GoogleSearch"},
    computerUse: {t: "Tool.ComputerUse"},
    urlContext: {t: "UrlContext"},
    fileSearch: {t: "FileSearch"},
    googleMaps: {t: "GoogleMaps"},
  },
  "Tool.ComputerUse": {
    environment: {t: "enum:Tool.ComputerUse.Environment"},
    excludedPredefinedFunctions: {t: "string", r: 1},
  },
  "Tool.GoogleSearch": {
    timeRangeFilter: {t: "any"},
  },
  "ToolConfig": {
    functionCallingConfig: {t: "FunctionCallingConfig"},
    retrievalConfig: {t: "RetrievalConfig"},
  },
  "UrlContext": {
  },
  "VideoMetadata": {
    startOffset: {t: "duration"},
    endOffset: {t: "duration"},
    fps: {t: "number"},
  },
  "VoiceConfig": {
    prebuiltVoiceConfig: {t: "PrebuiltVoiceConfig", o: "voice_config"},
  },
};

/** Enum values by enum name; the JSON form accepts the value names (and their numbers). */
export const ENUMS: Record<string, readonly string[]> = {
  "ThinkingLevel": ["THINKING_LEVEL_UNSPECIFIED", "MINIMAL", "LOW", "MEDIUM", "HIGH"],
  "CodeExecutionResult.Outcome": ["OUTCOME_UNSPECIFIED", "OUTCOME_OK", "OUTCOME_FAILED", "OUTCOME_DEADLINE_EXCEEDED"],
  "DynamicRetrievalConfig.Mode": ["MODE_UNSPECIFIED", "MODE_DYNAMIC"],
  "ExecutableCode.Language": ["LANGUAGE_UNSPECIFIED", "PYTHON"],
  "FunctionCallingConfig.Mode": ["MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED"],
  "FunctionDeclaration.Behavior": ["UNSPECIFIED", "BLOCKING", "NON_BLOCKING"],
  "FunctionResponse.Scheduling": ["SCHEDULING_UNSPECIFIED", "SILENT", "WHEN_IDLE", "INTERRUPT"],
  "GenerationConfig.MediaResolution": ["MEDIA_RESOLUTION_UNSPECIFIED", "MEDIA_RESOLUTION_LOW", "MEDIA_RESOLUTION_MEDIUM", "MEDIA_RESOLUTION_HIGH"],
  "GenerationConfig.Modality": ["MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO"],
  "HarmCategory": ["HARM_CATEGORY_UNSPECIFIED", "HARM_CATEGORY_DEROGATORY", "HARM_CATEGORY_TOXICITY", "HARM_CATEGORY_VIOLENCE", "HARM_CATEGORY_SEXUAL", "HARM_CATEGORY_MEDICAL", "HARM_CATEGORY_DANGEROUS", "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_DANGEROUS_CONTENT", "HARM_CATEGORY_CIVIC_INTEGRITY"],
  "SafetySetting.HarmBlockThreshold": ["HARM_BLOCK_THRESHOLD_UNSPECIFIED", "BLOCK_LOW_AND_ABOVE", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH", "BLOCK_NONE", "OFF"],
  "TaskType": ["TASK_TYPE_UNSPECIFIED", "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION", "CLUSTERING", "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY"],
  "Tool.ComputerUse.Environment": ["ENVIRONMENT_UNSPECIFIED", "ENVIRONMENT_BROWSER"],
  "Type": ["TYPE_UNSPECIFIED", "STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"],
};
