// Per-model capacity: a number of concurrent slots and a bounded FIFO queue. Requests beyond the slots
// wait (so latency grows with load); beyond the queue they are refused, which the server turns into a 503.

/** Slots and queue of one model. */
export class Capacity {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(
    public slots: number,
    public queueLimit: number,
  ) {}

  get inUse(): number {
    return this.active;
  }
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Takes a slot, waiting in the queue when all are busy. Resolves to true when a slot is held (call
   * `release()` once done), or false at once when the queue is full. Unbounded when slots is 0.
   */
  acquire(): Promise<boolean> | boolean {
    if (this.slots === 0 || this.active < this.slots) {
      this.active++;
      return true;
    }
    if (this.waiting.length >= this.queueLimit) return false;
    return new Promise<boolean>((resolve) => {
      this.waiting.push(() => {
        this.active++;
        resolve(true);
      });
    });
  }

  /** Gives a slot back and admits the longest-waiting request. */
  release(): void {
    this.active--;
    while (this.waiting.length > 0 && (this.slots === 0 || this.active < this.slots)) {
      const next = this.waiting.shift() as () => void;
      next();
    }
  }
}
