// The request-complexity sweep: a grid of prompt sizes × maxOutputTokens, each cell a stretch of the run
// at the same concurrency, its samples tagged `cell`; prompts of a given token count, and the per-cell
// table (p50/p95 latency, TTFT, output tokens/s, cost per request) read back from k6's summary. Pure.

/** One cell of the grid; `name` is its `cell` tag, e.g. `p1000_o512`. */
export interface SweepCell {
  name: string;
  promptTokens: number;
  maxOutputTokens: number;
}

/** One row of the sweep's table and of summary.json's `sweep`. */
export interface SweepRow extends SweepCell {
  requests: number;
  /** Prompt tokens per request as the API counted them. */
  measuredPromptTokens: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  ttftP50Ms: number | null;
  outputTokensPerSecond: number | null;
  costPerRequestUsd: number | null;
}

/** The grid, prompt size by prompt size. */
export function sweepCells(promptTokens: readonly number[], outputTokens: readonly number[]): SweepCell[] {
  const cells: SweepCell[] = [];
  for (const p of promptTokens) for (const o of outputTokens) cells.push({ name: `p${p}_o${o}`, promptTokens: p, maxOutputTokens: o });
  return cells;
}

// Short common words: one token each for the service's tokenizer and the emulator's (≤ 4 characters a word).
const WORDS = [
  "the",
  "log",
  "says",
  "that",
  "each",
  "user",
  "sent",
  "one",
  "new",
  "post",
  "in",
  "this",
  "hour",
  "and",
  "it",
  "was",
  "fine",
];
const INSTRUCTION = "Read the notes below, then write a long summary of them.\n\n";
// The instruction's tokens as the emulator counts them (a word of 5 to 8 characters is two).
const OVERHEAD_TOKENS = 18;

/** A prompt of about `tokens` tokens: an instruction and filler words. */
export function sweepPrompt(tokens: number): string {
  const words = Math.max(1, tokens - OVERHEAD_TOKENS);
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[i % WORDS.length] as string);
  return INSTRUCTION + out.join(" ");
}

/** The generateContent body of a cell. */
export function sweepBody(cell: SweepCell, prompt: string, thinkingBudget: number | undefined): string {
  const generationConfig: Record<string, unknown> = { maxOutputTokens: cell.maxOutputTokens };
  if (thinkingBudget !== undefined) generationConfig.thinkingConfig = { thinkingBudget };
  return JSON.stringify({ contents: [{ role: "user", parts: [{ text: prompt }] }], generationConfig });
}

/** Always-true thresholds that make k6 keep each cell's sub-metrics for the summary. */
export function sweepThresholds(cells: readonly SweepCell[]): Record<string, string[]> {
  const thresholds: Record<string, string[]> = {};
  for (const { name } of cells) {
    thresholds[`gemini_request_duration{cell:${name}}`] = ["p(95)>=0"];
    thresholds[`gemini_ttft{cell:${name}}`] = ["p(50)>=0"];
    thresholds[`gemini_tokens_per_second{cell:${name}}`] = ["avg>=0"];
    thresholds[`gemini_cost_usd{cell:${name}}`] = ["count>=0"];
    thresholds[`gemini_prompt_tokens{cell:${name}}`] = ["count>=0"];
  }
  return thresholds;
}

type Metrics = Record<string, { values: Record<string, number> } | undefined>;

/** Each cell's figures from k6's end-of-test metrics. */
export function sweepRows(cells: readonly SweepCell[], metrics: Metrics): SweepRow[] {
  return cells.map((cell) => {
    const value = (metric: string, stat: string): number | null => metrics[`${metric}{cell:${cell.name}}`]?.values[stat] ?? null;
    const requests = value("gemini_request_duration", "count") ?? 0;
    const prompt = value("gemini_prompt_tokens", "count");
    const cost = value("gemini_cost_usd", "count");
    return {
      ...cell,
      requests,
      measuredPromptTokens: requests > 0 && prompt !== null ? prompt / requests : null,
      p50Ms: value("gemini_request_duration", "med"),
      p95Ms: value("gemini_request_duration", "p(95)"),
      ttftP50Ms: value("gemini_ttft", "med"),
      outputTokensPerSecond: value("gemini_tokens_per_second", "avg"),
      costPerRequestUsd: requests > 0 && cost !== null ? cost / requests : null,
    };
  });
}

const fmt = (v: number | null, digits = 0): string => (v === null ? "–" : v.toFixed(digits));

/** The table printed after the summary. */
export function formatSweep(rows: readonly SweepRow[]): string {
  const lines = ["prompt tokens  max output  requests  p50 ms  p95 ms  TTFT p50  tokens/s  cost/request"];
  for (const r of rows) {
    lines.push(
      [
        String(r.promptTokens).padStart(13),
        String(r.maxOutputTokens).padStart(10),
        String(r.requests).padStart(8),
        fmt(r.p50Ms).padStart(6),
        fmt(r.p95Ms).padStart(6),
        fmt(r.ttftP50Ms).padStart(8),
        fmt(r.outputTokensPerSecond).padStart(8),
        (r.costPerRequestUsd === null ? "–" : `$${r.costPerRequestUsd.toFixed(6)}`).padStart(12),
      ].join("  "),
    );
  }
  return lines.join("\n");
}
