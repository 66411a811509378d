// The one token-count approximation used everywhere: countTokens, usageMetadata and quota accounting.
// Word-aware: a run of letters/digits costs ceil(len/4) tokens, each other visible symbol one token, a run of
// line breaks one token, spaces nothing; a character outside ASCII costs one token. Splitting a text at a
// space or symbol boundary never changes the sum, so streamed chunks add up to the whole.

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
      tokens += (i - start + 3) >> 2;
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
export const MEDIA_PART_TOKENS = 258;

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
    else if (p.functionCall || p.function_call) total += countTextTokens(JSON.stringify(p.functionCall ?? p.function_call));
    else if (p.functionResponse || p.function_response)
      total += countTextTokens(JSON.stringify(p.functionResponse ?? p.function_response));
  }
  return total;
}

/** Prompt tokens of a GenerateContentRequest: contents, system instruction and tool declarations. */
export function countRequestTokens(request: Record<string, unknown>): number {
  let total = countContentsTokens(request.contents);
  const system = request.systemInstruction ?? request.system_instruction;
  if (system) total += countContentTokens(system);
  if (Array.isArray(request.tools) && request.tools.length > 0) total += countTextTokens(JSON.stringify(request.tools));
  return total;
}
