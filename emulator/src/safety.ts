// Safety blocks on configured trigger terms: a term in the prompt blocks the prompt
// (promptFeedback.blockReason SAFETY, no candidates); a response term ends the candidate with finishReason SAFETY.

/** What the safety filter decided for one request. */
export type SafetyDecision = "none" | "block-prompt" | "block-response";

/** Case-insensitive substring match of the configured terms against the prompt text. */
export function safetyDecision(promptText: string, promptTerms: readonly string[], responseTerms: readonly string[]): SafetyDecision {
  if (promptTerms.length === 0 && responseTerms.length === 0) return "none";
  const lower = promptText.toLowerCase();
  for (const term of promptTerms) if (term && lower.includes(term.toLowerCase())) return "block-prompt";
  for (const term of responseTerms) if (term && lower.includes(term.toLowerCase())) return "block-response";
  return "none";
}

const CATEGORIES = ["HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_DANGEROUS_CONTENT"];

/** Safety ratings for a blocked prompt or response: the dangerous-content category flagged HIGH. */
export function blockedRatings(): Array<Record<string, unknown>> {
  return CATEGORIES.map((category) =>
    category === "HARM_CATEGORY_DANGEROUS_CONTENT" ? { category, probability: "HIGH", blocked: true } : { category, probability: "NEGLIGIBLE" },
  );
}
