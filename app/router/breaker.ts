// A circuit breaker for one upstream: closed while its recent failure rate is low, open (no traffic)
// for a cool-down once it is high, then half-open, letting one probe through to decide. Pure: the
// caller passes the time.

/** When a breaker opens and how long it stays open. */
export interface BreakerOptions {
  /** Outcomes remembered while closed. */
  window: number;
  /** Outcomes needed in the window before it may open. */
  minSamples: number;
  /** Failure share of the window (0–1) at or above which it opens. */
  failureRate: number;
  /** How long it stays open before a probe is let through. */
  openMs: number;
}

/** closed: traffic flows; open: none; half-open: one probe at a time decides. */
export type BreakerState = "closed" | "open" | "half-open";

/** One state change, for the admin endpoint and the tests. */
export interface BreakerTransition {
  from: BreakerState;
  to: BreakerState;
  atMs: number;
}

/** The breaker of one upstream. */
export class CircuitBreaker {
  private state: BreakerState = "closed";
  private outcomes: boolean[] = [];
  private openedAt = 0;
  private probing = false;
  readonly transitions: BreakerTransition[] = [];

  constructor(private readonly options: BreakerOptions) {}

  /** The state at `now` (an open breaker turns half-open once its cool-down has passed). */
  current(now: number): BreakerState {
    if (this.state === "open" && now - this.openedAt >= this.options.openMs) this.move("half-open", now);
    return this.state;
  }

  /** Whether a request may go to this upstream now; in half-open only one probe at a time. */
  allows(now: number): boolean {
    const state = this.current(now);
    if (state === "closed") return true;
    return state === "half-open" && !this.probing;
  }

  /** Notes that a request was sent (in half-open, it is the probe). */
  onSend(now: number): void {
    if (this.current(now) === "half-open") this.probing = true;
  }

  /** Milliseconds until an open breaker lets a probe through (0 unless open). */
  probeInMs(now: number): number {
    return this.current(now) === "open" ? this.options.openMs - (now - this.openedAt) : 0;
  }

  /** A probe that was cancelled before it answered decides nothing: the next request may probe. */
  cancelProbe(): void {
    this.probing = false;
  }

  /** Records an outcome: a failed probe reopens, a good one closes; while closed the window decides. */
  record(ok: boolean, now: number): void {
    const state = this.current(now);
    if (state === "half-open") {
      this.probing = false;
      if (ok) {
        this.outcomes = [];
        this.move("closed", now);
      } else this.open(now);
      return;
    }
    if (state === "open") return;
    this.outcomes.push(ok);
    if (this.outcomes.length > this.options.window) this.outcomes.shift();
    if (this.outcomes.length < this.options.minSamples) return;
    const failures = this.outcomes.filter((o) => !o).length;
    if (failures / this.outcomes.length >= this.options.failureRate) this.open(now);
  }

  /** Failure share of the outcomes in the window (0 when empty). */
  failureShare(): number {
    if (this.outcomes.length === 0) return 0;
    return this.outcomes.filter((o) => !o).length / this.outcomes.length;
  }

  private open(now: number): void {
    this.openedAt = now;
    this.outcomes = [];
    this.move("open", now);
  }

  private move(to: BreakerState, now: number): void {
    if (to === this.state) return;
    this.transitions.push({ from: this.state, to, atMs: now });
    if (this.transitions.length > 100) this.transitions.shift();
    this.state = to;
  }
}
