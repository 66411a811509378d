// Embedding requests: embedContent for one text, batchEmbedContents for several. Pure, so the bodies
// and the reading of answers are unit-tested under Node.

import { parseJsonOrUndefined } from "./json.ts";

/** The body for `texts`: an embedContent request for one, a batchEmbedContents request for more. */
export function embedBody(model: string, texts: readonly string[]): string {
  const name = `models/${model.replace(/^models\//, "")}`;
  if (texts.length === 1) return JSON.stringify({ model: name, content: { parts: [{ text: texts[0] }] } });
  return JSON.stringify({ requests: texts.map((text) => ({ model: name, content: { parts: [{ text }] } })) });
}

/** How many non-empty embeddings an embedContent or batchEmbedContents answer holds (0 when it is not one). */
export function readEmbeddingCount(body: string): number {
  const value = parseJsonOrUndefined(body);
  if (typeof value !== "object" || value === null) return 0;
  const answer = value as { embedding?: { values?: unknown }; embeddings?: { values?: unknown }[] };
  const usable = (e: { values?: unknown } | undefined): boolean => Array.isArray(e?.values) && e.values.length > 0;
  if (answer.embedding !== undefined) return usable(answer.embedding) ? 1 : 0;
  if (!Array.isArray(answer.embeddings) || !answer.embeddings.every(usable)) return 0;
  return answer.embeddings.length;
}
