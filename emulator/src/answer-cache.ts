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
const MAX_CACHED_BODY = 16 * 1024;
/** Bodies of more bytes cannot be cached (they exceed MAX_CACHED_BODY characters), so they get no key. */
const MAX_KEYED_BYTES = 4 * MAX_CACHED_BODY;
/** The key of a body that is not cached. */
export const NO_BODY_KEY = -1;

/**
 * A cheap hash of a request body's bytes, to find cached answers without hashing the decoded string (which
 * reads it one character at a time): equal bodies have equal keys; a match is then confirmed on the text.
 */
export function bodyKey(bytes: Buffer): number {
  if (bytes.length > MAX_KEYED_BYTES) return NO_BODY_KEY;
  let h = 0x811c9dc5 ^ bytes.length;
  const whole = bytes.length >> 2;
  if ((bytes.byteOffset & 3) === 0) {
    const words = new Int32Array(bytes.buffer, bytes.byteOffset, whole);
    for (let i = 0; i < whole; i++) h = Math.imul(h ^ (words[i] as number), 0x01000193);
  } else {
    for (let i = 0; i < whole * 4; i += 4) {
      h = Math.imul(
        h ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24)),
        0x01000193,
      );
    }
  }
  for (let i = whole * 4; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  // Non-negative and small enough to stay a small integer in the Map.
  return h & 0x3fffffff;
}

interface Entry {
  key: number;
  raw: string;
  answer: CachedAnswer;
  /** The next entry whose key is the same. */
  next: Entry | undefined;
}

/** One form's entries: chains by body key, and insertion order for eviction. */
class FormCache {
  private readonly chains = new Map<number, Entry>();
  private readonly order: Entry[] = [];
  private oldest = 0;

  get(key: number, raw: string): CachedAnswer | undefined {
    for (let e = this.chains.get(key); e; e = e.next) if (e.raw === raw) return e.answer;
    return undefined;
  }

  set(key: number, raw: string, answer: CachedAnswer): void {
    if (this.order.length - this.oldest >= MAX_ENTRIES) this.evictOldest();
    const entry: Entry = { key, raw, answer, next: this.chains.get(key) };
    this.chains.set(key, entry);
    this.order.push(entry);
  }

  private evictOldest(): void {
    const entry = this.order[this.oldest] as Entry;
    this.order[this.oldest] = undefined as unknown as Entry;
    this.oldest++;
    if (this.oldest > MAX_ENTRIES) {
      this.order.splice(0, this.oldest);
      this.oldest = 0;
    }
    let e = this.chains.get(entry.key);
    if (e === entry) {
      if (entry.next) this.chains.set(entry.key, entry.next);
      else this.chains.delete(entry.key);
      return;
    }
    while (e && e.next !== entry) e = e.next;
    if (e) e.next = entry.next;
  }
}

/** Bounded insertion-ordered caches keyed by form (model + stream or not) and raw body (found by its bodyKey). */
export class AnswerCache {
  private readonly forms = new Map<string, FormCache>();

  get(form: string, key: number, raw: string): CachedAnswer | undefined {
    if (key === NO_BODY_KEY || raw.length > MAX_CACHED_BODY) return undefined;
    return this.forms.get(form)?.get(key, raw);
  }

  set(form: string, key: number, raw: string, answer: CachedAnswer): void {
    if (key === NO_BODY_KEY || raw.length > MAX_CACHED_BODY) return;
    let entries = this.forms.get(form);
    if (!entries) {
      entries = new FormCache();
      this.forms.set(form, entries);
    }
    entries.set(key, raw, answer);
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
