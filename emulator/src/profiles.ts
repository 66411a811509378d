// Built-in profiles: per-model timing, capacity and quota defaults, and fault settings.
//
// Latency sources (BEHAVIOR.md, figures dated 2025): Server-Timing `dur` in the js-genai recordings of
// 2025-08 — 2.0-flash streaming 250–660 ms, 2.5-flash streaming 1.3–3.6 s with thinking on, 2.5-pro
// 2.8–5.6 s, countTokens ≈ 31 ms, an error ≈ 48 ms; output speed 2.5 Flash ≈ 200–275 tokens/s and
// 1.5/2.0 Flash TTFT ≈ 0.4–0.5 s (public benchmark pages, 2025). Thinking time is thoughts tokens at
// the model's thinking speed, which together with TTFT reproduces the 2.5 figures above.
// Quota presets: BEHAVIOR.md table (free and tier 1 as of 2025-07, tier 2 ~2026, tier 3 for Flash).

/** Timing, capacity and quota overrides for one model. */
export interface ModelSettings {
  /** Time to first token, lognormal: median and 95th percentile in ms (0 and 0 = no delay). */
  ttftMedianMs: number;
  ttftP95Ms: number;
  /** Output speed after the first token (0 = instantaneous). */
  tokensPerSecond: number;
  /** Mean thoughts tokens when thinking is on; spent at `thinkingTokensPerSecond` before the first token. */
  thoughtsTokens: number;
  thinkingTokensPerSecond: number;
  /** Typical answer length in tokens for free text (actual lengths vary 0.3×–2× around it). */
  outputTokensMedian: number;
  /** Concurrent requests served; 0 = unbounded. */
  slots: number;
  /** Requests allowed to wait for a slot; beyond that → 503. */
  queue: number;
  /** Quota overrides (0 = unlimited); when absent the quota tier decides. */
  rpm?: number;
  tpm?: number;
  rpd?: number;
}

/** Fault injection, applied per request with seeded randomness. */
export interface FaultSettings {
  /** Probability per request of answering with this status instead of serving it. */
  errorRates: { "429": number; "500": number; "503": number; "504": number };
  /** Multiplies every delay (TTFT, thinking, token pacing). */
  latencyMultiplier: number;
  /** With probability `rate`, a response sends no bytes for `seconds` (before the first byte, or mid-stream). */
  stall: { rate: number; seconds: number };
  /** Probability that a stream's connection is reset after its first chunk. */
  resetRate: number;
  /** With probability `rate`, a stream runs `factor` times slower. */
  slowStream: { rate: number; factor: number };
  /** Probability that a stream ends, after its first chunk, with a raw JSON error of `status` (HTTP status stays 200). */
  midStreamError: { rate: number; status: 500 | 503 | 504 };
  /** Error rates and latency for one model only, by model name; replace the global values for that model. */
  byModel: Record<string, ScopedFaults>;
  /** The same for one API key, named by its label (`sha256:` + 12 hex digits of its SHA-256); wins over byModel. */
  byKey: Record<string, ScopedFaults>;
}

/** Faults of one model or one key: each field set replaces the global one (errorRates as a whole, unset statuses 0). */
export interface ScopedFaults {
  errorRates?: Partial<FaultSettings["errorRates"]>;
  latencyMultiplier?: number;
}

export type QuotaTier = "unlimited" | "free" | "tier1" | "tier2" | "tier3";

/** Which year's wording the 503 UNAVAILABLE message uses (BEHAVIOR.md lists both). */
type OverloadWording = "2025" | "2026";

/** Requests per minute, input tokens per minute, requests per day (0 = unlimited). */
export interface QuotaLimits {
  rpm: number;
  tpm: number;
  rpd: number;
}

/**
 * Batch Mode turnaround: a job waits `pendingMs`, then runs `runMs + runMsPerRequest` × its requests;
 * one not done `expireMs` after creation expires (the service: 48 h).
 */
export interface BatchSettings {
  pendingMs: number;
  runMs: number;
  runMsPerRequest: number;
  expireMs: number;
}

/** The effective emulator configuration. */
export interface EmulatorConfig {
  profile: string;
  seed: number;
  /** Accepted API keys; empty = any non-empty key. */
  apiKeys: string[];
  admin: boolean;
  quotaTier: QuotaTier;
  /** Length of the per-minute quota window (RPM, TPM), ms: 60,000; shorter compresses time for short experiments. */
  quotaWindowMs: number;
  models: Record<string, ModelSettings>;
  /** Latency of countTokens and models.get/list. */
  control: { medianMs: number; p95Ms: number };
  /** Latency of errors answered before a stream starts (BEHAVIOR.md: an error ≈ 48 ms). */
  errorDelay: { medianMs: number; p95Ms: number };
  faults: FaultSettings;
  /** Wording of 503 UNAVAILABLE: "2026" (current) or "2025" ("The model is overloaded…"). */
  overloadWording: OverloadWording;
  safety: { promptBlockTerms: string[]; responseBlockTerms: string[] };
  requestLog: boolean;
  requestLogLimit: number;
  maxSamples: number;
  maxBodyBytes: number;
  batch: BatchSettings;
}

/** Quota presets per tier and model family (flash, flash-lite, pro); other models use the flash row. */
export const QUOTA_PRESETS: Record<Exclude<QuotaTier, "unlimited">, Record<"flash" | "flash-lite" | "pro", QuotaLimits>> = {
  // Free tier, 2025-07 (cut in 2025-12: 2.5 Flash then 5 RPM / 250k TPM / 20 RPD).
  free: {
    pro: { rpm: 5, tpm: 250_000, rpd: 100 },
    flash: { rpm: 10, tpm: 250_000, rpd: 250 },
    "flash-lite": { rpm: 15, tpm: 250_000, rpd: 1000 },
  },
  // Tier 1 (billing linked), 2025-07.
  tier1: {
    pro: { rpm: 150, tpm: 2_000_000, rpd: 10_000 },
    flash: { rpm: 1000, tpm: 1_000_000, rpd: 10_000 },
    "flash-lite": { rpm: 4000, tpm: 4_000_000, rpd: 0 },
  },
  // Tier 2 ($250 spent + 30 days), ~2026.
  tier2: {
    pro: { rpm: 1000, tpm: 5_000_000, rpd: 50_000 },
    flash: { rpm: 2000, tpm: 3_000_000, rpd: 100_000 },
    "flash-lite": { rpm: 10_000, tpm: 10_000_000, rpd: 0 },
  },
  // Tier 3 ($1,000 + 30 days): only the Flash figure is published (≈ 10,000 RPM / 8M TPM); pro and lite scaled from tier 2.
  tier3: {
    pro: { rpm: 2000, tpm: 8_000_000, rpd: 0 },
    flash: { rpm: 10_000, tpm: 8_000_000, rpd: 0 },
    "flash-lite": { rpm: 30_000, tpm: 30_000_000, rpd: 0 },
  },
};

function model(s: Omit<ModelSettings, "rpm" | "tpm" | "rpd">): ModelSettings {
  return s;
}

const REALISTIC_MODELS: Record<string, ModelSettings> = {
  "gemini-2.5-flash": model({
    ttftMedianMs: 600,
    ttftP95Ms: 1500,
    tokensPerSecond: 230,
    thoughtsTokens: 300,
    thinkingTokensPerSecond: 250,
    outputTokensMedian: 150,
    slots: 64,
    queue: 192,
  }),
  "gemini-2.5-flash-lite": model({
    ttftMedianMs: 350,
    ttftP95Ms: 800,
    tokensPerSecond: 350,
    thoughtsTokens: 200,
    thinkingTokensPerSecond: 400,
    outputTokensMedian: 150,
    slots: 64,
    queue: 192,
  }),
  "gemini-2.5-pro": model({
    ttftMedianMs: 1200,
    ttftP95Ms: 2800,
    tokensPerSecond: 150,
    thoughtsTokens: 500,
    thinkingTokensPerSecond: 250,
    outputTokensMedian: 250,
    slots: 16,
    queue: 48,
  }),
  "gemini-2.0-flash": model({
    ttftMedianMs: 420,
    ttftP95Ms: 700,
    tokensPerSecond: 250,
    thoughtsTokens: 0,
    thinkingTokensPerSecond: 1,
    outputTokensMedian: 150,
    slots: 64,
    queue: 192,
  }),
  "gemini-3-flash-preview": model({
    ttftMedianMs: 800,
    ttftP95Ms: 2500,
    tokensPerSecond: 200,
    thoughtsTokens: 400,
    thinkingTokensPerSecond: 250,
    outputTokensMedian: 150,
    slots: 32,
    queue: 96,
  }),
  "gemini-embedding-001": model({
    ttftMedianMs: 60,
    ttftP95Ms: 150,
    tokensPerSecond: 0,
    thoughtsTokens: 0,
    thinkingTokensPerSecond: 1,
    outputTokensMedian: 1,
    slots: 64,
    queue: 256,
  }),
};

function mapModels(f: (name: string, s: ModelSettings) => ModelSettings): Record<string, ModelSettings> {
  const out: Record<string, ModelSettings> = {};
  for (const [name, s] of Object.entries(REALISTIC_MODELS)) out[name] = f(name, s);
  return out;
}

/** Every fault off: the state of a fresh emulator. */
export const NO_FAULTS: FaultSettings = {
  errorRates: { "429": 0, "500": 0, "503": 0, "504": 0 },
  latencyMultiplier: 1,
  stall: { rate: 0, seconds: 5 },
  resetRate: 0,
  slowStream: { rate: 0, factor: 10 },
  midStreamError: { rate: 0, status: 500 },
  byModel: {},
  byKey: {},
};

function base(profile: string): EmulatorConfig {
  return {
    profile,
    seed: 42,
    apiKeys: [],
    admin: true,
    quotaTier: "unlimited",
    quotaWindowMs: 60_000,
    models: {},
    control: { medianMs: 0, p95Ms: 0 },
    errorDelay: { medianMs: 0, p95Ms: 0 },
    faults: structuredClone(NO_FAULTS),
    overloadWording: "2026",
    safety: { promptBlockTerms: ["EMULATOR_BLOCK_PROMPT"], responseBlockTerms: ["EMULATOR_BLOCK_RESPONSE"] },
    requestLog: false,
    requestLogLimit: 1000,
    maxSamples: 1_000_000,
    maxBodyBytes: 20 * 1024 * 1024,
    batch: structuredClone(REALISTIC_BATCH),
  };
}

// The service states a 24 h target and says jobs often finish much sooner (BEHAVIOR-MORE.md, 2025-26);
// no turnaround figures are published, so these are assumptions: a minute queued, then two minutes
// plus 50 ms a request.
const REALISTIC_BATCH: BatchSettings = { pendingMs: 60_000, runMs: 120_000, runMsPerRequest: 50, expireMs: 48 * 3600_000 };
// A small batch is done within a second, so tests see every state in a few polls.
const FAST_BATCH: BatchSettings = { pendingMs: 150, runMs: 300, runMsPerRequest: 5, expireMs: 48 * 3600_000 };

const FAST_MODEL = (name: string, s: ModelSettings): ModelSettings => ({
  ...s,
  ttftMedianMs: name === "gemini-embedding-001" ? 5 : 40,
  ttftP95Ms: name === "gemini-embedding-001" ? 10 : 80,
  tokensPerSecond: name === "gemini-embedding-001" ? 0 : 800,
  thoughtsTokens: s.thoughtsTokens > 0 ? 40 : 0,
  thinkingTokensPerSecond: 4000,
  slots: 512,
  queue: 2048,
});

/** Profile builders by name. */
export const PROFILES: Record<string, () => EmulatorConfig> = {
  realistic: () => ({
    ...base("realistic"),
    // Tier 2 keeps a minute of `npm start` load (up to ~20 req/s) mostly within quota, as a paying user would be.
    quotaTier: "tier2",
    models: structuredClone(REALISTIC_MODELS),
    control: { medianMs: 30, p95Ms: 60 },
    // The recordings show no spread for errors; p95 at twice the median, like countTokens'.
    errorDelay: { medianMs: 48, p95Ms: 96 },
  }),
  fast: () => ({
    ...base("fast"),
    models: mapModels(FAST_MODEL),
    control: { medianMs: 2, p95Ms: 5 },
    errorDelay: { medianMs: 2, p95Ms: 5 },
    batch: { ...FAST_BATCH },
  }),
  "zero-latency": () => ({
    ...base("zero-latency"),
    models: mapModels((_n, s) => ({
      ...s,
      ttftMedianMs: 0,
      ttftP95Ms: 0,
      tokensPerSecond: 0,
      thinkingTokensPerSecond: 0,
      slots: 0,
      queue: 0,
    })),
    batch: { pendingMs: 0, runMs: 0, runMsPerRequest: 0, expireMs: 48 * 3600_000 },
  }),
  degraded: () => {
    const config = {
      ...base("degraded"),
      models: mapModels(FAST_MODEL),
      control: { medianMs: 2, p95Ms: 5 },
      errorDelay: { medianMs: 2, p95Ms: 5 },
      batch: { ...FAST_BATCH },
    };
    config.faults.errorRates["503"] = 0.3;
    config.faults.latencyMultiplier = 5;
    return config;
  },
};
