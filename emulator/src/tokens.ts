// The one token-count approximation used everywhere: countTokens, usageMetadata and quota accounting.
// Word-aware: a run of letters/digits costs ceil(len/CHARS_PER_TOKEN) tokens, each other visible symbol one token, a run of
// line breaks one token, spaces nothing; a character outside ASCII costs one token. Splitting a text at a
// space or symbol boundary never changes the sum, so streamed chunks add up to the whole. Structured
// parts (function calls, tool declarations) cost the words they hold, not their JSON punctuation.

// Character classes for the counter, one byte per UTF-16 code unit: a table lookup instead of range tests.
const WORD = 0;
const NEWLINE = 1;
const SPACE = 2;
const SYMBOL = 3;
const HIGH_SURROGATE = 4;
const CLASSES = new Uint8Array(65536).fill(SYMBOL);
for (let c = 48; c <= 57; c++) CLASSES[c] = WORD;
for (let c = 65; c <= 90; c++) CLASSES[c] = WORD;
for (let c = 97; c <= 122; c++) CLASSES[c] = WORD;
CLASSES[95] = WORD;
CLASSES[10] = NEWLINE;
CLASSES[13] = NEWLINE;
CLASSES[32] = SPACE;
CLASSES[9] = SPACE;
CLASSES.fill(HIGH_SURROGATE, 0xd800, 0xdc00);

/** Characters of a word run per token: the rate at which the approximation charges text. */
export const CHARS_PER_TOKEN = 4;

/** Token count of one text. */
export function countTextTokens(text: string): number {
  let tokens = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const cls = CLASSES[text.charCodeAt(i)] as number;
    if (cls === WORD) {
      const start = i;
      i++;
      while (i < n && CLASSES[text.charCodeAt(i)] === WORD) i++;
      tokens += Math.ceil((i - start) / CHARS_PER_TOKEN);
      continue;
    }
    if (cls === NEWLINE) {
      tokens++;
      i++;
      while (i < n && CLASSES[text.charCodeAt(i)] === NEWLINE) i++;
      continue;
    }
    if (cls === SPACE) {
      i++;
      continue;
    }
    // A surrogate pair is one character: count it once.
    i += cls === HIGH_SURROGATE ? 2 : 1;
    tokens++;
  }
  return tokens;
}

/** Fixed cost of one inline or file media part (what the service charges for a typical image). */
const MEDIA_PART_TOKENS = 258;

/** Token count of a list of Content objects as sent by clients (text, media, function calls and responses). */
export function countContentsTokens(contents: unknown): number {
  if (!Array.isArray(contents)) return 0;
  let total = 0;
  for (const content of contents) total += countContentTokens(content);
  return total;
}

/** Token count of one Content (its parts). */
export function countContentTokens(content: unknown): number {
  if (!content || typeof content !== "object") return 0;
  const parts = (content as { parts?: unknown }).parts;
  if (!Array.isArray(parts)) return 0;
  let total = 0;
  for (const part of parts) {
    if (!part || typeof part !== "object") continue;
    const p = part as Record<string, unknown>;
    if (typeof p.text === "string") total += countTextTokens(p.text);
    else if (p.inlineData || p.inline_data || p.fileData || p.file_data) total += MEDIA_PART_TOKENS;
    else if (p.functionCall || p.function_call) total += countFunctionPartTokens(p.functionCall ?? p.function_call, "args");
    else if (p.functionResponse || p.function_response)
      total += countFunctionPartTokens(p.functionResponse ?? p.function_response, "response");
  }
  return total;
}

/** Tokens of the keys and scalar values inside a JSON value: its words, without the JSON punctuation. */
function countValueTokens(value: unknown): number {
  if (typeof value === "string") return countTextTokens(value);
  if (typeof value === "number" || typeof value === "boolean") return countTextTokens(String(value));
  if (!value || typeof value !== "object") return 0;
  let total = 0;
  if (Array.isArray(value)) {
    for (const item of value) total += countValueTokens(item);
    return total;
  }
  for (const [key, item] of Object.entries(value)) total += countTextTokens(key) + countValueTokens(item);
  return total;
}

/** A function call or response: its name, then the keys and values of its `args` or `response`. */
function countFunctionPartTokens(part: unknown, payload: "args" | "response"): number {
  if (!part || typeof part !== "object") return 0;
  const p = part as Record<string, unknown>;
  return (typeof p.name === "string" ? countTextTokens(p.name) : 0) + countValueTokens(p[payload]);
}

/**
 * Tokens of a parameter schema (OpenAPI subset or JSON Schema): property names, descriptions and enum
 * values. Types are left out: they come from a closed vocabulary, and counting them only widened the
 * overcount on every recording (see countToolTokens).
 */
function countSchemaTokens(schema: unknown): number {
  if (!schema || typeof schema !== "object") return 0;
  if (Array.isArray(schema)) {
    let total = 0;
    for (const item of schema) total += countSchemaTokens(item);
    return total;
  }
  const s = schema as Record<string, unknown>;
  let total = typeof s.description === "string" ? countTextTokens(s.description) : 0;
  if (Array.isArray(s.enum)) for (const value of s.enum) total += countValueTokens(value);
  if (s.properties && typeof s.properties === "object") {
    for (const [name, property] of Object.entries(s.properties)) total += countTextTokens(name) + countSchemaTokens(property);
  }
  for (const key of ["items", "anyOf", "any_of", "oneOf", "allOf", "prefixItems", "prefix_items", "additionalProperties"])
    total += countSchemaTokens(s[key]);
  return total;
}

/**
 * Prompt tokens of `tools`: each function declaration's name, description and parameter schema
 * (countSchemaTokens); built-in tools such as googleSearch carry no text and cost nothing.
 *
 * Calibrated on every recording with tools (one declaration, `customDivide`, 15 tokens here; the JSON
 * text used to cost 99–101). On gemini-2.0-flash every request with tools now comes out 14–67% high
 * (first turns: 28 where the service reported 17, four recordings; 24 for 21), down from up to 6.7×;
 * most of what remains is the text approximation itself, which charges short English words more than
 * the real tokenizer does. gemini-2.5-flash reported 81 for the same first turn (emulator 46): it seems
 * to add a preamble of about 40 tokens for tools, and it also charges thought signatures; neither is
 * modelled, as one recording does not show how they scale.
 */
function countToolTokens(tools: unknown[]): number {
  let total = 0;
  for (const tool of tools) {
    if (!tool || typeof tool !== "object") continue;
    const t = tool as Record<string, unknown>;
    const declarations = t.functionDeclarations ?? t.function_declarations;
    if (!Array.isArray(declarations)) continue;
    for (const declaration of declarations) {
      if (!declaration || typeof declaration !== "object") continue;
      const d = declaration as Record<string, unknown>;
      if (typeof d.name === "string") total += countTextTokens(d.name);
      if (typeof d.description === "string") total += countTextTokens(d.description);
      total += countSchemaTokens(d.parameters ?? d.parametersJsonSchema ?? d.parameters_json_schema);
      total += countSchemaTokens(d.response ?? d.responseJsonSchema ?? d.response_json_schema);
    }
  }
  return total;
}

/** Prompt tokens of a GenerateContentRequest: contents, system instruction and tool declarations. */
export function countRequestTokens(request: Record<string, unknown>): number {
  let total = countContentsTokens(request.contents);
  const system = request.systemInstruction ?? request.system_instruction;
  if (system) total += countContentTokens(system);
  if (Array.isArray(request.tools)) total += countToolTokens(request.tools);
  return total;
}
