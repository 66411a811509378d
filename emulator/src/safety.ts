// Safety blocks on configured trigger terms: a term in the prompt blocks the prompt
// (promptFeedback.blockReason SAFETY, no candidates); a response term ends the candidate with finishReason SAFETY.
// A term stands for dangerous content rated HIGH, so a request whose safetySettings set
// HARM_CATEGORY_DANGEROUS_CONTENT to BLOCK_NONE or OFF is not blocked; every other threshold blocks HIGH.

/** What the safety filter decided for one request. */
export type SafetyDecision = "none" | "block-prompt" | "block-response";

const FLAGGED_CATEGORY = "HARM_CATEGORY_DANGEROUS_CONTENT";

/** Whether the request's safetySettings (enum names, as validation leaves them) let a HIGH rating of the flagged category through. */
export function flaggedCategoryAllowed(safetySettings: unknown): boolean {
  if (!Array.isArray(safetySettings)) return false;
  for (const setting of safetySettings) {
    if (typeof setting !== "object" || setting === null) continue;
    const { category, threshold } = setting as Record<string, unknown>;
    if (category === FLAGGED_CATEGORY && (threshold === "BLOCK_NONE" || threshold === "OFF")) return true;
  }
  return false;
}

/** Case-insensitive substring match of the configured terms against the prompt text; `allowed` when the settings let the category through. */
export function safetyDecision(
  promptText: string,
  promptTerms: readonly string[],
  responseTerms: readonly string[],
  allowed = false,
): SafetyDecision {
  if (allowed || (promptTerms.length === 0 && responseTerms.length === 0)) return "none";
  const lower = promptText.toLowerCase();
  for (const term of promptTerms) if (term && lower.includes(term.toLowerCase())) return "block-prompt";
  for (const term of responseTerms) if (term && lower.includes(term.toLowerCase())) return "block-response";
  return "none";
}

const CATEGORIES = [
  "HARM_CATEGORY_SEXUALLY_EXPLICIT",
  "HARM_CATEGORY_HATE_SPEECH",
  "HARM_CATEGORY_HARASSMENT",
  "HARM_CATEGORY_DANGEROUS_CONTENT",
];

/** Safety ratings for a blocked prompt or response: the dangerous-content category flagged HIGH. */
export function blockedRatings(): Array<Record<string, unknown>> {
  return CATEGORIES.map((category) =>
    category === FLAGGED_CATEGORY ? { category, probability: "HIGH", blocked: true } : { category, probability: "NEGLIGIBLE" },
  );
}
