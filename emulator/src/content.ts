// Deterministic answers: for a given seed and request the same text, JSON or verdict, cut at
// maxOutputTokens (finishReason MAX_TOKENS), split into stream chunks whose token counts add up exactly.

import { CHARS_PER_TOKEN, countTextTokens, countRequestTokens } from "./tokens.ts";
import { Rng, hashString } from "./random.ts";
import { fillSchemaWithin, type Chooser } from "./schema-fill.ts";
import { classifyText, looksLikeLabels, mapLabel, textToClassify, type Label } from "./moderation.ts";
import { flaggedCategoryAllowed, safetyDecision } from "./safety.ts";
import type { ModelInfo } from "./models.ts";
import type { ModelSettings } from "./profiles.ts";

/** Everything needed to answer one generate request, in any of the response forms. */
export interface ContentPlan {
  blockedPrompt: boolean;
  promptTokens: number;
  thoughtsTokens: number;
  /** Answer text split into stream chunks (empty when there are no parts). */
  chunks: string[];
  /** Tokens of each chunk; they sum to outputTokens. */
  chunkTokens: number[];
  outputTokens: number;
  finishReason: "STOP" | "MAX_TOKENS" | "SAFETY";
  /** A short thought summary when the request asked for includeThoughts. */
  thoughtSummary?: string;
  candidateCount: number;
}

const VOCABULARY = (
  "the a system model request response latency token stream answer question data result value service test load " +
  "server client network window quota limit model output input time first second minute rate error retry budget " +
  "simple clear useful small large quick steady careful general common typical expected measured observed " +
  "is are was can will should may often usually also then because while when where which that this these those " +
  "with from into over under about between during after before across through within without around " +
  "users teams engineers developers operators scripts checks metrics thresholds dashboards reports traces logs"
).split(" ");

function field(obj: Record<string, unknown> | undefined, camel: string, snake: string): unknown {
  if (!obj) return undefined;
  return obj[camel] !== undefined ? obj[camel] : obj[snake];
}

function asObj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** All text of the request's contents and system instruction, joined by newlines. */
function promptText(request: Record<string, unknown>): string {
  const texts: string[] = [];
  const system = field(request, "systemInstruction", "system_instruction");
  if (system) collectTexts(system, texts);
  if (Array.isArray(request.contents)) for (const c of request.contents) collectTexts(c, texts);
  return texts.join("\n");
}

// A module function rather than a closure: a closure per request costs a name definition under tsx.
function collectTexts(content: unknown, texts: string[]): void {
  const parts = asObj(content)?.parts;
  if (Array.isArray(parts)) for (const p of parts) if (typeof asObj(p)?.text === "string") texts.push(asObj(p)?.text as string);
}

/** Text of the last user turn, which is what a moderation prompt asks about. */
function lastUserText(request: Record<string, unknown>): string {
  return lastUserParts(request).join("\n");
}

/** The parts' texts of the last user turn ("" for a part without text). */
function lastUserParts(request: Record<string, unknown>): string[] {
  const contents = Array.isArray(request.contents) ? request.contents : [];
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = asObj(contents[i]);
    if (!c || (c.role !== undefined && c.role !== "user" && c.role !== "")) continue;
    const parts = Array.isArray(c.parts) ? c.parts : [];
    return parts.map((p) => (typeof asObj(p)?.text === "string" ? (asObj(p)?.text as string) : ""));
  }
  return [];
}

/** The item schema of a schema whose top level is an array, else undefined. */
function arrayItems(schema: unknown): unknown {
  const o = asObj(schema);
  return o && typeof o.type === "string" && o.type.toLowerCase() === "array" ? o.items : undefined;
}

/**
 * Several posts moderated in one request (scenarios/moderation-batch.ts): the schema is an array and each
 * part of the last user turn is one post, so each array item gets that post's lexicon verdict, in order.
 */
function verdictPerPart(parts: string[], items: unknown, rng: Rng, budgetChars: number): { text: string; cut: boolean } {
  let cut = false;
  const share = Math.floor(budgetChars / parts.length);
  const value = parts.map((part) => {
    const verdict = classifyText(textToClassify(part));
    const filled = fillSchemaWithin(items, rng, share, moderationChooser(verdict.label, verdict.matches, rng));
    cut ||= filled.cut;
    return filled.value;
  });
  return { text: JSON.stringify(value), cut };
}

/**
 * Token units of a text: each word run (with the spaces before it), each symbol, each line-break run.
 * Cutting only between units keeps countTextTokens additive over the pieces.
 */
export function tokenUnits(text: string): { ends: number[]; tokens: number[] } {
  const ends: number[] = [];
  const tokens: number[] = [];
  let i = 0;
  const n = text.length;
  const isWord = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  while (i < n) {
    while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (i >= n) {
      // Trailing spaces join the last unit at no cost.
      if (ends.length > 0) ends[ends.length - 1] = n;
      else {
        ends.push(n);
        tokens.push(0);
      }
      break;
    }
    const c = text.charCodeAt(i);
    if (isWord(c)) {
      const start = i;
      while (i < n && isWord(text.charCodeAt(i))) i++;
      ends.push(i);
      tokens.push((i - start + 3) >> 2);
    } else if (c === 10 || c === 13) {
      while (i < n && (text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13)) i++;
      ends.push(i);
      tokens.push(1);
    } else {
      i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
      ends.push(i);
      tokens.push(1);
    }
  }
  return { ends, tokens };
}

/** Tokens wanted in streamed chunk `index` (0-based); a chunk closes at the first unit boundary at or past it. */
export type ChunkSchedule = (index: number) => number;

/** About 4 tokens first (a quick first byte), then about 24 each. */
export const EVEN_CHUNKS: ChunkSchedule = (index) => (index === 0 ? 4 : 24);

/**
 * Chunks that grow, as gemini-2.0-flash streams: the recordings show 1, 3, then about 16 tokens, growing
 * by about 8 a chunk (a 377-token answer in chunks of 3, 12, 72, 66, 185, 167, 267, 233, 330, 301, 243
 * characters; shorter ones 3, 12, 76 and 1, 94, 54, 2). The largest recorded is about 75 tokens; the
 * cap at 80 keeps long answers from ending in a few huge chunks, which nothing recorded shows.
 */
export const GROWING_CHUNKS: ChunkSchedule = (index) => (index === 0 ? 1 : index === 1 ? 3 : Math.min(80, 16 + 8 * (index - 2)));

/** Cuts `text` to at most `budget` tokens and groups it into chunks of about `schedule(k)` tokens. */
export function chunkText(
  text: string,
  budget: number,
  schedule: ChunkSchedule,
): { chunks: string[]; chunkTokens: number[]; truncated: boolean } {
  const { ends, tokens } = tokenUnits(text);
  const chunks: string[] = [];
  const chunkTokens: number[] = [];
  let start = 0;
  let inChunk = 0;
  let used = 0;
  let truncated = false;
  let target = schedule(0);
  let lastEnd = 0;
  for (let u = 0; u < ends.length; u++) {
    const t = tokens[u] as number;
    if (used + t > budget) {
      truncated = true;
      break;
    }
    used += t;
    inChunk += t;
    lastEnd = ends[u] as number;
    if (inChunk >= target) {
      chunks.push(text.slice(start, lastEnd));
      chunkTokens.push(inChunk);
      start = lastEnd;
      inChunk = 0;
      target = schedule(chunks.length);
    }
  }
  const end = truncated ? lastEnd : text.length;
  if (end > start) {
    chunks.push(text.slice(start, end));
    chunkTokens.push(inChunk);
  }
  return { chunks, chunkTokens, truncated };
}

// Filler text is cut from one corpus built at start-up: slicing is far cheaper per request than
// composing sentences, and the emulator must stay fast enough never to bottleneck a load test.
const CORPUS_SENTENCES = 4096;
const corpus = buildCorpus();

function buildCorpus(): { text: string; starts: number[]; cumulativeTokens: number[] } {
  const rng = new Rng(0x5e17e7ce);
  const pieces: string[] = [];
  const starts: number[] = [];
  const cumulativeTokens: number[] = [0];
  let offset = 0;
  let tokens = 0;
  for (let sentence = 0; sentence < CORPUS_SENTENCES; sentence++) {
    const words = rng.int(6, 18);
    const parts: string[] = [];
    for (let w = 0; w < words; w++) {
      let word = rng.pick(VOCABULARY);
      if (w === 0) word = word.charAt(0).toUpperCase() + word.slice(1);
      parts.push(word);
      if (w > 2 && w < words - 2 && rng.next() < 0.08) parts[parts.length - 1] += ",";
    }
    // Each sentence carries its leading separator, so any run of sentences reads naturally once trimmed.
    const sep = sentence % 4 === 0 ? "\n\n" : " ";
    const text = `${sep + parts.join(" ")}.`;
    starts.push(offset);
    pieces.push(text);
    offset += text.length;
    tokens += countTextTokens(text);
    cumulativeTokens.push(tokens);
  }
  starts.push(offset);
  return { text: pieces.join(""), starts, cumulativeTokens };
}

/** About `targetTokens` tokens of prose: whole sentences from a seeded point in the corpus. */
function prose(rng: Rng, targetTokens: number): string {
  const first = rng.int(0, CORPUS_SENTENCES - 1);
  const { text, starts, cumulativeTokens } = corpus;
  const have = (cumulativeTokens[CORPUS_SENTENCES] as number) - (cumulativeTokens[first] as number);
  // Near the end of the corpus the answer is shorter than asked; lengths vary anyway.
  const goal = (cumulativeTokens[first] as number) + Math.min(targetTokens, have);
  // Binary search for the first sentence end that reaches the target.
  let lo = first + 1;
  let hi = CORPUS_SENTENCES;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulativeTokens[mid] as number) >= goal) hi = mid;
    else lo = mid + 1;
  }
  const slice = text.slice(starts[first] as number, starts[lo] as number);
  // Drop the leading separator (one space or a paragraph break).
  return slice.charCodeAt(0) === 10 ? slice.slice(2) : slice.slice(1);
}

interface PlanInput {
  request: Record<string, unknown>;
  /** The raw body, hashed so identical requests get identical answers. */
  rawBody: string;
  model: ModelInfo;
  settings: ModelSettings;
  seed: number;
  promptBlockTerms: readonly string[];
  responseBlockTerms: readonly string[];
  /** Non-streamed answers skip splitting into chunks (one chunk holds the whole text). */
  stream?: boolean;
}

/** Whether thinking is on for this request, and its budget cap (undefined = dynamic). */
function thinkingFor(model: ModelInfo, config: Record<string, unknown> | undefined): { on: boolean; cap?: number } {
  const range = model.thinkingBudget;
  if (!range) return { on: false };
  const thinking = asObj(field(config, "thinkingConfig", "thinking_config"));
  const budgetRaw = field(thinking, "thinkingBudget", "thinking_budget");
  const budget = budgetRaw === undefined || budgetRaw === null ? undefined : Number(budgetRaw);
  const level = field(thinking, "thinkingLevel", "thinking_level");
  if (budget === 0) return { on: false };
  if (budget !== undefined && budget > 0) return { on: true, cap: budget };
  if (budget === -1 || (typeof level === "string" && level !== "THINKING_LEVEL_UNSPECIFIED")) return { on: true };
  return { on: range.onByDefault };
}

function moderationChooser(label: Label, matches: string[], rng: Rng): Chooser {
  return (key, schema) => {
    const lowerKey = key.toLowerCase();
    const type =
      typeof schema.type === "string" ? schema.type.toLowerCase() : Array.isArray(schema.type) ? String(schema.type[0]).toLowerCase() : "";
    if (Array.isArray(schema.enum) && looksLikeLabels(schema.enum)) return mapLabel(label, schema.enum);
    if (type === "boolean") {
      if (/flag|harm|toxic|unsafe|violat|block|offens|inappropriate|reject/.test(lowerKey)) return label !== "clean";
      if (/safe|clean|allow|ok|approve/.test(lowerKey)) return label === "clean";
    }
    if ((type === "number" || type === "integer") && /confidence|score|probab|certainty/.test(lowerKey)) {
      const v = label === "clean" ? 0.9 : Math.min(0.99, 0.7 + 0.1 * matches.length);
      const max = typeof schema.maximum === "number" ? schema.maximum : 1;
      return type === "integer" ? Math.round(v * (max > 1 ? max : 100)) : Math.round(v * 100) / 100;
    }
    if (type === "string" && !schema.enum) {
      if (/reason|explan|rational|justif/.test(lowerKey)) {
        return matches.length > 0 ? `Matched lexicon terms: ${matches.join(", ")}.` : "No lexicon terms matched.";
      }
      if (/^(category|label|verdict|class|classification|decision)$/.test(lowerKey)) return label;
    }
    if (type === "array" && /categor|labels|tags/.test(lowerKey)) {
      const items = asObj(schema.items);
      if (items && Array.isArray(items.enum) && looksLikeLabels(items.enum)) return label === "clean" ? [] : [mapLabel(label, items.enum)];
    }
    void rng;
    return undefined;
  };
}

/** Whether a schema holds a label-like enum anywhere. */
function schemaHasLabels(schema: unknown): boolean {
  const found: unknown[][] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (asObj(node)) {
      const o = asObj(node) as Record<string, unknown>;
      if (Array.isArray(o.enum)) found.push(o.enum);
      Object.values(o).forEach(walk);
    }
  };
  walk(schema);
  return found.some((values) => looksLikeLabels(values));
}

// Requests of a load test share a handful of schemas: the decision is remembered by the schema's JSON.
const labelSchemas = new Map<string, boolean>();

/** Whether the request asks to classify a text: a label-like enum in its schema, or classify/moderate in its instructions. */
function isModeration(request: Record<string, unknown>, schema: unknown, allText: string): boolean {
  if (schema !== undefined) {
    const json = JSON.stringify(schema);
    if (json.length < 20_000 && /"enum"\s*:/.test(json)) {
      let labels = labelSchemas.get(json);
      if (labels === undefined) {
        labels = schemaHasLabels(schema);
        if (labelSchemas.size < 1000) labelSchemas.set(json, labels);
      }
      if (labels) return true;
    }
  }
  void request;
  const head = allText.length > 20_000 ? allText.slice(0, 20_000) : allText;
  const lower = head.toLowerCase();
  return lower.includes("classif") || lower.includes("moderat");
}

/** Plans the answer to a generate request. */
export function planContent(input: PlanInput): ContentPlan {
  const { request, model, settings } = input;
  const promptTokens = countRequestTokens(request);
  const allText = promptText(request);
  const config = asObj(field(request, "generationConfig", "generation_config"));
  const candidateCountRaw = Number(field(config, "candidateCount", "candidate_count") ?? 1);
  const candidateCount = candidateCountRaw >= 1 ? Math.min(8, Math.floor(candidateCountRaw)) : 1;
  const base = { promptTokens, candidateCount };

  const allowed = flaggedCategoryAllowed(field(request, "safetySettings", "safety_settings"));
  const safety = safetyDecision(allText, input.promptBlockTerms, input.responseBlockTerms, allowed);
  if (safety === "block-prompt") {
    return { ...base, blockedPrompt: true, thoughtsTokens: 0, chunks: [], chunkTokens: [], outputTokens: 0, finishReason: "STOP" };
  }
  const rng = new Rng(hashString(input.rawBody, (input.seed ^ hashString(model.id)) >>> 0));
  const thinking = thinkingFor(model, config);
  let thoughtsTokens = 0;
  if (thinking.on && settings.thoughtsTokens > 0) {
    thoughtsTokens = Math.max(1, Math.round(settings.thoughtsTokens * (0.5 + rng.next())));
    if (thinking.cap !== undefined) thoughtsTokens = Math.min(thoughtsTokens, thinking.cap);
  }
  const maxRaw = Number(field(config, "maxOutputTokens", "max_output_tokens") ?? 0);
  const maxOutput = maxRaw > 0 ? Math.min(maxRaw, model.outputTokenLimit) : model.outputTokenLimit;
  const includeThoughts = field(asObj(field(config, "thinkingConfig", "thinking_config")), "includeThoughts", "include_thoughts") === true;
  const thoughtSummary =
    includeThoughts && thoughtsTokens > 0 ? "**Planning the answer**\n\nI considered the request and outlined a reply." : undefined;

  if (thoughtsTokens >= maxOutput) {
    return {
      ...base,
      blockedPrompt: false,
      thoughtsTokens: maxOutput,
      chunks: [],
      chunkTokens: [],
      outputTokens: 0,
      finishReason: "MAX_TOKENS",
      thoughtSummary,
    };
  }
  if (safety === "block-response") {
    return {
      ...base,
      blockedPrompt: false,
      thoughtsTokens,
      chunks: [],
      chunkTokens: [],
      outputTokens: 0,
      finishReason: "SAFETY",
      thoughtSummary,
    };
  }

  const budget = maxOutput - thoughtsTokens;
  const { text, cut } = answerText(request, config, settings, rng, allText, budget);
  if (input.stream === false && !cut) {
    const whole = countTextTokens(text);
    if (whole <= budget)
      return {
        ...base,
        blockedPrompt: false,
        thoughtsTokens,
        chunks: [text],
        chunkTokens: [whole],
        outputTokens: whole,
        finishReason: "STOP",
        thoughtSummary,
      };
  }
  const { chunks, chunkTokens, truncated } = chunkText(text, budget, model.chunkSizes === "growing" ? GROWING_CHUNKS : EVEN_CHUNKS);
  let outputTokens = 0;
  for (const t of chunkTokens) outputTokens += t;
  return {
    ...base,
    blockedPrompt: false,
    thoughtsTokens,
    chunks,
    chunkTokens,
    outputTokens,
    finishReason: truncated || cut ? "MAX_TOKENS" : "STOP",
    thoughtSummary,
  };
}

/** The answer before the output budget cuts it; `cut` when building it already stopped at the budget. */
function answerText(
  request: Record<string, unknown>,
  config: Record<string, unknown> | undefined,
  settings: ModelSettings,
  rng: Rng,
  allText: string,
  budgetTokens: number,
): { text: string; cut: boolean } {
  const whole = (text: string): { text: string; cut: boolean } => ({ text, cut: false });
  const mime = field(config, "responseMimeType", "response_mime_type");
  const schema = field(config, "responseSchema", "response_schema") ?? field(config, "responseJsonSchema", "response_json_schema");
  const moderation = isModeration(request, schema, allText);
  const verdict = moderation ? classifyText(textToClassify(lastUserText(request))) : undefined;
  const chooser = verdict ? moderationChooser(verdict.label, verdict.matches, rng) : undefined;

  if (mime === "text/x.enum") {
    const values = asObj(schema)?.enum;
    if (Array.isArray(values) && values.length > 0) {
      const chosen = chooser?.("", asObj(schema) as Record<string, unknown>);
      return whole(String(chosen ?? rng.pick(values)));
    }
  }
  if (mime === "application/json") {
    const items = moderation ? arrayItems(schema) : undefined;
    if (items !== undefined) {
      const parts = lastUserParts(request);
      if (parts.length > 1) return verdictPerPart(parts, items, rng, budgetTokens * CHARS_PER_TOKEN);
    }
    if (schema !== undefined) {
      const filled = fillSchemaWithin(schema, rng, budgetTokens * CHARS_PER_TOKEN, chooser);
      return { text: JSON.stringify(filled.value), cut: filled.cut };
    }
    if (verdict)
      return whole(
        JSON.stringify({
          verdict: verdict.label,
          confidence: verdict.label === "clean" ? 0.9 : Math.min(0.99, 0.7 + 0.1 * verdict.matches.length),
        }),
      );
    return whole(JSON.stringify({ answer: prose(rng, 12) }));
  }
  if (verdict) return whole(verdict.label);
  const target = Math.max(5, Math.min(4000, Math.round(settings.outputTokensMedian * Math.exp(0.5 * rng.normal()))));
  return whole(prose(rng, target));
}
