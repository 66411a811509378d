// Ground truth kept by the server: counts by status/model/method, concurrency and queue peaks, tokens, and
// one sample per API request (time to first byte, total time) in a bounded columnar ring, so percentiles
// are exact over every kept sample and memory stays flat however long the emulator runs.

/** Percentile summary, nearest-rank over every sample. */
export interface Percentiles {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** One finished API request as recorded. */
export interface Sample {
  model: string;
  method: string;
  status: number;
  stream: boolean;
  ttfbMs: number;
  totalMs: number;
  promptTokens: number;
  outputTokens: number;
  thoughtsTokens: number;
  startedAt: string;
}

/** Request counts as the stats document reports them. */
export interface RequestCounts {
  total: number;
  byStatus: Record<string, number>;
  byModel: Record<string, number>;
  byMethod: Record<string, number>;
}

/** The document `GET /__emulator/stats` answers with. */
export interface StatsSummary {
  requests: RequestCounts;
  ttfbMs: Percentiles;
  totalMs: Percentiles;
  concurrency: { current: number; peak: number };
  queue: { current: number; peak: number };
  tokens: { prompt: number; output: number; thoughts: number };
  /** Requests whose body never arrived in full (client gone or request timeout): not in the samples. */
  abortedUploads: number;
  samplesKept: number;
  samplesCapacity: number;
}

const toMicros = (ms: number): number => Math.round(ms * 1000) / 1000;

/** Nearest-rank percentiles of a list of numbers (sorted in place). */
export function percentiles(values: Float64Array | number[]): Percentiles {
  const n = values.length;
  if (n === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  const sorted = values instanceof Float64Array ? values.sort() : Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)] as number;
  return {
    count: n,
    min: toMicros(sorted[0] as number),
    mean: toMicros(sum / n),
    p50: toMicros(rank(50)),
    p90: toMicros(rank(90)),
    p95: toMicros(rank(95)),
    p99: toMicros(rank(99)),
    max: toMicros(sorted[n - 1] as number),
  };
}

const GROW = 4096;

/** Request statistics and the sample ring. */
export class Stats {
  total = 0;
  byStatus: Record<string, number> = {};
  byModel: Record<string, number> = {};
  byMethod: Record<string, number> = {};
  concurrency = { current: 0, peak: 0 };
  queue = { current: 0, peak: 0 };
  tokens = { prompt: 0, output: 0, thoughts: 0 };
  /** Requests whose body never arrived in full (client gone or request timeout): counted apart, never sampled. */
  abortedUploads = 0;

  // Columnar ring: grows in steps up to `capacity`, then overwrites the oldest sample.
  private size = 0;
  private next = 0;
  private allocated = 0;
  private ttfb = new Float64Array(0);
  private totalMs = new Float64Array(0);
  private started = new Float64Array(0);
  private status = new Uint16Array(0);
  private modelIdx = new Uint16Array(0);
  private methodIdx = new Uint8Array(0);
  private streamFlag = new Uint8Array(0);
  private prompt = new Uint32Array(0);
  private output = new Uint32Array(0);
  private thoughts = new Uint32Array(0);
  private readonly names: string[] = [""];
  private readonly nameIndex = new Map<string, number>([["", 0]]);
  private readonly methods: string[] = [""];
  private readonly methodIndex = new Map<string, number>([["", 0]]);

  constructor(public capacity: number) {}

  /** Records one finished request. `model` must come from the catalog (or be empty), so the name table stays small. */
  record(s: Omit<Sample, "startedAt"> & { startedAtMs: number }): void {
    this.total++;
    const statusKey = String(s.status);
    this.byStatus[statusKey] = (this.byStatus[statusKey] ?? 0) + 1;
    if (s.model) this.byModel[s.model] = (this.byModel[s.model] ?? 0) + 1;
    if (s.method) this.byMethod[s.method] = (this.byMethod[s.method] ?? 0) + 1;
    this.tokens.prompt += s.promptTokens;
    this.tokens.output += s.outputTokens;
    this.tokens.thoughts += s.thoughtsTokens;
    if (this.size < this.capacity && this.next >= this.allocated) this.grow();
    const i = this.next;
    // Kept at microsecond resolution, the resolution /samples reports, so percentiles computed by a
    // client from the samples equal the server's to the last digit.
    this.ttfb[i] = toMicros(s.ttfbMs);
    this.totalMs[i] = toMicros(s.totalMs);
    this.started[i] = s.startedAtMs;
    this.status[i] = s.status;
    this.modelIdx[i] = intern(s.model, this.names, this.nameIndex);
    this.methodIdx[i] = intern(s.method, this.methods, this.methodIndex);
    this.streamFlag[i] = s.stream ? 1 : 0;
    this.prompt[i] = s.promptTokens;
    this.output[i] = s.outputTokens;
    this.thoughts[i] = s.thoughtsTokens;
    this.next = (i + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  private grow(): void {
    const n = Math.min(this.capacity, Math.max(GROW, this.allocated * 2));
    const extend = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const fresh = make(n);
      fresh.set(old as never);
      return fresh;
    };
    this.ttfb = extend(this.ttfb, (k) => new Float64Array(k));
    this.totalMs = extend(this.totalMs, (k) => new Float64Array(k));
    this.started = extend(this.started, (k) => new Float64Array(k));
    this.status = extend(this.status, (k) => new Uint16Array(k));
    this.modelIdx = extend(this.modelIdx, (k) => new Uint16Array(k));
    this.methodIdx = extend(this.methodIdx, (k) => new Uint8Array(k));
    this.streamFlag = extend(this.streamFlag, (k) => new Uint8Array(k));
    this.prompt = extend(this.prompt, (k) => new Uint32Array(k));
    this.output = extend(this.output, (k) => new Uint32Array(k));
    this.thoughts = extend(this.thoughts, (k) => new Uint32Array(k));
    this.allocated = n;
  }

  /** Index positions of the kept samples, oldest first, optionally filtered by model and method. */
  private indexes(model?: string, method?: string): number[] {
    const out: number[] = [];
    const start = this.size < this.capacity ? 0 : this.next;
    const m = model ? this.nameIndex.get(model) : undefined;
    const me = method ? this.methodIndex.get(method) : undefined;
    if ((model && m === undefined) || (method && me === undefined)) return out;
    for (let k = 0; k < this.size; k++) {
      const i = (start + k) % this.capacity;
      if (m !== undefined && this.modelIdx[i] !== m) continue;
      if (me !== undefined && this.methodIdx[i] !== me) continue;
      out.push(i);
    }
    return out;
  }

  /** The stats document of the admin API; with a filter, counts and percentiles cover matching samples only. */
  summary(model?: string, method?: string): StatsSummary {
    const filtered = Boolean(model || method);
    const idx = this.indexes(model, method);
    const ttfb = new Float64Array(idx.length);
    const total = new Float64Array(idx.length);
    for (let k = 0; k < idx.length; k++) {
      ttfb[k] = this.ttfb[idx[k] as number] as number;
      total[k] = this.totalMs[idx[k] as number] as number;
    }
    let requests: RequestCounts = {
      total: this.total,
      byStatus: { ...this.byStatus },
      byModel: { ...this.byModel },
      byMethod: { ...this.byMethod },
    };
    let tokens = { ...this.tokens };
    if (filtered) {
      const byStatus: Record<string, number> = {};
      const byModel: Record<string, number> = {};
      const byMethod: Record<string, number> = {};
      tokens = { prompt: 0, output: 0, thoughts: 0 };
      for (const i of idx) {
        const st = String(this.status[i]);
        byStatus[st] = (byStatus[st] ?? 0) + 1;
        const mo = this.names[this.modelIdx[i] as number] as string;
        if (mo) byModel[mo] = (byModel[mo] ?? 0) + 1;
        const me = this.methods[this.methodIdx[i] as number] as string;
        if (me) byMethod[me] = (byMethod[me] ?? 0) + 1;
        tokens.prompt += this.prompt[i] as number;
        tokens.output += this.output[i] as number;
        tokens.thoughts += this.thoughts[i] as number;
      }
      requests = { total: idx.length, byStatus, byModel, byMethod };
    }
    return {
      requests,
      ttfbMs: percentiles(ttfb),
      totalMs: percentiles(total),
      concurrency: { ...this.concurrency },
      queue: { ...this.queue },
      tokens,
      abortedUploads: this.abortedUploads,
      samplesKept: this.size,
      samplesCapacity: this.capacity,
    };
  }

  /** The kept samples, oldest first. */
  samples(model?: string, method?: string): Sample[] {
    return this.indexes(model, method).map((i) => ({
      model: this.names[this.modelIdx[i] as number] as string,
      method: this.methods[this.methodIdx[i] as number] as string,
      status: this.status[i] as number,
      stream: this.streamFlag[i] === 1,
      ttfbMs: this.ttfb[i] as number,
      totalMs: this.totalMs[i] as number,
      promptTokens: this.prompt[i] as number,
      outputTokens: this.output[i] as number,
      thoughtsTokens: this.thoughts[i] as number,
      startedAt: new Date(this.started[i] as number).toISOString(),
    }));
  }

  /** Tracks concurrency (requests being served) and queue depth; peaks survive until reset. */
  enter(): void {
    this.concurrency.current++;
    if (this.concurrency.current > this.concurrency.peak) this.concurrency.peak = this.concurrency.current;
  }
  leave(): void {
    this.concurrency.current--;
  }
  queued(delta: number): void {
    this.queue.current += delta;
    if (this.queue.current > this.queue.peak) this.queue.peak = this.queue.current;
  }

  /** Clears counts, samples and peaks (current concurrency and queue depth are live values and stay). */
  reset(): void {
    this.total = 0;
    this.byStatus = {};
    this.byModel = {};
    this.byMethod = {};
    this.tokens = { prompt: 0, output: 0, thoughts: 0 };
    this.abortedUploads = 0;
    this.concurrency.peak = this.concurrency.current;
    this.queue.peak = this.queue.current;
    this.size = 0;
    this.next = 0;
  }
}

function intern(name: string, list: string[], index: Map<string, number>): number {
  let i = index.get(name);
  if (i === undefined) {
    i = list.length;
    list.push(name);
    index.set(name, i);
  }
  return i;
}
