// A transparent lexicon classifier for moderation requests. When a request asks to classify a text, the
// label is decided by counting which category's trigger terms occur in it, so a labeled data set built
// from these terms has a known, repeatable accuracy. The lexicon is exported for tests and data authors.

/** Moderation labels, in tie-break priority order (a tie goes to the earlier label). */
export const LABELS = ["self_harm", "violence", "hate", "harassment", "spam", "clean"] as const;
export type Label = (typeof LABELS)[number];

/**
 * Trigger terms per label, matched case-insensitively on whole words (a term of several words matches
 * that word sequence; punctuation counts as a word break). A text with no match is `clean`.
 */
export const LEXICON: Readonly<Record<Exclude<Label, "clean">, readonly string[]>> = {
  self_harm: [
    "kill myself",
    "end my life",
    "suicide",
    "suicidal",
    "self harm",
    "cut myself",
    "hurt myself",
    "want to die",
    "no reason to live",
  ],
  violence: ["kill", "murder", "stab", "shoot", "bomb", "beat you up", "hurt you", "attack", "weapon", "bloodshed", "strangle"],
  hate: [
    "subhuman",
    "vermin",
    "inferior race",
    "go back to your country",
    "don't belong here",
    "degenerates",
    "exterminate them",
    "filthy foreigners",
  ],
  harassment: ["idiot", "stupid", "loser", "shut up", "nobody likes you", "pathetic", "worthless", "moron", "ugly"],
  spam: [
    "buy now",
    "click here",
    "free money",
    "limited offer",
    "act now",
    "you are a winner",
    "discount code",
    "subscribe now",
    "guaranteed profit",
  ],
};

function normalize(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim()} `;
}

const NORMALIZED: Array<[Exclude<Label, "clean">, string[]]> = (Object.keys(LEXICON) as Array<Exclude<Label, "clean">>).map((label) => [
  label,
  LEXICON[label].map((term) => normalize(term)),
]);
const TERM_WORDS = new Map<string, string[]>(
  NORMALIZED.flatMap(([, terms]) => terms.map((t): [string, string[]] => [t, t.trim().split(" ")])),
);
const LEXICON_WORDS = new Set([...TERM_WORDS.values()].flat());

// Hot path of every moderation request. A trie over the lexicon's words (letters and digits only) lets one
// pass over the lower-cased text find which lexicon words occur without cutting the text into words; the
// normalized text is built only when a multi-word term has all its words present (same result as includes()).
const WORD_IDS = new Map<string, number>([...LEXICON_WORDS].map((w, i) => [w, i]));
const TRIE_WIDTH = 36;
const trie: number[] = [];
const trieWord: number[] = [];
function trieNode(): number {
  for (let c = 0; c < TRIE_WIDTH; c++) trie.push(-1);
  trieWord.push(-1);
  return trieWord.length - 1;
}
function charSlot(c: number): number {
  return c >= 97 && c <= 122 ? c - 97 : c >= 48 && c <= 57 ? c - 22 : -1;
}
trieNode();
for (const [word, id] of WORD_IDS) {
  let node = 0;
  for (let i = 0; i < word.length; i++) {
    const slot = node * TRIE_WIDTH + charSlot(word.charCodeAt(i));
    if ((trie[slot] as number) < 0) trie[slot] = trieNode();
    node = trie[slot] as number;
  }
  trieWord[node] = id;
}
const TRIE = Int32Array.from(trie);
const TRIE_WORD = Int32Array.from(trieWord);

interface TermPlan {
  /** The normalized term, with its surrounding spaces. */
  spaced: string;
  trimmed: string;
  wordIds: number[];
}
const PLANS: Array<[Exclude<Label, "clean">, TermPlan[]]> = NORMALIZED.map(([label, terms]) => [
  label,
  terms.map((t) => ({ spaced: t, trimmed: t.trim(), wordIds: (TERM_WORDS.get(t) ?? []).map((w) => WORD_IDS.get(w) as number) })),
]);

/** Marks which lexicon words occur as whole words of `lower` (words are runs of a-z0-9, as normalize() cuts them). */
function lexiconWordsIn(lower: string): Uint8Array {
  const found = new Uint8Array(WORD_IDS.size);
  let node = 0;
  for (let i = 0; i < lower.length; i++) {
    const slot = charSlot(lower.charCodeAt(i));
    if (slot < 0) {
      if (node > 0) {
        const id = TRIE_WORD[node] as number;
        if (id >= 0) found[id] = 1;
      }
      node = 0;
      continue;
    }
    // -1: this word is no lexicon word; skip to its end.
    if (node >= 0) node = TRIE[node * TRIE_WIDTH + slot] as number;
  }
  if (node > 0) {
    const id = TRIE_WORD[node] as number;
    if (id >= 0) found[id] = 1;
  }
  return found;
}

/** The lexicon's decision: the label with most distinct matching terms, and the terms that matched. */
export function classifyText(text: string): { label: Label; matches: string[] } {
  const lower = text.toLowerCase();
  const found = lexiconWordsIn(lower);
  let haystack: string | undefined;
  let best: Label = "clean";
  let bestCount = 0;
  let bestMatches: string[] = [];
  for (const [label, terms] of PLANS) {
    let matches: string[] | undefined;
    for (const term of terms) {
      let all = true;
      for (const id of term.wordIds) if (found[id] === 0) all = false;
      if (!all) continue;
      if (term.wordIds.length > 1) {
        haystack ??= normalize(lower);
        if (!haystack.includes(term.spaced)) continue;
      }
      matches ??= [];
      matches.push(term.trimmed);
    }
    // PLANS follows LABELS priority, so only a strictly larger count displaces an earlier label.
    if (matches && matches.length > bestCount) {
      best = label;
      bestCount = matches.length;
      bestMatches = matches;
    }
  }
  return { label: best, matches: bestMatches };
}

const MARKER = /^\s*(text|message|comment|content|input|post)\s*:\s*/im;

/**
 * The text a moderation prompt asks about: what follows the last line starting with `Text:`, `Message:`,
 * `Comment:`, `Content:`, `Input:` or `Post:` (case-insensitive), else the whole prompt.
 */
export function textToClassify(prompt: string): string {
  let rest = prompt;
  let found: string | undefined;
  for (;;) {
    const m = MARKER.exec(rest);
    if (!m) break;
    found = rest.slice(m.index + m[0].length);
    rest = found;
  }
  return found ?? prompt;
}

const SYNONYMS: Record<Label, string[]> = {
  clean: ["clean", "safe", "ok", "none", "benign", "allowed", "acceptable", "neutral", "nontoxic", "appropriate", "allow", "pass"],
  self_harm: ["selfharm", "suicide", "selfinjury"],
  violence: ["violence", "violent", "threat", "threats", "violentthreat"],
  hate: ["hate", "hatespeech", "hateful"],
  harassment: ["harassment", "bullying", "abuse", "insult", "toxic", "harass"],
  spam: ["spam", "scam", "advertising", "promotion"],
};

const squash = (v: string): string => v.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Whether a list of enum values looks like moderation labels (two or more known labels or synonyms). */
export function looksLikeLabels(values: readonly unknown[]): boolean {
  let hits = 0;
  for (const v of values) {
    if (typeof v !== "string") continue;
    const s = squash(v);
    if ((Object.values(SYNONYMS) as string[][]).some((list) => list.includes(s))) hits++;
  }
  return hits >= 2;
}

/** The enum value that stands for `label`: same name or a synonym; else a flag-like value for harmful labels; else the first. */
export function mapLabel(label: Label, values: readonly unknown[]): unknown {
  const strings = values.filter((v): v is string => typeof v === "string");
  const exact = strings.find((v) => SYNONYMS[label].includes(squash(v)));
  if (exact !== undefined) return exact;
  if (label === "clean") return strings.find((v) => /safe|clean|allow|ok|none/i.test(v)) ?? values[0];
  return (
    strings.find((v) => /unsafe|toxic|flag|harm|block|violat|reject|deny/i.test(v)) ??
    strings.find((v) => !SYNONYMS.clean.includes(squash(v))) ??
    values[0]
  );
}
