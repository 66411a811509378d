// The app's own concurrency limit: at most `limit` requests run, up to `queue` more wait in arrival
// order, and beyond that a request is refused at once (the server answers 503 with Retry-After).

/** Why a request did not get a slot. */
export type Refusal = "full" | "aborted";

/** A concurrency limit with a bounded FIFO queue. */
export class Limiter {
  private running = 0;
  private readonly waiting: Array<(granted: boolean) => void> = [];

  constructor(
    readonly limit: number,
    readonly queueLimit: number,
  ) {}

  /** Requests running now. */
  get active(): number {
    return this.running;
  }

  /** Requests waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Takes a slot, waiting in line if all are busy; resolves to a refusal when the queue is full or
   * `signal` aborts (the deadline passed) while waiting. Call `release()` once for every granted slot.
   */
  async acquire(signal?: AbortSignal): Promise<true | Refusal> {
    if (this.running < this.limit) {
      this.running++;
      return true;
    }
    if (this.waiting.length >= this.queueLimit) return "full";
    if (signal?.aborted) return "aborted";
    return new Promise<true | Refusal>((resolve) => {
      const entry = (granted: boolean) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(granted ? true : "aborted");
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(entry);
        if (at >= 0) this.waiting.splice(at, 1);
        entry(false);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Frees a slot: the longest-waiting request gets it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next(true);
    else this.running--;
  }
}
