// The one token-count approximation used everywhere: countTokens, usageMetadata and quota accounting.
// Word-aware: a run of letters/digits costs ceil(len/4) tokens, each other visible symbol one token, a run of
// line breaks one token, spaces nothing; a character outside ASCII costs one token. Splitting a text at a
// space or symbol boundary never changes the sum, so streamed chunks add up to the whole.

/** Token count of one text. */
export function countTextTokens(text: string): number {
  let tokens = 0;
  let run = 0;
  let inNewlines = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const isWordChar = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (isWordChar) {
      run++;
      inNewlines = false;
      continue;
    }
    if (run > 0) {
      tokens += (run + 3) >> 2;
      run = 0;
    }
    if (c === 10 || c === 13) {
      if (!inNewlines) tokens++;
      inNewlines = true;
      continue;
    }
    inNewlines = false;
    if (c === 32 || c === 9) continue;
    // A surrogate pair is one character: count it once.
    if (c >= 0xd800 && c <= 0xdbff) i++;
    tokens++;
  }
  if (run > 0) tokens += (run + 3) >> 2;
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
