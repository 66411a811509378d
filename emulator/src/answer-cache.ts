// Answers are a pure function of (config, model, request body), so a repeated body — the normal case in a
// load test replaying a data set — reuses its plan and serialised JSON instead of parsing, validating and
// generating again. Bounded per model and form; cleared whenever the configuration changes.

import type { ContentPlan } from "./content.ts";

/** The placeholder the response id replaces in a cached body. */
export const RESPONSE_ID_SLOT = "@@emulator-response-id@@";

/** One cached answer: the plan, and its serialised body split around the response id (per JSON style). */
export interface CachedAnswer {
  plan: ContentPlan;
  pretty?: [string, string];
  compact?: [string, string];
}

const MAX_ENTRIES = 512;
/** Larger bodies are rare in load tests and would make the cache's memory use large. */
export const MAX_CACHED_BODY = 16 * 1024;

/** Bounded insertion-ordered caches keyed by form (model + stream or not) and raw body. */
export class AnswerCache {
  private readonly forms = new Map<string, Map<string, CachedAnswer>>();

  get(form: string, raw: string): CachedAnswer | undefined {
    return this.forms.get(form)?.get(raw);
  }

  set(form: string, raw: string, answer: CachedAnswer): void {
    if (raw.length > MAX_CACHED_BODY) return;
    let entries = this.forms.get(form);
    if (!entries) {
      entries = new Map();
      this.forms.set(form, entries);
    }
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
    entries.set(raw, answer);
  }

  clear(): void {
    this.forms.clear();
  }
}

/** Splits a serialised body at the response id placeholder (the last occurrence: responseId is the last field). */
export function splitAtResponseId(body: string): [string, string] {
  const at = body.lastIndexOf(RESPONSE_ID_SLOT);
  return [body.slice(0, at), body.slice(at + RESPONSE_ID_SLOT.length)];
}
