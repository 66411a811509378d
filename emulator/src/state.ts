// The emulator's mutable state in one place: effective config, model catalog, capacity, quotas,
// statistics, request log and the seeded sequences that drive delays and faults.

import { BUILTIN_MODELS, userModel, type ModelInfo } from "./models.ts";
import { Capacity } from "./capacity.ts";
import { QuotaTracker } from "./quota.ts";
import { Stats } from "./stats.ts";
import { RequestLog } from "./request-log.ts";
import { QuantileSequence } from "./timing.ts";
import { Rng, hashString } from "./random.ts";
import { AnswerCache } from "./answer-cache.ts";
import { BatchStore } from "./batch-store.ts";
import { keyLabel } from "./config.ts";
import type { EmulatorConfig, ModelSettings } from "./profiles.ts";

const FALLBACK_SETTINGS: ModelSettings = {
  ttftMedianMs: 0,
  ttftP95Ms: 0,
  tokensPerSecond: 0,
  thoughtsTokens: 0,
  thinkingTokensPerSecond: 0,
  outputTokensMedian: 100,
  slots: 0,
  queue: 0,
};

/** Everything a running emulator remembers. */
export class EmulatorState {
  config!: EmulatorConfig;
  models = new Map<string, ModelInfo>();
  modelList: ModelInfo[] = [];
  readonly capacity = new Map<string, Capacity>();
  readonly quota: QuotaTracker;
  readonly stats: Stats;
  readonly log: RequestLog;
  readonly answers = new AnswerCache();
  readonly batches = new BatchStore();
  private readonly sequences = new Map<string, QuantileSequence>();
  faultRng: Rng;
  /** True while no fault is scoped to a key, so requests skip hashing their key. */
  noKeyFaults = true;
  private readonly keyLabels = new Map<string, string>();

  constructor(config: EmulatorConfig) {
    this.quota = new QuotaTracker(config.quotaTier);
    this.stats = new Stats(config.maxSamples);
    this.log = new RequestLog(config.requestLogLimit);
    this.faultRng = new Rng(config.seed ^ 0x5eed);
    this.apply(config);
  }

  /** Makes a (validated) configuration effective; capacity limits change in place so queued requests keep their turn. */
  apply(config: EmulatorConfig): void {
    const seedChanged = this.config !== undefined && this.config.seed !== config.seed;
    this.config = config;
    this.noKeyFaults = Object.keys(config.faults.byKey).length === 0;
    const list: ModelInfo[] = [...BUILTIN_MODELS];
    for (const name of Object.keys(config.models)) if (!list.some((m) => m.id === name)) list.push(userModel(name));
    this.modelList = list;
    this.models = new Map(list.map((m) => [m.id, m]));
    for (const m of list) {
      const s = this.settings(m.id);
      const cap = this.capacity.get(m.id);
      if (cap) {
        cap.slots = s.slots;
        cap.queueLimit = s.queue;
      } else this.capacity.set(m.id, new Capacity(s.slots, s.queue));
    }
    this.quota.tier = config.quotaTier;
    this.quota.windowMs = config.quotaWindowMs;
    this.log.limit = config.requestLogLimit;
    this.answers.clear();
    if (seedChanged) this.reseed();
  }

  /** Timing, capacity and quota settings of a model. */
  settings(model: string): ModelSettings {
    return this.config.models[model] ?? this.config.models["gemini-2.5-flash"] ?? FALLBACK_SETTINGS;
  }

  /** A key's label (see keyLabel), remembered for the few keys a run uses. */
  keyLabel(key: string): string {
    let label = this.keyLabels.get(key);
    if (label === undefined) {
      // Bounded: a client sending a new key per request must not grow this without end.
      if (this.keyLabels.size >= 1024) this.keyLabels.clear();
      label = keyLabel(key);
      this.keyLabels.set(key, label);
    }
    return label;
  }

  /** The next delay quantile for a stream of draws (one per model and kind of delay). */
  nextQuantile(key: string): number {
    let seq = this.sequences.get(key);
    if (!seq) {
      seq = new QuantileSequence(hashString(key, this.config.seed));
      this.sequences.set(key, seq);
    }
    return seq.next();
  }

  /** The served model a request names, with or without its `models/` prefix. */
  findModel(id: string): ModelInfo | undefined {
    return this.models.get(id.startsWith("models/") ? id.slice(7) : id);
  }

  /** Restarts every seeded sequence, so a reset run repeats the same delays and faults. */
  reseed(): void {
    this.sequences.clear();
    this.faultRng = new Rng(this.config.seed ^ 0x5eed);
  }

  /** Clears stats, samples, quota windows, the request log and the Batch Mode jobs. */
  reset(): void {
    this.stats.reset();
    this.quota.reset();
    this.log.reset();
    this.batches.clear();
    this.reseed();
  }
}
